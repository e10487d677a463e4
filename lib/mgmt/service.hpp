// mgmt::service: the one management layer behind REST and the console. It owns the
// running configuration, applies changes whole after validation, and reads state.
#pragma once

#include "acl/merge.hpp"
#include "core/clock.hpp"
#include "core/events.hpp"
#include "mgmt/config.hpp"
#include "mgmt/diagnostic.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mgmt {

// One DPDK port as the data plane sees it.
struct port_state {
    std::string name; // interface name from the configuration
    std::uint16_t port_id = 0;
    bool link_up = false;
    std::uint32_t speed_mbps = 0; // 0 when down or unknown
    std::uint64_t rx_packets = 0;
    std::uint64_t rx_bytes = 0;
    std::uint64_t rx_missed = 0;
    std::uint64_t rx_errors = 0;
    std::uint64_t tx_packets = 0;
    std::uint64_t tx_bytes = 0;
    std::uint64_t tx_errors = 0;
    std::uint64_t dropped = 0; // packets it received that the data plane dropped, every reason
    struct queue {             // queue q is worker q's RX and TX queue
        std::uint64_t rx_packets = 0;
        std::uint64_t rx_bytes = 0;
        std::uint64_t tx_packets = 0;
        std::uint64_t tx_bytes = 0;
        bool operator==(const queue&) const = default;
    };
    std::vector<queue> queues;
    bool operator==(const port_state&) const = default;
};

// One worker lcore with its named counters (the fastpath's worker_counter order).
struct lcore_state {
    unsigned worker = 0;
    unsigned lcore_id = 0;
    std::vector<std::pair<std::string, std::uint64_t>> counters;

    // 0 when the counter does not exist.
    std::uint64_t counter(std::string_view name) const;
    // Packets this lcore dropped, for every reason: the data plane fills it, since
    // only it knows which of its counters count drops.
    std::uint64_t dropped = 0;
    bool operator==(const lcore_state&) const = default;
};

// One GDOI group's crypto-map data plane: the merged policy its ports classify
// with, whether fail-close is in force, and its counters.
struct crypto_group_state {
    std::string group;
    bool fail_close = false; // in force: not registered yet, only its deny lines pass
    bool has_policy = false; // false: nothing installed, the group's traffic passes in clear
    bool passive = false;    // inbound optional: clear permits are accepted inbound
    bool receive_only = false; // inbound only: permits leave in clear
    std::vector<acl::merged_entry> rules; // match order
    // encrypt, decrypt, no_sa, invalid_sa, encaps_fail, decap_fail, invalid_prot,
    // verify_fail, replay_fail, tbar_fail, policy_drop, fail_close_drop, bypass
    std::vector<std::pair<std::string, std::uint64_t>> counters;
    // What each installed SA has carried (show crypto ipsec sa #pkts encaps/decaps).
    struct sa_traffic {
        std::uint32_t spi = 0;
        std::uint64_t enc_pkts = 0;
        std::uint64_t enc_bytes = 0; // inner IPv4 bytes
        std::uint64_t dec_pkts = 0;
        std::uint64_t dec_bytes = 0;
    };
    std::vector<sa_traffic> sas; // by SPI

    // 0 when the counter does not exist.
    std::uint64_t counter(std::string_view name) const;
};

// What management reads from the data plane. The app implements it over
// fastpath::runtime, so lib/mgmt needs no DPDK header; tests use a fake.
class dataplane_view {
public:
    virtual ~dataplane_view() = default;
    virtual std::vector<port_state> ports() const = 0;
    virtual std::vector<lcore_state> lcores() const = 0;
    // "DPDK 22.11.1", for show version.
    virtual std::string version() const = 0;
    // Every GDOI group the data plane knows, in group-id order; empty without crypto maps.
    virtual std::vector<crypto_group_state> crypto_groups() const = 0;
    // The control thread's counters (ARP, TAP exception path, table snapshots), by name.
    virtual std::vector<std::pair<std::string, std::uint64_t>> control_counters() const { return {}; }
};

// One Prometheus sample from a metrics source outside lib/mgmt (GDOI, ...).
struct metric_sample {
    std::string name; // gdoi_ks_registrations_total
    std::string help;
    std::string type; // counter or gauge
    std::vector<std::pair<std::string, std::string>> labels;
    std::uint64_t value = 0;
};

// A reason a configuration change was refused (or a warning about one that was applied).
struct config_issue {
    std::string source;  // "parse", "json", "validate", "restart" or (warnings) "clear"
    int line = 0;        // parse/validate: line in the submitted text (0: none)
    std::string path;    // json: JSON pointer to the offending value
    std::string message;
    std::string text;    // the offending line as written, when there is one
    bool operator==(const config_issue&) const = default;
};

nlohmann::json to_json(const config_issue& i);

struct apply_result {
    enum class outcome {
        applied,
        bad_request, // JSON of the wrong shape: types, unknown fields
        rejected,    // parses but does not validate, or would need a restart
    } result = outcome::applied;
    std::vector<config_issue> errors;   // why nothing was applied
    std::vector<config_issue> warnings; // kept-but-not-acted-on lines of an applied config
    std::uint64_t generation = 0;       // running generation after the call

    bool ok() const { return result == outcome::applied; }
};

// {"applied": bool, "generation": n, "errors": [...], "warnings": [...]}
nlohmann::json to_json(const apply_result& r);

// Who applied a configuration change, for %SYS-5-CONFIG_I as IOS words it:
// "Configured from console by console".
struct change_origin {
    std::string from = "console"; // console, REST or gdoictl
    std::string by = "console";   // the connection: console, unix socket, tcp 127.0.0.1
};

struct service_info {
    std::string version;        // gdoi-router version
    std::string startup_config; // the --config file `write memory` saves to; empty: none
};

// What `write memory` did: the bytes written, or why nothing was.
struct save_result {
    std::string error;
    std::size_t bytes = 0;
    std::uint64_t generation = 0; // the generation saved
};

class service {
public:
    using config_listener = std::function<void(const config& before, const config& after)>;

    // view may be null: a key-server-only box runs without a data plane.
    service(core::event_bus& events, const core::clock& clk, config initial, const dataplane_view* view,
            service_info info);

    // ---- configuration: every change is validated first and applied whole --------
    config running() const;
    std::uint64_t generation() const;
    // An applied change raises SYS-5-CONFIG_I naming `origin`, then GDOI-5-POLICY_CHANGE
    // for each key-server group whose policy (ACL, transform, lifetime, replay, ...) changed.
    // Replaces the running configuration with a whole IOS-style text.
    apply_result replace_text(std::string_view ios_text, const change_origin& origin = {});
    // Config-mode lines (`configure terminal` ... `end`) merged onto the running configuration.
    apply_result merge_lines(std::string_view lines, const change_origin& origin = {});
    // Replaces the running configuration with its JSON form (mgmt::from_json, strict).
    apply_result replace_json(const nlohmann::json& j, const change_origin& origin = {});
    // RFC 7386 merge patch onto to_json(running()).
    apply_result merge_patch(const nlohmann::json& patch, const change_origin& origin = {});

    // A check every change must also pass before it is applied, beyond validate():
    // what the daemon's parts cannot take (e.g. a policy GDOI cannot carry). Its
    // errors refuse the change like validation errors. Runs under the service's lock:
    // it must not call back into the service.
    using change_check = std::function<std::vector<diagnostic>(const config& running, const config& next)>;
    void add_change_check(change_check fn);

    // `write memory`: the running configuration, as IOS text, replaces the startup
    // file (info().startup_config) whole: written beside it, flushed, then renamed
    // over it, so a crash leaves the old file or the new one, never half of one.
    save_result write_startup_config() const;

    // Called on the applying thread after each applied change (GDOI, COOP, ... hook in here).
    int on_config_change(config_listener fn);

    // More samples for GET /metrics, read at each scrape (the GDOI counters hook in here).
    using metrics_source = std::function<std::vector<metric_sample>()>;
    void add_metrics_source(metrics_source fn);
    std::vector<metric_sample> extra_metrics() const;

    // ---- state ----------------------------------------------------------------------
    bool has_dataplane() const { return view_ != nullptr; }
    std::vector<port_state> ports() const;
    std::vector<lcore_state> lcores() const;
    std::vector<crypto_group_state> crypto_groups() const;
    std::string dataplane_version() const;
    std::vector<std::pair<std::string, std::uint64_t>> control_counters() const;
    const service_info& info() const { return info_; }
    std::chrono::seconds uptime() const;
    // The last n events, oldest first.
    std::vector<core::event> recent_events(std::size_t n) const;
    core::event_bus& events() { return events_; }
    const core::event_bus& events() const { return events_; }
    const core::clock& clock() const { return clock_; }

private:
    apply_result install(config next, std::vector<config_issue> warnings, int line_offset,
                         const change_origin& origin);

    core::event_bus& events_;
    const core::clock& clock_;
    const dataplane_view* view_;
    service_info info_;
    core::steady_time started_;
    mutable std::mutex mu_; // guards running_, generation_, listeners_, checks_
    config running_;
    std::uint64_t generation_ = 1;
    std::map<int, config_listener> listeners_;
    std::vector<change_check> checks_;
    int next_listener_ = 1;
    std::vector<metrics_source> metrics_sources_; // guarded by mu_
};

// "key server", "group member", "key server and group member" or "router".
std::string roles(const config& cfg);

// The parts of the configuration the GDOI key server and members are built from
// (ISAKMP, IPsec, RSA keys, groups, crypto maps, ACLs) differ.
bool gdoi_settings_changed(const config& before, const config& after);

// Key-server groups (server local before and after) whose policy differs: the group's
// own lines or anything they name (profiles, transform sets, ACLs, the rekey key).
std::vector<std::string> changed_ks_policies(const config& before, const config& after);

} // namespace mgmt
