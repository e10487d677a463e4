// ESP engine unit tests without EAL: round trips for every transform, header
// preservation, the "good first, bad after" contract, tampering, replay, TBAR,
// sender IDs, sequence exhaustion and hostile input.
#include "engine_harness.hpp"

#include <catch2/catch.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <optional>
#include <random>
#include <set>

using namespace esp_test;

namespace {

constexpr std::uint32_t group_id = 7;
constexpr std::uint32_t src_ip = 0x0a000001, dst_ip = 0x0a000102;

std::uint16_t setup(harness& h, tek t, bool sender = true)
{
    REQUIRE(h.table->install_sa(group_id, t));
    REQUIRE(h.table->set_outbound(group_id, t.spi));
    if (sender) {
        const std::uint32_t ids[] = {5, 6};
        REQUIRE(h.table->set_sender_ids(group_id, 8, ids));
    }
    return *h.table->group_slot(group_id);
}

std::optional<bytes> encrypt(harness& h, std::uint16_t slot, const bytes& frame, std::uint16_t l2 = 0)
{
    fake_mbuf fm(frame, RTE_PKTMBUF_HEADROOM, l2);
    rte_mbuf* p[1] = {&fm.m};
    if (esp_outbound(*h.w, h.snap(), slot, p) != 1) {
        return std::nullopt;
    }
    return fm.data();
}

std::optional<bytes> decrypt(harness& h, const bytes& frame, std::uint16_t l2 = 0)
{
    fake_mbuf fm(frame, RTE_PKTMBUF_HEADROOM, l2);
    rte_mbuf* p[1] = {&fm.m};
    if (esp_inbound(*h.w, h.snap(), p) != 1) {
        return std::nullopt;
    }
    return fm.data();
}

bool cksum_ok(const std::uint8_t* ip)
{
    std::uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) {
        sum += static_cast<std::uint32_t>(ip[i] << 8 | ip[i + 1]);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum == 0xffff;
}

} // namespace

TEST_CASE("every transform round-trips, with and without an L2 header and TBAR", "[esp]")
{
    for (const auto& x : all_transforms()) {
        for (int variant = 0; variant < 4; ++variant) {
            const std::uint16_t l2 = (variant & 1) != 0 ? 14 : 0;
            const bool tbar_on = (variant & 2) != 0;
            INFO(x.name << " l2=" << l2 << " tbar=" << tbar_on);
            harness h;
            tek t = make_tek(x, 0x1001);
            t.tbar = tbar_on;
            const auto slot = setup(h, t);
            REQUIRE(h.table->set_pseudotime(group_id, 77, 1'000'000, 10));
            for (std::size_t len : {0, 1, 3, 17, 100, 555, 1400}) {
                bytes frame(l2, 0xee);
                const bytes inner = make_ipv4(src_ip, dst_ip, len, 0xb8, 33, true, static_cast<std::uint8_t>(len));
                frame.insert(frame.end(), inner.begin(), inner.end());
                auto enc = encrypt(h, slot, frame, l2);
                REQUIRE(enc);
                CHECK(std::equal(frame.begin(), frame.begin() + l2, enc->begin()));
                CHECK(enc->size() > frame.size());
                auto dec = decrypt(h, *enc, l2);
                REQUIRE(dec);
                CHECK(*dec == frame);
            }
            CHECK(h.total_drops() == 0);
        }
    }
}

TEST_CASE("outer header preserves the inner one and follows the DF policy", "[esp][header]")
{
    harness h;
    const auto slot = setup(h, make_tek(find_transform("gcm128"), 0x2002));
    const bytes inner = make_ipv4(src_ip, dst_ip, 64, 0x2e, 17, true);
    std::set<std::uint16_t> ids;
    for (auto pol : {df_policy::copy, df_policy::set, df_policy::clear}) {
        h.table->set_df_policy(pol);
        for (bool df : {false, true}) {
            bytes in = make_ipv4(src_ip, dst_ip, 64, 0x2e, 17, df);
            auto out = encrypt(h, slot, in);
            REQUIRE(out);
            const std::uint8_t* o = out->data();
            CHECK(o[0] == 0x45);
            CHECK(o[1] == 0x2e);                                  // DSCP/ECN
            CHECK((o[2] << 8 | o[3]) == static_cast<int>(out->size())); // total length
            CHECK(o[8] == 17);                                    // TTL
            CHECK(o[9] == 50);                                    // ESP
            CHECK(std::equal(o + 12, o + 20, in.begin() + 12));   // src, dst
            CHECK((o[7] == 0 && (o[6] & 0xbf) == 0));             // no fragment bits
            const bool want = pol == df_policy::set || (pol == df_policy::copy && df);
            CHECK(((o[6] & 0x40) != 0) == want);
            CHECK(cksum_ok(o));
            CHECK((o[20] << 24 | o[21] << 16 | o[22] << 8 | o[23]) == 0x2002); // SPI
            ids.insert(static_cast<std::uint16_t>(o[4] << 8 | o[5]));
        }
    }
    CHECK(ids.size() == 6); // a fresh ID every packet
}

TEST_CASE("GCM IV is sender ID || per-worker counter; sequence numbers count up", "[esp][iv]")
{
    harness h;
    const auto slot = setup(h, make_tek(find_transform("gcm128"), 0x3003));
    const bytes inner = make_ipv4(src_ip, dst_ip, 10);
    for (std::uint64_t i = 1; i <= 3; ++i) {
        auto out = encrypt(h, slot, inner);
        REQUIRE(out);
        const std::uint8_t* esp = out->data() + 20;
        CHECK((esp[4] << 24 | esp[5] << 16 | esp[6] << 8 | esp[7]) == static_cast<int>(i));
        CHECK(esp[8] == 5); // sender ID 5 in the top 8 bits (worker 0)
        std::uint64_t ctr = 0;
        for (int b = 9; b < 16; ++b) {
            ctr = ctr << 8 | esp[b];
        }
        CHECK(ctr == i);
    }
}

TEST_CASE("CBC IVs are not a visible counter", "[esp][iv]")
{
    harness h;
    const auto slot = setup(h, make_tek(find_transform("cbc128-sha1"), 0x3004), false);
    const bytes inner = make_ipv4(src_ip, dst_ip, 10);
    std::set<bytes> ivs;
    for (int i = 0; i < 50; ++i) {
        auto out = encrypt(h, slot, inner);
        REQUIRE(out);
        ivs.insert(bytes(out->begin() + 28, out->begin() + 44));
    }
    CHECK(ivs.size() == 50);
    // Consecutive IVs differ in many bits, not just the last ones.
    auto a = encrypt(h, slot, inner), b = encrypt(h, slot, inner);
    int diff = 0;
    for (int i = 28; i < 44; ++i) {
        diff += __builtin_popcount((*a)[i] ^ (*b)[i]);
    }
    CHECK(diff > 20);
}

TEST_CASE("CBC IVs are AES of a counter under the worker's key, across refills", "[esp][iv]")
{
    harness h;
    const auto slot = setup(h, make_tek(find_transform("cbc128-sha1"), 0x3005), false);
    // A key and counter the test knows, in place of the random ones.
    const std::uint8_t key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                  0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
    alignas(16) std::uint8_t dec[16 * 15];
    IMB_AES_KEYEXP_128(h.w->mgr, key, h.w->cbc_iv_key, dec);
    std::uint8_t ctr[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0};
    std::memcpy(h.w->cbc_iv_ctr, ctr, 16);
    h.w->cbc_iv_next = max_burst;

    // Bursts of 64 use up two refills and start a third.
    const bytes inner = make_ipv4(src_ip, dst_ip, 10);
    std::vector<bytes> ivs;
    for (int burst = 0; burst < 9; ++burst) {
        std::vector<std::unique_ptr<fake_mbuf>> fms;
        std::vector<rte_mbuf*> p;
        for (int i = 0; i < 64; ++i) {
            fms.push_back(std::make_unique<fake_mbuf>(inner, RTE_PKTMBUF_HEADROOM, 0));
            p.push_back(&fms.back()->m);
        }
        REQUIRE(esp_outbound(*h.w, h.snap(), slot, p) == 64);
        for (auto& fm : fms) {
            const bytes out = fm->data();
            ivs.emplace_back(out.begin() + 28, out.begin() + 44);
        }
    }
    // Expected: refill r encrypts the blocks (ctr with byte 11 = 0xff + r carried
    // into byte 10, low 32 bits 0..255) under the key.
    EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
    REQUIRE(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), nullptr, key, nullptr) == 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    for (std::size_t k = 0; k < ivs.size(); ++k) {
        const std::uint32_t refill = static_cast<std::uint32_t>(k / max_burst);
        std::uint8_t block[16] = {};
        const std::uint32_t hi = 0xffu + refill; // bytes 10..11 of the counter
        block[10] = static_cast<std::uint8_t>(hi >> 8);
        block[11] = static_cast<std::uint8_t>(hi);
        const std::uint32_t lo = static_cast<std::uint32_t>(k % max_burst);
        block[14] = static_cast<std::uint8_t>(lo >> 8);
        block[15] = static_cast<std::uint8_t>(lo);
        std::uint8_t want[16];
        int n = 0;
        REQUIRE(EVP_EncryptUpdate(c, want, &n, block, 16) == 1);
        INFO("IV " << k);
        REQUIRE(ivs[k] == bytes(want, want + 16));
    }
    EVP_CIPHER_CTX_free(c);
    CHECK(std::set<bytes>(ivs.begin(), ivs.end()).size() == ivs.size());
}

TEST_CASE("counter-mode SA without a sender ID refuses to encrypt", "[esp][iv]")
{
    for (const char* name : {"gcm128", "gmac256"}) {
        harness h;
        const auto slot = setup(h, make_tek(find_transform(name), 0x4004), false);
        CHECK_FALSE(encrypt(h, slot, make_ipv4(src_ip, dst_ip, 10)));
        CHECK(h.drop(drop_reason::no_sender_id) == 1);
    }
    harness h(3); // worker 3 has no ID in a list of two
    const auto slot = setup(h, make_tek(find_transform("gcm128"), 0x4005));
    CHECK_FALSE(encrypt(h, slot, make_ipv4(src_ip, dst_ip, 10)));
    CHECK(h.drop(drop_reason::no_sender_id) == 1);
}

TEST_CASE("GMAC ICV matches OpenSSL's GCM with everything as AAD (RFC 4543)", "[esp][gmac]")
{
    for (const char* name : {"gmac128", "gmac256"}) {
        harness h;
        const tek t = make_tek(find_transform(name), 0x5005);
        const auto slot = setup(h, t);
        const bytes inner = make_ipv4(src_ip, dst_ip, 77);
        auto out = encrypt(h, slot, inner);
        REQUIRE(out);
        const std::size_t klen = t.cipher_key.size() - 4;
        const std::uint8_t* esp = out->data() + 20;
        const std::size_t esp_len = out->size() - 20;
        // Payload travels in the clear.
        CHECK(std::equal(inner.begin(), inner.end(), esp + 16));
        std::uint8_t nonce[12];
        std::memcpy(nonce, t.cipher_key.data() + klen, 4);
        std::memcpy(nonce + 4, esp + 8, 8);
        EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
        REQUIRE(EVP_EncryptInit_ex(c, klen == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(), nullptr,
                                   t.cipher_key.data(), nonce) == 1);
        int n = 0;
        REQUIRE(EVP_EncryptUpdate(c, nullptr, &n, esp, static_cast<int>(esp_len - 16)) == 1);
        REQUIRE(EVP_EncryptFinal_ex(c, nullptr, &n) == 1);
        std::uint8_t tag[16];
        REQUIRE(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1);
        EVP_CIPHER_CTX_free(c);
        CHECK(to_hex(bytes(tag, tag + 16)) == to_hex(bytes(esp + esp_len - 16, esp + esp_len)));
    }
}

TEST_CASE("a tampered byte anywhere in the ESP part fails", "[esp][tamper]")
{
    for (const auto& x : all_transforms()) {
        INFO(x.name);
        harness h;
        const auto slot = setup(h, make_tek(x, 0x6006));
        auto enc = encrypt(h, slot, make_ipv4(src_ip, dst_ip, 40));
        REQUIRE(enc);
        for (std::size_t i = 20; i < enc->size(); ++i) {
            bytes t = *enc;
            t[i] ^= 0x01;
            INFO("byte " << i);
            CHECK_FALSE(decrypt(h, t));
        }
        // SPI bytes give no_sa; everything else is caught by the ICV.
        CHECK(h.drop(drop_reason::no_sa) == 4);
        CHECK(h.drop(drop_reason::bad_icv) == enc->size() - 24);
        CHECK(decrypt(h, *enc)); // the original still decrypts
    }
}

TEST_CASE("good first, bad after; nothing lost, counters add up", "[esp][burst]")
{
    harness h;
    const auto slot = setup(h, make_tek(find_transform("cbc128-sha256"), 0x7007), false);
    std::vector<std::unique_ptr<fake_mbuf>> bufs;
    std::vector<rte_mbuf*> pkts;
    for (int i = 0; i < 20; ++i) {
        bytes p = make_ipv4(src_ip, dst_ip, 10 + i);
        if (i % 3 == 1) {
            p[0] = 0x65; // not IPv4
        }
        bufs.push_back(std::make_unique<fake_mbuf>(p));
        pkts.push_back(&bufs.back()->m);
    }
    const std::set<rte_mbuf*> before(pkts.begin(), pkts.end());
    const auto good = esp_outbound(*h.w, h.snap(), slot, pkts);
    CHECK(good == 13);
    CHECK(std::set<rte_mbuf*>(pkts.begin(), pkts.end()) == before);
    // The good ones keep their order.
    auto index = [&bufs](rte_mbuf* m) {
        for (std::size_t k = 0; k < bufs.size(); ++k) {
            if (&bufs[k]->m == m) {
                return k;
            }
        }
        return bufs.size();
    };
    for (std::size_t i = 1; i < good; ++i) {
        CHECK(index(pkts[i - 1]) < index(pkts[i]));
    }
    CHECK(h.drop(drop_reason::not_ipv4) == 7);

    // Inbound: the 13 good ones decrypt; interleave garbage.
    std::vector<rte_mbuf*> in;
    std::vector<std::unique_ptr<fake_mbuf>> junk;
    for (std::size_t i = 0; i < good; ++i) {
        in.push_back(pkts[i]);
        junk.push_back(std::make_unique<fake_mbuf>(bytes{0x45, 0, 0, 20}));
        in.push_back(&junk.back()->m);
    }
    const auto g2 = esp_inbound(*h.w, h.snap(), in);
    CHECK(g2 == good);
    for (std::size_t i = 0; i < good; ++i) {
        CHECK(in[i] == pkts[i]);
    }
    CHECK(h.drop(drop_reason::truncated) == good);
}

TEST_CASE("replay: duplicates and too-old packets are dropped, ESN works", "[esp][replay]")
{
    const std::pair<const char*, bool> cases[] = {
        {"gcm128", false}, {"cbc128-sha1", true}, {"gcm128", true}, {"3des-sha1", true}};
    for (const auto& [xf, esn] : cases) {
        INFO(xf << " esn=" << esn);
        harness h;
        tek t = make_tek(find_transform(xf), 0x8008);
        t.replay_window = 64;
        t.esn = esn;
        const auto slot = setup(h, t);
        const bytes inner = make_ipv4(src_ip, dst_ip, 20);
        if (esn) {
            h.snap().lookup(0x8008)->seq.set_next(0xfffffff0ull); // cross the 32-bit boundary
        }
        std::vector<bytes> pk;
        for (int i = 0; i < 100; ++i) {
            auto e = encrypt(h, slot, inner);
            REQUIRE(e);
            pk.push_back(*e);
        }
        CHECK(decrypt(h, pk[0]));
        CHECK(decrypt(h, pk[99]));
        CHECK_FALSE(decrypt(h, pk[99])); // duplicate
        CHECK(decrypt(h, pk[50]));       // inside the window
        CHECK_FALSE(decrypt(h, pk[10])); // too old (with ESN: inferred into the next epoch, ICV fails)
        CHECK(h.drop(drop_reason::replay) == (esn ? 1u : 2u));
        // A forged packet with a far-ahead sequence number does not move the window.
        bytes f = pk[60];
        f[24] = 0x7f;
        CHECK_FALSE(decrypt(h, f));
        CHECK(decrypt(h, pk[61]));
    }
}

TEST_CASE("replay across workers: outer addresses must equal the inner ones", "[esp][replay]")
{
    // RSS hashes the outer addresses. A replay with a rewritten outer source
    // could land on another worker, whose window has not seen it: the engine
    // drops any packet whose outer pair is not its inner one, before the window.
    for (const char* xf : {"gcm128", "cbc128-sha1"}) {
        for (int variant = 0; variant < 4; ++variant) {
            const std::uint16_t l2 = (variant & 1) != 0 ? 14 : 0;
            const bool tbar_on = (variant & 2) != 0;
            INFO(xf << " l2=" << l2 << " tbar=" << tbar_on);
            harness h; // worker 0
            auto w1 = make_worker_ctx(1, *h.drops, *h.events);
            REQUIRE(w1);
            w1.value->now_ns = h.now_ns;
            tek t = make_tek(find_transform(xf), 0x8118);
            t.replay_window = 64;
            t.tbar = tbar_on;
            const auto slot = setup(h, t);
            REQUIRE(h.table->set_pseudotime(group_id, 77, 1'000'000, 10));
            bytes frame(l2, 0xee);
            const bytes inner = make_ipv4(src_ip, dst_ip, 40);
            frame.insert(frame.end(), inner.begin(), inner.end());
            const auto pk = encrypt(h, slot, frame, l2);
            REQUIRE(pk);
            const auto on_worker = [&](worker_ctx& w, const bytes& f) {
                fake_mbuf fm(f, RTE_PKTMBUF_HEADROOM, l2);
                rte_mbuf* p[1] = {&fm.m};
                return esp_inbound(w, h.snap(), p) == 1;
            };
            bytes new_src = *pk;
            new_src[l2 + 15] ^= 0x01; // outer source 10.0.0.1 -> 10.0.0.0
            bytes new_dst = *pk;
            new_dst[l2 + 16] ^= 0x80; // outer destination, first byte
            // Worker 1 would accept a copy the first time it sees the sequence
            // number: the outer rewrite is what stops it.
            CHECK_FALSE(on_worker(*w1.value, new_src));
            CHECK_FALSE(on_worker(*h.w, new_dst));
            CHECK(h.drop(drop_reason::outer_mismatch) == 2);
            CHECK(h.drop(drop_reason::replay) == 0);
            // Neither consumed the sequence number: the genuine packet passes once.
            CHECK(on_worker(*h.w, *pk));
            CHECK_FALSE(on_worker(*h.w, *pk));
            CHECK(h.drop(drop_reason::replay) == 1);
            CHECK(h.total_drops() == 3);
        }
    }
}

TEST_CASE("TBAR: stamped, checked against the window, stripped", "[esp][tbar]")
{
    harness h;
    tek t = make_tek(find_transform("gcm256"), 0x9009);
    t.tbar = true;
    const auto slot = setup(h, t);
    REQUIRE(h.table->set_pseudotime(group_id, 5000, 1'000'000, 100)); // 1 ms ticks, +-100
    const bytes inner = make_ipv4(src_ip, dst_ip, 30);
    auto enc = encrypt(h, slot, inner);
    REQUIRE(enc);
    // outer IP, ESP header, IV, 12-byte TBAR block, inner, pad to 4, trailer, ICV.
    const std::size_t body = 12 + inner.size() + 2;
    CHECK(enc->size() == 20 + 8 + 8 + (body + 3) / 4 * 4 + 16);
    h.w->now_ns += 100'000'000; // +100 ticks: still inside
    CHECK(decrypt(h, *enc) == inner);
    h.w->now_ns += 1'000'000; // +101 ticks: outside
    CHECK_FALSE(decrypt(h, *enc));
    CHECK(h.drop(drop_reason::tbar_window) == 1);

    // Same key without TBAR on the sender: receiver with TBAR drops it.
    harness s;
    tek plain = make_tek(find_transform("gcm256"), 0x9009);
    const auto sslot = setup(s, plain);
    auto no_meta = encrypt(s, sslot, inner);
    REQUIRE(no_meta);
    h.w->now_ns -= 101'000'000;
    CHECK_FALSE(decrypt(h, *no_meta));
    CHECK(h.drop(drop_reason::tbar_missing) == 1);
}

TEST_CASE("outbound stops before the sequence number wraps", "[esp][seq]")
{
    harness h;
    const auto slot = setup(h, make_tek(find_transform("gcm128"), 0xa00a));
    h.snap().lookup(0xa00a)->seq.set_next(0xfffffffeull);
    std::vector<std::unique_ptr<fake_mbuf>> bufs;
    std::vector<rte_mbuf*> pkts;
    for (int i = 0; i < 4; ++i) {
        bufs.push_back(std::make_unique<fake_mbuf>(make_ipv4(src_ip, dst_ip, 5)));
        pkts.push_back(&bufs.back()->m);
    }
    CHECK(esp_outbound(*h.w, h.snap(), slot, pkts) == 2); // 0xfffffffe and 0xffffffff
    CHECK(h.drop(drop_reason::seq_exhausted) == 2);
    CHECK(h.events->sum(static_cast<std::size_t>(esp_event::seq_near_wrap)) >= 1);
    CHECK_FALSE(encrypt(h, slot, make_ipv4(src_ip, dst_ip, 5)));
}

TEST_CASE("no SA, no headroom, no tailroom, chained mbufs", "[esp][drops]")
{
    harness h;
    REQUIRE(h.table->install_sa(group_id, make_tek(find_transform("gcm128"), 0xb00b)));
    const auto slot = *h.table->group_slot(group_id);
    CHECK_FALSE(encrypt(h, slot, make_ipv4(src_ip, dst_ip, 5))); // no outbound SA chosen
    CHECK(h.drop(drop_reason::no_sa) == 1);
    REQUIRE(h.table->set_outbound(group_id, 0xb00b));
    const std::uint32_t ids[] = {1};
    REQUIRE(h.table->set_sender_ids(group_id, 16, ids));

    const bytes inner = make_ipv4(src_ip, dst_ip, 100);
    fake_mbuf small_head(inner, 20);
    fake_mbuf small_tail(inner, RTE_PKTMBUF_HEADROOM, 0, RTE_PKTMBUF_HEADROOM + inner.size() + 10);
    fake_mbuf chained(inner);
    chained.m.nb_segs = 2;
    rte_mbuf* p[3] = {&small_head.m, &small_tail.m, &chained.m};
    CHECK(esp_outbound(*h.w, h.snap(), slot, p) == 0);
    CHECK(h.drop(drop_reason::no_headroom) == 1);
    CHECK(h.drop(drop_reason::no_tailroom) == 1);
    CHECK(h.drop(drop_reason::multi_segment) == 1);
    CHECK(small_head.data() == inner); // refused packets are left as they were
    CHECK(small_tail.data() == inner);
}

TEST_CASE("bursts larger than max_burst drop the excess, behind the rest", "[esp][burst]")
{
    harness h;
    const auto slot = setup(h, make_tek(find_transform("gcm128"), 0xc00c));
    std::vector<std::unique_ptr<fake_mbuf>> bufs;
    std::vector<rte_mbuf*> pkts;
    for (unsigned i = 0; i < max_burst + 10; ++i) {
        bufs.push_back(std::make_unique<fake_mbuf>(make_ipv4(src_ip, dst_ip, 5)));
        pkts.push_back(&bufs.back()->m);
    }
    CHECK(esp_outbound(*h.w, h.snap(), slot, pkts) == max_burst);
    CHECK(h.drop(drop_reason::burst_too_large) == 10);
    CHECK(pkts[max_burst] == &bufs[max_burst]->m);
}

TEST_CASE("hostile inbound packets never crash and are all accounted for", "[esp][fuzz]")
{
    std::mt19937 rng(42);
    for (const auto& x : all_transforms()) {
        INFO(x.name);
        harness h;
        tek t = make_tek(x, 0xd00d);
        t.replay_window = 128;
        t.tbar = (x.cipher == cipher_alg::aes_cbc);
        const auto slot = setup(h, t);
        std::vector<bytes> valid;
        for (int i = 0; i < 8; ++i) {
            auto e = encrypt(h, slot, make_ipv4(src_ip, dst_ip, rng() % 300));
            REQUIRE(e);
            valid.push_back(*e);
        }
        for (int round = 0; round < 300; ++round) {
            std::vector<std::unique_ptr<fake_mbuf>> bufs;
            std::vector<rte_mbuf*> pkts;
            for (int k = 0; k < 16; ++k) {
                bytes p;
                switch (rng() % 4) {
                case 0: { // random bytes, random length
                    p.resize(rng() % 200);
                    for (auto& b : p) {
                        b = static_cast<std::uint8_t>(rng());
                    }
                    if (p.size() > 10 && rng() % 2) {
                        p[0] = 0x45;
                        p[9] = 50;
                    }
                    break;
                }
                case 1: { // valid, truncated
                    p = valid[rng() % valid.size()];
                    p.resize(rng() % p.size());
                    break;
                }
                case 2: { // valid, with a header length field lying
                    p = valid[rng() % valid.size()];
                    p[2 + rng() % 2] = static_cast<std::uint8_t>(rng());
                    if (rng() % 2) {
                        p[0] = static_cast<std::uint8_t>(0x40 | (rng() % 16));
                    }
                    break;
                }
                default: { // valid with random byte flips
                    p = valid[rng() % valid.size()];
                    for (int f = 0; f < 3; ++f) {
                        p[rng() % p.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
                    }
                }
                }
                // Half the time behind a (random) Ethernet header.
                const std::uint16_t l2 = rng() % 2 ? 14 : 0;
                bytes framed(l2);
                for (auto& b : framed) {
                    b = static_cast<std::uint8_t>(rng());
                }
                framed.insert(framed.end(), p.begin(), p.end());
                bufs.push_back(std::make_unique<fake_mbuf>(framed, RTE_PKTMBUF_HEADROOM, l2));
                pkts.push_back(&bufs.back()->m);
            }
            const std::set<rte_mbuf*> before(pkts.begin(), pkts.end());
            const std::uint64_t drops_before = h.total_drops();
            const auto good = esp_inbound(*h.w, h.snap(), pkts);
            REQUIRE(std::set<rte_mbuf*>(pkts.begin(), pkts.end()) == before);
            REQUIRE(h.total_drops() - drops_before == pkts.size() - good);
            for (std::size_t i = 0; i < good; ++i) {
                // Whatever got through is a sane inner IPv4 packet.
                const auto* ip = rte_pktmbuf_mtod(pkts[i], const std::uint8_t*) + pkts[i]->l2_len;
                REQUIRE((ip[0] >> 4) == 4);
                REQUIRE((ip[2] << 8 | ip[3]) == pkts[i]->data_len - pkts[i]->l2_len);
            }
        }
    }
}

TEST_CASE("per-SA packet and byte counts are exact, per worker and summed", "[esp][counts]")
{
    harness h; // worker 0
    auto w1 = make_worker_ctx(1, *h.drops, *h.events);
    REQUIRE(w1);
    const tek ta = make_tek(find_transform("gcm128"), 0xa001);
    const tek tb = make_tek(find_transform("cbc128-sha1"), 0xb002);
    const std::uint32_t ids[] = {5, 6};
    for (const auto& [g, t] : {std::pair{group_id, ta}, std::pair{group_id + 1, tb}}) {
        REQUIRE(h.table->install_sa(g, t));
        REQUIRE(h.table->set_outbound(g, t.spi));
        REQUIRE(h.table->set_sender_ids(g, 8, ids));
    }
    const auto slot_a = *h.table->group_slot(group_id);
    const auto slot_b = *h.table->group_slot(group_id + 1);
    CHECK(h.table->counts(ta.spi)->enc_pkts == 0);
    CHECK_FALSE(h.table->counts(0x5555));

    // Outbound: bursts on both workers, with bad packets and L2 padding mixed in.
    std::vector<std::unique_ptr<fake_mbuf>> bufs;
    std::vector<bytes> sent_a, sent_b; // ciphertexts, for the inbound half
    std::uint64_t a_bytes = 0, b_bytes = 0;
    auto burst = [&](worker_ctx& w, std::uint16_t slot, bool is_a, std::size_t n) {
        std::vector<rte_mbuf*> pkts;
        for (std::size_t i = 0; i < n; ++i) {
            bytes p = make_ipv4(src_ip, dst_ip, 7 * i + (is_a ? 1 : 50));
            if (i % 4 == 3) {
                p[0] = 0x65; // not IPv4: dropped, not counted
            } else {
                (is_a ? a_bytes : b_bytes) += p.size();
            }
            if (i % 5 == 2) {
                p.insert(p.end(), 6, 0); // Ethernet padding: not inner bytes
            }
            bufs.push_back(std::make_unique<fake_mbuf>(p));
            pkts.push_back(&bufs.back()->m);
        }
        const auto good = esp_outbound(w, h.snap(), slot, pkts);
        CHECK(good == n - n / 4);
        for (std::size_t i = 0; i < good; ++i) {
            const auto* d = rte_pktmbuf_mtod(pkts[i], const std::uint8_t*);
            (is_a ? sent_a : sent_b).emplace_back(d, d + pkts[i]->data_len);
        }
    };
    burst(*h.w, slot_a, true, 12);
    burst(*w1.value, slot_a, true, 20);
    burst(*w1.value, slot_b, false, 8);
    auto ca = *h.table->counts(ta.spi);
    auto cb = *h.table->counts(tb.spi);
    CHECK(ca.enc_pkts == 9 + 15);
    CHECK(ca.enc_bytes == a_bytes);
    CHECK(cb.enc_pkts == 6);
    CHECK(cb.enc_bytes == b_bytes);
    CHECK(ca.dec_pkts == 0);
    CHECK(cb.dec_bytes == 0);

    // Inbound: one burst mixing both SAs in runs (A A B A B B A ...) with junk
    // between them, split over the two workers.
    std::vector<bytes> order;
    std::size_t ia = 0, ib = 0;
    while (ia < sent_a.size() || ib < sent_b.size()) {
        for (int k = 0; k < 2 && ia < sent_a.size(); ++k) {
            order.push_back(sent_a[ia++]);
        }
        if (ib < sent_b.size()) {
            order.push_back(sent_b[ib++]);
        }
        order.push_back(bytes{0x45, 0, 0, 20}); // truncated junk
    }
    std::vector<std::unique_ptr<fake_mbuf>> in_bufs;
    std::vector<rte_mbuf*> w0_in, w1_in;
    for (std::size_t i = 0; i < order.size(); ++i) {
        in_bufs.push_back(std::make_unique<fake_mbuf>(order[i]));
        (i < order.size() / 2 ? w0_in : w1_in).push_back(&in_bufs.back()->m);
    }
    const auto g0 = esp_inbound(*h.w, h.snap(), w0_in);
    const auto g1 = esp_inbound(*w1.value, h.snap(), w1_in);
    CHECK(g0 + g1 == sent_a.size() + sent_b.size());
    ca = *h.table->counts(ta.spi);
    cb = *h.table->counts(tb.spi);
    CHECK(ca.dec_pkts == sent_a.size());
    CHECK(ca.dec_bytes == a_bytes);
    CHECK(cb.dec_pkts == sent_b.size());
    CHECK(cb.dec_bytes == b_bytes);
    CHECK(ca.enc_pkts == 24); // unchanged by decryption

    // A packet that fails verification is not counted.
    bytes bad = sent_a[0];
    bad[bad.size() - 1] ^= 1;
    fake_mbuf fm(bad);
    rte_mbuf* one[1] = {&fm.m};
    CHECK(esp_inbound(*h.w, h.snap(), one) == 0);
    CHECK(h.table->counts(ta.spi)->dec_pkts == sent_a.size());
}

TEST_CASE("an inbound burst mixing transforms and SAs decrypts every packet", "[esp][burst]")
{
    // Alternating kinds make the engine complete a pending CBC batch before
    // starting the next one, with direct (GCM) and job (3DES) packets between.
    harness h;
    const char* names[] = {"cbc128-sha1", "cbc256-sha256", "gcm128", "cbc128-sha1", "3des-sha1", "cbc128-sha256"};
    const std::uint32_t ids[] = {5, 6};
    std::vector<std::uint16_t> slots;
    for (std::uint32_t g = 0; g < std::size(names); ++g) {
        const tek t = make_tek(find_transform(names[g]), 0x9000 + g, static_cast<std::uint8_t>(g));
        REQUIRE(h.table->install_sa(100 + g, t));
        REQUIRE(h.table->set_outbound(100 + g, t.spi));
        REQUIRE(h.table->set_sender_ids(100 + g, 8, ids));
        slots.push_back(*h.table->group_slot(100 + g));
    }
    std::vector<bytes> plain, cipher;
    for (std::size_t i = 0; i < 40; ++i) {
        const std::size_t g = (i * 7 + i / 5) % slots.size();
        plain.push_back(make_ipv4(src_ip, dst_ip, 3 * i, 0, 64, false, static_cast<std::uint8_t>(i)));
        auto e = encrypt(h, slots[g], plain.back());
        REQUIRE(e);
        cipher.push_back(*e);
    }
    std::vector<std::unique_ptr<fake_mbuf>> bufs;
    std::vector<rte_mbuf*> pkts;
    for (const auto& c : cipher) {
        bufs.push_back(std::make_unique<fake_mbuf>(c));
        pkts.push_back(&bufs.back()->m);
    }
    const auto good = esp_inbound(*h.w, h.snap(), pkts);
    for (std::size_t r = 0; r < h.drops->size(); ++r) {
        INFO(h.drops->name(r));
        CHECK(h.drops->sum(r) == 0);
    }
    REQUIRE(good == pkts.size());
    for (std::size_t i = 0; i < pkts.size(); ++i) {
        CHECK(bufs[i]->data() == plain[i]);
    }
    CHECK(h.total_drops() == 0);
}
