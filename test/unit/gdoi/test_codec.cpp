// ISAKMP/GDOI codec: round trips for every payload type, strict length checks,
// and the fuzz entry point run over a corpus of truncated and garbage inputs.
#include "gdoi/isakmp.hpp"
#include "gdoi/pull.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

using namespace gdoi;

namespace {

template <class T>
T round_trip(const T& v)
{
    auto wire = v.encode();
    auto back = T::decode(wire);
    REQUIRE(back);
    REQUIRE(back->encode() == wire);
    return back.value();
}

bytes b(std::initializer_list<int> v)
{
    bytes out;
    for (int x : v) {
        out.push_back(static_cast<std::uint8_t>(x));
    }
    return out;
}

} // namespace

TEST_CASE("header: 28 bytes, version 1.0, length equals datagram", "[gdoi][codec]")
{
    message m;
    m.hdr.icookie = {1, 2, 3, 4, 5, 6, 7, 8};
    m.hdr.exchange = exchange_type::groupkey_pull;
    m.hdr.message_id = 0xdeadbeef;
    m.payloads.push_back({payload_type::nonce, b({9, 9, 9, 9, 9, 9, 9, 9})});
    auto wire = m.encode();
    REQUIRE(wire.size() == 28 + 12);
    CHECK(wire[16] == 10); // next payload: Nonce
    CHECK(wire[17] == 0x10);
    CHECK(wire[18] == 32);
    CHECK(wire[27] == 40);
    auto back = message::decode(wire);
    REQUIRE(back);
    CHECK(back->hdr.message_id == 0xdeadbeef);
    CHECK(back->payloads.size() == 1);

    auto longer = wire;
    longer.push_back(0);
    CHECK(message::decode(longer).err().code == errc::bad_length);
    auto v2 = wire;
    v2[17] = 0x20;
    CHECK(message::decode(v2).err().code == errc::bad_value);
    auto shortlen = wire;
    shortlen[27] = 39;
    CHECK_FALSE(message::decode(shortlen));
    CHECK(header::decode(byte_view(wire).first(27)).err().code == errc::truncated);
}

TEST_CASE("payload chain: lengths are checked against the container", "[gdoi][codec]")
{
    bytes chain = b({0, 0, 0, 8, 1, 2, 3, 4});
    CHECK(decode_chain(payload_type::nonce, chain, false));
    auto bad = chain;
    bad[3] = 9; // beyond
    CHECK(decode_chain(payload_type::nonce, bad, false).err().code == errc::bad_length);
    bad[3] = 3; // below header
    CHECK(decode_chain(payload_type::nonce, bad, false).err().code == errc::bad_length);
    auto trailing = chain;
    trailing.push_back(0);
    CHECK_FALSE(decode_chain(payload_type::nonce, trailing, false));
    CHECK(decode_chain(payload_type::nonce, trailing, true)); // padding after decryption
    CHECK(decode_chain(static_cast<payload_type>(14), chain, false).err().code == errc::unsupported);
}

TEST_CASE("attributes: TV and TLV", "[gdoi][codec]")
{
    attributes a = {attribute::basic(1, 7), attribute::number(12, 86400), attribute::number(12, 3600),
                    attribute::variable(2, b({1, 2, 3}))};
    bytes wire;
    encode_attributes(a, wire);
    CHECK(wire == b({0x80, 1, 0, 7, 0, 12, 0, 4, 0, 1, 0x51, 0x80, 0x80, 12, 0x0e, 0x10, 0, 2, 0, 3, 1, 2, 3}));
    auto back = decode_attributes(wire);
    REQUIRE(back);
    REQUIRE(back->size() == 4);
    CHECK(back->at(0).tv);
    CHECK(back->at(1).as_number() == 86400u);
    CHECK_FALSE(back->at(1).tv);
    CHECK(back->at(2).as_number() == 3600u);
    CHECK(back->at(3).value == b({1, 2, 3}));
    wire.pop_back();
    CHECK(decode_attributes(wire).err().code == errc::bad_length);
    CHECK(decode_attributes(b({0x80, 1, 0})).err().code == errc::truncated);
}

TEST_CASE("phase-1 SA with proposals and transforms", "[gdoi][codec]")
{
    sa_payload sa;
    proposal_payload p;
    p.transforms.push_back({1, 1, {attribute::basic(1, 7), attribute::basic(14, 256)}});
    p.transforms.push_back({2, 1, {attribute::basic(1, 5)}});
    sa.proposals.push_back(p);
    auto back = round_trip(sa);
    REQUIRE(back.proposals.size() == 1);
    REQUIRE(back.proposals[0].transforms.size() == 2);
    CHECK(attr_number(back.proposals[0].transforms[0].attrs, 14) == 256u);

    auto wire = sa.encode();
    auto wrong_count = wire;
    wrong_count[8 + 4 + 3] = 3; // # of transforms
    CHECK(sa_payload::decode(wrong_count).err().code == errc::bad_length);
    auto wrong_doi = wire;
    wrong_doi[3] = 9;
    CHECK_FALSE(sa_payload::decode(wrong_doi));
}

TEST_CASE("simple payloads round-trip", "[gdoi][codec]")
{
    id_payload id{id_type::ipv4_addr, 17, 848, b({10, 0, 0, 1})};
    CHECK(round_trip(id).port == 848);
    id.data.push_back(0);
    CHECK(id_payload::decode(id.encode()).err().code == errc::bad_length);

    cert_payload c{4, b({0x30, 0x82})};
    CHECK(round_trip(c).encoding == 4);

    notify_payload n;
    n.type = notify_r_u_there;
    n.spi = bytes(16, 0xab);
    n.data = b({0, 0, 0, 1});
    auto nb = round_trip(n);
    CHECK(nb.spi.size() == 16);
    CHECK(nb.data == b({0, 0, 0, 1}));

    delete_payload d;
    d.spis = {bytes(16, 1), bytes(16, 2)};
    CHECK(round_trip(d).spis.size() == 2);
    auto dw = d.encode();
    dw[7] = 3;
    CHECK(delete_payload::decode(dw).err().code == errc::bad_length);

    seq_payload s{42};
    CHECK(round_trip(s).seq == 42);
    CHECK_FALSE(seq_payload::decode(b({0, 0, 1})));
    CHECK_FALSE(seq_payload::decode(b({0, 0, 0, 1, 0})));

    CHECK_FALSE(opaque_payload::decode(b({1, 2}), 8));
    CHECK(opaque_payload::decode(bytes(8, 1), 8));
}

TEST_CASE("GDOI SA nests SA KEK, SA TEK and GAP", "[gdoi][codec]")
{
    sa_kek_payload k;
    k.src = {1, 848, b({10, 0, 0, 1})};
    k.dst = {1, 848, b({0, 0, 0, 0})};
    k.spi.fill(0x5a);
    k.attrs = {attribute::basic(kek_attr::kek_algorithm, 3), attribute::number(kek_attr::key_lifetime, 86400)};
    auto kb = round_trip(k);
    CHECK(kb.spi[15] == 0x5a);
    CHECK(kb.src.data == b({10, 0, 0, 1}));

    sa_tek_payload t;
    t.ip_protocol = 6;
    t.src = {4, 0, b({192, 168, 0, 0, 255, 255, 0, 0})};
    t.dst = {4, 443, b({192, 168, 0, 0, 255, 255, 0, 0})};
    t.transform_id = 20;
    t.spi = 0x12345678;
    t.attrs = {attribute::basic(ipsec_attr::address_preservation, 4)};
    auto tb = round_trip(t);
    CHECK(tb.spi == 0x12345678);
    CHECK(tb.dst.port == 443);
    // SA TEK IDs have a 2-byte data length; SA KEK IDs a 1-byte one.
    auto tw = t.encode();
    CHECK(tw[5] == 0);
    CHECK(tw[6] == 8);

    gap_payload g{{attribute::basic(gap_attr::sender_id_request, 4)}};
    round_trip(g);

    gdoi_sa_payload sa;
    sa.nested = {{payload_type::sa_kek, k.encode()}, {payload_type::sa_tek, t.encode()}, {payload_type::gap, g.encode()}};
    auto back = round_trip(sa);
    REQUIRE(back.nested.size() == 3);
    CHECK(back.nested[1].type == payload_type::sa_tek);
    auto wire = sa.encode();
    CHECK(wire[3] == 2);  // DOI 2
    CHECK(wire[9] == 15); // SA attribute next payload: SA KEK

    SECTION("a nested payload that is not KEK/TEK/GAP is refused")
    {
        gdoi_sa_payload odd;
        odd.nested = {{payload_type::nonce, bytes(8, 0)}};
        CHECK(gdoi_sa_payload::decode(odd.encode()).err().code == errc::bad_value);
    }
    SECTION("truncated nested TEK is refused through validate_payload")
    {
        auto cut = sa;
        cut.nested[1].body.resize(10);
        CHECK_FALSE(validate_payload({payload_type::sa, cut.encode()}));
    }
    SECTION("an SA TEK for a protocol other than ESP is unsupported")
    {
        auto ah = t.encode();
        ah[0] = 2;
        CHECK(sa_tek_payload::decode(ah).err().code == errc::unsupported);
    }
}

TEST_CASE("a KS ACL deny line is an SA TEK with SPI 0, transform 0 and only ACL_DENY", "[gdoi][codec]")
{
    // deny tcp 10.1.0.0 0.0.255.255 any eq 179
    const traffic_selector deny{6, {0x0a010000, 16}, 0, {0, 0}, 179};
    auto p = encode_bypass_tek(deny);
    auto wire = p.encode();
    // Protocol-ID ESP, protocol 6, src ID_IPV4_ADDR_SUBNET port 0 len 8, dst likewise port 179,
    // transform 0, SPI 0, then ACL_DENY (32005 = 0x7d05, TV) = 1.
    CHECK(wire == b({1, 6,                                               // ESP, TCP
                     4, 0, 0, 0, 8, 10, 1, 0, 0, 255, 255, 0, 0,         // src 10.1.0.0/16 port 0
                     4, 0, 179, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0,            // dst any port 179
                     0, 0, 0, 0, 0,                                      // transform 0, SPI 0
                     0xfd, 0x05, 0, 1}));                                // ACL_DENY = 1
    auto back = round_trip(p);
    CHECK(is_bypass_tek(back));
    auto sel = decode_bypass_tek(back);
    REQUIRE(sel);
    CHECK(*sel == deny);
    CHECK(validate_payload({payload_type::sa_tek, wire}));

    SECTION("an ordinary TEK is no deny line")
    {
        auto t = p;
        t.spi = 0x1000;
        t.transform_id = 20;
        t.attrs = {attribute::basic(ipsec_attr::sa_direction, 3)};
        CHECK_FALSE(is_bypass_tek(t));
    }
    SECTION("anything that claims to be a deny line but is not exactly one is refused")
    {
        auto spi0 = p; // SPI 0 without ACL_DENY: no SA can have it either
        spi0.attrs = {attribute::basic(ipsec_attr::sa_direction, 3)};
        auto with_spi = p;
        with_spi.spi = 0x1000;
        auto value2 = p;
        value2.attrs = {attribute::basic(ipsec_attr::acl_deny, 2)};
        auto tlv = p;
        tlv.attrs = {attribute::variable(ipsec_attr::acl_deny, b({0, 1}))};
        auto extra = p;
        extra.attrs.push_back(attribute::number(ipsec_attr::life_duration, 3600));
        auto transform = p;
        transform.transform_id = 12;
        auto fqdn = p;
        fqdn.src = {2, 0, b({'a', 'b'})};
        auto mask = p;
        mask.dst.data = b({0, 0, 0, 0, 255, 0, 255, 0});
        for (const auto* bad : {&spi0, &with_spi, &value2, &tlv, &extra, &transform, &fqdn, &mask}) {
            CHECK(is_bypass_tek(*bad));
            CHECK(decode_bypass_tek(*bad).err().code == errc::bad_value);
        }
    }
}

TEST_CASE("KD with TEK, KEK and SID key packets", "[gdoi][codec]")
{
    kd_payload kd;
    kd.packets.push_back({kd_type::tek, b({0x12, 0x34, 0x56, 0x78}),
                          {attribute::variable(kd_attr::tek_algorithm_key, bytes(36, 7))}});
    kd.packets.push_back({kd_type::kek, bytes(16, 9),
                          {attribute::variable(kd_attr::kek_algorithm_key, bytes(16, 1)),
                           attribute::variable(kd_attr::sig_algorithm_key, bytes(294, 2))}});
    kd.packets.push_back({kd_type::sid, {},
                          {attribute::basic(kd_attr::number_of_sid_bits, 8),
                           attribute::variable(kd_attr::sid_value, b({0, 0, 0, 1}))}});
    auto back = round_trip(kd);
    REQUIRE(back.packets.size() == 3);
    CHECK(back.packets[0].attrs[0].value.size() == 36);
    CHECK(back.packets[1].spi.size() == 16);
    CHECK(back.packets[2].spi.empty());

    auto wire = kd.encode();
    auto more = wire;
    more[1] = 4; // claims 4 key packets
    CHECK(kd_payload::decode(more).err().code == errc::truncated);
    auto fewer = wire;
    fewer[1] = 2;
    CHECK(kd_payload::decode(fewer).err().code == errc::bad_length);
    auto badlen = wire;
    badlen[7] = 0xff; // first key packet length
    CHECK_FALSE(kd_payload::decode(badlen));
}

namespace {

// Every file of the seed corpus, plus deterministic mutations of each.
std::vector<bytes> corpus()
{
    std::vector<bytes> out;
    auto dir = std::filesystem::path(GDOI_TEST_DATA) / "gdoi" / "corpus";
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(f.path(), std::ios::binary);
        std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        out.push_back(to_bytes(s));
    }
    return out;
}

} // namespace

TEST_CASE("fuzz entry point over the corpus: truncations, bit flips, garbage", "[gdoi][codec][fuzz]")
{
    auto seeds = corpus();
    REQUIRE(seeds.size() >= 8);
    std::mt19937 rng(20261123); // fixed seed: deterministic
    std::size_t accepted = 0;
    std::size_t runs = 0;
    for (const auto& s : seeds) {
        auto whole = decode_and_validate(s);
        INFO("seed of " << s.size() << " bytes");
        CHECK(whole.ok());
        for (std::size_t n = 0; n < s.size(); ++n) {
            bytes cut(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
            CHECK_FALSE(decode_and_validate(cut));
            ++runs;
        }
        for (int i = 0; i < 2000; ++i) {
            bytes m = s;
            int flips = 1 + static_cast<int>(rng() % 4);
            for (int f = 0; f < flips; ++f) {
                m[rng() % m.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
            }
            accepted += decode_and_validate(m).ok() ? 1 : 0;
            ++runs;
        }
    }
    for (int i = 0; i < 5000; ++i) {
        bytes g(rng() % 300);
        for (auto& x : g) {
            x = static_cast<std::uint8_t>(rng());
        }
        if (g.size() >= 28) {
            // Make the header plausible so the payload walkers get exercised.
            g[17] = 0x10;
            g[24] = g[25] = 0;
            g[26] = static_cast<std::uint8_t>(g.size() >> 8);
            g[27] = static_cast<std::uint8_t>(g.size());
            g[19] &= 0xfe;
        }
        decode_and_validate(g);
        ++runs;
    }
    CHECK(runs > 20000);
    // Some mutations only touch values (a cookie, an attribute): those still decode.
    CHECK(accepted > 0);
}
