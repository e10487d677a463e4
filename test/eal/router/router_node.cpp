// A router process for the namespace tests (test/integration/router.sh):
// fastpath::runtime started from command-line interfaces and routes, without
// lib/mgmt, printing "ready", periodic stats and counter lines, stopping on SIGTERM.
//   router_node --port NAME=SPEC[@A.B.C.D/LEN][/mtu=N] ... [--route P/LEN,NEXTHOP[,IFACE]] ...
//               [--stats-interval S] [-- EAL args]
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "fastpath/runtime.hpp"

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int)
{
    stop_requested = 1;
}

std::optional<std::uint32_t> parse_ip(const std::string& s)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    char tail = 0;
    if (std::sscanf(s.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 ||
        d > 255) {
        return std::nullopt;
    }
    return a << 24 | b << 16 | c << 8 | d;
}

std::optional<fastpath::ipv4_prefix> parse_prefix(const std::string& s)
{
    const auto slash = s.find('/');
    if (slash == std::string::npos) {
        return std::nullopt;
    }
    const auto ip = parse_ip(s.substr(0, slash));
    const int len = std::stoi(s.substr(slash + 1));
    if (!ip || len < 0 || len > 32) {
        return std::nullopt;
    }
    return fastpath::ipv4_prefix{*ip, static_cast<std::uint8_t>(len)};
}

std::string counters_line(const fastpath::runtime& rt)
{
    std::string s;
    for (const auto& [name, v] : rt.counters().totals()) {
        s += " " + name + "=" + std::to_string(v);
    }
    if (const core::counter_set* c = rt.control_counters()) {
        for (const auto& [name, v] : c->totals()) {
            s += " " + name + "=" + std::to_string(v);
        }
    }
    return s;
}

int usage(const std::string& why)
{
    std::cerr << "router_node: " << why << "\n";
    return 2;
}

} // namespace

int main(int argc, char* argv[])
{
    fastpath::runtime_options o;
    unsigned interval = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const std::string next = i + 1 < argc ? argv[i + 1] : "";
        if (a == "--") {
            for (++i; i < argc; ++i) {
                o.extra_eal_args.emplace_back(argv[i]);
            }
            break;
        }
        if (a == "--port" && !next.empty()) {
            // NAME=SPEC[@A.B.C.D/LEN][/mtu=N]
            fastpath::port_spec p;
            std::string rest = next;
            const auto mtu = rest.find("/mtu=");
            if (mtu != std::string::npos) {
                p.mtu = static_cast<unsigned>(std::stoul(rest.substr(mtu + 5)));
                rest = rest.substr(0, mtu);
            }
            const auto at = rest.find('@');
            if (at != std::string::npos) {
                p.address = parse_prefix(rest.substr(at + 1));
                if (!p.address) {
                    return usage("bad address in " + next);
                }
                rest = rest.substr(0, at);
            }
            const auto eq = rest.find('=');
            if (eq == std::string::npos) {
                return usage("bad --port " + next);
            }
            p.name = rest.substr(0, eq);
            p.spec = rest.substr(eq + 1);
            o.ports.push_back(p);
            ++i;
        } else if (a == "--route" && !next.empty()) {
            // P/LEN,NEXTHOP[,IFACE]; NEXTHOP may be 0.0.0.0 with an interface
            const auto c1 = next.find(',');
            const auto c2 = next.find(',', c1 == std::string::npos ? c1 : c1 + 1);
            const auto pfx = parse_prefix(next.substr(0, c1));
            const auto nh = c1 == std::string::npos ? std::nullopt : parse_ip(next.substr(c1 + 1, c2 - c1 - 1));
            if (!pfx || !nh) {
                return usage("bad --route " + next);
            }
            fastpath::static_route r;
            r.prefix = *pfx;
            r.next_hop = *nh;
            r.interface = c2 == std::string::npos ? "" : next.substr(c2 + 1);
            o.routes.push_back(r);
            ++i;
        } else if (a == "--stats-interval" && !next.empty()) {
            interval = static_cast<unsigned>(std::stoul(next));
            ++i;
        } else {
            return usage("unknown argument " + a);
        }
    }
    if (std::find(o.extra_eal_args.begin(), o.extra_eal_args.end(), "--no-telemetry") == o.extra_eal_args.end()) {
        o.extra_eal_args.emplace_back("--no-telemetry");
    }

    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    fastpath::start_result r = fastpath::runtime::start(o);
    if (!r.notice.empty()) {
        std::cout << r.notice << std::endl;
    }
    if (!r.ok()) {
        std::cerr << "router_node: " << r.error << std::endl;
        return 1;
    }
    fastpath::runtime& rt = *r.rt;
    std::cout << "ready" << std::endl;
    unsigned ticks = 0;
    while (stop_requested == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (interval > 0 && ++ticks % (interval * 10) == 0) {
            std::cout << "stats: " << rt.stats_line() << "\ncounters:" << counters_line(rt) << std::endl;
        }
    }
    rt.stop();
    std::cout << "final: " << rt.stats_line() << "\ncounters:" << counters_line(rt) << "\nstopped" << std::endl;
    return 0;
}
