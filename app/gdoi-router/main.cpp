// gdoi-router: loads the IOS-style configuration, starts DPDK when the configuration
// has ports, and runs the control loop until SIGINT or SIGTERM.
#include "options.hpp"

#include "core/clock.hpp"
#include "core/events.hpp"
#include "fastpath/runtime.hpp"
#include "mgmt/config.hpp"
#include "mgmt/ios_parser.hpp"
#include "mgmt/validate.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>

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

fastpath::runtime_options runtime_options_from(const mgmt::config& cfg, const app::options& opts)
{
    fastpath::runtime_options ro;
    for (const auto& ifc : cfg.interfaces) {
        if (!ifc.port) {
            continue; // loopbacks and interfaces of a KS live in the kernel
        }
        ro.ports.push_back({ifc.name, ifc.port->kind == mgmt::dpdk_port::bus::pci, ifc.port->spec, ifc.mtu});
    }
    ro.workers = cfg.dataplane.workers;
    ro.mbufs = cfg.dataplane.mbufs;
    ro.burst = cfg.dataplane.burst;
    ro.extra_eal_args = opts.eal_args;
    return ro;
}

std::string roles(const mgmt::config& cfg)
{
    std::string r;
    if (cfg.is_key_server()) {
        r += "key server";
    }
    if (cfg.is_group_member()) {
        r += r.empty() ? "group member" : " and group member";
    }
    return r.empty() ? "router (no GDOI group in use)" : r;
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

    boost::asio::io_context io;
    core::asio_clock clock(io);
    core::event_bus events(clock);
    events.subscribe([json = opts.json_log](const core::event& e) {
        std::cerr << (json ? core::format_json(e) : core::format_text(e)) << '\n';
    });
    for (const auto& d : loaded.diagnostics) {
        events.raise("CONFIG_WARNING", describe(opts.config_path, d));
    }

    // A key-server-only configuration has no DPDK ports and starts no EAL (DESIGN.md).
    std::unique_ptr<fastpath::runtime> dataplane;
    auto ro = runtime_options_from(cfg, opts);
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

    std::cout << "gdoi-router " GDOI_ROUTER_VERSION ": " << roles(cfg) << ", "
              << (dataplane ? std::to_string(dataplane->ports().size()) + " DPDK port(s), " +
                                  std::to_string(dataplane->workers()) + " worker lcore(s)"
                            : std::string("control plane only, no DPDK"))
              << '\n';
    if (opts.interactive) {
        std::cout << "console: the interactive console is not in this build yet; running without it\n";
    }
    events.raise("ROUTER_START", "gdoi-router started: " + roles(cfg));

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
        io.stop();
    });

    std::cout << "ready" << std::endl;
    io.run();

    if (dataplane) {
        dataplane->stop();
        std::cout << "final: " << dataplane->stats_line() << std::endl;
    }
    std::cout << "stopped" << std::endl;
    return 0;
}
