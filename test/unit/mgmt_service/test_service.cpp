// mgmt::service: a change is validated first and applied whole; a bad one changes
// nothing and says why.
#include "fixture.hpp"

#include "mgmt/config_json.hpp"
#include "mgmt/ios_printer.hpp"

using outcome = mgmt::apply_result::outcome;

namespace {

// The running state a refused change must leave exactly as it was.
struct snapshot {
    mgmt::config cfg;
    std::uint64_t generation;
    explicit snapshot(const mgmt::service& s) : cfg(s.running()), generation(s.generation()) {}
    bool same(const mgmt::service& s) const { return s.running() == cfg && s.generation() == generation; }
};

} // namespace

TEST_CASE("config-mode lines merge onto the running configuration")
{
    test::fixture f;
    std::vector<std::pair<std::size_t, std::size_t>> seen; // routes before, after
    f.svc.on_config_change([&](const mgmt::config& before, const mgmt::config& after) {
        seen.emplace_back(before.routes.size(), after.routes.size());
    });
    auto r = f.svc.merge_lines("ip route 172.16.0.0 255.255.0.0 192.168.1.254\n");
    REQUIRE(r.ok());
    CHECK(r.generation == 2);
    CHECK(f.svc.generation() == 2);
    CHECK(f.svc.running().routes.size() == 2);
    CHECK(seen == std::vector<std::pair<std::size_t, std::size_t>>{{1, 2}});
    // Reopening a block adds to it.
    REQUIRE(f.svc.merge_lines("interface lan0\n description inside\n").ok());
    CHECK(f.svc.running().find_interface("lan0")->description == "inside");
}

TEST_CASE("a line the parser refuses applies nothing and names the line of the submission")
{
    test::fixture f;
    snapshot before(f.svc);
    auto r = f.svc.merge_lines("ip route 172.16.0.0 255.255.0.0 192.168.1.254\ncrypto gdoi group G1\n identiy number 3\n");
    CHECK(r.result == outcome::rejected);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].source == "parse");
    CHECK(r.errors[0].line == 3);
    CHECK(r.errors[0].text == "identiy number 3");
    CHECK(before.same(f.svc));
}

TEST_CASE("a configuration that does not validate applies nothing")
{
    test::fixture f;
    snapshot before(f.svc);
    auto r = f.svc.merge_lines("crypto gdoi group G9\n identity number 9\n server local\n");
    CHECK(r.result == outcome::rejected);
    REQUIRE_FALSE(r.errors.empty());
    CHECK(r.errors[0].source == "validate");
    CHECK(before.same(f.svc));
}

TEST_CASE("changing DPDK port bindings or data-plane sizing needs a restart and applies nothing")
{
    test::fixture f;
    snapshot before(f.svc);
    auto r = f.svc.merge_lines("interface dmz0\n dpdk-port vdev net_af_packet2,iface=veth-dmz\n");
    CHECK(r.result == outcome::rejected);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].source == "restart");
    auto w = f.svc.merge_patch({{"dataplane", {{"workers", 2}}}});
    CHECK(w.result == outcome::rejected);
    CHECK(w.errors.at(0).source == "restart");
    CHECK(before.same(f.svc));
}

TEST_CASE("JSON with unknown fields or wrong types is a bad request and applies nothing")
{
    test::fixture f;
    snapshot before(f.svc);
    auto unknown = f.svc.merge_patch({{"bogus", 1}});
    CHECK(unknown.result == outcome::bad_request);
    CHECK(unknown.errors.at(0).path == "/bogus");
    auto type = f.svc.merge_patch({{"routes", {{{"prefix", 42}}}}});
    CHECK(type.result == outcome::bad_request);
    CHECK(type.errors.at(0).source == "json");
    auto whole = f.svc.replace_json(nlohmann::json::array());
    CHECK(whole.result == outcome::bad_request);
    CHECK(before.same(f.svc));
}

TEST_CASE("PUT-style replacement takes the whole configuration, text or JSON")
{
    test::fixture f;
    auto cfg = f.svc.running();
    cfg.routes.clear();
    auto r = f.svc.replace_json(mgmt::to_json(cfg));
    REQUIRE(r.ok());
    CHECK(f.svc.running().routes.empty());
    auto t = f.svc.replace_text(test::router_cfg);
    REQUIRE(t.ok());
    CHECK(f.svc.running().routes.size() == 1);
    CHECK(f.svc.generation() == 3);
    // A harmless unsupported line is applied, kept, and reported as a warning.
    auto w = f.svc.merge_lines("hostname edge-1\n");
    REQUIRE(w.ok());
    REQUIRE(w.warnings.size() == 1);
    CHECK(w.warnings[0].line == 1);
    CHECK(mgmt::print_config(f.svc.running()).find("hostname edge-1") != std::string::npos);
}
