// The command table: IOS prefixes, ambiguity, parameters, help and completion,
// placeholders of features not in this build, and confirmation of destructive commands.
#include "fixture.hpp"

#include "mgmt/ios_parser.hpp"
#include "mgmt/ios_printer.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using mgmt::command_match;
using mgmt::command_output;

TEST_CASE("unique prefixes select a command, as in IOS")
{
    test::fixture f;
    const auto& specs = f.commands.specs();
    auto m = mgmt::match_command(specs, "sh run");
    REQUIRE(m.result == command_match::kind::ok);
    CHECK(m.canonical == "show running-config");
    CHECK(mgmt::match_command(specs, "conf t").canonical == "configure terminal");
    CHECK(mgmt::match_command(specs, "  SH   Ver ").canonical == "show version");
    CHECK(mgmt::match_command(specs, "sh cry gdoi").canonical == "show crypto gdoi");
    CHECK(mgmt::match_command(specs, "sh cry gdoi gm dataplane counters").canonical ==
          "show crypto gdoi gm dataplane counters");
}

TEST_CASE("an ambiguous prefix, an unknown word and a short command are refused with IOS's messages")
{
    test::fixture f;
    auto amb = f.run("sh cry gdoi g");
    CHECK(amb.result == command_output::status::invalid);
    CHECK(amb.text == "% Ambiguous command:  \"sh cry gdoi g\"\n");
    auto bad = f.run("show bogus");
    CHECK(bad.result == command_output::status::invalid);
    CHECK(bad.text == "show bogus\n     ^\n% Invalid input detected at '^' marker.\n");
    auto inc = f.run("show crypto");
    CHECK(inc.result == command_output::status::invalid);
    CHECK(inc.text == "% Incomplete command.\n");
    CHECK(f.run("   ").result == command_output::status::ok);
}

TEST_CASE("parameters take words and numbers, and reach the handler")
{
    test::fixture f;
    auto m = mgmt::match_command(f.commands.specs(), "sh cry gdoi group GETVPN-G1 ks");
    REQUIRE(m.result == command_match::kind::ok);
    CHECK(m.canonical == "show crypto gdoi group GETVPN-G1 ks");
    CHECK(m.params == std::vector<std::string>{"GETVPN-G1"});
    CHECK(mgmt::match_command(f.commands.specs(), "show events 5").canonical == "show events 5");
    CHECK(mgmt::match_command(f.commands.specs(), "show events five").result == command_match::kind::invalid);
}

TEST_CASE("commands of features not in this build say so plainly and carry no data")
{
    test::fixture f;
    struct expect {
        const char* line;
        const char* text;
    };
    for (auto e : {expect{"show crypto gdoi", "% show crypto gdoi: GDOI registration is not in this build yet\n"},
                   expect{"sh cry gdoi ks members summary",
                          "% show crypto gdoi ks members summary: the GDOI key server is not in this build yet\n"},
                   expect{"sh cry gdoi feature gm-removal",
                          "% show crypto gdoi feature gm-removal: GDOI feature versioning is not in this build yet\n"},
                   expect{"sh cry isakmp sa", "% show crypto isakmp sa: ISAKMP (GDOI phase 1) is not in this build yet\n"},
                   expect{"clear cry gdoi ks coop role",
                          "% clear crypto gdoi ks coop role: COOP key-server redundancy is not in this build yet\n"},
                   expect{"crypto gdoi gm group G1 ipsec direction inbound only",
                          "% crypto gdoi gm group G1 ipsec direction inbound only: GDOI SA direction control is not "
                          "in this build yet\n"}}) {
        INFO(e.line);
        auto out = f.run(e.line);
        CHECK(out.result == command_output::status::not_built);
        CHECK(out.text == e.text);
        CHECK(out.data == nlohmann::json{{"feature_available", false}});
    }
}

TEST_CASE("a feature replaces its placeholder by registering the same syntax")
{
    test::fixture f;
    const auto before = f.commands.specs().size();
    f.commands.add({"show  crypto gdoi", "GDOI groups"}, [](mgmt::service&, const auto&) {
        command_output out;
        out.text = "GROUP INFORMATION\n";
        return out;
    });
    CHECK(f.commands.specs().size() == before);
    auto out = f.run("sh cry gdoi");
    CHECK(out.ok());
    CHECK(out.text == "GROUP INFORMATION\n");
    CHECK_THROWS_AS(f.commands.add({"show <group>", ""}, [](mgmt::service&, const auto&) { return command_output{}; }),
                    std::invalid_argument);
}

TEST_CASE("a destructive command runs only when confirmed")
{
    test::fixture f;
    int runs = 0;
    f.commands.add({"clear crypto gdoi ks members", "Remove the group members", true},
                   [&runs](mgmt::service&, const auto&) {
                       ++runs;
                       command_output out;
                       out.text = "cleared\n";
                       return out;
                   });
    auto ask = f.run("clear cry gdoi ks members");
    CHECK(ask.result == command_output::status::needs_confirmation);
    CHECK(runs == 0);
    auto done = f.run("clear cry gdoi ks members", true);
    CHECK(done.text == "cleared\n");
    CHECK(runs == 1);
    // A placeholder destroys nothing, so it answers without asking.
    CHECK(f.run("clear crypto gdoi ks members now").result == command_output::status::not_built);
}

TEST_CASE("? lists what may follow, with help; TAB completes a unique word")
{
    test::fixture f;
    const auto& specs = f.commands.specs();
    auto show = mgmt::complete_choices(specs, "show ");
    std::vector<std::string> words;
    for (const auto& c : show) {
        words.push_back(c.word);
    }
    CHECK(words == std::vector<std::string>{"crypto", "events", "interfaces", "lcores", "running-config",
                                            "startup-config", "version"});
    CHECK(show[2].help == "DPDK ports: link and counters");
    auto partial = mgmt::complete_choices(specs, "show crypto gdoi g");
    REQUIRE(partial.size() == 2);
    CHECK(partial[0].word == "gm");
    CHECK(partial[1].word == "group");
    auto events = mgmt::complete_choices(specs, "show events ");
    REQUIRE(events.size() == 2);
    CHECK(events[0].word == "<n>");
    CHECK(events[1].word == "<cr>");

    CHECK(mgmt::complete_word(specs, "sh") == "ow ");
    CHECK(mgmt::complete_word(specs, "show int") == "erfaces ");
    CHECK(mgmt::complete_word(specs, "show crypto gdoi g") == ""); // gm or group
    CHECK(mgmt::complete_word(specs, "show crypto gdoi fe") == "ature ");
    CHECK(mgmt::complete_word(specs, "show bogus") == "");
}

TEST_CASE("the command table travels as JSON unchanged (GET /commands for gdoictl)")
{
    test::fixture f;
    for (const auto& s : f.commands.specs()) {
        CHECK(mgmt::command_spec_from_json(mgmt::to_json(s)) == s);
    }
}

TEST_CASE("write memory saves the running configuration whole, and show startup-config reads it back")
{
    const std::string dir = std::filesystem::temp_directory_path() / ("gdoi-wrmem-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/router.cfg";
    {
        std::ofstream(path) << "hostname old\n";
    }
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                           std::filesystem::perms::group_read);
    test::fixture f(path);
    REQUIRE(f.svc.merge_lines("ip route 10.9.0.0 255.255.0.0 10.0.0.254\n").ok());

    auto out = f.run("wr mem");
    REQUIRE(out.ok());
    CHECK(out.text == "Building configuration...\n[OK]\n");
    CHECK(out.data["generation"] == 2);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(out.data["bytes"] == text.str().size());
    CHECK(text.str() == mgmt::print_config(f.svc.running()));
    CHECK(mgmt::parse_config(text.str()).cfg == f.svc.running()); // a restart comes back to the same state
    CHECK(std::filesystem::status(path).permissions() ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
           std::filesystem::perms::group_read)); // it may hold keys: the mode stays
    CHECK_FALSE(std::filesystem::exists(path + ".new"));
    CHECK(f.run("copy running-config startup-config").ok());
    auto shown = f.run("show startup-config");
    REQUIRE(shown.ok());
    CHECK(shown.text == text.str());

    // A directory that cannot take the file: a clear error, the old file as it was.
    test::fixture gone(dir + "/missing/router.cfg");
    auto bad = gone.run("write memory");
    CHECK(bad.result == command_output::status::failed);
    CHECK(bad.text == "Building configuration...\n% cannot create " + dir + "/missing/router.cfg.new: No such file or "
                      "directory\n");
    CHECK(gone.run("show startup-config").result == command_output::status::failed);
    test::fixture none;
    CHECK(none.run("write memory").text ==
          "Building configuration...\n% gdoi-router was started without a configuration file to save to\n");
    std::filesystem::remove_all(dir);
}
