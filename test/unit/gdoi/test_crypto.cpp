// Crypto building blocks: DH agreement for every group, key expansion (RFC 2409
// App. B), CBC round trips, and known-answer values for prf.
#include "gdoi/crypto.hpp"
#include "gdoi/phase1.hpp"

#include <catch2/catch.hpp>

using namespace gdoi;

TEST_CASE("DH: both sides agree, sizes as RFC 2409/3526/5903", "[gdoi][crypto]")
{
    for (auto g : {dh_group::modp1024, dh_group::modp1536, dh_group::modp2048, dh_group::modp3072, dh_group::ecp256,
                   dh_group::ecp384}) {
        INFO("group " << static_cast<int>(g));
        auto a = dh_key::generate(g);
        auto b = dh_key::generate(g);
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->public_value().size() == dh_public_size(g));
        auto s1 = a->shared_secret(b->public_value());
        auto s2 = b->shared_secret(a->public_value());
        REQUIRE(s1);
        REQUIRE(s2);
        CHECK(s1.value() == s2.value());
        // MODP secrets are padded to the modulus; ECP secrets are the x coordinate.
        CHECK(s1->size() == (g == dh_group::ecp256 ? 32 : g == dh_group::ecp384 ? 48 : dh_public_size(g)));
    }
}

TEST_CASE("DH: bad peer values are errors", "[gdoi][crypto]")
{
    auto a = dh_key::generate(dh_group::modp2048);
    REQUIRE(a);
    CHECK(a->shared_secret(bytes(255, 1)).err().code == errc::bad_length);
    bytes one(256, 0);
    one.back() = 1;
    CHECK(a->shared_secret(one).err().code == errc::bad_value);
    CHECK_FALSE(a->shared_secret(bytes(256, 0xff)));
    auto e = dh_key::generate(dh_group::ecp256);
    REQUIRE(e);
    CHECK_FALSE(e->shared_secret(bytes(64, 0x01))); // not on the curve
    CHECK(dh_key::generate(static_cast<dh_group>(1)).err().code == errc::unsupported);
    CHECK(is_legacy(dh_group::modp1024));
    CHECK_FALSE(is_legacy(dh_group::ecp384));
}

TEST_CASE("prf is HMAC (RFC 4231 test case 2)", "[gdoi][crypto]")
{
    auto out = prf(hash_alg::sha256, to_bytes("Jefe"), to_bytes("what do ya want for nothing?"));
    CHECK(to_hex(out) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    auto sha1 = prf(hash_alg::sha1, to_bytes("Jefe"), to_bytes("what do ya want for nothing?"));
    CHECK(to_hex(sha1) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST_CASE("key expansion per RFC 2409 Appendix B", "[gdoi][crypto]")
{
    bytes e = from_hex("0102030405060708090a0b0c0d0e0f1011121314"); // a SHA1-sized SKEYID_e
    CHECK(expand_key(hash_alg::sha1, e, 16) == bytes(e.begin(), e.begin() + 16));
    auto k = expand_key(hash_alg::sha1, e, 24);
    auto k1 = prf(hash_alg::sha1, e, bytes{0});
    auto k2 = prf(hash_alg::sha1, e, k1);
    bytes expect = k1;
    append(expect, k2);
    expect.resize(24);
    CHECK(k == expect);
}

TEST_CASE("CBC round trips for AES-128/192/256 and 3DES", "[gdoi][crypto]")
{
    for (auto c : {cipher_spec{cipher_alg::aes_cbc, 128}, cipher_spec{cipher_alg::aes_cbc, 192},
                   cipher_spec{cipher_alg::aes_cbc, 256}, cipher_spec{cipher_alg::des3_cbc, 192}}) {
        auto key = random_bytes(c.key_size());
        auto iv = random_bytes(c.block_size());
        auto plain = random_bytes(c.block_size() * 3);
        auto ct = cbc_encrypt(c, key, iv, plain);
        CHECK(ct.size() == plain.size());
        CHECK(ct != plain);
        CHECK(cbc_decrypt(c, key, iv, ct) == plain);
    }
    // AES-128-CBC, NIST SP 800-38A F.2.1 first block.
    auto ct = cbc_encrypt({cipher_alg::aes_cbc, 128}, from_hex("2b7e151628aed2a6abf7158809cf4f3c"),
                          from_hex("000102030405060708090a0b0c0d0e0f"), from_hex("6bc1bee22e409f96e93d7e117393172a"));
    CHECK(to_hex(ct) == "7649abac8119b246cee98e9b12e9197d");
}

TEST_CASE("PSK lookup: exact address first, then 0.0.0.0", "[gdoi][crypto]")
{
    psk_table t;
    t.add(0, "wild");
    t.add(0x0a000001, "exact");
    REQUIRE(t.find(0x0a000001));
    CHECK(*t.find(0x0a000001) == to_bytes("exact"));
    CHECK(*t.find(0x0a000002) == to_bytes("wild"));
    psk_table none;
    none.add(0x0a000001, "exact");
    CHECK(none.find(0x0a000002) == nullptr);
}

TEST_CASE("our Vendor ID carries the GET VPN version", "[gdoi][crypto]")
{
    auto vid = our_vendor_id({1, 0, 2});
    CHECK(vid.size() == 16);
    CHECK(parse_our_vendor_id(vid) == gdoi_version{1, 0, 2});
    CHECK_FALSE(parse_our_vendor_id(dpd_vendor_id()));
    CHECK(to_hex(dpd_vendor_id()) == "afcad71368a1f1c96b8696fc77570100");
}
