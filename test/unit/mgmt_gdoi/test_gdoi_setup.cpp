// Configuration -> GDOI settings: the seed and appliance configurations map onto
// ks_config / gm_config, and what GDOI cannot carry is an error.
#include "mgmt/gdoi_setup.hpp"
#include "mgmt/ios_parser.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

namespace {

mgmt::config load(const std::string& name)
{
    std::ifstream in(std::string(GDOI_TEST_DATA) + "/configs/" + name);
    REQUIRE(in);
    std::stringstream s;
    s << in.rdbuf();
    auto r = mgmt::parse_config(s.str());
    REQUIRE(r.ok());
    return r.cfg;
}

struct key_source {
    std::vector<std::pair<std::string, unsigned>> asked;
    mgmt::rsa_key_source fn()
    {
        return [this](const std::string& label, unsigned modulus)
                   -> gdoi::result<std::shared_ptr<const gdoi::rsa_key>> {
            asked.emplace_back(label, modulus);
            // Small keys keep the test fast; the size asked for is checked above.
            auto k = gdoi::rsa_key::generate(1024);
            if (!k) {
                return k.err();
            }
            return std::shared_ptr<const gdoi::rsa_key>(std::make_shared<gdoi::rsa_key>(*k));
        };
    }
};

constexpr std::uint32_t addr(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return a << 24 | b << 16 | c << 8 | d;
}

} // namespace

TEST_CASE("seed 003 KS1 maps to one key server group with its TEK, KEK and phase 1", "[gdoi_setup]")
{
    key_source keys;
    const auto s = mgmt::build_gdoi_setup(load("seed003-ks1.cfg"), keys.fn(), 1);
    INFO(s.problems.size());
    REQUIRE(s.ok());
    REQUIRE(s.ks.has_value());
    CHECK(s.gms.empty());
    CHECK(s.ks->local_addr == addr(192, 168, 111, 111));
    REQUIRE(s.ks->phase1.proposals.size() == 1);
    const auto& p = s.ks->phase1.proposals[0];
    CHECK(p.cipher.alg == gdoi::cipher_alg::aes_cbc);
    CHECK(p.cipher.key_bits == 128);
    CHECK(p.hash == gdoi::hash_alg::sha1);
    CHECK(p.group == gdoi::dh_group::modp1024);
    CHECK(s.ks->psks.find(addr(10, 9, 9, 9)) != nullptr); // 0.0.0.0 wildcard
    REQUIRE(s.ks->groups.size() == 1);
    const auto& g = s.ks->groups[0];
    CHECK(g.name == "GDOI-GROUP1");
    CHECK(g.identity_number == 1234u);
    REQUIRE(g.teks.size() == 1);
    CHECK(g.teks[0].transform.transform == gdoi::esp_transform::aes_cbc);
    CHECK(g.teks[0].transform.auth == gdoi::esp_auth::hmac_sha1);
    CHECK(g.teks[0].replay.mode == gdoi::replay_mode::time);
    CHECK(g.teks[0].replay.window == 5);
    // getvpn-acl: four deny lines and one permit, all sent to members in this order.
    REQUIRE(g.teks[0].acl.size() == 5);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK_FALSE(g.teks[0].acl[i].permit);
    }
    CHECK(g.teks[0].acl[0].sel == gdoi::traffic_selector{17, {0, 0}, 848, {0, 0}, 0});
    CHECK(g.teks[0].acl[3].sel == gdoi::traffic_selector{6, {0, 0}, 0, {0, 0}, 179});
    CHECK(g.teks[0].acl[4].permit);
    CHECK(g.teks[0].acl[4].sel.src.len == 0);
    REQUIRE(g.kek.has_value());
    CHECK(g.kek->algorithm == gdoi::kek_algorithm::aes);
    CHECK(g.kek->key_bits == 128);
    CHECK(g.kek->rekey_key != nullptr);
    REQUIRE(keys.asked.size() == 1);
    CHECK(keys.asked[0].first == "MYRSAKEY");
}

TEST_CASE("appliance KS: GCM TEK, authorization list, key modulus from crypto key generate", "[gdoi_setup]")
{
    key_source keys;
    const auto s = mgmt::build_gdoi_setup(load("appliance-ks.cfg"), keys.fn(), 1);
    REQUIRE(s.ok());
    REQUIRE(s.ks.has_value());
    const auto& g = s.ks->groups.at(0);
    CHECK(g.teks.at(0).transform.transform == gdoi::esp_transform::aes_gcm_16);
    CHECK(g.teks.at(0).transform.key_bits == 256);
    CHECK(g.teks.at(0).lifetime == std::chrono::seconds{3600});
    REQUIRE(g.teks.at(0).acl.size() == 3);
    CHECK(g.teks.at(0).acl[0] == gdoi::policy_entry{false, {17, {0, 0}, 848, {0, 0}, 848}});
    CHECK(g.teks.at(0).acl[1] == gdoi::policy_entry{false, {6, {0, 0}, 179, {0, 0}, 0}});
    CHECK(g.teks.at(0).acl[2].permit);
    CHECK(g.teks.at(0).acl[2].sel.src == gdoi::ipv4_prefix{addr(192, 168, 0, 0), 16});
    REQUIRE(g.authorized.size() == 1);
    CHECK(g.authorized[0] == gdoi::ipv4_prefix{addr(10, 0, 0, 0), 24});
    CHECK(g.kek->key_bits == 256);
    REQUIRE(keys.asked.size() == 1);
    CHECK(keys.asked[0] == std::pair<std::string, unsigned>{"KS-REKEY", 2048});
    CHECK(s.ks->phase1.proposals.at(0).group == gdoi::dh_group::modp2048);
}

TEST_CASE("appliance GM: servers, local address, local deny ACL, rekey acceptance, one sender ID per worker",
          "[gdoi_setup]")
{
    key_source keys;
    const auto s = mgmt::build_gdoi_setup(load("appliance-gm.cfg"), keys.fn(), 2);
    REQUIRE(s.ok());
    CHECK_FALSE(s.ks.has_value());
    REQUIRE(s.gms.size() == 1);
    const auto& gm = s.gms[0];
    CHECK(gm.group == "G1");
    CHECK(gm.identity.number == 1234u);
    REQUIRE(gm.servers.size() == 1);
    CHECK(gm.servers[0] == gdoi::endpoint{addr(10, 0, 0, 2), 848});
    CHECK(gm.local_addr == addr(10, 0, 0, 1));
    CHECK(gm.sender_ids == 2);
    REQUIRE(gm.local_deny.size() == 1);
    CHECK(gm.local_deny[0].protocol == 1);
    CHECK(gm.crypto_map == "gm-map");
    CHECK(gm.local_acl == "local-exceptions");
    CHECK(gm.accept.rekey_algorithms.size() == 2);
    CHECK(gm.accept.rekey_hashes == std::vector<gdoi::hash_alg>{gdoi::hash_alg::sha256});
    CHECK(gm.phase1.proposals.at(0).group == gdoi::dh_group::ecp256);
    CHECK(gm.psks.find(addr(10, 0, 0, 2)) != nullptr);
    CHECK(gm.psks.find(addr(10, 0, 0, 3)) == nullptr);
    CHECK(keys.asked.empty());
    // crypto map gm-map gdoi fail-close, activated: its four deny lines pass in clear.
    CHECK(gm.fail_close);
    REQUIRE(gm.fail_close_deny.size() == 4);
    CHECK(gm.fail_close_deny[0] == gdoi::traffic_selector{6, {}, 179, {}, 0});
    CHECK(gm.fail_close_deny[3] == gdoi::traffic_selector{6, {}, 0, {}, 22});
}

TEST_CASE("fail-close without activate is configured but not handed to the group member", "[gdoi_setup]")
{
    auto cfg = load("appliance-gm.cfg");
    cfg.crypto_maps.at(0).fail_close->activate = false;
    key_source keys;
    const auto s = mgmt::build_gdoi_setup(cfg, keys.fn(), 1);
    REQUIRE(s.gms.size() == 1);
    CHECK_FALSE(s.gms[0].fail_close);
    CHECK(s.gms[0].fail_close_deny.empty());
}

TEST_CASE("what GDOI cannot carry is an error, not silently dropped", "[gdoi_setup]")
{
    const char* text = "crypto isakmp policy 1\n encr aes\n hash md5\n authentication pre-share\n group 14\n"
                       "crypto ipsec transform-set t esp-aes esp-sha-hmac\n"
                       "crypto ipsec profile p\n set transform-set t\n"
                       "crypto gdoi group G\n identity number 1\n server local\n"
                       "  sa ipsec 1\n   profile p\n   match address ipv4 acl\n"
                       "ip access-list extended acl\n permit tcp any any range 1000 2000\n";
    auto r = mgmt::parse_config(text);
    REQUIRE(r.ok());
    key_source keys;
    const auto s = mgmt::build_gdoi_setup(r.cfg, keys.fn(), 1);
    CHECK_FALSE(s.ok());
    auto mentions = [&](const std::string& frag) {
        return std::any_of(s.problems.begin(), s.problems.end(),
                           [&](const mgmt::diagnostic& d) { return d.message.find(frag) != std::string::npos; });
    };
    CHECK(mentions("hash md5"));
    CHECK(mentions("one port"));
}

TEST_CASE("a key server ACL with only deny lines is refused: its TEK would protect nothing", "[gdoi_setup]")
{
    const char* text = "crypto isakmp policy 1\n encr aes\n hash sha256\n authentication pre-share\n group 14\n"
                       "crypto ipsec transform-set t esp-gcm 128\n"
                       "crypto ipsec profile p\n set transform-set t\n"
                       "crypto gdoi group G\n identity number 1\n server local\n"
                       "  sa ipsec 1\n   profile p\n   match address ipv4 acl\n"
                       "ip access-list extended acl\n deny udp any eq 848 any eq 848\n deny ospf any any\n";
    auto r = mgmt::parse_config(text);
    REQUIRE(r.ok());
    key_source keys;
    const auto s = mgmt::build_gdoi_setup(r.cfg, keys.fn(), 1);
    CHECK_FALSE(s.ok());
    CHECK(std::any_of(s.problems.begin(), s.problems.end(), [](const mgmt::diagnostic& d) {
        return d.message.find("access-list acl has no permit line") != std::string::npos && d.line == 12;
    }));
}
