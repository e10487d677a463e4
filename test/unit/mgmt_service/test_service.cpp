// mgmt::service: a change is validated first and applied whole; a bad one changes
// nothing and says why.
#include "fixture.hpp"

#include "mgmt/config_json.hpp"
#include "mgmt/ios_printer.hpp"
#include "mgmt/rest_server.hpp"

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

TEST_CASE("an applied change that only takes effect at restart says so")
{
    test::fixture f;
    // Static routes apply live: no warning, and "no ip route" takes one out again.
    auto r = f.svc.merge_lines("ip route 10.9.0.0 255.255.0.0 10.0.0.254\n");
    REQUIRE(r.ok());
    CHECK(f.svc.running().routes.size() == 2);
    CHECK(r.warnings.empty());
    REQUIRE(f.svc.merge_lines("no ip route 10.9.0.0 255.255.0.0 10.0.0.254\n").ok());
    CHECK(f.svc.running().routes.size() == 1);
    CHECK_FALSE(f.svc.merge_lines("no ip route 10.9.0.0 255.255.0.0 10.0.0.254\n").ok());  // not there
    auto m = f.svc.merge_lines("ip multicast-routing\n");
    REQUIRE(m.ok());
    REQUIRE(m.warnings.size() == 1);
    CHECK(m.warnings[0].source == "restart");
    CHECK(m.warnings[0].message.find("ip multicast-routing") != std::string::npos);
    CHECK(m.warnings[0].message.find("save it with 'write memory' and restart gdoi-router") != std::string::npos);
    // GDOI settings wait for `clear crypto gdoi`, as on IOS.
    auto a = f.svc.merge_lines("ip access-list extended x\n deny udp any any eq 5555\n");
    REQUIRE(a.ok());
    REQUIRE(a.warnings.size() == 1);
    CHECK(a.warnings[0].source == "clear");
    CHECK(a.warnings[0].message.find("'clear crypto gdoi [group G]'") != std::string::npos);
}

TEST_CASE("a change check's error refuses the change like a validation error")
{
    test::fixture f;
    snapshot before(f.svc);
    std::vector<std::string> seen;
    f.svc.add_change_check([&](const mgmt::config& running, const mgmt::config& next) {
        seen.push_back(std::to_string(running.routes.size()) + "->" + std::to_string(next.routes.size()));
        std::vector<mgmt::diagnostic> out;
        if (next.routes.size() > running.routes.size()) {
            out.push_back({mgmt::diagnostic::level::error, 0, "no more routes", {}});
        }
        return out;
    });
    auto r = f.svc.merge_lines("ip route 10.9.0.0 255.255.0.0 10.0.0.254\n");
    CHECK(r.result == outcome::rejected);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].message == "no more routes");
    CHECK(before.same(f.svc));
    CHECK(f.svc.merge_lines("no ip route 10.9.0.0 255.255.0.0 10.0.0.254\n").result == outcome::rejected); // absent
    REQUIRE(f.svc.merge_lines("hostname checked\n").ok());
    CHECK(seen == std::vector<std::string>{"1->2", "1->1"});
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

namespace {

// Two key-server groups sharing one profile, each with its own ACL.
const char* const ks_cfg = "crypto key generate rsa label KS-REKEY modulus 2048\n"
                           "crypto isakmp policy 10\n"
                           " encr aes 256\n"
                           " hash sha256\n"
                           " authentication pre-share\n"
                           " group 14\n"
                           "crypto isakmp key s3cret address 0.0.0.0\n"
                           "crypto ipsec transform-set gcm128 esp-gcm 128\n"
                           "crypto ipsec profile tek\n"
                           " set transform-set gcm128\n"
                           " set security-association lifetime seconds 3600\n"
                           "crypto gdoi group G1\n"
                           " identity number 1234\n"
                           " server local\n"
                           "  rekey authentication mypubkey rsa KS-REKEY\n"
                           "  rekey transport unicast\n"
                           "  sa ipsec 1\n"
                           "   profile tek\n"
                           "   match address ipv4 acl-1\n"
                           "  address ipv4 10.77.2.1\n"
                           "crypto gdoi group G2\n"
                           " identity number 5678\n"
                           " server local\n"
                           "  rekey authentication mypubkey rsa KS-REKEY\n"
                           "  rekey transport unicast\n"
                           "  sa ipsec 1\n"
                           "   profile tek\n"
                           "   match address ipv4 acl-2\n"
                           "  address ipv4 10.77.2.1\n"
                           "ip access-list extended acl-1\n"
                           " permit ip 10.77.1.0 0.0.0.255 10.77.3.0 0.0.0.255\n"
                           "ip access-list extended acl-2\n"
                           " permit ip 10.88.1.0 0.0.0.255 10.88.3.0 0.0.0.255\n";

struct ks_fixture {
    core::manual_clock clock;
    core::event_bus events{clock};
    mgmt::service svc{events, clock, test::parse_ok(ks_cfg), nullptr, {"0.1.0", {}}};
    std::vector<std::string> seen; // "%SYS-5-CONFIG_I: ..." lines

    ks_fixture()
    {
        events.subscribe([this](const core::event& e) { seen.push_back(core::format_message(e)); });
    }
};

const std::string policy_change_g1 =
    "%GDOI-5-POLICY_CHANGE: GDOI group G1 policy has changed. Use 'clear crypto gdoi group G1' on the key server "
    "and its members to apply it (group=G1)";
const std::string policy_change_g2 =
    "%GDOI-5-POLICY_CHANGE: GDOI group G2 policy has changed. Use 'clear crypto gdoi group G2' on the key server "
    "and its members to apply it (group=G2)";

} // namespace

TEST_CASE("an applied change raises SYS-5-CONFIG_I naming where it came from; a refused one raises nothing")
{
    test::fixture f;
    std::vector<std::string> seen;
    f.events.subscribe([&](const core::event& e) { seen.push_back(core::format_message(e)); });

    REQUIRE(f.svc.merge_lines("interface lan0\n description inside\n").ok());
    REQUIRE(f.svc.merge_lines("interface lan0\n description x\n", {"gdoictl", "unix socket"}).ok());
    REQUIRE(f.svc.merge_patch(nlohmann::json::parse(R"({"dataplane": {"workers": 1}})"), {"REST", "tcp 127.0.0.1"})
                .ok());
    // REST requests carry their origin: any client over the UNIX socket by default.
    auto rest = mgmt::handle_request(f.svc, f.commands, {"PATCH", "/config?format=ios", "ip route 10.9.0.0 "
                                                                                        "255.255.0.0 10.0.0.254\n"});
    REQUIRE(rest.status == 200);
    CHECK(seen == std::vector<std::string>{"%SYS-5-CONFIG_I: Configured from console by console (generation=2)",
                                           "%SYS-5-CONFIG_I: Configured from gdoictl by unix socket (generation=3)",
                                           "%SYS-5-CONFIG_I: Configured from REST by tcp 127.0.0.1 (generation=4)",
                                           "%SYS-5-CONFIG_I: Configured from REST by unix socket (generation=5)"});
    seen.clear();
    CHECK_FALSE(f.svc.merge_lines("crypto gdoi group G9\n identity number 9\n server local\n").ok());
    CHECK(seen.empty());
}

TEST_CASE("on a key server, each group whose policy changed raises GDOI-5-POLICY_CHANGE after CONFIG_I")
{
    ks_fixture f;
    // The group's own ACL: that group only, worded as in seed 003.
    REQUIRE(f.svc.merge_lines("ip access-list extended acl-1\n deny tcp any any eq 23\n").ok());
    CHECK(f.seen == std::vector<std::string>{"%SYS-5-CONFIG_I: Configured from console by console (generation=2)",
                                             policy_change_g1});
    // A profile both groups use: both.
    f.seen.clear();
    REQUIRE(f.svc.merge_lines("crypto ipsec profile tek\n set security-association lifetime seconds 7200\n").ok());
    CHECK(f.seen == std::vector<std::string>{"%SYS-5-CONFIG_I: Configured from console by console (generation=3)",
                                             policy_change_g1, policy_change_g2});
    // The transform set behind the profile, and the group's replay settings.
    f.seen.clear();
    REQUIRE(f.svc.merge_lines("crypto ipsec transform-set gcm128 esp-gcm 256\n").ok());
    CHECK(f.seen.size() == 3);
    f.seen.clear();
    REQUIRE(f.svc.merge_lines("crypto gdoi group G2\n server local\n  sa ipsec 1\n   replay time window-size 5\n")
                .ok());
    CHECK(f.seen == std::vector<std::string>{"%SYS-5-CONFIG_I: Configured from console by console (generation=5)",
                                             policy_change_g2});
    // Nothing a group uses: CONFIG_I alone.
    f.seen.clear();
    REQUIRE(f.svc.merge_lines("crypto isakmp key other address 10.1.1.1\n").ok());
    CHECK(f.seen == std::vector<std::string>{"%SYS-5-CONFIG_I: Configured from console by console (generation=6)"});
    CHECK(mgmt::changed_ks_policies(f.svc.running(), f.svc.running()).empty());
}
