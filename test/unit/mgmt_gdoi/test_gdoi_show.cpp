// The GDOI show commands on a fixed state: a real key server and group member
// driven through Main Mode and GROUPKEY-PULL in-process on the manual clock, then
// rendered. Random values (SPIs, cookies, keys) are read back from the state and
// substituted into the golden texts.
#include "fixture.hpp"

#include "mgmt/gdoi_commands.hpp"
#include "mgmt/rest_server.hpp"

#include <cstdio>
#include <string>

namespace {

using gdoi_test::ip;
using nlohmann::json;

using mgmt_gdoi_test::registered;
using mgmt_gdoi_test::fixed_node;
using mgmt_gdoi_test::member_cfg;

std::string spi(std::uint32_t s)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%08X(%u)", s, s);
    return buf;
}

std::string kek_spi(const gdoi::kek_sa& k)
{
    std::string out = "0x";
    for (auto b : k.spi) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%02X", b);
        out += buf;
    }
    return out;
}

// Replaces each "{name}" in the golden text.
std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values)
{
    for (const auto& [name, value] : values) {
        const std::string key = "{" + name + "}";
        for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + value.size())) {
            text.replace(pos, key.size(), value);
        }
    }
    return text;
}

} // namespace

TEST_CASE("show crypto gdoi prints the KS and GM sides of each group, with lifetimes from the clock")
{
    registered f;
    auto out = f.run("sh cry gdoi");
    REQUIRE(out.ok());
    const auto& k = f.keys();
    const auto& r = f.reg();
    REQUIRE(k.teks.size() == 2);
    REQUIRE(r.teks.size() == 2);
    // The GM holds what the KS handed out.
    CHECK(r.teks[0].spi == k.teks[0].spi);
    const std::string golden = R"(GROUP INFORMATION

    Group Name               : GETVPN
    Group Identity           : 1234

Key Server Information For Group GETVPN:
    Group Name               : GETVPN
    Group Identity           : 1234
    Group Members            : 1
    Rekey Transport Type     : Unicast
    Key Server ID            : 10.0.0.1
    Sequence Number          : 0

  KEK POLICY:
    Rekey Transport Type     : Unicast
    Lifetime (secs)          : 86300
    Encrypt Algorithm        : AES
    Key Size                 : 128
    Sig Hash Algorithm       : HMAC_AUTH_SHA256
    Sig Key Length (bits)    : 2048
    spi                      : {kek}

  TEK POLICY:
    IPsec SA:
        spi: {spi1}
        transform: esp-gcm
        sa timing:remaining key lifetime (sec): (3500)
        Anti-Replay(Time Based) : 5 sec interval
        alg key size: 32 (bytes)
        encaps: ENCAPS_TUNNEL
        access-list permit ip 192.168.0.0 0.0.255.255 192.168.0.0 0.0.255.255
        access-list permit tcp 172.16.0.0 0.15.255.255 172.16.0.0 0.15.255.255 eq 443
    IPsec SA:
        spi: {spi2}
        transform: esp-aes esp-sha256-hmac
        sa timing:remaining key lifetime (sec): (7100)
        Anti-Replay(Counter Based) : 64
        alg key size: 16 (bytes)
        sig key size: 32 (bytes)
        encaps: ENCAPS_TUNNEL
        access-list permit udp 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255

Group Member Information For Group GETVPN:
    IPSec SA Direction       : Both
    Group Server list        : 10.0.0.1

    Group member             : 10.0.1.1
       Local addr/port       : 10.0.1.1/848
       Remote addr/port      : 10.0.0.1/848
       Version               : 1.0.2
       Registration status   : Registered
       Registered with       : 10.0.0.1
       Re-registers in       : 3440 sec
       Succeeded registration: 1
       Attempted registration: 1
       Last rekey seq num    : 0
       Sender IDs            : 1,2,3,4

ACL Downloaded From KS 10.0.0.1:
access-list permit ip 192.168.0.0 0.0.255.255 192.168.0.0 0.0.255.255
access-list permit tcp 172.16.0.0 0.15.255.255 172.16.0.0 0.15.255.255 eq 443
access-list permit udp 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255

  KEK POLICY:
    Rekey Transport Type     : Unicast
    Lifetime (secs)          : 86300
    Encrypt Algorithm        : AES
    Key Size                 : 128
    Sig Hash Algorithm       : HMAC_AUTH_SHA256
    Sig Key Length (bits)    : 2048
    spi                      : {kek}

  TEK POLICY for the current KS-Policy ACEs Downloaded:
    IPsec SA:
        spi: {spi1}
        transform: esp-gcm
        sa timing:remaining key lifetime (sec): (3500)
        Anti-Replay(Time Based) : 5 sec interval
        alg key size: 32 (bytes)
        encaps: ENCAPS_TUNNEL
    IPsec SA:
        spi: {spi2}
        transform: esp-aes esp-sha256-hmac
        sa timing:remaining key lifetime (sec): (7100)
        Anti-Replay(Counter Based) : 64
        alg key size: 16 (bytes)
        sig key size: 32 (bytes)
        encaps: ENCAPS_TUNNEL

GROUP INFORMATION

    Group Name               : OTHER
    Group Identity           : 6789

Key Server Information For Group OTHER:
    Group Name               : OTHER
    Group Identity           : 6789
    Group Members            : 0
    Rekey Transport Type     : Unicast
    Key Server ID            : 10.0.0.1
    Sequence Number          : 0

  KEK POLICY:
    Rekey Transport Type     : Unicast
    Lifetime (secs)          : 86300
    Encrypt Algorithm        : AES
    Key Size                 : 128
    Sig Hash Algorithm       : HMAC_AUTH_SHA256
    Sig Key Length (bits)    : 2048
    spi                      : {okek}

  TEK POLICY:
    IPsec SA:
        spi: {ospi1}
        transform: esp-gcm
        sa timing:remaining key lifetime (sec): (3500)
        Anti-Replay(Time Based) : 5 sec interval
        alg key size: 32 (bytes)
        encaps: ENCAPS_TUNNEL
        access-list permit ip 192.168.0.0 0.0.255.255 192.168.0.0 0.0.255.255
        access-list permit tcp 172.16.0.0 0.15.255.255 172.16.0.0 0.15.255.255 eq 443
    IPsec SA:
        spi: {ospi2}
        transform: esp-aes esp-sha256-hmac
        sa timing:remaining key lifetime (sec): (7100)
        Anti-Replay(Counter Based) : 64
        alg key size: 16 (bytes)
        sig key size: 32 (bytes)
        encaps: ENCAPS_TUNNEL
        access-list permit udp 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255
)";
    const auto& o = *f.tb.server->group("OTHER");
    CHECK(out.text == fill(golden, {{"kek", kek_spi(*k.kek)},
                                    {"spi1", spi(k.teks[0].spi)},
                                    {"spi2", spi(k.teks[1].spi)},
                                    {"okek", kek_spi(*o.kek)},
                                    {"ospi1", spi(o.teks[0].spi)},
                                    {"ospi2", spi(o.teks[1].spi)}}));

    // The same state as data.
    const auto& d = out.data;
    REQUIRE(d["groups"].size() == 2);
    const auto& g = d["groups"][0];
    CHECK(g["name"] == "GETVPN");
    CHECK(g["identity"] == json{{"number", 1234}});
    CHECK(g["ks"]["members"] == 1);
    CHECK(g["ks"]["teks"][0]["spi"] == k.teks[0].spi);
    CHECK(g["ks"]["teks"][0]["remaining_seconds"] == 3500);
    CHECK(g["ks"]["kek"]["spi"] == kek_spi(*k.kek).substr(2));
    CHECK(g["gm"]["state"] == "registered");
    CHECK(g["gm"]["registered_with"] == "10.0.0.1");
    CHECK(g["gm"]["sender_ids"] == json{1, 2, 3, 4});
    CHECK(g["gm"]["teks"][1]["transform"] == "esp-aes esp-sha256-hmac");
    CHECK(g["gm"]["teks"][1]["acl"] == json{"access-list permit udp 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255"});
    CHECK_FALSE(d["groups"][1].contains("gm"));

    // Lifetimes count down with the clock.
    f.tb.clock.advance(std::chrono::seconds{400});
    auto later = f.run("show crypto gdoi group GETVPN gm");
    CHECK(later.data["groups"][0]["gm"]["teks"][0]["remaining_seconds"] == 3100);
    CHECK(later.data["groups"][0]["gm"]["reregisters_in_seconds"] == 3040);
}

TEST_CASE("show crypto gdoi gm, ks and group G select one side and one group")
{
    registered f;
    auto gm = f.run("show crypto gdoi gm");
    REQUIRE(gm.ok());
    CHECK(gm.text.starts_with("Group Member Information For Group GETVPN:\n"));
    CHECK(gm.text.find("ACL Downloaded") == std::string::npos);
    CHECK(gm.text.find("Key Server Information") == std::string::npos);
    CHECK(gm.data["groups"].size() == 1);

    auto ks = f.run("sh cry gdoi ks");
    REQUIRE(ks.ok());
    CHECK(ks.text.starts_with("Total group members registered to this box: 1\n\n"
                              "Key Server Information For Group GETVPN:\n"));
    CHECK(ks.text.find("Key Server Information For Group OTHER:\n") != std::string::npos);
    CHECK(ks.text.find("Group Member Information") == std::string::npos);

    auto other = f.run("show crypto gdoi group OTHER");
    REQUIRE(other.ok());
    CHECK(other.text.starts_with("GROUP INFORMATION\n\n    Group Name               : OTHER\n"));
    CHECK(other.data["groups"].size() == 1);
    CHECK(other.data["groups"][0]["ks"]["members"] == 0);

    // OTHER has no group member here.
    auto other_gm = f.run("show crypto gdoi group OTHER gm");
    REQUIRE(other_gm.ok());
    CHECK(other_gm.text == "This box is not a GDOI group member.\n");
    CHECK(other_gm.data["groups"].empty());

    auto none = f.run("show crypto gdoi group NOPE");
    CHECK(none.result == mgmt::command_output::status::failed);
    CHECK(none.text == "% Group NOPE not found\n");
}

TEST_CASE("show crypto gdoi ks members [summary] lists each registered member as in seed 003")
{
    registered f;
    auto summary = f.run("sh cry gdoi ks mem summ");
    REQUIRE(summary.ok());
    CHECK(summary.text == "Group Member ID    : 10.0.1.1            GM Version: 1.0.2\n"
                          " Group ID          : 1234\n"
                          " Group Name        : GETVPN\n"
                          " GM State          : Registered\n"
                          " Key Server ID     : 10.0.0.1\n");
    auto full = f.run("show crypto gdoi ks members");
    REQUIRE(full.ok());
    // manual_clock's wall clock starts at 1'700'000'000 s; registration took no time.
    CHECK(full.text == "Group Member Information :\n\n"
                       "Group Member ID    : 10.0.1.1            GM Version: 1.0.2\n"
                       " Group ID          : 1234\n"
                       " Group Name        : GETVPN\n"
                       " GM State          : Registered\n"
                       " Key Server ID     : 10.0.0.1\n"
                       " Registered at     : 2023-11-14T22:13:20Z\n");
    const json expected = {{"key_server", true},
                           {"members",
                            {{{"address", "10.0.1.1"},
                              {"group", "GETVPN"},
                              {"group_id", {{"number", 1234}}},
                              {"version", "1.0.2"},
                              {"state", "registered"},
                              {"key_server_id", "10.0.0.1"},
                              {"registered_at", "2023-11-14T22:13:20Z"}}}}};
    CHECK(full.data == expected);
    CHECK(summary.data == expected);
}

TEST_CASE("show crypto gdoi gm acl: the KS ACL as downloaded, denies and permits in order, then the local denies")
{
    registered f;
    auto out = f.run("sh cry gdoi gm acl");
    REQUIRE(out.ok());
    // Seed 003 layout; the KS ACL of the fixture interleaves denies and permits.
    CHECK(out.text == "Group Name: GETVPN\n"
                      " ACL Downloaded From KS 10.0.0.1:\n"
                      "   access-list   deny udp any port = 848 any\n"
                      "   access-list   permit ip 192.168.0.0 0.0.255.255 192.168.0.0 0.0.255.255\n"
                      "   access-list   deny tcp any any port = 179\n"
                      "   access-list   permit tcp 172.16.0.0 0.15.255.255 172.16.0.0 0.15.255.255 port = 443\n"
                      "   access-list   permit udp 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255\n"
                      " ACL Configured Locally:\n"
                      "  Map Name: gdoimap\n"
                      "   access-list exception-acl  deny udp any any port = 848\n");
    const auto& g = out.data["groups"][0];
    CHECK(g["group"] == "GETVPN");
    CHECK(g["key_server"] == "10.0.0.1");
    REQUIRE(g["downloaded"].size() == 5);
    CHECK(g["downloaded"][0] == json{{"action", "deny"},
                                     {"protocol", 17},
                                     {"source", "any"},
                                     {"source_port", 848},
                                     {"destination", "any"},
                                     {"destination_port", 0},
                                     {"text", "deny udp any port = 848 any"}});
    CHECK(g["downloaded"][2]["action"] == "deny");
    CHECK(g["downloaded"][3]["destination_port"] == 443);
    CHECK(g["local"]["map"] == "gdoimap");
    CHECK(g["local"]["acl"] == "exception-acl");
    REQUIRE(g["local"]["entries"].size() == 1);
    CHECK(g["local"]["entries"][0]["text"] == "deny udp any any port = 848");
    // What the GM installed is exactly this: local denies (after the bypass of GDOI to
    // its key server), then the downloaded list in its order.
    const auto& installed = f.tb.installer.policies.at("GETVPN");
    REQUIRE(installed.size() == 1 + 1 + 5);
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(installed[2 + i] == f.reg().ks_acl[i]);
    }

    auto none = mgmt::show_gm_acl(fixed_node{});
    CHECK(none.text == "This box is not a GDOI group member.\n");
    CHECK(none.data == json{{"groups", json::array()}});
}

TEST_CASE("show crypto isakmp sa lists the KS's sessions and the GM's SA as in seed 003")
{
    registered f;
    auto out = f.run("sh cry isa sa");
    REQUIRE(out.ok());
    // Same SA seen from both ends: dst is the key server, src the member.
    CHECK(out.text == "IPv4 Crypto ISAKMP SA\n"
                      "dst             src             state          conn-id status\n"
                      "10.0.0.1        10.0.1.1        GDOI_IDLE            1 ACTIVE\n"
                      "10.0.0.1        10.0.1.1        GDOI_IDLE            1 ACTIVE\n");
    const auto& s = out.data["sessions"];
    REQUIRE(s.size() == 2);
    CHECK(s[0]["role"] == "ks");
    CHECK(s[0]["peer_version"] == "1.0.2");
    CHECK(s[1]["role"] == "gm");
    CHECK(s[1]["group"] == "GETVPN");
    CHECK(s[0]["icookie"] == s[1]["icookie"]);
    CHECK(s[0]["rcookie"] == s[1]["rcookie"]);
    CHECK(s[1]["proposal"] == json{{"encryption", "aes"},
                                   {"key_bits", 256},
                                   {"hash", "sha256"},
                                   {"auth", "psk"},
                                   {"dh_group", 14},
                                   {"lifetime_seconds", 86400}});
}

TEST_CASE("show crypto ipsec sa lists each group member's TEKs")
{
    registered f;
    auto out = f.run("show crypto ipsec sa");
    REQUIRE(out.ok());
    const auto& r = f.reg();
    CHECK(out.text == fill("group: GETVPN\n"
                           "    local addr 10.0.1.1, key server 10.0.0.1\n"
                           "\n"
                           "    inbound/outbound esp sas:\n"
                           "     spi: {spi1}\n"
                           "       transform: esp-gcm ,\n"
                           "       sa timing: remaining key lifetime (sec): (3500)\n"
                           "       Anti-Replay(Time Based) : 5 sec interval\n"
                           "     spi: {spi2}\n"
                           "       transform: esp-aes esp-sha256-hmac ,\n"
                           "       sa timing: remaining key lifetime (sec): (7100)\n"
                           "       Anti-Replay(Counter Based) : 64\n",
                           {{"spi1", spi(r.teks[0].spi)}, {"spi2", spi(r.teks[1].spi)}}));
    CHECK(out.data["groups"][0]["teks"][1]["spi"] == r.teks[1].spi);
}

TEST_CASE("show crypto ipsec sa adds each SA's packet counts from the data plane")
{
    registered f;
    const auto& r = f.reg();
    mgmt::crypto_group_state g;
    g.group = "GETVPN";
    g.sas = {{r.teks[1].spi, 12, 1200, 7, 700}};  // only the second TEK is in the data plane
    auto out = mgmt::show_ipsec_sa(f.node, f.tb.clock, {g});
    // The text of the test above (no data plane), with the counts under the second TEK, the last one.
    CHECK(out.text == mgmt::show_ipsec_sa(f.node, f.tb.clock).text +
                          "       #pkts encaps: 12, #pkts encrypt: 12, #bytes encaps: 1200\n"
                          "       #pkts decaps: 7, #pkts decrypt: 7, #bytes decaps: 700\n");
    CHECK(out.data["groups"][0]["teks"][1]["encaps_pkts"] == 12);
    CHECK(out.data["groups"][0]["teks"][1]["decaps_bytes"] == 700);
    CHECK_FALSE(out.data["groups"][0]["teks"][0].contains("encaps_pkts"));
}

TEST_CASE("show crypto ipsec sa keeps an earlier registration's SAs until they expire")
{
    gdoi_test::testbed tb{gdoi_test::ks_cfg(), member_cfg()};
    std::vector<gdoi::outbound> sent;
    tb.member->set_sender([&](const gdoi::outbound& o) { sent.push_back(o); });
    tb.register_all();
    fixed_node view;
    view.gms = {tb.member.get()};
    const auto old = tb.server->group("GETVPN")->teks;  // 3600 s and 7200 s
    tb.server->reload(gdoi_test::ks_cfg(), "GETVPN");   // new TEKs on the key server
    const auto fresh = tb.server->group("GETVPN")->teks;

    // The member re-registers 60 s before its first TEK ends.
    tb.clock.advance(std::chrono::seconds{3540});
    REQUIRE_FALSE(sent.empty());
    tb.reregister(sent.back().data);
    auto out = mgmt::show_ipsec_sa(view, tb.clock);
    CHECK(out.text == fill("group: GETVPN\n"
                           "    local addr 10.0.1.1, key server 10.0.0.1\n"
                           "\n"
                           "    inbound/outbound esp sas:\n"
                           "     spi: {new1}\n"
                           "       transform: esp-gcm ,\n"
                           "       sa timing: remaining key lifetime (sec): (3600)\n"
                           "       Anti-Replay(Time Based) : 5 sec interval\n"
                           "     spi: {new2}\n"
                           "       transform: esp-aes esp-sha256-hmac ,\n"
                           "       sa timing: remaining key lifetime (sec): (7200)\n"
                           "       Anti-Replay(Counter Based) : 64\n"
                           "\n"
                           "    earlier registration's esp sas, until they expire:\n"
                           "     spi: {old1}\n"
                           "       transform: esp-gcm ,\n"
                           "       sa timing: remaining key lifetime (sec): (60)\n"
                           "       Anti-Replay(Time Based) : 5 sec interval\n"
                           "     spi: {old2}\n"
                           "       transform: esp-aes esp-sha256-hmac ,\n"
                           "       sa timing: remaining key lifetime (sec): (3660)\n"
                           "       Anti-Replay(Counter Based) : 64\n",
                           {{"new1", spi(fresh[0].spi)},
                            {"new2", spi(fresh[1].spi)},
                            {"old1", spi(old[0].spi)},
                            {"old2", spi(old[1].spi)}}));
    REQUIRE(out.data["groups"][0]["previous_teks"].size() == 2);
    CHECK(out.data["groups"][0]["previous_teks"][0]["spi"] == old[0].spi);  // soonest to expire first
    CHECK(out.data["groups"][0]["teks"].size() == 2);

    // The first old TEK's lifetime ends: it leaves the data plane and the list.
    tb.clock.advance(std::chrono::seconds{60});
    out = mgmt::show_ipsec_sa(view, tb.clock);
    CHECK(out.text.find(spi(old[0].spi)) == std::string::npos);
    CHECK(out.text.find("     spi: " + spi(old[1].spi) + "\n       transform: esp-aes esp-sha256-hmac ,\n"
                        "       sa timing: remaining key lifetime (sec): (3600)\n") != std::string::npos);
    REQUIRE(out.data["groups"][0]["previous_teks"].size() == 1);
    CHECK(out.data["groups"][0]["previous_teks"][0]["spi"] == old[1].spi);

    // And with the second gone, only the current registration's remain.
    tb.clock.advance(std::chrono::seconds{3600});
    out = mgmt::show_ipsec_sa(view, tb.clock);
    CHECK(out.text.find("earlier registration") == std::string::npos);
    CHECK(out.data["groups"][0]["previous_teks"].empty());
}

TEST_CASE("a group member that is still registering shows its state and no SAs")
{
    gdoi_test::testbed tb{gdoi_test::ks_cfg(), member_cfg()};
    auto mm1 = tb.gm_start("MM1");
    auto mm2 = tb.to_ks("MM2", mm1);
    REQUIRE(mm2);
    fixed_node view;
    view.gms = {tb.member.get()};
    view.ks = tb.server.get();

    auto gm = mgmt::show_crypto_gdoi(view, tb.clock, std::nullopt, mgmt::gdoi_part::gm);
    REQUIRE(gm.ok());
    CHECK(gm.text == "Group Member Information For Group GETVPN:\n"
                     "    IPSec SA Direction       : Both\n"
                     "    Group Server list        : 10.0.0.1\n"
                     "\n"
                     "    Group member             : 10.0.1.1\n"
                     "       Local addr/port       : 10.0.1.1/848\n"
                     "       Remote addr/port      : 10.0.0.1/848\n"
                     "       Version               : 1.0.2\n"
                     "       Registration status   : Registering\n"
                     "       Succeeded registration: 0\n"
                     "       Attempted registration: 1\n");
    CHECK(gm.data["groups"][0]["gm"]["state"] == "main-mode");

    auto sa = mgmt::show_isakmp_sa(view);
    CHECK(sa.text == "IPv4 Crypto ISAKMP SA\n"
                     "dst             src             state          conn-id status\n"
                     "10.0.0.1        10.0.1.1        MM_NO_STATE          1 ACTIVE\n"
                     "10.0.0.1        10.0.1.1        MM_NO_STATE          1 ACTIVE\n");
    CHECK(mgmt::show_ipsec_sa(view, tb.clock).text ==
          "group: GETVPN\n    local addr 10.0.1.1, key server 10.0.0.1\n    no SAs: Registering\n");
    CHECK(mgmt::show_ks_members(view, true).text == "No group members are registered.\n");
    CHECK(mgmt::show_gm_acl(view).text == "Group Name: GETVPN\n"
                                          " ACL Downloaded From KS: none, Registering\n"
                                          " ACL Configured Locally:\n"
                                          "  Map Name: gdoimap\n"
                                          "   access-list exception-acl  deny udp any any port = 848\n");
    CHECK(mgmt::show_gm_acl(view).data["groups"][0]["key_server"] == nullptr);
}

TEST_CASE("without a key server or group members the GDOI commands say so")
{
    core::manual_clock clock;
    fixed_node view;
    CHECK(mgmt::show_crypto_gdoi(view, clock, std::nullopt, mgmt::gdoi_part::all).text ==
          "No GDOI groups are configured.\n");
    CHECK(mgmt::show_crypto_gdoi(view, clock, std::nullopt, mgmt::gdoi_part::ks).text ==
          "This box is not a GDOI key server.\n");
    auto members = mgmt::show_ks_members(view, false);
    CHECK(members.text == "This box is not a GDOI key server.\n");
    CHECK(members.data == json{{"key_server", false}, {"members", json::array()}});
    CHECK(mgmt::show_isakmp_sa(view).data == json{{"sessions", json::array()}});
    CHECK(mgmt::show_ipsec_sa(view, clock).text == "No IPsec SAs: this box is not a GDOI group member.\n");
}

TEST_CASE("the GDOI commands replace their not-built entries, and REST returns the console's text and data")
{
    registered f;
    for (const std::string syntax : {"show crypto gdoi", "show crypto gdoi group <word>", "show crypto gdoi gm",
                                     "show crypto gdoi ks", "show crypto gdoi group <word> ks",
                                     "show crypto gdoi ks members", "show crypto gdoi ks members summary",
                                     "show crypto gdoi gm acl", "show crypto isakmp sa", "show crypto ipsec sa"}) {
        auto it = std::find_if(f.commands.specs().begin(), f.commands.specs().end(),
                               [&](const mgmt::command_spec& s) { return s.syntax == syntax; });
        REQUIRE(it != f.commands.specs().end());
        CHECK(it->available);
    }
    // Features not written yet keep their placeholder.
    CHECK(f.run("show crypto gdoi ks rekey").result == mgmt::command_output::status::not_built);

    for (const std::string line : {"show crypto gdoi", "sh cry gdoi ks members", "show crypto gdoi ks members summary",
                                   "sh cry isakmp sa", "show crypto ipsec sa", "show crypto gdoi group GETVPN gm",
                                   "show crypto gdoi gm acl"}) {
        INFO(line);
        auto console = f.run(line);
        auto rest = mgmt::handle_request(f.svc, f.commands, {"POST", "/commands", json{{"command", line}}.dump()});
        REQUIRE(rest.status == 200);
        auto body = json::parse(rest.body);
        CHECK(body["status"] == "ok");
        CHECK(body["output"] == console.text);
        CHECK(body["data"] == console.data);
    }
    auto by_path = mgmt::handle_request(f.svc, f.commands, {"POST", "/commands/show/crypto/gdoi/ks/members", ""});
    REQUIRE(by_path.status == 200);
    CHECK(json::parse(by_path.body)["data"]["members"][0]["address"] == "10.0.1.1");

    auto missing = mgmt::handle_request(f.svc, f.commands, {"POST", "/commands", R"({"command":"sh cry gdoi group X"})"});
    CHECK(missing.status == 422);
}
