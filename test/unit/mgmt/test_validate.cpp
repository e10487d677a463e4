// Validation: references, limits, legacy algorithms, DPDK port binding, and the
// one-group-one-interface rule of seed 000.
#include "helpers.hpp"

#include "mgmt/validate.hpp"

#include <catch2/catch.hpp>

using namespace mgmt;

namespace {

std::vector<diagnostic> check(const std::string& text, validate_mode m = validate_mode::check_only) {
    const auto r = parse_config(text);
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    return validate(r.cfg, m);
}

bool mentions(const std::vector<diagnostic>& ds, const std::string& fragment) {
    return std::any_of(ds.begin(), ds.end(),
                       [&](const diagnostic& d) { return d.message.find(fragment) != std::string::npos; });
}

const char* gm_unbound =
    "crypto isakmp key k address 10.0.0.2\n"
    "crypto gdoi group G\n"
    " identity number 1\n"
    " server address ipv4 10.0.0.2\n"
    "crypto map M 10 gdoi\n"
    " set group G\n"
    "interface Ethernet0/0\n"
    " ip address 10.0.0.1 255.255.255.0\n"
    " crypto map M\n";

} // namespace

TEST_CASE("a gdoi interface without dpdk-port: warning in check_only, error at startup", "[mgmt][validate]") {
    const auto warn = check(gm_unbound, validate_mode::check_only);
    CHECK(mgmt_test::errors(warn).empty());
    const auto w = mgmt_test::warnings(warn);
    REQUIRE(w.size() == 1);
    CHECK(w[0].line == 7);
    CHECK(w[0].message.find("interface Ethernet0/0") != std::string::npos);
    CHECK(w[0].message.find("dpdk-port vdev") != std::string::npos);
    CHECK(w[0].message.find("dpdk-port pci") != std::string::npos);

    const auto err = mgmt_test::errors(check(gm_unbound, validate_mode::startup));
    REQUIRE(err.size() == 1);
    CHECK(err[0].message.find("Ethernet0/0") != std::string::npos);

    const std::string bound = std::string(gm_unbound) + "interface Ethernet0/0\n dpdk-port vdev net_tap0,iface=t0\n";
    CHECK(check(bound, validate_mode::startup).empty());
}

TEST_CASE("the same GDOI group cannot be applied to multiple interfaces", "[mgmt][validate]") {
    const std::string base =
        "crypto gdoi group group1\n identity number 1\n server address ipv4 10.0.0.2\n"
        "crypto map map-group1 10 gdoi\n set group group1\n"
        "crypto map map-group2 10 gdoi\n set group group1\n";
    // Seed 000 unsupported example 2, with its second interface completed.
    const auto two_maps = mgmt_test::errors(check(base +
        "interface ethernet 1/0\n crypto map map-group1\n interface ethernet 2/0\n crypto map map-group2\n"));
    CHECK(mentions(two_maps, "cannot be applied to multiple interfaces"));
    // Seed 000 unsupported example 1: one map on two interfaces.
    const auto one_map = mgmt_test::errors(check(base +
        "interface ethernet 1/0\n crypto map map-group1\ninterface ethernet 2/0\n crypto map map-group1\n"));
    CHECK(mentions(one_map, "cannot be applied to multiple interfaces"));
    // Seed 000 GM5: one map sourced from a loopback registers once: allowed.
    const auto loopback = mgmt_test::errors(check(base +
        "interface ethernet 1/0\n crypto map map-group1\ninterface ethernet 2/0\n crypto map map-group1\n"
        "interface Loopback0\n ip address 10.9.9.9 255.255.255.255\n"
        "crypto map map-group1 local-address Loopback0\n"));
    CHECK_FALSE(mentions(loopback, "multiple interfaces"));
}

TEST_CASE("references that do not resolve: warnings in check_only, errors at startup", "[mgmt][validate]") {
    const std::string text =
        "crypto ipsec profile P\n set transform-set nosuchset\n"
        "crypto gdoi group G\n identity number 1\n server local\n"
        "  rekey address ipv4 nomcast\n"
        "  sa ipsec 1\n   profile nosuchprofile\n   match address ipv4 noacl\n"
        "  sa ipsec 2\n   profile P\n   match address ipv4 std\n"
        "access-list 10 permit any\n"
        "ip access-list standard std\n permit any\n"
        "crypto map M 10 gdoi\n set group nosuchgroup\n match address nolocal\n"
        "crypto map M gdoi fail-close\n match address nofc\n activate\n"
        "crypto map M local-address Loopback9\n"
        "interface e0/0\n crypto map nosuchmap\n";
    // A pasted excerpt often names an ACL or group it does not include; IOS takes it.
    const auto checked = check(text, validate_mode::check_only);
    CHECK(mentions(checked, "transform set nosuchset"));
    CHECK(mentions(mgmt_test::errors(checked), "needs an extended access list, std is standard"));
    CHECK_FALSE(mentions(mgmt_test::errors(checked), "transform set nosuchset"));
    const auto errs = mgmt_test::errors(check(text, validate_mode::startup));
    CHECK(mentions(errs, "transform set nosuchset"));
    CHECK(mentions(errs, "ipsec profile nosuchprofile"));
    CHECK(mentions(errs, "access list noacl"));
    CHECK(mentions(errs, "needs an extended access list, std is standard"));
    CHECK(mentions(errs, "access list nomcast"));
    CHECK(mentions(errs, "gdoi group nosuchgroup"));
    CHECK(mentions(errs, "access list nolocal"));
    CHECK(mentions(errs, "access list nofc"));
    CHECK(mentions(errs, "local-address Loopback9"));
    CHECK(mentions(errs, "crypto map nosuchmap"));
    // Each error names the line that defined the object.
    CHECK(std::all_of(errs.begin(), errs.end(), [](const diagnostic& d) { return d.line > 0; }));
}

TEST_CASE("limits: at most 8 key servers, an identity, a server", "[mgmt][validate]") {
    std::string nine = "crypto gdoi group G\n identity number 1\n";
    for (int i = 1; i <= 9; ++i) {
        nine += " server address ipv4 10.0.0." + std::to_string(i) + "\n";
    }
    CHECK(mentions(mgmt_test::errors(check(nine)), "at most 8"));
    nine.erase(nine.rfind(" server address"));
    CHECK(mgmt_test::errors(check(nine)).empty());
    CHECK(mentions(mgmt_test::errors(check("crypto gdoi group G\n server address ipv4 10.0.0.1\n",
                                           validate_mode::startup)), "no identity"));
    CHECK(mentions(mgmt_test::errors(check("crypto gdoi group G\n identity number 1\n", validate_mode::startup)),
                   "neither server local"));
    CHECK(mgmt_test::errors(check("crypto gdoi group G\n identity number 1\n")).empty());
}

TEST_CASE("legacy algorithms are warnings", "[mgmt][validate]") {
    const auto r = mgmt_test::parse_file("seed000-ks1.cfg");
    REQUIRE(r.ok());
    const auto ds = validate(r.cfg, validate_mode::startup);
    CHECK(mgmt_test::errors(ds).empty());
    const auto w = mgmt_test::warnings(ds);
    CHECK(mentions(w, "legacy encryption 3des"));
    CHECK(mentions(w, "legacy DH group 2"));
    CHECK(mentions(w, "legacy esp-3des"));
    CHECK(mentions(w, "peer 209.165.200.225 is this key server's own address"));
    const auto md5 = mgmt_test::warnings(check("crypto isakmp policy 1\n hash md5\n group 5\n"));
    CHECK(mentions(md5, "md5"));
    CHECK(mentions(md5, "DH group 5"));
}

TEST_CASE("complete seed and appliance configs validate without errors", "[mgmt][validate]") {
    for (const char* name : {"seed000-ks1.cfg", "seed000-ks2.cfg", "seed000-gm1.cfg", "seed000-gm2.cfg",
                             "seed000-gm3.cfg", "seed000-gm4.cfg", "seed003-ks1.cfg", "seed003-ks2.cfg",
                             "seed003-gm1.cfg", "appliance-router.cfg", "appliance-gm.cfg", "appliance-ks.cfg"}) {
        INFO(name);
        const auto r = mgmt_test::parse_file(name);
        REQUIRE(r.ok());
        const auto ds = validate(r.cfg, validate_mode::check_only);
        INFO(mgmt_test::all_messages(ds));
        CHECK(mgmt_test::errors(ds).empty());
    }
    for (const char* name : {"appliance-router.cfg", "appliance-gm.cfg", "appliance-ks.cfg"}) {
        INFO(name);
        CHECK(mgmt_test::errors(validate(mgmt_test::parse_file(name).cfg, validate_mode::startup)).empty());
    }
}
