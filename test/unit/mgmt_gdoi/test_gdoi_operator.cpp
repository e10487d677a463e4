// The GDOI anti-replay, feature-version and state-changing commands on a fixed state:
// a real key server and group member registered in-process on the manual clock, and
// a fake data plane for the replay drop counters.
#include "fixture.hpp"

#include "mgmt/gdoi_commands.hpp"
#include "mgmt/metrics.hpp"
#include "mgmt/rest_server.hpp"

#include <cstdio>
#include <string>

namespace {

using nlohmann::json;
using status = mgmt::command_output::status;
using mgmt_gdoi_test::fixed_node;
using mgmt_gdoi_test::registered;

std::string hex_spi(std::uint32_t s)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", s);
    return buf;
}

// "    TEK 0x0000ABCD           : " as the show commands align it.
std::string tek_label(std::uint32_t spi)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "    %-25s: ", ("TEK " + hex_spi(spi)).c_str());
    return buf;
}

} // namespace

TEST_CASE("show crypto gdoi ks replay prints each group's TEK replay settings and TBAR pseudotime")
{
    registered f;
    auto out = f.run("sh cry gdoi ks replay");
    REQUIRE(out.ok());
    const auto& k = f.keys();
    const auto& o = f.keys("OTHER");
    // GETVPN's pseudotime started with its first registration, 100 s ago; OTHER has no member yet.
    CHECK(out.text == "Anti-Replay Information For Group GETVPN:\n" + tek_label(k.teks[0].spi) +
                          "Time Based, window 5 sec\n" + tek_label(k.teks[1].spi) +
                          "Counter Based, window 64 packets\n"
                          "    Pseudotime               : 100.000 sec\n"
                          "    Pseudotime Tick          : 100 msec\n"
                          "\n"
                          "Anti-Replay Information For Group OTHER:\n" +
                          tek_label(o.teks[0].spi) + "Time Based, window 5 sec\n" + tek_label(o.teks[1].spi) +
                          "Counter Based, window 64 packets\n"
                          "    Pseudotime               : not started (no member has registered)\n"
                          "    Pseudotime Tick          : 100 msec\n");
    const auto& g = out.data["groups"][0];
    CHECK(g["name"] == "GETVPN");
    CHECK(g["pseudotime_ms"] == 100000);
    CHECK(g["tick_ms"] == 100);
    CHECK(g["teks"][0] == json{{"spi", k.teks[0].spi}, {"mode", "time"}, {"window", 5}});
    CHECK(g["teks"][1] == json{{"spi", k.teks[1].spi}, {"mode", "counter"}, {"window", 64}});
    CHECK(out.data["groups"][1]["pseudotime_ms"].is_null());

    auto one = f.run("show crypto gdoi group OTHER ks replay");
    REQUIRE(one.ok());
    CHECK(one.text.starts_with("Anti-Replay Information For Group OTHER:\n"));
    CHECK(one.data["groups"].size() == 1);
    CHECK(f.run("show crypto gdoi group NOPE ks replay").text == "% Group NOPE not found\n");
}

namespace {

// A second member, of group OTHER, that has not registered: its drops print all the same.
struct two_members : registered {
    gdoi::gm other{other_cfg(), tb.clock, tb.bus, tb.installer};

    two_members() { node.gms.push_back(&other); }
    static gdoi::gm_config other_cfg()
    {
        auto c = mgmt_gdoi_test::member_cfg();
        c.group = "OTHER";
        return c;
    }
    // The show's text for both groups, GETVPN's drops and pseudotime, then OTHER's drops.
    std::string replay_text(const std::string& getvpn_drops, const std::string& pt, const std::string& other_drops)
    {
        const auto& r = reg();
        return "Anti-Replay Information For Group GETVPN:\n" + tek_label(r.teks[0].spi) + "Time Based, window 5 sec\n" +
               tek_label(r.teks[1].spi) + "Counter Based, window 64 packets\n    Pseudotime               : " + pt +
               "\n    Pseudotime Tick          : 100 msec\n" + getvpn_drops +
               "\nAnti-Replay Information For Group OTHER:\n    No TEKs: Not registered\n" + other_drops;
    }
};

std::string drop_lines(int counter, int tbar)
{
    return "    Counter replay drops     : " + std::to_string(counter) + "\n    TBAR replay drops        : " +
           std::to_string(tbar) + "\n";
}

} // namespace

TEST_CASE("show crypto gdoi gm replay prints each group's pseudotime and its own replay drops")
{
    two_members f;
    auto out = f.run("show crypto gdoi gm replay");
    REQUIRE(out.ok());
    CHECK(out.text == f.replay_text(drop_lines(5, 2), "100.000 sec", drop_lines(7, 1)));
    CHECK(out.data["groups"][0]["dataplane_drops"] == json{{"replay_fail", 5}, {"tbar_fail", 2}});
    CHECK(out.data["groups"][0]["pseudotime_ms"] == 100000);
    CHECK(out.data["groups"][1]["name"] == "OTHER");
    CHECK(out.data["groups"][1]["dataplane_drops"] == json{{"replay_fail", 7}, {"tbar_fail", 1}});

    // A group no crypto map uses has no counters in the data plane.
    f.dataplane.groups.pop_back();
    out = f.run("sh cry gdoi gm replay");
    CHECK(out.text == f.replay_text(drop_lines(5, 2), "100.000 sec",
                                    "    Replay drops             : none counted (no crypto map uses this group)\n"));
    CHECK(out.data["groups"][1]["dataplane_drops"].is_null());
}

TEST_CASE("show crypto gdoi gm replay without a data plane prints no drops")
{
    registered f;
    mgmt::service control_only{f.tb.bus, f.tb.clock, mgmt::config{}, nullptr, {"0.1.0", {}}};
    auto out = f.commands.run(control_only, "show crypto gdoi gm replay", false);
    REQUIRE(out.ok());
    CHECK(out.text.ends_with("    Pseudotime Tick          : 100 msec\n"));
    CHECK(out.data["groups"][0]["dataplane_drops"].is_null());
    auto clear = f.commands.run(control_only, "clear crypto gdoi replay", true);
    CHECK(clear.text == "No data plane: there are no replay counters to clear.\n");
    CHECK(clear.data["cleared"] == false);
}

TEST_CASE("clear crypto gdoi group G replay clears only G's drops; without a group, every group's")
{
    two_members f;
    // Destructive: it asks first and changes nothing until confirmed.
    CHECK(f.run("clear crypto gdoi group GETVPN replay").result == status::needs_confirmation);
    CHECK(f.run("show crypto gdoi gm replay").data["groups"][0]["dataplane_drops"]["replay_fail"] == 5);

    auto cleared = f.run("clear crypto gdoi group GETVPN replay", true);
    REQUIRE(cleared.ok());
    CHECK(cleared.text == "Replay drop counters of group GETVPN cleared.\n");
    CHECK(cleared.data == json{{"cleared", true}, {"groups", {"GETVPN"}}});
    f.dataplane.set("GETVPN", "replay_fail", 8); // three more counter replays
    f.dataplane.set("OTHER", "tbar_fail", 4);    // three more TBAR drops
    f.tb.clock.advance(std::chrono::milliseconds{1500});
    CHECK(f.run("show crypto gdoi gm replay").text ==
          f.replay_text(drop_lines(3, 0), "101.500 sec", drop_lines(7, 4)));

    // The data plane's own counters stay monotonic for /metrics.
    const auto m = mgmt::prometheus_metrics(f.svc);
    CHECK(m.find("gdoi_group_replay_fail_total{group=\"GETVPN\"} 8\n") != std::string::npos);
    CHECK(m.find("gdoi_group_tbar_fail_total{group=\"OTHER\"} 4\n") != std::string::npos);

    auto all = f.run("clear crypto gdoi replay", true);
    REQUIRE(all.ok());
    CHECK(all.text == "Replay drop counters cleared.\n");
    CHECK(all.data["groups"] == json{"GETVPN", "OTHER"});
    f.dataplane.set("OTHER", "replay_fail", 9);
    CHECK(f.run("show crypto gdoi gm replay").text ==
          f.replay_text(drop_lines(0, 0), "101.500 sec", drop_lines(2, 0)));

    // An unknown group is refused; a known one without a crypto map has nothing to clear.
    auto nope = f.run("clear crypto gdoi group NOPE replay", true);
    CHECK(nope.result == status::failed);
    CHECK(nope.text == "% Group NOPE not found\n");
    f.dataplane.groups.pop_back();
    auto other = f.run("clear crypto gdoi group OTHER replay", true);
    CHECK(other.text == "No crypto map uses group OTHER: it has no replay counters.\n");
    CHECK(other.data["cleared"] == false);
}

TEST_CASE("show crypto gdoi feature lists versions and support as in seed 002")
{
    registered f;
    auto out = f.run("show crypto gdoi feature gm-removal");
    REQUIRE(out.ok());
    // This build sends no GROUPKEY-PUSH: its own key server and member say No, whatever
    // version they announce; the member's 1.0.2 supports the feature.
    CHECK(out.text == "\nGroup Name: GETVPN\n"
                      "Key Server ID      Version  Feature Supported\n"
                      "-----\n"
                      "10.0.0.1           1.0.2    No\n"
                      "Group Member ID    Version  Feature Supported\n"
                      "-----\n"
                      "10.0.1.1           1.0.2    Yes\n"
                      "\nGroup Name: OTHER\n"
                      "Key Server ID      Version  Feature Supported\n"
                      "-----\n"
                      "10.0.0.1           1.0.2    No\n"
                      "Group Member ID    Version  Feature Supported\n"
                      "-----\n"
                      // The GM side: the KS's version from its vendor ID, and this build's member.
                      "\nGroup Name: GETVPN\n"
                      "Key Server ID      Version  Feature Supported\n"
                      "-----\n"
                      "10.0.0.1           1.0.2    Yes\n"
                      "Group Member ID    Version  Feature Supported\n"
                      "-----\n"
                      "10.0.1.1           1.0.2    No\n");
    CHECK(out.data["feature"] == "gm-removal");
    CHECK(out.data["groups"][0]["members"] == json{{{"id", "10.0.1.1"}, {"version", "1.0.2"}, {"supported", true}}});
    CHECK(out.data["groups"][0]["key_servers"][0]["supported"] == false);
    CHECK(out.data["groups"][0]["key_servers"][0]["note"] == "this build has no GDOI rekeys (GROUPKEY-PUSH)");
    auto pr = f.run("sh cry gdoi feat policy-replace");
    REQUIRE(pr.ok());
    CHECK(pr.data["feature"] == "policy-replace");
    CHECK(pr.text == out.text);
}

TEST_CASE("clear crypto gdoi ks members asks first, then the key server forgets its members")
{
    registered f;
    gdoi_test::event_log events(f.tb.bus);
    auto ask = f.run("clear crypto gdoi ks members");
    CHECK(ask.result == status::needs_confirmation);
    CHECK(f.tb.server->members().size() == 1); // nothing happened yet

    CHECK(f.run("clear crypto gdoi group NOPE ks members", true).text == "% Group NOPE not found\n");
    auto other = f.run("clear crypto gdoi group OTHER ks members now", true);
    REQUIRE(other.ok());
    CHECK(other.data == json{{"groups", {{{"group", "OTHER"}, {"removed", 0}}}}, {"now", true},
                             {"gm_removal_sent", false}});
    CHECK(f.tb.server->members().size() == 1);

    auto out = f.run("clear crypto gdoi ks members", true);
    REQUIRE(out.ok());
    CHECK(out.text == "Removed 1 member(s) of group GETVPN from the key server's member table.\n"
                      "Removed 0 member(s) of group OTHER from the key server's member table.\n"
                      "% No GM-Removal message was sent: GDOI rekeys are not in this build. The members keep "
                      "their keys and re-register on their own schedule.\n");
    CHECK(f.tb.server->members().empty());
    CHECK(f.run("show crypto gdoi ks members summary").text == "No group members are registered.\n");
    CHECK(events.has("KS_CLEAR_REGISTER"));
    // The member keeps its keys.
    CHECK(f.tb.member->state() == gdoi::gm_state::registered);

    // A box without a key server says so.
    fixed_node gm_only;
    gm_only.gms = {f.tb.member.get()};
    mgmt::command_registry reg;
    mgmt::register_gdoi_operator_commands(reg, gm_only, gm_only);
    CHECK(reg.run(f.svc, "clear crypto gdoi ks members", true).text == "% This box is not a GDOI key server.\n");
}

TEST_CASE("clear crypto gdoi asks first, then restarts the named group on the key server and the member")
{
    registered f;
    gdoi_test::event_log events(f.tb.bus);
    const auto old_spi = f.keys().teks.front().spi;
    const auto other_spi = f.keys("OTHER").teks.front().spi;
    CHECK(f.run("clear crypto gdoi group GETVPN").result == status::needs_confirmation);
    CHECK(f.keys().teks.front().spi == old_spi); // nothing happened yet
    CHECK(f.run("clear crypto gdoi group NOPE", true).text == "% Group NOPE not found\n");

    auto out = f.run("clear crypto gdoi group GETVPN", true);
    REQUIRE(out.ok());
    CHECK(out.text == "Key server: group GETVPN starts again from the running configuration: new TEK and KEK, "
                      "no members.\n"
                      "Group member: group GETVPN dropped its SAs and registers again with the running "
                      "configuration.\n");
    CHECK(out.data == json{{"key_server_groups", {"GETVPN"}}, {"member_groups", {"GETVPN"}},
                           {"stopped_member_groups", json::array()}});
    CHECK(f.keys().teks.front().spi != old_spi);
    CHECK(f.keys("OTHER").teks.front().spi == other_spi);
    CHECK(f.tb.server->members().empty());
    CHECK(f.tb.member->registered() == nullptr);
    CHECK(f.tb.installer.sas.empty());
    CHECK(events.has("KS_CLEAR_REGISTER"));
    CHECK(events.has("GM_CLEAR_REGISTER"));

    // Without a group: every key-server group.
    auto all = f.run("clear crypto gdoi", true);
    REQUIRE(all.ok());
    CHECK(all.data["key_server_groups"] == json{"GETVPN", "OTHER"});
    CHECK(f.keys("OTHER").teks.front().spi != other_spi);
}

TEST_CASE("crypto gdoi gm group G ipsec direction sets the installed SAs' direction until the next registration")
{
    registered f;
    gdoi_test::event_log events(f.tb.bus);
    auto out = f.run("crypto gdoi gm group GETVPN ipsec direction inbound optional");
    REQUIRE(out.ok());
    CHECK(out.text == "IPSec SA direction of group GETVPN: Inbound Optional (until the next registration)\n");
    CHECK(out.data == json{{"group", "GETVPN"}, {"direction", "Inbound Optional"}});
    CHECK(f.tb.installer.directions.at("GETVPN") == gdoi::direction_mode::inbound_optional);
    CHECK(f.run("show crypto gdoi gm").text.find("IPSec SA Direction       : Inbound Optional\n") !=
          std::string::npos);

    REQUIRE(f.run("cry gdoi gm group GETVPN ipsec dir inbound only").ok());
    CHECK(f.tb.installer.directions.at("GETVPN") == gdoi::direction_mode::inbound_only);
    CHECK_FALSE(events.has("GM_CONV_SA_DUPLEX_LOCAL"));
    REQUIRE(f.run("crypto gdoi gm group GETVPN ipsec direction both").ok());
    CHECK(f.tb.installer.directions.at("GETVPN") == gdoi::direction_mode::both);
    CHECK(events.has("GM_CONV_SA_DUPLEX_LOCAL"));

    // Not persistent: the next registration brings back the configured direction (seed 000).
    REQUIRE(f.run("crypto gdoi gm group GETVPN ipsec direction inbound only").ok());
    f.tb.register_all();
    CHECK(f.tb.member->direction() == gdoi::direction_mode::both);
    CHECK(f.tb.installer.directions.at("GETVPN") == gdoi::direction_mode::both);

    CHECK(f.run("crypto gdoi gm group OTHER ipsec direction both").text ==
          "% Group OTHER has no group member on this box\n");
}

TEST_CASE("the operator commands replace their not-built entries; rekeys and COOP still say they are not built")
{
    registered f;
    for (const std::string line :
         {"show crypto gdoi ks replay", "show crypto gdoi group GETVPN ks replay", "show crypto gdoi gm replay",
          "show crypto gdoi feature gm-removal", "show crypto gdoi feature policy-replace"}) {
        INFO(line);
        auto console = f.run(line);
        REQUIRE(console.ok());
        auto rest = mgmt::handle_request(f.svc, f.commands, {"POST", "/commands", json{{"command", line}}.dump()});
        REQUIRE(rest.status == 200);
        auto body = json::parse(rest.body);
        CHECK(body["output"] == console.text);
        CHECK(body["data"] == console.data);
    }
    // Destructive over REST: 428 without confirm, then the same answer as the console.
    auto refused =
        mgmt::handle_request(f.svc, f.commands, {"POST", "/commands", R"({"command":"clear crypto gdoi ks members"})"});
    CHECK(refused.status == 428);
    CHECK(f.tb.server->members().size() == 1);
    auto done = mgmt::handle_request(f.svc, f.commands,
                                     {"POST", "/commands", R"({"command":"clear cry gdoi ks mem","confirm":true})"});
    REQUIRE(done.status == 200);
    CHECK(json::parse(done.body)["data"]["groups"][0]["removed"] == 1);
    auto dir = mgmt::handle_request(f.svc, f.commands,
                                    {"POST", "/commands/crypto/gdoi/gm/group/GETVPN/ipsec/direction/both", ""});
    CHECK(dir.status == 200);

    auto rekey = f.run("crypto gdoi ks rekey", true);
    CHECK(rekey.result == status::not_built);
    CHECK(rekey.text == "% crypto gdoi ks rekey: GDOI rekeys (GROUPKEY-PUSH) is not in this build yet\n");
    CHECK(f.run("crypto gdoi ks group GETVPN rekey replace-now").result == status::not_built);
    auto coop = f.run("clear crypto gdoi ks coop role", true);
    CHECK(coop.result == status::not_built);
    CHECK(coop.text == "% clear crypto gdoi ks coop role: COOP key-server redundancy is not in this build yet\n");
}

TEST_CASE("the GDOI metrics carry registrations and failures labelled by group and key server")
{
    registered f;
    f.svc.add_metrics_source([&] { return mgmt::gdoi_metrics(f.node); });
    const auto m = mgmt::prometheus_metrics(f.svc);
    for (const std::string line : {
             "gdoi_ks_registrations_total{key_server=\"10.0.0.1\"} 1\n",
             "gdoi_ks_hash_failures_total{key_server=\"10.0.0.1\"} 0\n",
             "gdoi_ks_members{group=\"GETVPN\",key_server=\"10.0.0.1\"} 1\n",
             "gdoi_ks_members{group=\"OTHER\",key_server=\"10.0.0.1\"} 0\n",
             "gdoi_gm_registrations_attempted_total{group=\"GETVPN\",key_server=\"10.0.0.1\"} 1\n",
             "gdoi_gm_registrations_succeeded_total{group=\"GETVPN\",key_server=\"10.0.0.1\"} 1\n",
             "gdoi_gm_registrations_failed_total{group=\"GETVPN\",key_server=\"10.0.0.1\"} 0\n",
             "gdoi_gm_registered{group=\"GETVPN\",key_server=\"10.0.0.1\"} 1\n",
             "# TYPE gdoi_ks_registrations_total counter\n",
             "# TYPE gdoi_ks_members gauge\n",
         }) {
        INFO(line);
        CHECK(m.find(line) != std::string::npos);
    }
    // A registration still under way is an attempt, not yet a failure.
    f.tb.gm_start("MM1 again");
    CHECK(mgmt::prometheus_metrics(f.svc).find(
              "gdoi_gm_registrations_failed_total{group=\"GETVPN\",key_server=\"10.0.0.1\"} 0\n") != std::string::npos);
    CHECK(mgmt::prometheus_metrics(f.svc).find(
              "gdoi_gm_registrations_attempted_total{group=\"GETVPN\",key_server=\"10.0.0.1\"} 2\n") !=
          std::string::npos);
}
