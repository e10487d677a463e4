// Per-worker crypto state: one IMB_MGR, the CBC IV generator, the GCM IV
// counter and fixed scratch arrays, all allocated once at start-up.
#pragma once

#include "core/counters.hpp"
#include "fastpath/esp/installer.hpp"
#include "fastpath/esp/sa.hpp"

#include <cstdint>
#include <memory>

struct rte_mbuf;

namespace fastpath::esp {

inline constexpr unsigned max_burst = 256;

struct pkt_scratch {
    alignas(16) std::uint8_t nonce[16];
    alignas(16) std::uint8_t aad[16];
    alignas(16) std::uint8_t tag[16];
    alignas(16) std::uint8_t icv_rx[16];
    const sa_rt* sa;
    std::uint64_t seq;
    std::uint8_t* esp;
    std::uint32_t text_len;
    std::uint32_t inner_len; // inner IPv4 bytes, for the SA's byte counts
    std::uint8_t status;     // 0 ok, else drop_reason + 1
    bool finished;           // inbound: verified and stripped already (AES-GCM, right after its call)
};

struct worker_ctx {
    IMB_MGR* mgr = nullptr;
    unsigned worker = 0;              // index 0..max_workers-1 (counter row, replay window, sender ID)
    core::counter_set* drops = nullptr;  // drop_reason names
    core::counter_set* events = nullptr; // esp_event names
    std::uint64_t now_ns = 0;         // set by the caller once per burst (same base as sa_table's clock)
    std::uint64_t iv_counter = 0;     // GCM/GMAC: low bits of the IV under this worker's sender ID
    std::uint16_t ip_id = 0;          // outer IPv4 ID
    unsigned burst_bad = 0;           // packets of the current burst that failed so far
    alignas(64) gcm_context_data gcm_ctx; // scratch of the direct AES-GCM calls
    alignas(16) std::uint8_t cbc_iv_key[16 * 15];   // AES-128 schedule of a random per-worker key
    alignas(16) std::uint8_t cbc_iv_ctr[16];        // first counter block of the next refill (low 32 bits 0)
    alignas(64) std::uint8_t cbc_ivs[max_burst][16]; // CBC IVs made ahead: E_k(counter) each
    unsigned cbc_iv_next = max_burst;               // the next unused one; max_burst: all used
    pkt_scratch pkts[max_burst];
    rte_mbuf* bad[max_burst];
    // AES-CBC+HMAC jobs gathered for intel-ipsec-mb's synchronous burst API:
    // all of one kind (direction, key size, hash), which batch_run completes.
    IMB_JOB batch[max_burst] = {};
    IMB_JOB batch_sorted[max_burst] = {}; // the batch longest first, when lengths differ
    pkt_scratch* batch_ps[max_burst] = {};
    unsigned batch_n = 0;
    void (*batch_run)(worker_ctx&) noexcept = nullptr; // null: batch empty

    worker_ctx() = default;
    worker_ctx(const worker_ctx&) = delete;
    worker_ctx& operator=(const worker_ctx&) = delete;
    ~worker_ctx();
};

// Allocates and initialises a worker's state (at start-up, not per packet).
// Fails if the index is out of range or intel-ipsec-mb or the random source fails.
made<std::unique_ptr<worker_ctx>> make_worker_ctx(unsigned worker, core::counter_set& drops,
                                                  core::counter_set& events);

// Drop and event counter sets sized for max_workers rows.
std::unique_ptr<core::counter_set> make_drop_counters();
std::unique_ptr<core::counter_set> make_event_counters();

} // namespace fastpath::esp
