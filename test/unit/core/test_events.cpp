// Event catalogue, text and JSON formatting, sinks and rate limiting.
#include "core/events.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace std::chrono_literals;

TEST_CASE("catalogue carries the seed names and levels", "[events]")
{
    const auto* k = core::find_event_kind("GM_REGS_COMPL");
    REQUIRE(k != nullptr);
    CHECK(k->facility == "GDOI");
    CHECK(k->level == core::severity::notice);
    CHECK(core::find_event_kind("UNAUTHORIZED_IPADDR")->level == core::severity::alert);
    CHECK(core::find_event_kind("GM_REGSTER")->facility == "CRYPTO");
    CHECK(core::find_event_kind("POLICY_CHANGE") != nullptr);
    CHECK(core::find_event_kind("GM_RECV_DELETE_IMMEDIATE") != nullptr);
    CHECK(core::find_event_kind("NO_SUCH_EVENT") == nullptr);
}

TEST_CASE("events print as IOS text and as one JSON line", "[events]")
{
    core::manual_clock clk;
    core::event_bus bus(clk);
    std::vector<std::string> text, json;
    bus.subscribe([&](const core::event& e) {
        text.push_back(core::format_text(e));
        json.push_back(core::format_json(e));
    });
    bus.raise("GM_REGS_COMPL", "Registration to KS 10.0.0.1 complete for group G1 using address 10.0.0.2",
              {{"group", "G1"}, {"ks", "10.0.0.1"}});
    REQUIRE(text.size() == 1);
    CHECK(text[0].find("%GDOI-5-GM_REGS_COMPL: Registration to KS 10.0.0.1 complete") != std::string::npos);
    CHECK(text[0].find("(group=G1 ks=10.0.0.1)") != std::string::npos);
    const auto j = nlohmann::json::parse(json[0]);
    CHECK(j["name"] == "GM_REGS_COMPL");
    CHECK(j["severity"] == "notice");
    CHECK(j["level"] == 5);
    CHECK(j["fields"]["ks"] == "10.0.0.1");
    CHECK(json[0].find('\n') == std::string::npos);
    CHECK_THROWS(bus.raise("NOT_AN_EVENT", "x"));
}

TEST_CASE("peer-triggered events are rate limited with a suppressed count", "[events]")
{
    core::manual_clock clk;
    core::event_bus bus(clk, 10s, 3);
    std::vector<core::event> seen;
    bus.subscribe([&](const core::event& e) { seen.push_back(e); });
    for (int i = 0; i < 10; ++i) {
        bus.raise("KS_HASH_FAIL", "bad hash");
    }
    CHECK(seen.size() == 3);
    CHECK(bus.suppressed_total() == 7);
    // Events a peer cannot trigger are never limited.
    for (int i = 0; i < 10; ++i) {
        bus.raise("KS_REGS_COMPL", "ok");
    }
    CHECK(seen.size() == 13);
    clk.advance(10s);
    bus.raise("KS_HASH_FAIL", "bad hash");
    REQUIRE(seen.size() == 14);
    REQUIRE_FALSE(seen.back().fields.empty());
    CHECK(seen.back().fields.back() == std::pair<std::string, std::string>{"suppressed", "7"});
}

TEST_CASE("event backlog keeps the newest events in order", "[events]")
{
    core::manual_clock clk;
    core::event_bus bus(clk);
    for (std::size_t i = 0; i < core::event_bus::backlog_size + 10; ++i) {
        bus.raise("GM_RECV_REKEY", std::to_string(i));
    }
    const auto b = bus.backlog();
    REQUIRE(b.size() == core::event_bus::backlog_size);
    CHECK(b.front().text == "10");
    CHECK(b.back().text == std::to_string(core::event_bus::backlog_size + 9));
}
