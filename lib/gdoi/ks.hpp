// The key server's protocol object: answers Main Mode and GROUPKEY-PULL from
// group members, one datagram at a time, for several groups. No sockets here:
// the transport calls handle() and sends what it returns.
#pragma once

#include "core/clock.hpp"
#include "core/events.hpp"
#include "gdoi/keylog.hpp"
#include "gdoi/phase1.hpp"
#include "gdoi/pull.hpp"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gdoi {

struct endpoint {
    std::uint32_t addr = 0; // host order
    std::uint16_t port = 848;
    bool operator==(const endpoint&) const = default;
};
std::string to_string_addr(std::uint32_t addr);

struct ks_config {
    std::uint32_t local_addr = 0;
    phase1_config phase1;
    psk_table psks;
    std::vector<group_policy> groups;
    // Half-open phase-1 state is dropped after this long.
    std::chrono::seconds negotiation_timeout{60};
    // Cap on ISAKMP sessions (half-open and established) so a flood of MM1s cannot exhaust memory.
    std::size_t max_sessions = 20000;
};

// `show crypto gdoi ks members`
struct member {
    std::uint32_t addr = 0;
    std::string group;
    std::string version;
    std::string state; // "registered"
    core::system_time registered_at{};
};

// `show crypto isakmp sa` on the KS: one ISAKMP session (half-open or established).
struct isakmp_session {
    std::uint32_t conn_id = 0; // per-KS, in creation order
    std::uint32_t local_addr = 0;
    std::uint32_t peer_addr = 0;
    cookie icookie{};
    cookie rcookie{};
    bool keys_ready = false;
    bool established = false;
    std::optional<gdoi_version> peer_version;
};

struct ks_counters {
    std::uint64_t received = 0;
    std::uint64_t malformed = 0;
    std::uint64_t refused = 0;     // state, replay, unauthorized, no proposal
    std::uint64_t hash_failures = 0;
    std::uint64_t retransmits = 0; // duplicates answered from the cache
    std::uint64_t registrations = 0;
    std::uint64_t dpd_answered = 0;
};

class ks {
public:
    ks(ks_config cfg, core::clock& clk, core::event_bus& bus, key_log* keys = nullptr);
    ~ks();
    ks(const ks&) = delete;
    ks& operator=(const ks&) = delete;

    // One datagram in; the reply to send back to `from`, if any.
    std::optional<bytes> handle(const endpoint& from, byte_view datagram);

    const std::vector<member>& members() const { return members_; }
    const group_keys* group(std::string_view name) const;
    // The group's rekey RSA key (loaded or generated), for COOP export as PEM.
    std::shared_ptr<const rsa_key> rekey_key(std::string_view group) const;
    const ks_counters& counters() const { return counters_; }
    std::size_t sessions() const { return sessions_.size(); }
    // Read-only views for management (`show crypto isakmp sa`, `show crypto gdoi`).
    std::vector<isakmp_session> session_list() const;
    const ks_config& config() const { return cfg_; }
    // When the group's current keys were generated (remaining lifetimes count from here).
    std::optional<core::steady_time> keys_created(std::string_view group) const;
    const std::string& last_error() const { return last_error_; }
    // TBAR: when the group's pseudotime started (its first registration); nullopt before.
    std::optional<core::steady_time> pseudotime_start(std::string_view group) const;

    // `clear crypto gdoi [group G] ks members`: forgets the members of `group` (every
    // group when empty) and returns how many. They keep their keys and come back in
    // the table when they next register.
    std::size_t clear_members(std::string_view group);

    // `clear crypto gdoi [group G]`: the key server takes `next` (the running
    // configuration) for its own settings, and every group `group` names (all when
    // empty) starts again from next's policy: new TEKs and KEK, sender IDs from 1,
    // TBAR pseudotime from the next registration, no members. Groups next no longer
    // has are removed; the others keep their keys and members. Registrations in
    // flight start over. Returns the groups reset or removed.
    std::vector<std::string> reload(ks_config next, std::string_view group);

private:
    struct session;
    struct group_state {
        group_policy policy;
        group_keys keys;
        std::uint32_t next_sid = 1;
        bool first_gm_seen = false;
        std::optional<core::steady_time> pseudotime_start;
        core::steady_time keys_created{};
    };

    std::optional<bytes> handle_main_mode(session& s, const message& m);
    std::optional<bytes> handle_pull(session& s, const message& m);
    std::optional<bytes> handle_informational(session& s, const message& m);
    std::unique_ptr<group_state> new_group_state(const group_policy& p, std::uint32_t local_addr) const;
    void refuse(std::string why);
    void drop_session(const cookie& icookie);
    result<group_keys*> find_group(const session& s, const id_payload& id);
    sender_ids allocate_sids(group_state& g, unsigned count);
    void add_member(const session& s, const group_keys& g);

    ks_config cfg_;
    core::clock& clock_;
    core::event_bus& bus_;
    key_log* keys_;
    std::vector<std::unique_ptr<group_state>> groups_;
    std::map<cookie, std::unique_ptr<session>> sessions_;
    std::vector<member> members_;
    std::uint32_t next_conn_id_ = 1;
    ks_counters counters_;
    std::string last_error_;
};

// Generates a group's TEKs and KEK from the policy with OpenSSL's CSPRNG; the policy's
// KEK, if any, must hold its rekey key.
group_keys generate_group_keys(const group_policy& p, std::uint32_t ks_addr);

} // namespace gdoi
