// mgmt::service: configuration changes (parse, validate, refuse what needs a restart,
// then swap whole) and state reads shared by REST and the console.
#include "mgmt/service.hpp"

#include "mgmt/config_json.hpp"
#include "mgmt/ios_parser.hpp"
#include "mgmt/ios_printer.hpp"
#include "mgmt/validate.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>

namespace mgmt {

namespace {

std::uint64_t find_counter(const std::vector<std::pair<std::string, std::uint64_t>>& counters, std::string_view name)
{
    for (const auto& [n, v] : counters) {
        if (n == name) {
            return v;
        }
    }
    return 0;
}

} // namespace

std::uint64_t lcore_state::counter(std::string_view name) const { return find_counter(counters, name); }

std::uint64_t crypto_group_state::counter(std::string_view name) const { return find_counter(counters, name); }

nlohmann::json to_json(const config_issue& i)
{
    nlohmann::json j = {{"source", i.source}, {"message", i.message}};
    if (i.line > 0) {
        j["line"] = i.line;
    }
    if (!i.path.empty()) {
        j["path"] = i.path;
    }
    if (!i.text.empty()) {
        j["text"] = i.text;
    }
    return j;
}

nlohmann::json to_json(const apply_result& r)
{
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : r.errors) {
        errors.push_back(to_json(e));
    }
    nlohmann::json warnings = nlohmann::json::array();
    for (const auto& w : r.warnings) {
        warnings.push_back(to_json(w));
    }
    return {{"applied", r.ok()}, {"generation", r.generation}, {"errors", errors}, {"warnings", warnings}};
}

std::string roles(const config& cfg)
{
    std::string r;
    if (cfg.is_key_server()) {
        r += "key server";
    }
    if (cfg.is_group_member()) {
        r += r.empty() ? "group member" : " and group member";
    }
    return r.empty() ? "router" : r;
}

namespace {

config_issue issue_from(const diagnostic& d, std::string source, int line_offset)
{
    // Lines of a merge count from the first submitted line; a finding about the
    // unchanged part of the running config has no line of the submission.
    int line = d.line > line_offset ? d.line - line_offset : 0;
    return {std::move(source), line, {}, d.message, d.text};
}

std::vector<config_issue> split(const std::vector<diagnostic>& ds, const std::string& source, int line_offset,
                                diagnostic::level lvl)
{
    std::vector<config_issue> out;
    for (const auto& d : ds) {
        if (d.lvl == lvl) {
            out.push_back(issue_from(d, source, line_offset));
        }
    }
    return out;
}

// DPDK ports as the data plane binds them at start-up.
std::vector<std::string> port_bindings(const config& c)
{
    std::vector<std::string> out;
    for (const auto& i : c.interfaces) {
        if (i.port) {
            out.push_back(i.name + " dpdk-port " + std::string(to_string(i.port->kind)) + " " + i.port->spec +
                          " mtu " + (i.mtu ? std::to_string(*i.mtu) : std::string("default")));
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// When a part of the configuration takes effect under a running daemon. Static
// routes apply live (the daemon republishes its routing table) and are not listed.
enum class takes_effect {
    at_clear,   // GDOI: at `clear crypto gdoi [group G]`, as IOS without a rekey (seed 000)
    at_restart, // read by the data plane at start-up: applied, with a warning
    never_live, // the data plane is built on it: refused, restart with the new file
};

struct config_part {
    const char* name;
    takes_effect when;
    bool (*changed)(const config& a, const config& b);
};

constexpr config_part config_parts[] = {
    {"DPDK port bindings (dpdk-port, mtu)", takes_effect::never_live,
     [](const config& a, const config& b) { return port_bindings(a) != port_bindings(b); }},
    {"dataplane workers/mbufs/burst", takes_effect::never_live,
     [](const config& a, const config& b) { return !(a.dataplane == b.dataplane); }},
    {"ip multicast-routing", takes_effect::at_restart,
     [](const config& a, const config& b) { return a.multicast_routing != b.multicast_routing; }},
    {"interfaces (addresses, crypto maps, igmp)", takes_effect::at_restart,
     [](const config& a, const config& b) { return a.interfaces != b.interfaces; }},
    {"crypto gdoi manual-sa", takes_effect::at_restart,
     [](const config& a, const config& b) { return a.manual_sas != b.manual_sas; }},
    {"crypto isakmp", takes_effect::at_clear, [](const config& a, const config& b) { return !(a.isakmp == b.isakmp); }},
    {"crypto ipsec", takes_effect::at_clear, [](const config& a, const config& b) { return !(a.ipsec == b.ipsec); }},
    {"crypto key", takes_effect::at_clear, [](const config& a, const config& b) { return a.rsa_keys != b.rsa_keys; }},
    {"crypto gdoi group", takes_effect::at_clear, [](const config& a, const config& b) { return a.groups != b.groups; }},
    {"crypto map", takes_effect::at_clear,
     [](const config& a, const config& b) { return a.crypto_maps != b.crypto_maps; }},
    {"access lists", takes_effect::at_clear,
     [](const config& a, const config& b) { return a.access_lists != b.access_lists; }},
};

// The changed parts that take effect `when`, "; "-separated.
std::string changed_parts(const config& running, const config& next, takes_effect when)
{
    std::string list;
    for (const auto& p : config_parts) {
        if (p.when == when && p.changed(running, next)) {
            list += (list.empty() ? "" : "; ") + std::string(p.name);
        }
    }
    return list;
}

// What cannot change under a running daemon: the change is refused.
std::vector<config_issue> restart_needed(const config& running, const config& next)
{
    const std::string parts = changed_parts(running, next, takes_effect::never_live);
    if (parts.empty()) {
        return {};
    }
    return {{"restart", 0, {}, parts + " change only at start-up; restart gdoi-router with the new configuration",
             {}}};
}

// The parts of an applied change that wait: it says so, rather than look as if they
// were in force.
std::vector<config_issue> applies_later(const config& running, const config& next)
{
    std::vector<config_issue> out;
    if (const auto parts = changed_parts(running, next, takes_effect::at_restart); !parts.empty()) {
        out.push_back({"restart", 0, {}, "applied to the running configuration, but gdoi-router reads " + parts +
                                             " at start-up: save it with 'write memory' and restart gdoi-router for the "
                                             "change to take effect", {}});
    }
    if (gdoi_settings_changed(running, next)) {
        out.push_back({"clear", 0, {}, "applied to the running configuration; the GDOI key server and group members "
                                       "take it at 'clear crypto gdoi [group G]' (new keys on the key server, "
                                       "re-registration on a member)", {}});
    }
    return out;
}

// One key-server group with everything its lines name, so that a change to a
// shared ACL or profile counts as a change of every group that uses it.
struct resolved_ks_group {
    std::optional<std::uint32_t> identity_number;
    std::optional<ipv4> identity_address;
    gdoi_server_local server;
    std::vector<std::optional<ipsec_profile>> profiles; // per sa ipsec, in order
    std::vector<std::optional<transform_set>> transforms;
    std::vector<std::optional<access_list>> acls; // per sa ipsec, then authorization and rekey address
    std::optional<rsa_key_cfg> rekey_key;
    bool operator==(const resolved_ks_group&) const = default;
};

template <class T>
std::optional<T> copy_of(const T* p)
{
    return p != nullptr ? std::optional<T>(*p) : std::nullopt;
}

resolved_ks_group resolve(const config& c, const gdoi_group& g)
{
    resolved_ks_group r{g.identity_number, g.identity_address, *g.server_local, {}, {}, {}, {}};
    for (const auto& sa : g.server_local->sas) {
        const auto* profile = c.find_profile(sa.profile);
        r.profiles.push_back(copy_of(profile));
        r.transforms.push_back(copy_of(profile ? c.find_transform_set(profile->transform_set) : nullptr));
        r.acls.push_back(copy_of(c.find_access_list(sa.match_acl)));
    }
    r.acls.push_back(copy_of(c.find_access_list(g.server_local->authorization_address_acl)));
    r.acls.push_back(copy_of(c.find_access_list(g.server_local->rekey_address_acl)));
    for (const auto& k : c.rsa_keys) {
        if (k.label == g.server_local->rekey_rsa_key) {
            r.rekey_key = k;
        }
    }
    return r;
}

int count_lines(std::string_view text)
{
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

bool gdoi_settings_changed(const config& before, const config& after)
{
    return !changed_parts(before, after, takes_effect::at_clear).empty();
}

std::vector<std::string> changed_ks_policies(const config& before, const config& after)
{
    std::vector<std::string> out;
    for (const auto& g : after.groups) {
        const auto* old = before.find_group(g.name);
        if (g.server_local && old != nullptr && old->server_local && !(resolve(before, *old) == resolve(after, g))) {
            out.push_back(g.name);
        }
    }
    return out;
}

service::service(core::event_bus& events, const core::clock& clk, config initial, const dataplane_view* view,
                 service_info info)
    : events_(events), clock_(clk), view_(view), info_(std::move(info)), started_(clk.now()),
      running_(std::move(initial))
{
}

config service::running() const
{
    std::lock_guard lock(mu_);
    return running_;
}

std::uint64_t service::generation() const
{
    std::lock_guard lock(mu_);
    return generation_;
}

apply_result service::replace_text(std::string_view ios_text, const change_origin& origin)
{
    auto parsed = parse_config(ios_text);
    if (!parsed.ok()) {
        apply_result r;
        r.result = apply_result::outcome::rejected;
        r.errors = split(parsed.diagnostics, "parse", 0, diagnostic::level::error);
        r.generation = generation();
        return r;
    }
    return install(std::move(parsed.cfg), split(parsed.diagnostics, "parse", 0, diagnostic::level::warning), 0,
                   origin);
}

apply_result service::merge_lines(std::string_view lines, const change_origin& origin)
{
    // The parser is mode-based, so the running config followed by the new lines
    // reads exactly like IOS config mode: blocks reopen and lines add to them.
    std::string base = print_config(running());
    if (!base.empty() && base.back() != '\n') {
        base += '\n';
    }
    // The printer closes with `end`, which would stop the parser before the new lines.
    if (base.size() >= 4 && base.compare(base.size() - 4, 4, "end\n") == 0) {
        base.resize(base.size() - 4);
    }
    const int offset = count_lines(base);
    auto parsed = parse_config(base + std::string(lines));
    if (!parsed.ok()) {
        apply_result r;
        r.result = apply_result::outcome::rejected;
        r.errors = split(parsed.diagnostics, "parse", offset, diagnostic::level::error);
        r.generation = generation();
        return r;
    }
    std::vector<config_issue> warnings;
    for (const auto& d : parsed.diagnostics) {
        if (d.lvl == diagnostic::level::warning && d.line > offset) {
            warnings.push_back(issue_from(d, "parse", offset));
        }
    }
    return install(std::move(parsed.cfg), std::move(warnings), offset, origin);
}

apply_result service::replace_json(const nlohmann::json& j, const change_origin& origin)
{
    auto parsed = from_json(j);
    if (!parsed.ok()) {
        apply_result r;
        r.result = apply_result::outcome::bad_request;
        for (const auto& e : parsed.errors) {
            r.errors.push_back({"json", 0, e.path, e.message, {}});
        }
        r.generation = generation();
        return r;
    }
    return install(std::move(*parsed.cfg), {}, 0, origin);
}

apply_result service::merge_patch(const nlohmann::json& patch, const change_origin& origin)
{
    nlohmann::json doc = to_json(running());
    doc.merge_patch(patch);
    return replace_json(doc, origin);
}

apply_result service::install(config next, std::vector<config_issue> warnings, int line_offset,
                              const change_origin& origin)
{
    apply_result r;
    r.warnings = std::move(warnings);
    auto found = validate(next, validate_mode::startup);
    r.errors = split(found, "validate", line_offset, diagnostic::level::error);
    auto more = split(found, "validate", line_offset, diagnostic::level::warning);
    r.warnings.insert(r.warnings.end(), more.begin(), more.end());

    std::vector<config_listener> to_call;
    config before;
    {
        std::lock_guard lock(mu_);
        auto restart = restart_needed(running_, next);
        r.errors.insert(r.errors.end(), restart.begin(), restart.end());
        if (!r.errors.empty()) {
            r.result = apply_result::outcome::rejected;
            r.generation = generation_;
            return r;
        }
        for (const auto& check : checks_) {
            auto more = split(check(running_, next), "validate", line_offset, diagnostic::level::error);
            r.errors.insert(r.errors.end(), more.begin(), more.end());
        }
        if (!r.errors.empty()) {
            r.result = apply_result::outcome::rejected;
            r.generation = generation_;
            return r;
        }
        auto later = applies_later(running_, next);
        r.warnings.insert(r.warnings.end(), later.begin(), later.end());
        before = std::exchange(running_, next);
        r.generation = ++generation_;
        for (const auto& [id, fn] : listeners_) {
            to_call.push_back(fn);
        }
    }
    // Outside the lock: the sinks and listeners may read the service again.
    events_.raise("CONFIG_I", "Configured from " + origin.from + " by " + origin.by,
                  {{"generation", std::to_string(r.generation)}});
    for (const auto& g : changed_ks_policies(before, next)) {
        // Seed 002/003's first sentence, as operators' runbooks match it; the advice is
        // this build's (no rekeys: the group takes its new policy at clear crypto gdoi).
        events_.raise("POLICY_CHANGE", "GDOI group " + g + " policy has changed. Use 'clear crypto gdoi group " + g +
                                       "' on the key server and its members to apply it",
                      {{"group", g}});
    }
    for (const auto& fn : to_call) {
        fn(before, next);
    }
    return r;
}

save_result service::write_startup_config() const
{
    save_result r;
    const std::string& path = info_.startup_config;
    if (path.empty()) {
        r.error = "gdoi-router was started without a configuration file to save to";
        return r;
    }
    std::string text;
    {
        std::lock_guard lock(mu_);
        text = print_config(running_);
        r.generation = generation_;
    }
    // The file keeps its permissions (it may hold keys: crypto isakmp key ...).
    struct stat st {};
    const mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0600;
    const std::string tmp = path + ".new";
    const auto fail = [&](const std::string& what) {
        r.error = what + " " + tmp + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return r;
    };
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        r.error = std::string("cannot create ") + tmp + ": " + std::strerror(errno);
        return r;
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ::close(fd);
            return fail("cannot write");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
        ::close(fd);
        return fail("cannot flush");
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        return fail("cannot rename");
    }
    r.bytes = text.size();
    return r;
}

void service::add_change_check(change_check fn)
{
    std::lock_guard lock(mu_);
    checks_.push_back(std::move(fn));
}

int service::on_config_change(config_listener fn)
{
    std::lock_guard lock(mu_);
    listeners_.emplace(next_listener_, std::move(fn));
    return next_listener_++;
}

std::vector<port_state> service::ports() const
{
    return view_ != nullptr ? view_->ports() : std::vector<port_state>{};
}

std::vector<lcore_state> service::lcores() const
{
    return view_ != nullptr ? view_->lcores() : std::vector<lcore_state>{};
}

std::vector<crypto_group_state> service::crypto_groups() const
{
    return view_ != nullptr ? view_->crypto_groups() : std::vector<crypto_group_state>{};
}

std::string service::dataplane_version() const
{
    return view_ != nullptr ? view_->version() : std::string{};
}

std::vector<std::pair<std::string, std::uint64_t>> service::control_counters() const
{
    return view_ != nullptr ? view_->control_counters() : std::vector<std::pair<std::string, std::uint64_t>>{};
}

void service::add_metrics_source(metrics_source fn)
{
    std::lock_guard lock(mu_);
    metrics_sources_.push_back(std::move(fn));
}

std::vector<metric_sample> service::extra_metrics() const
{
    std::vector<metrics_source> sources;
    {
        std::lock_guard lock(mu_);
        sources = metrics_sources_;
    }
    std::vector<metric_sample> out;
    for (const auto& fn : sources) {
        auto more = fn();
        out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    return out;
}

std::chrono::seconds service::uptime() const
{
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - started_);
}

std::vector<core::event> service::recent_events(std::size_t n) const
{
    auto all = events_.backlog();
    if (all.size() > n) {
        all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(n));
    }
    return all;
}

} // namespace mgmt
