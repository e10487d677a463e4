// gdoi-router: loads the IOS-style configuration, starts DPDK when the configuration
// has ports, and runs the control loop until SIGINT or SIGTERM.
#include "dataplane_view.hpp"
#include "options.hpp"
#include "esp_installer.hpp"
#include "gdoi_node.hpp"
#include "mgmt/gdoi_setup.hpp"

#include "core/clock.hpp"
#include "core/events.hpp"
#include "core/syslog.hpp"
#include "fastpath/runtime.hpp"
#include "mgmt/commands.hpp"
#include "mgmt/config.hpp"
#include "mgmt/console.hpp"
#include "mgmt/gdoi_commands.hpp"
#include "mgmt/ios_parser.hpp"
#include "mgmt/rest_server.hpp"
#include "mgmt/service.hpp"
#include "mgmt/terminal.hpp"
#include "mgmt/validate.hpp"

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <boost/asio/signal_set.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

namespace {

constexpr int exit_usage = 2; // bad arguments or a configuration that cannot load

// One line, on stderr, naming the problem.
int fail(const std::string& msg)
{
    std::cerr << "gdoi-router: " << msg << '\n';
    return exit_usage;
}

// "FILE:LINE: warning: message: text", the shape compilers use, so editors jump to it.
std::string describe(const std::string& file, const mgmt::diagnostic& d)
{
    std::string out = file + ":";
    if (d.line > 0) {
        out += std::to_string(d.line) + ":";
    }
    out += d.lvl == mgmt::diagnostic::level::error ? " error: " : " warning: ";
    out += d.message;
    if (!d.text.empty()) {
        out += ": " + d.text;
    }
    return out;
}

struct loaded_config {
    mgmt::config cfg;
    std::vector<mgmt::diagnostic> diagnostics;
    std::string error; // can't read the file
};

loaded_config load(const std::string& path, mgmt::validate_mode mode)
{
    loaded_config out;
    std::ifstream in(path);
    if (!in) {
        out.error = "cannot read configuration " + path + ": " + std::strerror(errno);
        return out;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = mgmt::parse_config(text.str());
    out.diagnostics = std::move(parsed.diagnostics);
    if (!mgmt::has_errors(out.diagnostics)) {
        auto found = mgmt::validate(parsed.cfg, mode);
        out.diagnostics.insert(out.diagnostics.end(), found.begin(), found.end());
        out.cfg = std::move(parsed.cfg);
    }
    return out;
}

// Data-plane group ids: position in the configuration's group list, from 1.
std::map<std::string, std::uint32_t> crypto_group_ids(const mgmt::config& cfg)
{
    std::map<std::string, std::uint32_t> ids;
    for (const auto& g : cfg.groups) {
        ids.emplace(g.name, static_cast<std::uint32_t>(ids.size() + 1));
    }
    return ids;
}

// The group whose policy classifies an interface's traffic: its crypto map's
// first gdoi entry ("" without a crypto map).
std::string crypto_group_of(const mgmt::config& cfg, const mgmt::interface_cfg& ifc)
{
    const mgmt::crypto_map* m = ifc.crypto_map.empty() ? nullptr : cfg.find_crypto_map(ifc.crypto_map);
    return m == nullptr || m->entries.empty() ? std::string() : m->entries.front().group;
}

std::vector<fastpath::static_route> static_routes_of(const mgmt::config& cfg)
{
    std::vector<fastpath::static_route> out;
    for (const auto& r : cfg.routes) {
        fastpath::static_route sr;
        sr.prefix = {r.prefix.value, static_cast<std::uint8_t>(r.prefix_len)};
        sr.next_hop = r.next_hop ? r.next_hop->value : 0;
        sr.interface = r.interface;
        out.push_back(std::move(sr));
    }
    return out;
}

// The group's member arms fail-close (crypto map ... gdoi fail-close + activate).
bool arms_fail_close(const mgmt::gdoi_setup& setup, const std::string& group)
{
    return std::any_of(setup.gms.begin(), setup.gms.end(),
                       [&](const gdoi::gm_config& gm) { return gm.group == group && gm.fail_close; });
}

fastpath::runtime_options runtime_options_from(const mgmt::config& cfg, const mgmt::gdoi_setup& setup,
                                               const app::options& opts)
{
    fastpath::runtime_options ro;
    const auto ids = crypto_group_ids(cfg);
    for (const auto& ifc : cfg.interfaces) {
        if (!ifc.port) {
            continue; // loopbacks and interfaces of a KS live in the kernel
        }
        fastpath::port_spec p{ifc.name, ifc.port->kind == mgmt::dpdk_port::bus::pci, ifc.port->spec, ifc.mtu};
        if (ifc.address) {
            p.address = fastpath::ipv4_prefix{ifc.address->addr.value,
                                              static_cast<std::uint8_t>(ifc.address->prefix_len)};
        }
        if (const std::string group = crypto_group_of(cfg, ifc); !group.empty()) {
            const auto id = ids.find(group);
            p.crypto_group = id == ids.end() ? 0 : id->second;
            // Held closed from the first packet; the member then publishes its fail-close policy.
            p.fail_close = p.crypto_group != 0 && arms_fail_close(setup, group);
        }
        for (const mgmt::ipv4& g : ifc.igmp_static_groups) {
            p.igmp_static_groups.push_back(g.value);
        }
        for (const mgmt::igmp_join& j : ifc.igmp_joins) {
            p.igmp_joins.push_back(j.group.value);
        }
        ro.ports.push_back(std::move(p));
    }
    ro.routes = static_routes_of(cfg);
    ro.multicast_routing = cfg.multicast_routing;
    ro.workers = cfg.dataplane.workers;
    ro.mbufs = cfg.dataplane.mbufs;
    ro.burst = cfg.dataplane.burst;
    ro.extra_eal_args = opts.eal_args;
    return ro;
}

std::string describe_roles(const mgmt::config& cfg)
{
    const auto r = mgmt::roles(cfg);
    return r == "router" ? "router (no GDOI group in use)" : r;
}

struct token_result {
    std::string token;
    std::string error;
};

// The bearer token: the file's first line, without surrounding blanks.
token_result read_token(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) {
        return {{}, "cannot read the token file " + path};
    }
    const auto b = line.find_first_not_of(" \t\r");
    const auto e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos) {
        return {{}, "the token file " + path + " is empty: no TCP listener without a token"};
    }
    return {line.substr(b, e - b + 1), {}};
}

} // namespace

int main(int argc, char* argv[])
{
    auto parsed_opts = app::parse_options(argc, argv);
    if (auto* err = std::get_if<std::string>(&parsed_opts)) {
        return fail(*err);
    }
    const auto& opts = std::get<app::options>(parsed_opts);
    if (opts.help) {
        std::cout << app::usage_text;
        return 0;
    }
    if (opts.version) {
        std::cout << "gdoi-router " GDOI_ROUTER_VERSION "\n";
        return 0;
    }

    auto loaded = load(opts.config_path, opts.check_only ? mgmt::validate_mode::check_only
                                                         : mgmt::validate_mode::startup);
    if (!loaded.error.empty()) {
        return fail(loaded.error);
    }
    const bool usable = !mgmt::has_errors(loaded.diagnostics);
    for (const auto& d : loaded.diagnostics) {
        // Errors first in a failed start: the one line that names the problem.
        if (opts.check_only || d.lvl == mgmt::diagnostic::level::error) {
            std::cerr << describe(opts.config_path, d) << '\n';
        }
    }
    if (opts.check_only) {
        std::cout << opts.config_path << ": " << (usable ? "usable" : "NOT usable") << " ("
                  << loaded.diagnostics.size() << " finding" << (loaded.diagnostics.size() == 1 ? "" : "s")
                  << ")\n";
        return usable ? 0 : exit_usage;
    }
    if (!usable) {
        return exit_usage;
    }
    const mgmt::config& cfg = loaded.cfg;

    // Management options are checked before anything starts.
    mgmt::rest_options rest_opts;
    rest_opts.unix_path = opts.mgmt_socket;
    rest_opts.tcp_address = opts.mgmt_tcp_address;
    rest_opts.tcp_port = opts.mgmt_tcp_port;
    if (!opts.mgmt_token_file.empty()) {
        auto token = read_token(opts.mgmt_token_file);
        if (!token.error.empty()) {
            return fail(token.error);
        }
        rest_opts.token = std::move(token.token);
    }

    boost::asio::io_context io;
    core::asio_clock clock(io);
    core::event_bus events(clock);
    events.subscribe([json = opts.json_log](const core::event& e) {
        std::cerr << (json ? core::format_json(e) : core::format_text(e)) << '\n';
    });
    // Syslog is sent from this (the control) thread only; workers never raise events.
    std::unique_ptr<core::syslog_sink> syslog_out;
    if (!opts.syslog_path.empty()) {
        syslog_out = std::make_unique<core::syslog_sink>(io, opts.syslog_path, core::local_syslog_origin(),
                                                     [&events](const std::string& why) {
                                                         events.raise("SYSLOG_DOWN", why);
                                                     });
        events.subscribe(std::ref(*syslog_out));
    }
    for (const auto& d : loaded.diagnostics) {
        events.raise("CONFIG_WARNING", describe(opts.config_path, d));
    }

    // GDOI settings first: what the protocol cannot carry stops the start, before EAL.
    const auto rsa_keys = app::rsa_keys_in(opts.state_dir);
    auto setup = mgmt::build_gdoi_setup(cfg, rsa_keys, cfg.dataplane.workers);
    for (const auto& d : setup.problems) {
        std::cerr << describe(opts.config_path, d) << '\n';
    }
    if (!setup.ok()) {
        return exit_usage;
    }

    // A key-server-only configuration has no DPDK ports and starts no EAL (DESIGN.md).
    std::unique_ptr<fastpath::runtime> dataplane;
    auto ro = runtime_options_from(cfg, setup, opts);
    if (!ro.ports.empty()) {
        auto started = fastpath::runtime::start(ro);
        if (!started.notice.empty()) {
            std::cout << started.notice << std::endl;
        }
        if (!started.ok()) {
            return fail("data plane did not start: " + started.error);
        }
        dataplane = std::move(started.rt);
    }

    // GMs install their TEKs into the data plane's ESP SA table, which the runtime
    // owns (RCU snapshots, reclaimed from a timer once every worker has passed).
    std::unique_ptr<app::esp_installer> installer;
    std::function<void()> reclaim_tick;
    if (dataplane && dataplane->sa_table() != nullptr) {
        installer = std::make_unique<app::esp_installer>(*dataplane, events, crypto_group_ids(cfg));
        reclaim_tick = [&] {
            dataplane->reclaim_crypto();
            clock.schedule(std::chrono::milliseconds{100}, reclaim_tick);
        };
        clock.schedule(std::chrono::milliseconds{100}, reclaim_tick);
        // crypto gdoi manual-sa: a test and benchmark aid, through the same installer.
        for (const auto& m : setup.manual) {
            installer->set_sender_ids(m.group, m.sids);
            installer->install_sa(m.group, m.tek);
            installer->set_policy(m.group, m.policy);
        }
        setup.manual.clear(); // gdoi::bytes wipes the keys as it frees them
    }
    app::gdoi_node gdoi(io, clock, events, std::move(setup), installer.get(), opts.keylog, rsa_keys,
                        cfg.dataplane.workers);
    if (auto err = gdoi.start(); !err.empty()) {
        return fail("GDOI: " + err);
    }

    // Management: one service behind the REST API and the console.
    std::unique_ptr<app::runtime_view> view;
    if (dataplane) {
        view = std::make_unique<app::runtime_view>(*dataplane, installer.get());
    }
    mgmt::service svc(events, clock, cfg, view.get(), {GDOI_ROUTER_VERSION, opts.config_path});
    mgmt::command_registry commands;
    mgmt::register_builtin_commands(commands);
    mgmt::register_gdoi_commands(commands, gdoi); // replaces the GDOI show "not in this build yet" entries
    mgmt::register_gdoi_operator_commands(commands, gdoi, gdoi); // replay, feature, clear, ipsec direction
    svc.add_metrics_source([&gdoi] { return mgmt::gdoi_metrics(gdoi); });
    // What GDOI cannot carry refuses a change before it is applied, as it stops a start.
    svc.add_change_check([&](const mgmt::config& running, const mgmt::config& next) {
        if (!mgmt::gdoi_settings_changed(running, next) && running.interfaces == next.interfaces) {
            return std::vector<mgmt::diagnostic>{};
        }
        return mgmt::build_gdoi_setup(next, rsa_keys, cfg.dataplane.workers).problems;
    });
    // Static routes apply live; GDOI groups take a change at `clear crypto gdoi`, the
    // rest at a restart (the answer to the change says which).
    svc.on_config_change([&](const mgmt::config& before, const mgmt::config& after) {
        if (dataplane && before.routes != after.routes) {
            if (auto err = dataplane->set_static_routes(static_routes_of(after)); !err.empty()) {
                events.raise("CONFIG_WARNING", "ip route: " + err);
            }
        }
    });

    mgmt::rest_server rest(io, svc, commands, rest_opts);
    std::string rest_where;
    if (!rest_opts.unix_path.empty() || !rest_opts.tcp_address.empty()) {
        if (auto err = rest.start(); !err.empty()) {
            if (opts.mgmt_socket_given || !opts.mgmt_tcp_address.empty()) {
                return fail("management API: " + err);
            }
            // The default socket only: another daemon may hold it; run without REST.
            std::cerr << "gdoi-router: warning: management API: " << err << "; running without it\n";
        } else {
            rest_where = rest_opts.unix_path.empty() ? std::string{} : "unix:" + rest_opts.unix_path;
            if (!rest_opts.tcp_address.empty()) {
                rest_where += (rest_where.empty() ? "" : " and ") + std::string("tcp:") + rest_opts.tcp_address +
                              ":" + std::to_string(rest.tcp_port());
            }
        }
    }

    std::cout << "gdoi-router " GDOI_ROUTER_VERSION ": " << describe_roles(cfg) << ", "
              << (dataplane ? std::to_string(dataplane->ports().size()) + " DPDK port(s), " +
                                  std::to_string(dataplane->workers()) + " worker lcore(s)"
                            : std::string("control plane only, no DPDK"))
              << '\n';
    if (!rest_where.empty()) {
        std::cout << "management: REST API on " << rest_where << '\n';
    }
    events.raise("ROUTER_START", "gdoi-router started: " + describe_roles(cfg));

    std::function<void()> print_stats = [&] {
        if (dataplane) {
            std::cout << "stats: " << dataplane->stats_line() << std::endl;
        }
    };
    std::function<void()> stats_tick = [&] {
        print_stats();
        clock.schedule(std::chrono::seconds{opts.stats_interval}, stats_tick);
    };
    if (opts.stats_interval > 0 && dataplane) {
        clock.schedule(std::chrono::seconds{opts.stats_interval}, stats_tick);
    }

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
        if (ec) {
            return;
        }
        events.raise("ROUTER_STOP", std::string("stopping on ") + (signo == SIGINT ? "SIGINT" : "SIGTERM"));
        rest.stop();
        io.stop();
    });

    std::cout << "ready" << std::endl;

    // -i: a console on this terminal, like testpmd -i; `quit` (or end of input) stops the daemon.
    mgmt::local_backend console_backend(svc, commands);
    mgmt::console_session console_session(console_backend);
    mgmt::async_terminal console(io, console_session, [&] {
        events.raise("ROUTER_STOP", "stopping on console quit");
        rest.stop();
        io.stop();
    });
    if (opts.interactive) {
        if (auto err = console.start(STDIN_FILENO, STDOUT_FILENO); !err.empty()) {
            std::cerr << "gdoi-router: warning: console: " << err << '\n';
        }
    }
    io.run();
    console.stop();

    if (dataplane) {
        dataplane->stop();
        std::cout << "final: " << dataplane->stats_line() << std::endl;
    }
    std::cout << "stopped" << std::endl;
    return 0;
}
