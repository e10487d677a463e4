// Golden outputs of the crypto-map data-plane commands on a fixed state: a GM
// configuration with fail-close on wan0 and a fake data plane holding group GETVPN.
#include "fixture.hpp"

#include "mgmt/metrics.hpp"

namespace {

const char* const crypto_cfg = "interface wan0\n"
                               " dpdk-port vdev net_af_packet0,iface=veth-wan\n"
                               " ip address 10.0.0.1 255.255.255.0\n"
                               " crypto map getvpn-map\n"
                               "interface lan0\n"
                               " dpdk-port vdev net_af_packet1,iface=veth-lan\n"
                               " ip address 192.168.1.1 255.255.255.0\n"
                               "crypto gdoi group GETVPN\n"
                               " identity number 1234\n"
                               " server address ipv4 10.0.0.100\n"
                               "crypto map getvpn-map gdoi fail-close\n"
                               " match address 105\n"
                               " activate\n"
                               "crypto map getvpn-map 10 gdoi\n"
                               " set group GETVPN\n"
                               "access-list 105 deny tcp any eq telnet any\n"
                               "access-list 105 deny ospf any any\n";

acl::ace deny(std::uint8_t proto)
{
    acl::ace a;
    a.act = acl::action::deny;
    a.protocol = proto;
    return a;
}

// What the installer publishes before registration: GDOI to the KS, the
// fail-close ACL's denies, then the implicit drop.
std::vector<acl::merged_entry> fail_close_rules()
{
    acl::access_list l;
    l.name = "fail-close";
    acl::ace gdoi = deny(acl::proto_udp);
    gdoi.dst = acl::prefix::host(0x0a000064);
    gdoi.dport = acl::port_match::eq(848);
    l.aces.push_back(gdoi);
    acl::ace telnet = deny(acl::proto_tcp);
    telnet.sport = acl::port_match::eq(23);
    l.aces.push_back(telnet);
    l.aces.push_back(deny(89));
    acl::merge_input in;
    in.local.push_back(l);
    in.fail_close = true;
    return acl::merge(in).entries;
}

// After registration: the GM's bypass and the KS's permit.
std::vector<acl::merged_entry> registered_rules()
{
    acl::ks_acl k;
    k.acl.name = "group-policy";
    k.policy = 1;
    acl::ace gdoi = deny(acl::proto_udp);
    gdoi.dst = acl::prefix::host(0x0a000064);
    gdoi.dport = acl::port_match::eq(848);
    k.acl.aces.push_back(gdoi);
    acl::ace permit;
    permit.src = acl::prefix::make(0x0a4d0000, 16);
    permit.dst = acl::prefix::make(0x0a4d0000, 16);
    k.acl.aces.push_back(permit);
    acl::merge_input in;
    in.ks.push_back(k);
    return acl::merge(in).entries;
}

struct crypto_fixture {
    core::manual_clock clock;
    core::event_bus events{clock};
    test::fake_dataplane dataplane;
    mgmt::service svc{events, clock, test::parse_ok(crypto_cfg), &dataplane, {"0.1.0", {}}};
    mgmt::command_registry commands;

    crypto_fixture()
    {
        mgmt::register_builtin_commands(commands);
        mgmt::crypto_group_state g;
        g.group = "GETVPN";
        g.fail_close = true;
        g.has_policy = true;
        g.rules = fail_close_rules();
        std::uint64_t v = 1;
        for (const char* name : {"encrypt", "decrypt", "no_sa", "invalid_sa", "encaps_fail", "decap_fail",
                                 "invalid_prot", "verify_fail", "replay_fail", "tbar_fail", "policy_drop",
                                 "fail_close_drop", "bypass"}) {
            g.counters.emplace_back(name, v++ * 10);
        }
        dataplane.groups_ = {g};
        dataplane.ports_[0].dropped = 130;
    }

    mgmt::command_output run(const std::string& line) { return commands.run(svc, line, false); }
};

} // namespace

TEST_CASE("show crypto gdoi gm dataplane counters: seed 003's layout, per group, with our extra reasons")
{
    crypto_fixture f;
    auto out = f.run("sh cry gdoi gm dataplane counters");
    REQUIRE(out.ok());
    CHECK(out.text == "Data-plane statistics for group GETVPN:\n"
                      "    #pkts encrypt            : 10       #pkts decrypt            : 20\n"
                      "    #pkts no sa (send)       : 30       #pkts invalid sa (rcv)   : 40\n"
                      "    #pkts encaps fail (send) : 50       #pkts decap fail (rcv)   : 60\n"
                      "    #pkts invalid prot (rcv) : 70       #pkts verify fail (rcv)  : 80\n"
                      "    #pkts replay fail (rcv)  : 90       #pkts TBAR fail (rcv)    : 100\n"
                      "    #pkts policy drop        : 110      #pkts fail-close drop    : 120\n"
                      "    #pkts bypass             : 130\n");
    REQUIRE(out.data["groups"].size() == 1);
    CHECK(out.data["groups"][0]["group"] == "GETVPN");
    CHECK(out.data["groups"][0]["counters"]["fail_close_drop"] == 120);
    CHECK(out.data["groups"][0]["counters"]["invalid_prot"] == 70);
    CHECK(out.data["groups"][0]["counters"]["tbar_fail"] == 100);

    // The same numbers in /metrics, and the port's drops.
    const std::string m = mgmt::prometheus_metrics(f.svc);
    CHECK(m.find("gdoi_group_fail_close_drop_total{group=\"GETVPN\"} 120\n") != std::string::npos);
    CHECK(m.find("gdoi_group_replay_fail_total{group=\"GETVPN\"} 90\n") != std::string::npos);
    CHECK(m.find("gdoi_group_tbar_fail_total{group=\"GETVPN\"} 100\n") != std::string::npos);
    CHECK(m.find("gdoi_group_encrypt_total{group=\"GETVPN\"} 10\n") != std::string::npos);
    CHECK(m.find("gdoi_group_fail_close{group=\"GETVPN\"} 1\n") != std::string::npos);
    CHECK(m.find("gdoi_port_dropped_total{port=\"wan0\",port_id=\"0\"} 130\n") != std::string::npos);
}

TEST_CASE("/metrics carries each SA's packets and bytes with group and SPI labels")
{
    crypto_fixture f;
    f.dataplane.groups_[0].sas = {{0x1234abcd, 5, 500, 6, 600}, {0x00001000, 0, 0, 9, 900}};
    const std::string m = mgmt::prometheus_metrics(f.svc);
    CHECK(m.find("# TYPE gdoi_sa_encrypted_packets_total counter\n") != std::string::npos);
    CHECK(m.find("gdoi_sa_encrypted_packets_total{group=\"GETVPN\",spi=\"0x1234abcd\"} 5\n") != std::string::npos);
    CHECK(m.find("gdoi_sa_encrypted_bytes_total{group=\"GETVPN\",spi=\"0x1234abcd\"} 500\n") != std::string::npos);
    CHECK(m.find("gdoi_sa_decrypted_packets_total{group=\"GETVPN\",spi=\"0x00001000\"} 9\n") != std::string::npos);
    CHECK(m.find("gdoi_sa_decrypted_bytes_total{group=\"GETVPN\",spi=\"0x00001000\"} 900\n") != std::string::npos);
}

TEST_CASE("show crypto map gdoi fail-close: seed 000's layout and whether fail-close is in force")
{
    crypto_fixture f;
    auto out = f.run("show crypto map gdoi fail-close");
    REQUIRE(out.ok());
    CHECK(out.text == "Crypto Map: \"getvpn-map\"\n"
                      "  Activate: yes\n"
                      "  Fail-Close Access-List: (Deny = Forward In Clear, Permit = Drop)\n"
                      "    access-list 105 deny tcp any port = 23 any\n"
                      "    access-list 105 deny ospf any any\n"
                      "  Fail-Close In Force for group GETVPN: yes (not registered yet)\n");
    CHECK(out.data["crypto_maps"][0]["activate"] == true);
    CHECK(out.data["crypto_maps"][0]["in_force"]["GETVPN"] == true);
    CHECK(out.data["crypto_maps"][0]["entries"][1] == "access-list 105 deny ospf any any");

    f.dataplane.groups_[0].fail_close = false;
    out = f.run("show crypto map gdoi fail-close getvpn-map");
    REQUIRE(out.ok());
    CHECK(out.text.find("  Fail-Close In Force for group GETVPN: no (registered)\n") != std::string::npos);
    CHECK(out.data["crypto_maps"][0]["in_force"]["GETVPN"] == false);

    out = f.run("show crypto map gdoi fail-close other");
    CHECK(out.result == mgmt::command_output::status::failed);
    CHECK(out.text == "% Crypto map other has no gdoi fail-close.\n");
}

TEST_CASE("show crypto ruleset prints the merged policy installed per interface, seed 000 style")
{
    crypto_fixture f;
    auto out = f.run("show crypto ruleset");
    REQUIRE(out.ok());
    CHECK(out.text == "wan0:\n"
                      "  17 ANY 10.0.0.100/848 DENY\n"
                      "  6 ANY/23 ANY DENY\n"
                      "  89 ANY ANY DENY\n"
                      "  IP ANY ANY DROP Fail-Close\n");
    out = f.run("show crypto ruleset detail");
    REQUIRE(out.ok());
    CHECK(out.text == "wan0:\n"
                      "  1      17 ANY 10.0.0.100/848 DENY (local fail-close line 1)\n"
                      "  2      6 ANY/23 ANY DENY (local fail-close line 2)\n"
                      "  3      89 ANY ANY DENY (local fail-close line 3)\n"
                      "  4      IP ANY ANY DROP Fail-Close (fail-close implicit)\n");
    CHECK(out.data["interfaces"][0]["fail_close"] == true);
    CHECK(out.data["interfaces"][0]["rules"][3]["origin"] == "fail-close");

    // Registered: the KS's policy replaces it.
    f.dataplane.groups_[0].fail_close = false;
    f.dataplane.groups_[0].rules = registered_rules();
    out = f.run("show crypto ruleset");
    CHECK(out.text == "wan0:\n"
                      "  17 ANY 10.0.0.100/848 DENY\n"
                      "  IP 10.77.0.0/16 10.77.0.0/16 IPsec Cryptomap\n");
    f.dataplane.groups_[0].passive = true;
    CHECK(f.run("show crypto ruleset").text.find("IP 10.77.0.0/16 10.77.0.0/16 IPsec SA Passive\n") !=
          std::string::npos);
}

TEST_CASE("show interfaces counts the packets each port received that the data plane dropped")
{
    crypto_fixture f;
    auto out = f.run("show interfaces");
    REQUIRE(out.ok());
    CHECK(out.text.find("  130 received packets dropped by the data plane\n") != std::string::npos);
    CHECK(out.data["interfaces"][0]["dropped"] == 130);
}

TEST_CASE("without a data plane the crypto-map commands say so")
{
    core::manual_clock clock;
    core::event_bus events{clock};
    mgmt::service svc{events, clock, test::parse_ok(crypto_cfg), nullptr, {"0.1.0", {}}};
    mgmt::command_registry commands;
    mgmt::register_builtin_commands(commands);
    CHECK(commands.run(svc, "sh cry gdoi gm dataplane counters", false).text ==
          "No data plane: this configuration runs the control plane only.\n");
    CHECK(commands.run(svc, "sh cry ruleset", false).data["dataplane"] == false);
    CHECK(commands.run(svc, "sh cry map gdoi fail-close", false).text.find(
              "In Force for group GETVPN: unknown (no data plane for this map)") != std::string::npos);
}
