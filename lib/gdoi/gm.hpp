// The group member's protocol object: registers to its key servers (Main Mode,
// then GROUPKEY-PULL), validates the policy and hands it to the sa_installer.
// No sockets: start()/handle() return what to send; timers run on core::clock and
// use the sender callback for retransmissions and re-registration.
#pragma once

#include "core/clock.hpp"
#include "core/events.hpp"
#include "gdoi/installer.hpp"
#include "gdoi/keylog.hpp"
#include "gdoi/ks.hpp"
#include "gdoi/phase1.hpp"
#include "gdoi/pull.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gdoi {

struct gm_config {
    std::string group;
    group_identity identity;
    std::vector<endpoint> servers; // `server address ipv4`, in order, at most 8
    std::uint32_t local_addr = 0;
    phase1_config phase1;
    psk_table psks;
    gm_acceptance accept;
    std::vector<traffic_selector> local_deny; // GM-local ACL deny entries, merged first
    // Where local_deny was configured, for `show crypto gdoi gm acl`: map and ACL names.
    std::string crypto_map;
    std::string local_acl;
    unsigned sender_ids = 1;                  // one per worker lcore
    direction_mode direction = direction_mode::both;
    // `crypto map M gdoi fail-close` + `activate`: drop the crypto map's traffic until
    // the first registration installs the group's policy, except the fail-close ACL's
    // deny lines (and GDOI to the key servers), which pass in clear.
    bool fail_close = false;
    std::vector<traffic_selector> fail_close_deny;
    // 5 s, 10 s, 20 s: a silent server is abandoned after 35 s (seed 003 shows ~40 s).
    std::chrono::milliseconds retransmit_interval{5000};
    unsigned retransmits = 2;                     // per server, doubling the interval each time
    std::chrono::seconds reregister_margin{60};   // before TEK/KEK expiry
    std::chrono::seconds reregister_jitter{10};   // random extra lead, 0..jitter
};

enum class gm_state { idle, main_mode, pull, registered, failed };
std::string_view to_string(gm_state s);

struct outbound {
    endpoint to;
    bytes data;
};

class gm {
public:
    using send_fn = std::function<void(const outbound&)>;

    gm(gm_config cfg, core::clock& clk, core::event_bus& bus, sa_installer& installer, key_log* keys = nullptr);
    ~gm();
    gm(const gm&) = delete;
    gm& operator=(const gm&) = delete;

    // Used by timers (retransmission, moving down the server list, re-registration).
    void set_sender(send_fn f) { send_ = std::move(f); }

    // Begins registration to the current server: returns Main Mode message 1.
    outbound start();
    // One datagram from a server; the next message to send, if any.
    std::optional<outbound> handle(const endpoint& from, byte_view datagram);

    // DPD (RFC 3706): an R-U-THERE to the current server over the ISAKMP SA.
    std::optional<outbound> dpd_probe();
    // Sequence number of the last R-U-THERE-ACK that answered our probe.
    std::optional<std::uint32_t> last_dpd_ack() const { return last_dpd_ack_; }

    gm_state state() const { return state_; }
    const registration* registered() const { return reg_ ? &*reg_ : nullptr; }
    const endpoint& server() const { return cfg_.servers.at(server_index_); }
    std::size_t server_index() const { return server_index_; }
    const std::string& last_error() const { return last_error_; }
    const ike_sa* sa() const { return sa_.get(); }
    // Read-only views for management (`show crypto gdoi gm`, `show crypto isakmp sa`).
    const gm_config& config() const { return cfg_; }
    // When the current registration completed, and when the re-registration timer fires.
    std::optional<core::steady_time> registered_at() const { return registered_at_; }
    std::optional<core::steady_time> reregister_at() const { return reregister_at_; }
    unsigned attempted_registrations() const { return attempted_; }
    unsigned succeeded_registrations() const { return succeeded_; }
    // Numbers this GM's ISAKMP SAs in creation order (IOS's conn-id); 0 before start().
    std::uint32_t conn_id() const { return conn_id_; }
    // A TEK handed to the installer, and when its lifetime ends.
    struct installed_tek {
        tek t;
        core::steady_time expires{};
        core::timer_id timer = 0; // takes it out of the data plane at `expires`
    };
    // Every TEK in the data plane, by SPI: the current registration's, and older
    // ones until their lifetime ends (`show crypto ipsec sa`).
    const std::map<std::uint32_t, installed_tek>& installed() const { return installed_; }

    // The direction the group's SAs are used in now: the configured one (inbound only
    // under the KS's receive-only), or the operator's since the last registration.
    direction_mode direction() const { return direction_; }
    // `crypto gdoi gm group G ipsec direction ...`: applies `mode` to the installed SAs
    // now. Not persistent: the next registration brings back the configured or KS
    // direction (seed 000).
    void set_direction(direction_mode mode);

    // `clear crypto gdoi` on a member: forgets the registration and takes the group's
    // SAs and policy out of the data plane. With fail-close configured the group goes
    // back to fail-close (seed 000); otherwise its traffic passes in clear until the
    // next registration, which start() begins.
    void clear_registration();

private:
    std::optional<outbound> fail(std::string why);
    outbound send_tracked(bytes data);
    void arm_retransmit();
    void on_retransmit();
    void install(const registration& r);
    void arm_fail_close();
    void track_expiry(const tek& t);
    void schedule_reregistration(const registration& r);
    std::optional<outbound> handle_informational(const endpoint& from, byte_view datagram);

    gm_config cfg_;
    core::clock& clock_;
    core::event_bus& bus_;
    sa_installer& installer_;
    key_log* keys_;
    send_fn send_;

    gm_state state_ = gm_state::idle;
    std::size_t server_index_ = 0;
    std::unique_ptr<ike_sa> sa_;
    std::unique_ptr<main_mode> mm_;
    std::unique_ptr<pull_initiator> pull_;
    std::optional<registration> reg_;
    bytes last_out_;
    unsigned attempts_ = 0;
    core::timer_id retransmit_timer_ = 0;
    core::timer_id rereg_timer_ = 0;
    std::string last_error_;
    std::uint32_t dpd_seq_ = 0;
    std::optional<std::uint32_t> last_dpd_ack_;
    bool fail_close_armed_ = false;
    // Every TEK handed to the installer (a newer registration's copy of the same
    // TEK moves its end on).
    std::map<std::uint32_t, installed_tek> installed_;
    std::optional<core::steady_time> registered_at_;
    std::optional<core::steady_time> reregister_at_;
    unsigned attempted_ = 0;
    unsigned succeeded_ = 0;
    std::uint32_t conn_id_ = 0;
    direction_mode direction_;
};

// Bypass entries that keep registration and rekeys to the key servers in clear.
std::vector<traffic_selector> key_server_bypass(const std::vector<endpoint>& servers);

// The merged policy a GM installs: local deny entries first, then the KS ACL in its
// order (permits protected, denies in clear).
std::vector<policy_entry> merge_acl(const std::vector<traffic_selector>& local_deny,
                                    const std::vector<policy_entry>& ks_acl);

} // namespace gdoi
