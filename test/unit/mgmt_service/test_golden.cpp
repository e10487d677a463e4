// Golden outputs of the show commands of this build on a fixed state (fixture.hpp).
#include "fixture.hpp"

#include "mgmt/ios_printer.hpp"

TEST_CASE("show running-config prints the running configuration as IOS text")
{
    test::fixture f;
    auto out = f.run("sh run");
    REQUIRE(out.ok());
    // The printer's canonical form: default dataplane sizing is not printed.
    CHECK(out.text == "!\n"
                      "!\n"
                      "!\n"
                      "interface wan0\n"
                      " dpdk-port vdev net_af_packet0,iface=veth-wan\n"
                      " ip address 10.0.0.1 255.255.255.0\n"
                      "!\n"
                      "interface lan0\n"
                      " dpdk-port vdev net_af_packet1,iface=veth-lan\n"
                      " ip address 192.168.1.1 255.255.255.0\n"
                      "!\n"
                      "ip route 0.0.0.0 0.0.0.0 10.0.0.254\n"
                      "!\n"
                      "end\n");
    CHECK(out.data["generation"] == 1);
    CHECK(out.data["config"]["interfaces"][0]["name"] == "wan0");
}

TEST_CASE("show interfaces lists each DPDK port with link and counters")
{
    test::fixture f;
    auto out = f.run("show interfaces");
    REQUIRE(out.ok());
    CHECK(out.text == "wan0 is up, line protocol is up (DPDK port 0, 10000 Mbps)\n"
                      "  1200 packets input, 150000 bytes, 3 missed, 1 input errors\n"
                      "  1100 packets output, 140000 bytes, 2 output errors\n"
                      "  0 received packets dropped by the data plane\n"
                      "  queue 0: 1200 packets input, 150000 bytes; 1100 packets output, 140000 bytes\n"
                      "lan0 is down, line protocol is down (DPDK port 1)\n"
                      "  0 packets input, 0 bytes, 0 missed, 0 input errors\n"
                      "  0 packets output, 0 bytes, 0 output errors\n"
                      "  0 received packets dropped by the data plane\n");
    CHECK(out.data["interfaces"][0] == nlohmann::json{{"name", "wan0"},       {"port_id", 0},
                                                      {"link_up", true},      {"speed_mbps", 10000},
                                                      {"rx_packets", 1200},   {"rx_bytes", 150000},
                                                      {"rx_missed", 3},       {"rx_errors", 1},
                                                      {"tx_packets", 1100},   {"tx_bytes", 140000},
                                                      {"tx_errors", 2},       {"dropped", 0},
                                                      {"queues", nlohmann::json::array({{{"rx_packets", 1200},
                                                                                         {"rx_bytes", 150000},
                                                                                         {"tx_packets", 1100},
                                                                                         {"tx_bytes", 140000}}})}});
}

TEST_CASE("show lcores lists each worker with its lcore and counters")
{
    test::fixture f;
    auto out = f.run("sh lc");
    REQUIRE(out.ok());
    CHECK(out.text == "Worker Lcore     RX packets     TX packets        Drops            Loops\n"
                      "0      1               1200           1100            9           987654\n");
    const auto& w = out.data["lcores"][0];
    CHECK(w["lcore_id"] == 1);
    CHECK(w["drops"] == 9); // tx_dropped + no_peer_drop
    CHECK(w["counters"]["idle_loops"] == 900000);
}

TEST_CASE("show version names the build, the data plane, the roles and the uptime")
{
    test::fixture f;
    auto out = f.run("show version");
    REQUIRE(out.ok());
    CHECK(out.text == "gdoi-router version 0.1.0\n"
                      "Data plane: DPDK 22.11.1, 2 port(s), 1 worker lcore(s)\n"
                      "Roles: router\n"
                      "Uptime: 0 days, 01:02:03\n"
                      "Configuration generation: 1\n");
    CHECK(out.data["uptime_seconds"] == 3723);
    CHECK(out.data["dataplane"] == "DPDK 22.11.1");
}

TEST_CASE("without a data plane, show interfaces and show lcores say so")
{
    core::manual_clock clock;
    core::event_bus events(clock);
    mgmt::service svc(events, clock, mgmt::config{}, nullptr, {"0.1.0", {}});
    mgmt::command_registry reg;
    mgmt::register_builtin_commands(reg);
    CHECK(reg.run(svc, "sh int", false).text == "No DPDK ports: this configuration runs the control plane only.\n");
    CHECK(reg.run(svc, "sh lcores", false).text ==
          "No worker lcores: this configuration runs the control plane only.\n");
    CHECK(reg.run(svc, "sh ver", false).text == "gdoi-router version 0.1.0\n"
                                                "Data plane: none (control plane only)\n"
                                                "Roles: router\n"
                                                "Uptime: 0 days, 00:00:00\n"
                                                "Configuration generation: 1\n");
}

TEST_CASE("show events prints the last events in IOS syslog form")
{
    test::fixture f;
    CHECK(f.run("show events").text == "No events.\n");
    f.events.raise("ROUTER_START", "gdoi-router started: router");
    f.events.raise("CONFIG_WARNING", "line 3: kept");
    auto out = f.run("show events 1");
    CHECK(out.text == core::format_text(f.events.backlog().back()) + "\n");
    CHECK(out.data["events"].size() == 1);
    CHECK(out.data["events"][0]["name"] == "CONFIG_WARNING");
}
