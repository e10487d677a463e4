// Parser rules: modes, abbreviations, comments, unknown lines, bad values, and
// the appliance lines.
#include "helpers.hpp"

#include <catch2/catch.hpp>

using namespace mgmt;

namespace {

ipv4 ip(const char* s) { return *ipv4::parse(s); }

// The single error of a parse, checked to exist.
diagnostic only_error(const parse_result& r) {
    const auto errs = mgmt_test::errors(r.diagnostics);
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(errs.size() == 1);
    return errs[0];
}

} // namespace

TEST_CASE("ipv4 text and masks", "[mgmt][parser]") {
    CHECK(ipv4::parse("10.1.2.3")->value == 0x0a010203u);
    CHECK(ipv4::parse("10.1.2.3")->to_string() == "10.1.2.3");
    CHECK_FALSE(ipv4::parse("10.1.2"));
    CHECK_FALSE(ipv4::parse("10.1.2.256"));
    CHECK_FALSE(ipv4::parse("10.1.2.3 "));
    CHECK_FALSE(ipv4::parse("a.b.c.d"));
    CHECK(mask_to_prefix(ip("255.255.255.252")) == 30u);
    CHECK(mask_to_prefix(ip("0.0.0.0")) == 0u);
    CHECK_FALSE(mask_to_prefix(ip("255.0.255.0")));
    CHECK(prefix_to_mask(24) == ip("255.255.255.0"));
}

TEST_CASE("a typo inside crypto gdoi group is an error with its line number; nothing is applied", "[mgmt][parser]") {
    const auto r = mgmt_test::parse_file("bad-typo-gdoi.cfg");
    CHECK_FALSE(r.ok());
    const diagnostic e = only_error(r);
    CHECK(e.line == 10);
    CHECK(e.text == "identiy number 1");
    CHECK(e.message.find("crypto gdoi group") != std::string::npos);
    CHECK(r.cfg == config{});
}

TEST_CASE("typos and unknown lines in every crypto and ACL sub-mode are errors", "[mgmt][parser]") {
    const char* cases[][2] = {
        {"crypto isakmp policy 1\n encr aes\n hsah sha\n", "hsah sha"},
        {"crypto ipsec transform-set t esp-aes esp-sha-hmac\n mdoe tunnel\n", "mdoe tunnel"},
        {"crypto ipsec profile p\n set transform-set t\n set pfs group14\n", "set pfs group14"},
        {"crypto gdoi group g\n server local\n  rekey lifetme seconds 300\n", "rekey lifetme seconds 300"},
        {"crypto gdoi group g\n server local\n  sa ipsec 1\n   replay window 5\n", "replay window 5"},
        {"crypto gdoi group g\n server local\n  redundancy\n   local priorty 5\n", "local priorty 5"},
        {"crypto map m 10 gdoi\n set grop g\n", "set grop g"},
        {"crypto map m gdoi fail-close\n activte\n", "activte"},
        {"ip access-list extended a\n permit ip any any\n allow ip any any\n", "allow ip any any"},
        {"dataplane\n cores 4\n", "cores 4"},
    };
    for (const auto& [text, bad] : cases) {
        INFO(text);
        const auto r = parse_config(text);
        CHECK_FALSE(r.ok());
        CHECK(only_error(r).text == bad);
    }
}

TEST_CASE("security-relevant unknown lines are errors, harmless ones warnings", "[mgmt][parser]") {
    SECTION("unknown crypto top-level command") {
        const auto r = parse_config("hostname gm\ncrypto pki trustpoint TP\n");
        CHECK(only_error(r).line == 2);
    }
    SECTION("no forms of crypto and ACL lines") {
        CHECK(only_error(parse_config("no crypto map M 10 gdoi\n")).line == 1);
        CHECK_FALSE(parse_config("no access-list 101\n").ok());
    }
    SECTION("harmless keywords are matched only whole, so sub-mode typos stay errors") {
        CHECK(only_error(parse_config("crypto gdoi group g\n host x\n")).text == "host x");
    }
    SECTION("non-gdoi crypto map") {
        const auto r = parse_config("crypto map m 10 ipsec-isakmp\n");
        CHECK(only_error(r).message.find("gdoi") != std::string::npos);
    }
    SECTION("ip access-group and unknown crypto lines on an interface") {
        CHECK_FALSE(parse_config("interface e0/0\n ip access-group 101 in\n").ok());
        CHECK_FALSE(parse_config("interface e0/0\n crypto mapp M\n").ok());
    }
    SECTION("harmless interface line is kept in the interface") {
        const auto r = parse_config("interface e0/0\n service-policy output QOS\n ip address 10.0.0.1 255.0.0.0\n");
        REQUIRE(r.ok());
        CHECK(mgmt_test::has_warning_at(r.diagnostics, 2, "service-policy output QOS"));
        CHECK(r.cfg.interfaces.at(0).unsupported == std::vector<std::string>{"service-policy output QOS"});
        CHECK(r.cfg.interfaces.at(0).address);
    }
    SECTION("unknown top-level line with sub-mode lines is one kept block") {
        const auto r = parse_config("line vty 0 4\n login local\n transport input ssh\nhostname x\n");
        REQUIRE(r.ok());
        REQUIRE(r.cfg.unsupported.size() == 2);
        CHECK(r.cfg.unsupported[0].children == std::vector<std::string>{"login local", "transport input ssh"});
        CHECK(mgmt_test::warnings(r.diagnostics).size() == 4);
    }
}

TEST_CASE("bad values are errors naming the value", "[mgmt][parser]") {
    const char* cases[][2] = {
        {"interface e0/0\n ip address 10.0.0.300 255.255.255.0\n", "10.0.0.300"},
        {"interface e0/0\n ip address 10.0.0.1 255.0.255.0\n", "not contiguous"},
        {"crypto isakmp policy 1\n encr blowfish\n", "blowfish"},
        {"crypto isakmp policy 1\n group 3\n", "group 3"},
        {"crypto isakmp policy 1\n lifetime 5\n", "lifetime"},
        {"crypto ipsec transform-set t esp-aes esp-foo-hmac\n", "esp-foo-hmac"},
        {"crypto ipsec transform-set t esp-gcm 256 esp-sha-hmac\n", "no integrity"},
        {"crypto gdoi group g\n server address ipv4 10.1.1\n", "10.1.1"},
        {"crypto gdoi group g\n server local\n  redundancy\n   local priority 300\n", "300"},
        {"ip access-list extended a\n permit tcp any eq nosuchport any\n", "nosuchport"},
        {"ip access-list extended a\n permit ip any eq 80 any\n", "tcp or udp"},
        {"access-list 100 permit 10.0.0.1\n", "protocol"},
        {"access-list 300 permit ip any any\n", "300"},
        {"ip route 10.0.0.1 255.255.255.0 10.0.0.254\n", "host bits"},
    };
    for (const auto& [text, fragment] : cases) {
        INFO(text);
        const diagnostic e = only_error(parse_config(text));
        CHECK(e.message.find(fragment) != std::string::npos);
    }
}

TEST_CASE("keywords take unique abbreviations; names are kept as written", "[mgmt][parser]") {
    const auto r = parse_config(
        "cry isa pol 10\n"
        " enc aes 256\n"
        " auth pre\n"
        " gr 14\n"
        "int e0/0\n"
        " ip add 10.0.0.1 255.255.255.0\n"
        " cry map M\n"
        "crypto map M 10 gd\n"
        " set gr G\n");
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    const isakmp_policy& p = r.cfg.isakmp.policies.at(0);
    CHECK(p.priority == 10);
    CHECK(p.key_bits == 256);
    CHECK(p.authentication == ike_auth::pre_share);
    CHECK(p.dh_group == 14);
    CHECK(r.cfg.find_interface("e0/0")->crypto_map == "M");
    CHECK(r.cfg.find_crypto_map("M")->entries.at(0).group == "G");
    // "re" could be "rekey" or "redundancy" in server local: ambiguous, so an error.
    CHECK_FALSE(parse_config("crypto gdoi group g\n server local\n  re transport unicast\n").ok());
}

TEST_CASE("comments, separators, exit and end", "[mgmt][parser]") {
    const auto r = parse_config(
        "! a comment line\n"
        "\n"
        "crypto gdoi group G ! trailing comment\n"
        " identity number 7   ! another\n"
        " exit\n"
        "interface lan0\n"
        " description uplink ! kept as written\n"
        "end\n"
        "this is not config\n");
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    CHECK(r.diagnostics.empty());
    CHECK(r.cfg.find_group("G")->identity_number == 7u);
    CHECK(r.cfg.find_interface("lan0")->description == "uplink ! kept as written");
}

TEST_CASE("the appliance example config parses with no diagnostics", "[mgmt][parser][appliance]") {
    const auto r = parse_config(
        "dataplane\n"
        " workers 1\n"
        "interface wan0\n"
        " dpdk-port vdev net_af_packet0,iface=veth-wan\n"
        " ip address 10.0.0.1 255.255.255.0\n"
        "interface lan0\n"
        " dpdk-port vdev net_af_packet1,iface=veth-lan\n"
        " ip address 192.168.1.1 255.255.255.0\n"
        "ip route 0.0.0.0 0.0.0.0 10.0.0.254\n");
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    CHECK(r.diagnostics.empty());
    CHECK(r.cfg.dataplane == dataplane_cfg{});
    const interface_cfg* wan = r.cfg.find_interface("wan0");
    REQUIRE(wan != nullptr);
    REQUIRE(wan->port);
    CHECK(wan->port->kind == dpdk_port::bus::vdev);
    CHECK(wan->port->spec == "net_af_packet0,iface=veth-wan");
    CHECK(wan->address == ipv4_if_address{ip("10.0.0.1"), 24});
    CHECK(r.cfg.routes.at(0).next_hop == ip("10.0.0.254"));
    CHECK_FALSE(r.cfg.is_group_member());
    CHECK_FALSE(r.cfg.is_key_server());
}

TEST_CASE("appliance lines: dpdk-port pci, dataplane values and their errors", "[mgmt][parser][appliance]") {
    const auto r = mgmt_test::parse_file("appliance-gm.cfg");
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    CHECK(r.diagnostics.empty());
    CHECK(r.cfg.dataplane == dataplane_cfg{2, 16383, 64});
    const interface_cfg* wan = r.cfg.find_interface("wan0");
    CHECK(wan->port == dpdk_port{dpdk_port::bus::pci, "0000:03:00.1"});
    CHECK(wan->mtu == 1500u);
    CHECK(wan->description == "WAN towards the MPLS PE");
    CHECK(r.cfg.ipsec.df_bit == df_bit_policy::clear);
    const gdoi_client& c = r.cfg.groups.at(0).client;
    CHECK(c.rekey_encryption == std::vector<kek_cipher>{kek_cipher::aes256, kek_cipher::aes128});
    CHECK(c.rekey_hash == kek_hash::sha256);
    CHECK(c.registration_interface == "wan0");

    CHECK_FALSE(parse_config("interface x\n dpdk-port pci 03:00\n").ok());
    CHECK_FALSE(parse_config("interface x\n dpdk-port usb 1\n").ok());
    CHECK_FALSE(parse_config("interface x\n dpdk-port vdev eth0\n").ok());
    CHECK_FALSE(parse_config("dataplane\n workers 0\n").ok());
    CHECK_FALSE(parse_config("dataplane\n burst 100000\n").ok());
}

TEST_CASE("access lists: sequence numbers, remarks, ranges, standard lists", "[mgmt][parser][acl]") {
    const auto r = parse_config(
        "ip access-list extended A\n"
        " remark exempt control traffic\n"
        " 20 deny udp any range 500 501 host 10.0.0.2 eq isakmp\n"
        " 10 deny tcp 10.0.0.0 0.0.0.255 gt 1023 any established\n"
        " permit esp any any log\n"
        " permit 112 any any\n"
        "ip access-list standard S\n"
        " permit host 10.0.0.1\n"
        " deny 10.1.0.0 0.0.255.255\n"
        " permit any\n"
        "access-list 5 permit 10.9.9.9\n"
        "access-list 150 remark numbered extended\n");
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    const access_list& a = *r.cfg.find_access_list("A");
    REQUIRE(a.entries.size() == 5);
    CHECK(a.entries[0].remark == "exempt control traffic");
    CHECK(a.entries[1].seq == 10u); // inserted before 20
    CHECK(a.entries[1].source_port == port_match{port_op::gt, 1023, 0});
    CHECK(a.entries[1].established);
    CHECK(a.entries[2].seq == 20u);
    CHECK(a.entries[2].source_port == port_match{port_op::range, 500, 501});
    CHECK(a.entries[2].destination == address_match{ip("10.0.0.2"), ipv4{0}});
    CHECK(a.entries[2].destination_port == port_match{port_op::eq, 500, 0});
    CHECK(a.entries[3].protocol == 50);
    CHECK(a.entries[3].log);
    CHECK(a.entries[4].protocol == 112);
    const access_list& s = *r.cfg.find_access_list("S");
    CHECK_FALSE(s.extended);
    CHECK(s.entries.size() == 3);
    CHECK(s.entries[1].source == address_match{ip("10.1.0.0"), ip("0.0.255.255")});
    CHECK(s.entries[2].source == address_match{});
    CHECK_FALSE(r.cfg.find_access_list("5")->extended);
    CHECK(r.cfg.find_access_list("150")->extended);

    CHECK_FALSE(parse_config("ip access-list extended A\n 10 permit ip any any\n 10 deny ip any any\n").ok());
    CHECK_FALSE(parse_config("ip access-list standard 150\n").ok());
}

TEST_CASE("a line that is not a command of the sub-mode closes it, whatever the indentation", "[mgmt][parser]") {
    const auto r = parse_config(
        "crypto gdoi group G\n"
        "identity number 1\n"
        "server local\n"
        "sa ipsec 2\n"
        "profile P\n"
        "sa ipsec 1\n"
        "             profile Q\n"
        "redundancy\n"
        "local priority 5\n"
        "rekey transport unicast\n"
        "passive\n"
        "interface e0/0\n"
        "crypto map M\n");
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    const gdoi_group& g = *r.cfg.find_group("G");
    REQUIRE(g.server_local->sas.size() == 2);
    CHECK(g.server_local->sas[0].seq == 1); // kept sorted
    CHECK(g.server_local->sas[0].profile == "Q");
    CHECK(g.server_local->sas[1].profile == "P");
    CHECK(g.server_local->redundancy->local_priority == 5);
    CHECK(g.server_local->rekey_unicast);
    CHECK(g.passive);
    CHECK(r.cfg.find_interface("e0/0")->crypto_map == "M");
}
