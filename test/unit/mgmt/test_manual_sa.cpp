// crypto gdoi manual-sa (a test and benchmark aid): parsing, key validation per
// transform, printing, JSON and the validation rules.
#include "helpers.hpp"

#include "mgmt/config_json.hpp"
#include "mgmt/ios_printer.hpp"
#include "mgmt/validate.hpp"

#include <catch2/catch.hpp>

using namespace mgmt;

namespace {

const std::string key128 = "00112233445566778899aabbccddeeff" "c0ffee01";

std::string gm(const std::string& manual_line)
{
    return "crypto gdoi group G1\n"
           " identity number 1\n" +
           manual_line +
           "\n"
           "crypto map cm 10 gdoi\n"
           " set group G1\n"
           " match address local-deny\n"
           "interface wan0\n"
           " dpdk-port vdev net_af_packet0,iface=veth0\n"
           " ip address 10.99.0.1 255.255.255.0\n"
           " crypto map cm\n"
           "ip access-list extended getvpn\n"
           " permit ip 10.77.0.0 0.0.255.255 10.77.0.0 0.0.255.255\n"
           "ip access-list extended local-deny\n"
           " deny udp any any eq 5555\n";
}

std::string line(const std::string& rest)
{
    return "crypto gdoi manual-sa group G1 " + rest;
}

std::string first_error(const parse_result& r)
{
    const auto errs = mgmt_test::errors(r.diagnostics);
    return errs.empty() ? std::string{} : errs[0].message;
}

bool mentions(const std::vector<diagnostic>& ds, const std::string& fragment, diagnostic::level l)
{
    return std::any_of(ds.begin(), ds.end(), [&](const diagnostic& d) {
        return d.lvl == l && d.message.find(fragment) != std::string::npos;
    });
}

} // namespace

TEST_CASE("a manual SA line is parsed into the model", "[mgmt][manual_sa]")
{
    const auto r = parse_config(gm(line("spi 0x1000 transform esp-gcm 128 key 0x" + key128 +
                                        " sender-id 1 match address getvpn")));
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    const manual_sa* m = r.cfg.find_manual_sa("G1");
    REQUIRE(m != nullptr);
    CHECK(m->spi == 0x1000u);
    CHECK(m->cipher == manual_cipher::esp_gcm);
    CHECK(m->key_bits == 128u);
    CHECK(m->key == key128);
    CHECK(m->sender_id == 1u);
    CHECK(m->match_acl == "getvpn");
    CHECK(m->line.value == 3);
}

TEST_CASE("manual SA keys are hex, upper case is normalised, SPIs may be decimal", "[mgmt][manual_sa]")
{
    const std::string key256 = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F" "DEADBEEF";
    const auto r = parse_config(gm(line("spi 4096 transform esp-gmac 256 key 0X" + key256 +
                                        " sender-id 255 match address getvpn")));
    INFO(mgmt_test::all_messages(r.diagnostics));
    REQUIRE(r.ok());
    const manual_sa* m = r.cfg.find_manual_sa("G1");
    REQUIRE(m != nullptr);
    CHECK(m->spi == 4096u);
    CHECK(m->cipher == manual_cipher::esp_gmac);
    CHECK(m->key.size() == 2 * manual_key_bytes(256));
    CHECK(m->key.substr(0, 8) == "00010203");
    CHECK(m->key.substr(m->key.size() - 8) == "deadbeef");
}

TEST_CASE("manual SA errors: key length per transform, bits, SPI, sender ID, missing parts", "[mgmt][manual_sa]")
{
    const std::string tail = " sender-id 1 match address getvpn";
    struct bad {
        std::string rest;
        std::string error;
    };
    const bad cases[] = {
        // 128-bit GCM needs 16 + 4 bytes: a key without its salt is refused.
        {"spi 0x1000 transform esp-gcm 128 key 0x00112233445566778899aabbccddeeff" + tail, "40 hex digits"},
        {"spi 0x1000 transform esp-gcm 256 key 0x" + key128 + tail, "72 hex digits"},
        {"spi 0x1000 transform esp-gcm 128 key " + key128 + tail, "invalid key"},
        {"spi 0x1000 transform esp-gcm 128 key 0x" + key128.substr(0, 38) + "zz" + tail, "invalid key"},
        {"spi 0x1000 transform esp-gcm 192 key 0x" + key128 + tail, "expected 128 or 256"},
        {"spi 0x1000 transform esp-aes 128 key 0x" + key128 + tail, "invalid manual SA transform"},
        {"spi 0xff transform esp-gcm 128 key 0x" + key128 + tail, "invalid SPI"},
        {"spi 0x1000 transform esp-gcm 128 key 0x" + key128 + " sender-id 256 match address getvpn",
         "invalid sender ID"},
        {"spi 0x1000 transform esp-gcm 128 key 0x" + key128 + " sender-id 1", "expected 'match'"},
        {"spi 0x1000 transform esp-gcm 128 key 0x" + key128 + tail + " extra", "unexpected 'extra'"},
    };
    for (const bad& c : cases) {
        INFO(c.rest);
        const auto r = parse_config(gm(line(c.rest)));
        CHECK_FALSE(r.ok());
        CHECK(first_error(r).find(c.error) != std::string::npos);
        CHECK(r.cfg.manual_sas.empty());
    }
}

TEST_CASE("a manual SA prints back as the same line and survives JSON", "[mgmt][manual_sa]")
{
    const auto r = parse_config(gm(line("spi 0x1000 transform esp-gcm 128 key 0x" + key128 +
                                        " sender-id 7 match address getvpn")));
    REQUIRE(r.ok());
    const std::string printed = print_config(r.cfg);
    CHECK(printed.find("crypto gdoi manual-sa group G1 spi 0x1000 transform esp-gcm 128 key 0x" + key128 +
                       " sender-id 7 match address getvpn\n") != std::string::npos);
    const auto again = parse_config(printed);
    REQUIRE(again.ok());
    CHECK(again.cfg == r.cfg);

    const nlohmann::json j = to_json(r.cfg);
    CHECK(j["manual_sas"][0]["transform"] == "esp-gcm");
    CHECK(j["manual_sas"][0]["spi"] == 0x1000);
    const auto back = from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back.ok());
    CHECK(*back.cfg == r.cfg);

    // A JSON key of the wrong length does not survive the reparse either.
    nlohmann::json bad = j;
    bad["manual_sas"][0]["key"] = "0011";
    CHECK_FALSE(from_json(bad).ok());
}

TEST_CASE("validation: a manual SA is flagged as a test aid and stands in for a key server", "[mgmt][manual_sa]")
{
    const auto r = parse_config(gm(line("spi 0x1000 transform esp-gcm 128 key 0x" + key128 +
                                        " sender-id 1 match address getvpn")));
    REQUIRE(r.ok());
    const auto ds = validate(r.cfg, validate_mode::startup);
    INFO(mgmt_test::all_messages(ds));
    CHECK(mgmt_test::errors(ds).empty());
    CHECK(mentions(ds, "test and benchmark aid", diagnostic::level::warning));

    // Unknown ACL and group, and a group that also has a key server.
    const auto r2 = parse_config(gm(line("spi 0x1000 transform esp-gcm 128 key 0x" + key128 +
                                         " sender-id 1 match address nope")) +
                                 "crypto gdoi manual-sa group G9 spi 0x2000 transform esp-gcm 128 key 0x" +
                                 key128 + " sender-id 1 match address getvpn\n"
                                          "crypto gdoi group G1\n server address ipv4 10.0.0.9\n");
    REQUIRE(r2.ok());
    const auto ds2 = validate(r2.cfg, validate_mode::startup);
    INFO(mgmt_test::all_messages(ds2));
    CHECK(mentions(ds2, "refers to access list nope", diagnostic::level::error));
    CHECK(mentions(ds2, "refers to gdoi group G9", diagnostic::level::error));
    CHECK(mentions(ds2, "use one or the other", diagnostic::level::error));
}
