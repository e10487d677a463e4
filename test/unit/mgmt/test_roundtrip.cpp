// Round trips: text -> model -> text -> model, and model -> JSON -> model; and the
// JSON codec's errors.
#include "helpers.hpp"

#include "mgmt/config_json.hpp"
#include "mgmt/ios_printer.hpp"

#include <catch2/catch.hpp>

using namespace mgmt;

TEST_CASE("print then parse gives the same model for every test config", "[mgmt][roundtrip]") {
    for (const auto& name : mgmt_test::good_configs()) {
        INFO(name);
        const auto first = mgmt_test::parse_file(name);
        REQUIRE(first.ok());
        const std::string printed = print_config(first.cfg);
        INFO(printed);
        const auto second = parse_config(printed);
        INFO(mgmt_test::all_messages(second.diagnostics));
        REQUIRE(second.ok());
        CHECK(second.cfg == first.cfg);
        // Canonical: printing again changes nothing.
        CHECK(print_config(second.cfg) == printed);
    }
}

TEST_CASE("printed text is canonical IOS with one space per sub-mode", "[mgmt][roundtrip]") {
    const auto r = mgmt_test::parse_file("seed000-ks1.cfg");
    REQUIRE(r.ok());
    const std::string printed = print_config(r.cfg);
    CHECK(printed.find("crypto gdoi group group1\n identity number 1\n server local\n") != std::string::npos);
    CHECK(printed.find("  sa ipsec 1\n   profile gdoi-profile-group1\n   match address ipv4 101\n"
                       "   replay counter window-size 64\n") != std::string::npos);
    CHECK(printed.find("  redundancy\n   local priority 10\n") != std::string::npos);
    CHECK(printed.find("hostname KS1\n") != std::string::npos);
    CHECK(printed.find("access-list 101 permit ip 10.1.0.0 0.0.255.255 10.1.0.0 0.0.255.255\n") !=
          std::string::npos);
    CHECK(printed.substr(printed.size() - 4) == "end\n");

    const auto gm = mgmt_test::parse_file("seed000-gm1.cfg");
    CHECK(print_config(gm.cfg).find("router bgp 1000\n no synchronization\n bgp log-neighbor-changes\n") !=
          std::string::npos);
}

TEST_CASE("to_json then from_json gives the same model for every test config", "[mgmt][json]") {
    for (const auto& name : mgmt_test::good_configs()) {
        INFO(name);
        const auto r = mgmt_test::parse_file(name);
        REQUIRE(r.ok());
        const nlohmann::json j = to_json(r.cfg);
        // Through text as well, the way REST clients see it.
        const auto back = from_json(nlohmann::json::parse(j.dump()));
        for (const auto& e : back.errors) {
            INFO(e.path + ": " + e.message);
        }
        REQUIRE(back.ok());
        CHECK(*back.cfg == r.cfg);
    }
}

TEST_CASE("JSON uses readable values", "[mgmt][json]") {
    const auto r = mgmt_test::parse_file("appliance-gm.cfg");
    REQUIRE(r.ok());
    const nlohmann::json j = to_json(r.cfg);
    CHECK(j["dataplane"]["workers"] == 2);
    CHECK(j["interfaces"][0]["port"]["bus"] == "pci");
    CHECK(j["interfaces"][0]["port"]["spec"] == "0000:03:00.1");
    CHECK(j["interfaces"][0]["address"]["addr"] == "10.0.0.1");
    CHECK(j["interfaces"][0]["address"]["prefix_len"] == 24);
    CHECK(j["groups"][0]["servers"][0] == "10.0.0.2");
    CHECK(j["groups"][0]["server_local"].is_null());
    CHECK(j["isakmp"]["policies"][0]["authentication"] == "pre-share");
    CHECK(j["ipsec"]["df_bit"] == "clear");
}

TEST_CASE("from_json reports unknown fields, wrong types and bad values with a path", "[mgmt][json]") {
    const auto base = to_json(mgmt_test::parse_file("appliance-gm.cfg").cfg);

    auto unknown = base;
    unknown["interfaces"][0]["speed"] = 1000;
    auto r = from_json(unknown);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "/interfaces/0/speed");
    CHECK(r.errors[0].message == "unknown field");
    CHECK_FALSE(r.cfg);

    auto wrong_type = base;
    wrong_type["dataplane"]["workers"] = "two";
    r = from_json(wrong_type);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "/dataplane/workers");

    auto bad_enum = base;
    bad_enum["interfaces"][1]["port"]["bus"] = "usb";
    r = from_json(bad_enum);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "/interfaces/1/port/bus");
    CHECK(r.errors[0].message.find("pci") != std::string::npos);

    auto bad_ip = base;
    bad_ip["groups"][0]["servers"][0] = "10.0.0";
    r = from_json(bad_ip);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "/groups/0/servers/0");

    auto negative = base;
    negative["routes"][0]["prefix_len"] = -1;
    CHECK(from_json(negative).errors.at(0).path == "/routes/0/prefix_len");

    // Well-typed but outside what the IOS grammar allows.
    auto bad_group = base;
    bad_group["isakmp"]["policies"][0]["dh_group"] = 3;
    r = from_json(bad_group);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].message.find("DH group 3") != std::string::npos);

    // Strings cannot carry extra config lines.
    auto injected = base;
    injected["interfaces"][0]["description"] = "wan\ncrypto map evil 10 gdoi";
    r = from_json(injected);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "/interfaces/0/description");

    // A model the text cannot hold (3DES is always 192 bits) is refused.
    auto inexpressible = to_json(parse_config("crypto ipsec transform-set t esp-3des esp-sha-hmac\n").cfg);
    inexpressible["ipsec"]["transform_sets"][0]["key_bits"] = 128;
    CHECK_FALSE(from_json(inexpressible).ok());

    CHECK_FALSE(from_json(nlohmann::json::array()).ok());
    // Missing fields keep their defaults: an empty object is the empty config.
    CHECK(from_json(nlohmann::json::object()).cfg == config{});
}

TEST_CASE("model helpers", "[mgmt][model]") {
    const auto gm = mgmt_test::parse_file("appliance-gm.cfg").cfg;
    CHECK(gm.is_group_member());
    CHECK_FALSE(gm.is_key_server());
    REQUIRE(gm.find_interface("lan0") != nullptr);
    CHECK(gm.find_interface("lan0")->port->kind == dpdk_port::bus::vdev);
    CHECK(gm.find_interface("nope") == nullptr);
    const auto ks = mgmt_test::parse_file("appliance-ks.cfg").cfg;
    CHECK(ks.is_key_server());
    CHECK_FALSE(ks.is_group_member());
    CHECK(ks.find_transform_set("gcm256")->cipher == esp_cipher::aes_gcm);
    CHECK(ks.find_transform_set("gcm256")->key_bits == 256);
    CHECK(ks.rsa_keys.at(0).modulus == 2048);
    // Layout does not matter: the same config written differently is equal.
    CHECK(parse_config("interface a\n mtu 1500\n").cfg == parse_config("\n\nint a\n\n   mtu 1500 ! x\n").cfg);
}
