// Runtime ESP SA (fastpath::esp::sa_rt): what a worker needs to encrypt or
// decrypt with one SA, built once at install. Pre-expanded key schedules, a
// prebuilt header template and the code path; never a raw key (VPP splits
// ipsec_sa_t from its runtime part the same way).
#pragma once

#include "tbar/replay.hpp"
#include "tbar/seq.hpp"

#include <intel-ipsec-mb.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace fastpath::esp {

inline constexpr unsigned max_workers = 16; // worker index 0..15, not the DPDK lcore id
inline constexpr std::size_t cache_line = 64;

struct sa_rt;
struct worker_ctx;
struct pkt_scratch;

// One packet's crypto operation, as the engine hands it to an SA's code path.
struct job_args {
    std::uint8_t* esp;         // first byte of the ESP header (SPI)
    std::uint32_t text_len;    // bytes from the end of the IV to the end of the trailer
    std::uint32_t hash_extra;  // 4 when the ESN high half sits after the trailer, else 0
    std::uint32_t aad_len;     // GCM: 8, or 12 with ESN
    const std::uint8_t* nonce; // salt || IV (counter-mode ciphers)
    const std::uint8_t* aad;   // SPI || [seq hi] || seq lo (GCM)
    std::uint8_t* tag;         // where the computed ICV goes
};

// An SA's code path for one direction, picked at install (DESIGN): ciphers one
// packet with the worker's IMB_MGR. AES-GCM, a single-buffer cipher, is called
// directly and is done on return; AES-CBC+HMAC gathers the packet for the
// multi-buffer burst API; 3DES and GMAC queue a job. The last two complete at
// the burst's flush. Either way a failure lands in ps.status.
using crypt_fn = void (*)(worker_ctx&, const sa_rt&, pkt_scratch&, const job_args&);

// A count one worker writes and the control plane reads: relaxed load + store
// is a plain add, and a reader is at worst one burst behind.
struct worker_count {
    std::atomic<std::uint64_t> v{0};
    void add(std::uint64_t n) noexcept { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    std::uint64_t get() const noexcept { return v.load(std::memory_order_relaxed); }
};

// One worker's state for one SA, on cache lines of its own (worker: rw, ctl: reads
// the counts). Replay windows are per worker so that no two lcores ever write
// the same window (docs/wire.md, "Counter-mode replay", says what that costs).
struct alignas(cache_line) sa_worker {
    tbar::replay_window window;
    // Packets that left the engine as good, and the inner IPv4 bytes they carry;
    // added once per burst (outbound) or per run of one SA in a burst (inbound).
    worker_count enc_pkts, enc_bytes, dec_pkts, dec_bytes;
};

struct alignas(cache_line) sa_rt {
    // ---- line 0: read by every packet (worker: ro, ctl: written once at install)
    crypt_fn outb = nullptr;
    crypt_fn inb = nullptr;
    std::uint32_t spi = 0;           // host order
    // Prebuilt outer IPv4 header (version/IHL, protocol 50, the rest zero) and
    // the ESP SPI in network order; per packet only the copied fields change.
    std::uint8_t hdr_tmpl[24] = {};
    std::uint8_t salt[4] = {};       // GCM/GMAC nonce salt (RFC 4106 §4); not a key
    std::uint8_t iv_len = 0;         // bytes of IV on the wire
    std::uint8_t icv_len = 0;        // bytes of ICV on the wire
    std::uint8_t pad_align = 4;      // ESP payload+trailer multiple; a power of two
    std::uint8_t tbar_nh = 0;        // ESP next header marking TBAR metadata
    bool counter_mode = false;       // GCM/GMAC: IV must be unique per sender (RFC 6054)
    bool esn = false;
    bool replay = false;
    bool tbar = false;
    std::uint16_t group_slot = 0; // index of the group in the SA snapshot

    // ---- key schedules (worker: ro, ctl: written once at install)
    union alignas(cache_line) key_data {
        key_data() : gcm{} {}
        gcm_key_data gcm; // GCM and GMAC
        struct {
            alignas(16) std::uint8_t enc[16 * 15];
            alignas(16) std::uint8_t dec[16 * 15];
        } aes;
        struct {
            std::uint64_t ks[3][16];
        } des3;
    } keys;
    const void* des3_ptrs[3] = {}; // intel-ipsec-mb wants an array of three schedules
    std::uint32_t key_len = 0;     // cipher key bytes, for the job
    alignas(16) std::uint8_t ipad[32] = {}; // HMAC inner and outer hash state
    alignas(16) std::uint8_t opad[32] = {};
    IMB_CIPHER_MODE cipher_mode = IMB_CIPHER_NULL;
    IMB_HASH_ALG hash_alg = IMB_AUTH_NULL;

    // ---- worker-written, on lines of their own (worker: rw, ctl: ro)
    // mutable: workers write these through the const sa_rt they get from a snapshot.
    alignas(cache_line) mutable tbar::seq_counter seq;
    mutable std::array<sa_worker, max_workers> workers;
};

// Fixed layout: 1 hot line, key data, then the worker lines. Growing it by
// accident (and pushing worker fields onto a shared line) fails the build.
static_assert(alignof(sa_rt) == cache_line);
static_assert(offsetof(sa_rt, seq) % cache_line == 0);
static_assert(offsetof(sa_rt, keys) == cache_line);
static_assert(sizeof(sa_worker) == 5 * cache_line);
static_assert(sizeof(sa_rt) == 64 + 1024 + 128 + 64 + max_workers * sizeof(sa_worker));

} // namespace fastpath::esp
