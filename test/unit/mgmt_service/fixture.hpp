// A management service on a fixed state: a fake data plane with two ports and one
// worker, a manual clock, and a two-port router configuration.
#pragma once

#include "core/clock.hpp"
#include "core/events.hpp"
#include "mgmt/commands.hpp"
#include "mgmt/ios_parser.hpp"
#include "mgmt/service.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

namespace test {

inline const char* const router_cfg = "dataplane\n"
                                      " workers 1\n"
                                      "interface wan0\n"
                                      " dpdk-port vdev net_af_packet0,iface=veth-wan\n"
                                      " ip address 10.0.0.1 255.255.255.0\n"
                                      "interface lan0\n"
                                      " dpdk-port vdev net_af_packet1,iface=veth-lan\n"
                                      " ip address 192.168.1.1 255.255.255.0\n"
                                      "ip route 0.0.0.0 0.0.0.0 10.0.0.254\n";

// Test-only stand-in for fastpath::runtime: fixed numbers, settable by a test.
class fake_dataplane final : public mgmt::dataplane_view {
public:
    fake_dataplane()
    {
        ports_ = {{"wan0", 0, true, 10000, 1200, 150000, 3, 1, 1100, 140000, 2, 0, {{1200, 150000, 1100, 140000}}},
                  {"lan0", 1, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, {}}};
        lcores_ = {{0, 1, {{"rx_packets", 1200}, {"rx_bytes", 150000}, {"tx_packets", 1100}, {"tx_bytes", 140000},
                           {"tx_dropped", 7}, {"no_peer_drop", 2}, {"loops", 987654}, {"idle_loops", 900000}}, 9}};
    }
    std::vector<mgmt::port_state> ports() const override { return ports_; }
    std::vector<mgmt::lcore_state> lcores() const override { return lcores_; }
    std::string version() const override { return "DPDK 22.11.1"; }
    std::vector<mgmt::crypto_group_state> crypto_groups() const override { return groups_; }
    std::vector<std::pair<std::string, std::uint64_t>> control_counters() const override { return control_; }

    std::vector<std::pair<std::string, std::uint64_t>> control_ = {
        {"tap_rx", 4}, {"tap_tx", 11}, {"arp_rx", 6}, {"arp_requests", 2}, {"arp_failed", 1}};
    std::vector<mgmt::port_state> ports_;
    std::vector<mgmt::lcore_state> lcores_;
    std::vector<mgmt::crypto_group_state> groups_;
};

inline mgmt::config parse_ok(const std::string& text)
{
    auto r = mgmt::parse_config(text);
    REQUIRE(r.ok());
    return r.cfg;
}

struct fixture {
    core::manual_clock clock;
    core::event_bus events{clock};
    fake_dataplane dataplane;
    mgmt::service svc;
    mgmt::command_registry commands;

    // startup: the configuration file `write memory` saves to.
    explicit fixture(std::string startup = {})
        : svc(events, clock, parse_ok(router_cfg), &dataplane, {"0.1.0", std::move(startup)})
    {
        mgmt::register_builtin_commands(commands);
        clock.advance(std::chrono::seconds{3723}); // uptime 1:02:03
    }

    mgmt::command_output run(const std::string& line, bool confirmed = false)
    {
        return commands.run(svc, line, confirmed);
    }
};

} // namespace test
