// The seeds' example configurations, pasted as they stand, load and mean what
// the guides say they mean.
#include "helpers.hpp"

#include <catch2/catch.hpp>

using namespace mgmt;
using mgmt_test::parse_file;

namespace {

ipv4 ip(const char* s) { return *ipv4::parse(s); }

} // namespace

TEST_CASE("every seed example config parses without errors", "[mgmt][seeds]") {
    for (const auto& name : mgmt_test::good_configs()) {
        INFO(name);
        const auto r = parse_file(name);
        INFO(mgmt_test::all_messages(r.diagnostics));
        CHECK(r.ok());
    }
}

TEST_CASE("seed 000 KS1: the model holds the key server policy", "[mgmt][seeds]") {
    const auto r = parse_file("seed000-ks1.cfg");
    REQUIRE(r.ok());
    const config& c = r.cfg;
    REQUIRE(c.groups.size() == 1);
    const gdoi_group& g = c.groups[0];
    CHECK(g.name == "group1");
    CHECK(g.identity_number == 1u);
    REQUIRE(g.server_local);
    const gdoi_server_local& s = *g.server_local;
    CHECK(s.rekey_lifetime == 86400);
    REQUIRE(s.rekey_retransmit);
    CHECK(s.rekey_retransmit->interval == 10);
    CHECK(s.rekey_retransmit->number == 2u);
    CHECK(s.rekey_rsa_key == "group1-export-general");
    CHECK(s.rekey_unicast);
    REQUIRE(s.sas.size() == 1);
    CHECK(s.sas[0].seq == 1);
    CHECK(s.sas[0].profile == "gdoi-profile-group1");
    CHECK(s.sas[0].match_acl == "101");
    CHECK(s.sas[0].replay == replay_kind::counter);
    CHECK(s.sas[0].replay_window == 64);
    // Indented under sa ipsec in the guide, but a server local command.
    CHECK(s.address == ip("209.165.200.225"));
    REQUIRE(s.redundancy);
    CHECK(s.redundancy->local_priority == 10);
    CHECK(s.redundancy->peers == std::vector<ipv4>{ip("209.165.200.225")});

    REQUIRE(c.isakmp.policies.size() == 1);
    CHECK(c.isakmp.policies[0].encryption == ike_cipher::tdes);
    CHECK(c.isakmp.policies[0].authentication == ike_auth::pre_share);
    CHECK(c.isakmp.policies[0].dh_group == 2);
    CHECK(c.isakmp.policies[0].lifetime == 400);
    CHECK(c.isakmp.keys.size() == 5);
    REQUIRE(c.ipsec.transform_sets.size() == 1);
    CHECK(c.ipsec.transform_sets[0].cipher == esp_cipher::tdes);
    CHECK(c.ipsec.transform_sets[0].integrity == esp_integrity::sha1);
    REQUIRE(c.ipsec.profiles.size() == 1);
    CHECK(c.ipsec.profiles[0].sa_lifetime == 1800);
    CHECK(c.ipsec.profiles[0].transform_set == "gdoi-trans-group1");
    REQUIRE(c.routes.size() == 1);
    CHECK(c.routes[0].prefix_len == 0);
    CHECK(c.routes[0].next_hop == ip("10.1.1.18"));
    const access_list* acl = c.find_access_list("101");
    REQUIRE(acl != nullptr);
    REQUIRE(acl->entries.size() == 1);
    CHECK(acl->entries[0].source.wildcard == ip("0.0.255.255"));
    CHECK(c.is_key_server());
    CHECK_FALSE(c.is_group_member());
}

TEST_CASE("seed 000 KS1: harmless lines are warnings naming line and text, and are kept", "[mgmt][seeds]") {
    const auto r = parse_file("seed000-ks1.cfg");
    REQUIRE(r.ok());
    CHECK(mgmt_test::has_warning_at(r.diagnostics, 2, "service timestamps debug datetime msec"));
    CHECK(mgmt_test::has_warning_at(r.diagnostics, 7, "hostname KS1"));
    CHECK(mgmt_test::has_warning_at(r.diagnostics, 12, "no aaa new-model"));
    CHECK(mgmt_test::has_warning_at(r.diagnostics, 18, "no ip domain lookup"));
    CHECK(mgmt_test::has_warning_at(r.diagnostics, 59, "ip classless"));
    CHECK(mgmt_test::warnings(r.diagnostics).size() == 14);
    CHECK(r.cfg.unsupported.size() == 14);
    CHECK(r.cfg.unsupported[4].text == "hostname KS1");
}

TEST_CASE("seed 000 KS2: blank line inside server local and odd indentation keep their meaning", "[mgmt][seeds]") {
    const auto r = parse_file("seed000-ks2.cfg");
    REQUIRE(r.ok());
    const gdoi_group* g = r.cfg.find_group("group1");
    REQUIRE(g != nullptr);
    REQUIRE(g->server_local);
    CHECK(g->server_local->rekey_lifetime == 86400);
    CHECK(g->server_local->address == ip("10.1.1.21"));
    REQUIRE(g->server_local->redundancy);
    CHECK(g->server_local->redundancy->local_priority == 1);
    CHECK(g->server_local->redundancy->peers == std::vector<ipv4>{ip("10.1.1.17")});
    CHECK(r.cfg.isakmp.keys.size() == 5);
    // " ip route" and " access-list" are indented after an interface: still global.
    REQUIRE(r.cfg.routes.size() == 1);
    CHECK(r.cfg.routes[0].next_hop == ip("10.1.1.22"));
    CHECK(r.cfg.find_access_list("101") != nullptr);
    CHECK(r.cfg.interfaces.at(0).unsupported.empty());
}

TEST_CASE("seed 000 GMs: server order, crypto map, router bgp kept as one block", "[mgmt][seeds]") {
    const auto gm1 = parse_file("seed000-gm1.cfg");
    REQUIRE(gm1.ok());
    const gdoi_group& g1 = gm1.cfg.groups.at(0);
    CHECK(g1.servers == std::vector<ipv4>{ip("209.165.200.225"), ip("209.165.201.1")});
    CHECK_FALSE(g1.server_local);
    const crypto_map* m = gm1.cfg.find_crypto_map("map-group1");
    REQUIRE(m != nullptr);
    REQUIRE(m->entries.size() == 1);
    CHECK(m->entries[0].seq == 10);
    CHECK(m->entries[0].group == "group1");
    const interface_cfg* e00 = gm1.cfg.find_interface("Ethernet0/0");
    REQUIRE(e00 != nullptr);
    CHECK(e00->crypto_map == "map-group1");
    CHECK(e00->address == ipv4_if_address{ip("209.165.200.225"), 30});
    CHECK(gm1.cfg.is_group_member());
    CHECK_FALSE(gm1.cfg.is_key_server());
    auto bgp = std::find_if(gm1.cfg.unsupported.begin(), gm1.cfg.unsupported.end(),
                            [](const unsupported_block& b) { return b.text == "router bgp 1000"; });
    REQUIRE(bgp != gm1.cfg.unsupported.end());
    CHECK(bgp->children.size() == 5);
    CHECK(bgp->children[0] == "no synchronization");
    CHECK(mgmt_test::has_warning_at(gm1.diagnostics, 39, "neighbor 10.1.1.2 remote-as 5000"));

    const auto gm2 = parse_file("seed000-gm2.cfg");
    REQUIRE(gm2.ok());
    CHECK(gm2.cfg.groups.at(0).servers == std::vector<ipv4>{ip("209.165.201.1"), ip("209.165.200.225")});
}

TEST_CASE("seed 000 GM5: crypto map local-address after an interface is a global command", "[mgmt][seeds]") {
    const auto r = parse_file("seed000-gm5-loopback.cfg");
    REQUIRE(r.ok());
    const crypto_map* m = r.cfg.find_crypto_map("dgvpn");
    REQUIRE(m != nullptr);
    CHECK(m->local_address == "Loopback0");
    CHECK(r.cfg.find_interface("GigabitEthernet0/1")->description == "*** To AGG-1 ***");
    CHECK(r.cfg.find_interface("GigabitEthernet0/2")->crypto_map == "dgvpn");
    CHECK(r.cfg.find_interface("Loopback0")->address == ipv4_if_address{ip("209.165.201.1"), 32});
    CHECK(mgmt_test::warnings(r.diagnostics).empty());
}

TEST_CASE("seed 000 diffint and TBAR examples", "[mgmt][seeds]") {
    const auto d = parse_file("seed000-diffint.cfg");
    REQUIRE(d.ok());
    const gdoi_server_local& s = *d.cfg.find_group("diffint")->server_local;
    CHECK(d.cfg.find_group("diffint")->identity_number == 3333u);
    CHECK(s.rekey_algorithm == kek_cipher::aes128);
    CHECK(s.rekey_address_acl == "121");
    CHECK(s.rekey_lifetime == 3600);
    CHECK_FALSE(s.rekey_retransmit); // no rekey retransmit
    CHECK(s.rekey_rsa_key == "mykeys");
    CHECK(s.sas.at(0).replay_window == 3);
    CHECK(d.cfg.find_profile("gdoi-p")->sa_lifetime == 900);

    // "sa ipsec 1", a "!" line, then "replay time window-size 100": still the SA.
    const auto t = parse_file("seed000-tbar.cfg");
    REQUIRE(t.ok());
    const gdoi_sa_ipsec& sa = t.cfg.find_group("ATM-DSL")->server_local->sas.at(0);
    CHECK(sa.replay == replay_kind::time);
    CHECK(sa.replay_window == 100);
    CHECK(t.cfg.find_profile("atm-profile")->sa_lifetime == 28800);
}

TEST_CASE("seed 000 fail-close example", "[mgmt][seeds]") {
    const auto r = parse_file("seed000-fail-close.cfg");
    REQUIRE(r.ok());
    const crypto_map* m = r.cfg.find_crypto_map("map1");
    REQUIRE(m != nullptr);
    REQUIRE(m->fail_close);
    CHECK(m->fail_close->match_acl == "102");
    CHECK(m->fail_close->activate);
    CHECK(m->entries.at(0).group == "ks1_group");
    CHECK(m->entries.at(0).match_acl == "101");
    const ace& telnet = r.cfg.find_access_list("102")->entries.at(0);
    CHECK(telnet.action == acl_action::deny);
    CHECK(telnet.protocol == 6);
    CHECK(telnet.source_port == port_match{port_op::eq, 23, 0});
    CHECK(telnet.destination == address_match{});
}

TEST_CASE("seed 003 KS1, KS2 and GM1", "[mgmt][seeds]") {
    const auto ks1 = parse_file("seed003-ks1.cfg");
    REQUIRE(ks1.ok());
    const isakmp_key& wildcard = ks1.cfg.isakmp.keys.at(0);
    CHECK(wildcard.key == "MYGDOIPSK");
    CHECK(wildcard.address == ipv4{0});
    CHECK(wildcard.mask == ipv4{0});
    const transform_set& ts = ks1.cfg.ipsec.transform_sets.at(0);
    CHECK(ts.cipher == esp_cipher::aes_cbc);
    CHECK(ts.key_bits == 128);
    CHECK(ts.mode == ipsec_mode::tunnel);
    const gdoi_server_local& s = *ks1.cfg.find_group("GDOI-GROUP1")->server_local;
    CHECK(s.sas.at(0).replay == replay_kind::time);
    CHECK(s.sas.at(0).replay_window == 5);
    CHECK(s.address == ip("192.168.111.111"));
    const access_list* acl = ks1.cfg.find_access_list("getvpn-acl");
    REQUIRE(acl != nullptr);
    REQUIRE(acl->entries.size() == 5);
    CHECK(acl->entries[0].protocol == 17);
    CHECK(acl->entries[0].source_port == port_match{port_op::eq, 848, 0});
    CHECK(acl->entries[3].destination_port == port_match{port_op::eq, 179, 0}); // bgp
    CHECK(acl->entries[4].action == acl_action::permit);
    CHECK(acl->entries[4].protocol == 0);

    const auto ks2 = parse_file("seed003-ks2.cfg");
    REQUIRE(ks2.ok());
    REQUIRE(ks2.cfg.isakmp.keepalive);
    CHECK(ks2.cfg.isakmp.keepalive->interval == 10);
    CHECK(ks2.cfg.isakmp.keepalive->mode == keepalive_mode::periodic);
    CHECK(ks2.cfg.find_group("GDOI-GROUP1")->server_local->redundancy->local_priority == 40);

    const auto gm1 = parse_file("seed003-gm1.cfg");
    REQUIRE(gm1.ok());
    const interface_cfg* e00 = gm1.cfg.find_interface("e0/0"); // "int e0/0": name as written
    REQUIRE(e00 != nullptr);
    CHECK(e00->crypto_map == "gdoimap");
    CHECK(gm1.cfg.is_group_member());
}

TEST_CASE("seed 003 feature snippets: fail-close, exception ACL, receive-only, passive, groups, authorization, COOP",
          "[mgmt][seeds]") {
    const auto fc = parse_file("seed003-fail-close.cfg");
    REQUIRE(fc.ok());
    const crypto_map* m = fc.cfg.find_crypto_map("gdoimap");
    CHECK(m->fail_close == fail_close_cfg{"fail-close", true});
    CHECK(m->entries.at(0).group == "GDOI-GROUP1");

    const auto ex = parse_file("seed003-exception-acl.cfg");
    REQUIRE(ex.ok());
    CHECK(ex.cfg.find_crypto_map("gdoimap")->entries.at(0).match_acl == "exception-acl");
    CHECK(ex.cfg.find_access_list("exception-acl")->entries.at(0).protocol == 1);

    CHECK(parse_file("seed003-receive-only.cfg").cfg.groups.at(0).server_local->sa_receive_only);
    CHECK(parse_file("seed003-passive.cfg").cfg.groups.at(0).passive);

    // Typed at the sa-ipsec prompt, but address ipv4 belongs to server local.
    const auto mg = parse_file("seed003-multiple-groups.cfg");
    REQUIRE(mg.ok());
    const gdoi_group* g2 = mg.cfg.find_group("GDOI-GROUP2");
    CHECK(g2->identity_number == 6789u);
    CHECK(g2->server_local->address == ip("192.168.111.111"));
    CHECK(g2->server_local->sas.at(0).match_acl == "getvpn-acl");

    // "access-list 10 permit A  ! comment": the comment is not part of the ACE.
    const auto au = parse_file("seed003-authorization.cfg");
    REQUIRE(au.ok());
    const access_list* l10 = au.cfg.find_access_list("10");
    REQUIRE(l10 != nullptr);
    CHECK_FALSE(l10->extended);
    CHECK(l10->entries.size() == 2);
    CHECK(l10->entries[0].source == address_match{ip("192.168.11.3"), ipv4{0}});
    CHECK(au.cfg.find_group("GDOI-GROUP1")->server_local->authorization_address_acl == "10");
    CHECK(au.cfg.find_group("GDOI-GROUP2")->server_local->authorization_address_acl == "20");

    const auto coop = parse_file("seed003-coop.cfg");
    REQUIRE(coop.ok());
    CHECK(coop.cfg.rsa_keys == std::vector<rsa_key_cfg>{{"MYRSAKEY", 1024, true, {}}});
    CHECK(coop.cfg.find_group("GDOI-GROUP1")->server_local->redundancy->local_priority == 100);
}

TEST_CASE("seed 000 unsupported example 1 (crypto map without gdoi) is rejected", "[mgmt][seeds]") {
    const auto r = parse_file("seed000-unsupported-example1.cfg");
    CHECK_FALSE(r.ok());
    const auto errs = mgmt_test::errors(r.diagnostics);
    REQUIRE(errs.size() == 1);
    CHECK(errs[0].line == 2);
    CHECK(errs[0].text == "crypto map map-group1");
    CHECK(r.cfg == config{});
}
