// Multicast lines: `ip multicast-routing` and the interface `ip igmp static-group`
// / `join-group` commands, their errors, validation, printing and JSON.
#include "helpers.hpp"

#include "mgmt/config_json.hpp"
#include "mgmt/ios_printer.hpp"
#include "mgmt/validate.hpp"

#include <catch2/catch.hpp>

using namespace mgmt;

namespace {

ipv4 ip(const char* s) { return *ipv4::parse(s); }

const char* routed =
    "ip multicast-routing\n"
    "interface lan0\n"
    " dpdk-port vdev net_tap0,iface=t0\n"
    " ip igmp static-group 239.1.1.1\n"
    " ip igmp static 239.1.1.2\n"
    " ip igmp static-group 239.1.1.1\n"
    " ip igmp join-group 239.0.1.2\n"
    " ip igmp join-group 232.2.2.2 source 10.1.1.1\n";

} // namespace

TEST_CASE("multicast lines are parsed into the model, duplicates once", "[mgmt][multicast]") {
    const auto r = parse_config(routed);
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    CHECK(r.diagnostics.empty());
    CHECK(r.cfg.multicast_routing);
    const interface_cfg& i = r.cfg.interfaces.at(0);
    CHECK(i.igmp_static_groups == std::vector<ipv4>{ip("239.1.1.1"), ip("239.1.1.2")});
    REQUIRE(i.igmp_joins.size() == 2);
    CHECK(i.igmp_joins[0] == igmp_join{ip("239.0.1.2"), std::nullopt});
    CHECK(i.igmp_joins[1] == igmp_join{ip("232.2.2.2"), ip("10.1.1.1")});
    CHECK(i.unsupported.empty());
}

TEST_CASE("no forms remove what they name", "[mgmt][multicast]") {
    const auto r = parse_config(std::string(routed) +
                                "interface lan0\n"
                                " no ip igmp static-group 239.1.1.1\n"
                                " no ip igmp join-group 232.2.2.2 source 10.1.1.1\n"
                                "no ip multicast-routing\n");
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    CHECK_FALSE(r.cfg.multicast_routing);
    const interface_cfg& i = r.cfg.interfaces.at(0);
    CHECK(i.igmp_static_groups == std::vector<ipv4>{ip("239.1.1.2")});
    CHECK(i.igmp_joins == std::vector<igmp_join>{{ip("239.0.1.2"), std::nullopt}});
}

TEST_CASE("IOS XE's `ip multicast-routing distributed` means the same", "[mgmt][multicast]") {
    const auto r = parse_config("ip multicast-routing distributed\n");
    REQUIRE(r.ok());
    CHECK(r.cfg.multicast_routing);
    CHECK(print_config(r.cfg).find("ip multicast-routing\n") != std::string::npos);
}

TEST_CASE("bad group addresses are errors naming the address", "[mgmt][multicast]") {
    const char* cases[][2] = {
        {"interface e0/0\n ip igmp static-group 10.1.1.1\n", "10.1.1.1 is not a multicast group address"},
        {"interface e0/0\n ip igmp join-group 240.0.0.1\n", "240.0.0.1 is not a multicast group address"},
        {"interface e0/0\n ip igmp static-group 224.0.0.5\n", "224.0.0.5 is link-local"},
        {"interface e0/0\n ip igmp static-group *\n", "only `ip igmp static-group A.B.C.D`"},
        {"interface e0/0\n ip igmp static-group 232.1.1.1 source 10.0.0.1\n", "source-specific"},
        {"interface e0/0\n ip igmp join-group 239.1.1.1 source 10.0.0\n", "10.0.0"},
        {"interface e0/0\n ip igmp static-group\n", "missing group address"},
        {"ip multicast-routing vrf x\n", "unexpected 'vrf'"},
    };
    for (const auto& [text, fragment] : cases) {
        INFO(text);
        const auto r = parse_config(text);
        const auto errs = mgmt_test::errors(r.diagnostics);
        REQUIRE(errs.size() == 1);
        CHECK(errs[0].line == (std::string(text).rfind("ip multicast", 0) == 0 ? 1 : 2));
        CHECK(errs[0].message.find(fragment) != std::string::npos);
    }
    // A link-local group may be joined: the kernel gets those anyway.
    CHECK(parse_config("interface e0/0\n ip igmp join-group 224.0.0.251\n").ok());
}

TEST_CASE("other ip igmp lines stay kept-but-not-applied warnings", "[mgmt][multicast]") {
    const auto r = parse_config("interface e0/0\n ip igmp version 3\n");
    REQUIRE(r.ok());
    CHECK(mgmt_test::has_warning_at(r.diagnostics, 2, "ip igmp version 3"));
    CHECK(r.cfg.interfaces.at(0).unsupported == std::vector<std::string>{"ip igmp version 3"});
}

TEST_CASE("validation: a static group needs multicast routing and a DPDK port", "[mgmt][multicast]") {
    const auto ok = parse_config(routed);
    REQUIRE(ok.ok());
    CHECK(validate(ok.cfg, validate_mode::startup).empty());

    auto off = ok.cfg;
    off.multicast_routing = false;
    const auto w = validate(off, validate_mode::startup);
    CHECK(mgmt_test::errors(w).empty());
    REQUIRE(mgmt_test::warnings(w).size() == 2);
    CHECK(w[0].message == "interface lan0 ip igmp static-group 239.1.1.1 has no effect without `ip multicast-routing`");
    CHECK(w[0].line == 2);

    auto unbound = ok.cfg;
    unbound.interfaces[0].port.reset();
    const auto u = validate(unbound, validate_mode::check_only);
    REQUIRE(u.size() == 2);
    CHECK(u[1].message == "interface lan0 ip igmp static-group 239.1.1.2 has no effect: the interface is bound to no "
                          "DPDK port");
}

TEST_CASE("multicast lines print canonically and survive JSON", "[mgmt][multicast]") {
    const auto r = parse_config(routed);
    REQUIRE(r.ok());
    const std::string printed = print_config(r.cfg);
    CHECK(printed.find("ip multicast-routing\n!\ninterface lan0\n") != std::string::npos);
    CHECK(printed.find(" ip igmp join-group 239.0.1.2\n ip igmp join-group 232.2.2.2 source 10.1.1.1\n"
                       " ip igmp static-group 239.1.1.1\n ip igmp static-group 239.1.1.2\n") != std::string::npos);
    CHECK(parse_config(printed).cfg == r.cfg);

    const nlohmann::json j = to_json(r.cfg);
    CHECK(j["multicast_routing"] == true);
    CHECK(j["interfaces"][0]["igmp_static_groups"] == nlohmann::json{"239.1.1.1", "239.1.1.2"});
    CHECK(j["interfaces"][0]["igmp_joins"][1]["source"] == "10.1.1.1");
    CHECK(j["interfaces"][0]["igmp_joins"][0]["source"].is_null());
    const auto back = from_json(j);
    REQUIRE(back.ok());
    CHECK(*back.cfg == r.cfg);

    auto bad = j;
    bad["interfaces"][0]["igmp_static_groups"][0] = "10.0.0.1";
    const auto e = from_json(bad);
    REQUIRE_FALSE(e.ok());
    CHECK(e.errors.at(0).message.find("10.0.0.1 is not a multicast group address") != std::string::npos);
    bad["interfaces"][0]["igmp_static_groups"][0] = "not an address";
    CHECK(from_json(bad).errors.at(0).path == "/interfaces/0/igmp_static_groups/0");
}
