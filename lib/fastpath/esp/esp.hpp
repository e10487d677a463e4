// ESP tunnel mode with header preservation, on bursts: outbound encapsulation
// and inbound decapsulation over intel-ipsec-mb. Burst functions follow the
// "good first, bad after" contract of rte_ipsec_pkt_process(): they return how
// many packets succeeded, those come first in their original order, the failed
// ones follow (each counted under its drop_reason) and the caller frees them.
//
// Packets are single-segment mbufs whose data starts with an L2 header of
// m->l2_len bytes (0 for bare IPv4), which is kept in front of the result.
#pragma once

#include "fastpath/esp/installer.hpp"
#include "fastpath/esp/lcore_crypto.hpp"
#include "fastpath/esp/sa.hpp"
#include "fastpath/esp/sa_snapshot.hpp"
#include "fastpath/esp/tek.hpp"

#include <cstdint>
#include <span>

struct rte_mbuf;

namespace fastpath::esp {

struct outb_opts {
    df_policy df = df_policy::copy;
    std::uint64_t pseudotime = 0;    // TBAR stamp for this burst
    std::uint32_t sender_id = no_sender_id; // this worker's RFC 6054 sender ID
    unsigned sid_bits = 0;
};

// Outbound for one SA: reserves the burst's sequence numbers with one add.
std::uint16_t esp_outbound_sa(worker_ctx& w, const sa_rt& sa, const outb_opts& o,
                              std::span<rte_mbuf*> pkts) noexcept;

// Outbound for a group's permit action: its current outbound SA, sender ID,
// TBAR clock and the DF policy, all from the snapshot.
std::uint16_t esp_outbound(worker_ctx& w, const sa_snapshot& s, std::uint16_t group_slot,
                           std::span<rte_mbuf*> pkts) noexcept;

// Inbound: SPI lookup, replay pre-check, decrypt and verify, padding and
// next-header checks, TBAR check, outer addresses = inner ones, replay commit,
// strip. Leaves the inner packet.
std::uint16_t esp_inbound(worker_ctx& w, const sa_snapshot& s, std::span<rte_mbuf*> pkts) noexcept;

// TSC cycles to nanoseconds: the time base of worker_ctx::now_ns and of the
// clock given to sa_table (TBAR pseudotime ticks are in nanoseconds).
std::uint64_t tsc_ns(std::uint64_t cycles) noexcept;

// The code paths for a transform, picked by the installer.
struct esp_paths {
    crypt_fn outb = nullptr;
    crypt_fn inb = nullptr;
};
esp_paths select_paths(cipher_alg c, auth_alg a, std::size_t key_len) noexcept;

// One buffer through an SA's code path, waiting for the result (known-answer
// tests). False if intel-ipsec-mb reported an error.
bool crypt_one(worker_ctx& w, const sa_rt& sa, bool encrypt, const job_args& a) noexcept;

} // namespace fastpath::esp
