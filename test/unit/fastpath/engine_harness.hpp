// Test support for the ESP engine without EAL: mbufs backed by plain buffers
// (the engine never allocates or frees), a worker context, an SA table on a
// QSBR variable in ordinary memory, and helpers to build inner packets.
#pragma once

#include "fastpath/esp/drop.hpp"
#include "fastpath/esp/esp.hpp"
#include "fastpath/esp/lcore_crypto.hpp"
#include "fastpath/esp/sa_table.hpp"

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace esp_test {

using namespace fastpath::esp;
using bytes = std::vector<std::uint8_t>;

inline bytes from_hex(const std::string& s)
{
    bytes out;
    if (s == "-") {
        return out;
    }
    for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
    }
    return out;
}

inline std::string to_hex(std::span<const std::uint8_t> b)
{
    static const char* d = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s += d[c >> 4];
        s += d[c & 15];
    }
    return s;
}

// An mbuf over a fixed buffer; enough for the inline rte_pktmbuf_* helpers.
struct fake_mbuf {
    rte_mbuf m;
    alignas(64) std::uint8_t buf[4096];

    explicit fake_mbuf(std::span<const std::uint8_t> data, std::uint16_t headroom = RTE_PKTMBUF_HEADROOM,
                       std::uint16_t l2_len = 0, std::uint16_t buf_len = sizeof(buf))
    {
        std::memset(&m, 0, sizeof(m));
        m.buf_addr = buf;
        m.buf_len = buf_len;
        m.data_off = headroom;
        m.nb_segs = 1;
        m.l2_len = l2_len;
        if (headroom + data.size() > buf_len) {
            throw std::length_error("fake_mbuf: data does not fit");
        }
        if (!data.empty()) { // an empty span may have a null data()
            std::memcpy(buf + headroom, data.data(), data.size());
        }
        m.data_len = static_cast<std::uint16_t>(data.size());
        m.pkt_len = m.data_len;
    }
    bytes data() const
    {
        const auto* p = static_cast<const std::uint8_t*>(m.buf_addr) + m.data_off;
        return bytes(p, p + m.data_len);
    }
};

struct transform {
    const char* name;
    cipher_alg cipher;
    auth_alg auth;
    std::size_t cipher_key;
    std::size_t auth_key;
};

inline const std::vector<transform>& all_transforms()
{
    static const std::vector<transform> t{
        {"gcm128", cipher_alg::aes_gcm, auth_alg::none, 20, 0},
        {"gcm256", cipher_alg::aes_gcm, auth_alg::none, 36, 0},
        {"gmac128", cipher_alg::aes_gmac, auth_alg::none, 20, 0},
        {"gmac256", cipher_alg::aes_gmac, auth_alg::none, 36, 0},
        {"cbc128-sha1", cipher_alg::aes_cbc, auth_alg::hmac_sha1_96, 16, 20},
        {"cbc256-sha1", cipher_alg::aes_cbc, auth_alg::hmac_sha1_96, 32, 20},
        {"cbc128-sha256", cipher_alg::aes_cbc, auth_alg::hmac_sha256_128, 16, 32},
        {"cbc256-sha256", cipher_alg::aes_cbc, auth_alg::hmac_sha256_128, 32, 32},
        {"3des-sha1", cipher_alg::des3_cbc, auth_alg::hmac_sha1_96, 24, 20},
    };
    return t;
}

inline const transform& find_transform(const std::string& name)
{
    for (const auto& t : all_transforms()) {
        if (name == t.name) {
            return t;
        }
    }
    throw std::invalid_argument("unknown transform " + name);
}

// Deterministic keys: byte i of a key is seed + i.
inline tek make_tek(const transform& x, std::uint32_t spi, std::uint8_t seed = 0x10)
{
    tek t;
    t.spi = spi;
    t.cipher = x.cipher;
    t.auth = x.auth;
    for (std::size_t i = 0; i < x.cipher_key; ++i) {
        t.cipher_key.push_back(static_cast<std::uint8_t>(seed + i));
    }
    for (std::size_t i = 0; i < x.auth_key; ++i) {
        t.auth_key.push_back(static_cast<std::uint8_t>(seed + 0x80 + i));
    }
    return t;
}

// IPv4/UDP packet with a valid header checksum.
inline bytes make_ipv4(std::uint32_t src, std::uint32_t dst, std::size_t payload, std::uint8_t tos = 0,
                       std::uint8_t ttl = 64, bool df = false, std::uint8_t fill = 0)
{
    bytes p(28 + payload);
    p[0] = 0x45;
    p[1] = tos;
    p[2] = static_cast<std::uint8_t>(p.size() >> 8);
    p[3] = static_cast<std::uint8_t>(p.size());
    p[4] = 0x12;
    p[5] = 0x34;
    p[6] = df ? 0x40 : 0;
    p[8] = ttl;
    p[9] = 17;
    for (int i = 0; i < 4; ++i) {
        p[12 + i] = static_cast<std::uint8_t>(src >> (24 - 8 * i));
        p[16 + i] = static_cast<std::uint8_t>(dst >> (24 - 8 * i));
    }
    const std::uint16_t ck = rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(p.data()));
    std::memcpy(&p[10], &ck, 2);
    p[20] = 0x30;
    p[21] = 0x39;
    p[22] = 0x01;
    p[23] = 0xbb;
    p[24] = static_cast<std::uint8_t>((8 + payload) >> 8);
    p[25] = static_cast<std::uint8_t>(8 + payload);
    for (std::size_t i = 0; i < payload; ++i) {
        p[28 + i] = static_cast<std::uint8_t>(fill + i);
    }
    return p;
}

// A worker, its counters and an SA table, as one worker lcore would have them.
struct harness {
    std::unique_ptr<core::counter_set> drops = make_drop_counters();
    std::unique_ptr<core::counter_set> events = make_event_counters();
    std::unique_ptr<worker_ctx> w;
    rte_rcu_qsbr* qs = nullptr;
    std::uint64_t now_ns = 1'000'000'000;
    std::unique_ptr<sa_table> table;

    explicit harness(unsigned worker = 0)
    {
        auto made_w = make_worker_ctx(worker, *drops, *events);
        if (!made_w) {
            throw std::runtime_error(*made_w.error);
        }
        w = std::move(made_w.value);
        const std::size_t sz = rte_rcu_qsbr_get_memsize(max_workers);
        qs = static_cast<rte_rcu_qsbr*>(std::aligned_alloc(RTE_CACHE_LINE_SIZE, (sz + 63) / 64 * 64));
        if (qs == nullptr || rte_rcu_qsbr_init(qs, max_workers) != 0) {
            throw std::runtime_error("rte_rcu_qsbr_init failed");
        }
        auto made_t = sa_table::create(qs, [this] { return now_ns; });
        if (!made_t) {
            throw std::runtime_error(*made_t.error);
        }
        table = std::move(made_t.value);
        w->now_ns = now_ns;
    }
    ~harness()
    {
        table.reset();
        std::free(qs);
    }
    std::uint64_t drop(drop_reason r) const { return drops->sum(static_cast<std::size_t>(r)); }
    std::uint64_t total_drops() const
    {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < drops->size(); ++i) {
            n += drops->sum(i);
        }
        return n;
    }
    const sa_snapshot& snap() const { return *table->current(); }
};

} // namespace esp_test
