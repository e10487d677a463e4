// The worker lcore's run-to-completion poll loop: an IPv4 router. Per packet:
// parse and validate, punt own traffic and ARP to the control thread, route
// (rte_lpm), ICMP errors, TTL, MTU/fragmentation, neighbour rewrite, then the
// outbound stage (the ESP seam) and TX on this worker's queue.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "core/counters.hpp"
#include "fastpath/options.hpp"
#include "acl/classifier.hpp"
#include "fastpath/snapshot.hpp"

struct rte_ip_frag_death_row;
struct rte_ip_frag_tbl;
struct rte_mbuf;
struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_ring;

namespace fastpath {

namespace esp {
class sa_table;
struct worker_ctx;
} // namespace esp

// Per-lcore counters, one row per worker; every drop has its own name.
enum class worker_counter : std::size_t {
    rx_packets,
    rx_bytes,
    tx_packets,
    tx_bytes,
    forwarded,     // routed to a resolved neighbour
    punted,        // handed to the control thread for the kernel (ARP, own traffic)
    injected,      // sent for the control thread (kernel output, ARP, resolved packets)
    arp_pending,   // parked with the control thread until its next hop resolves
    fragmented,    // packets split with rte_ipv4_fragment_packet
    reassembled,   // ESP packets rebuilt from IPv4 fragments on a crypto-map port (rte_ip_frag)
    icmp_sent,     // ICMP errors generated
    mcast_forwarded,  // multicast copies sent out of a port with a static group
    // crypto map ("show crypto gdoi gm dataplane counters")
    encrypt,       // packets encrypted
    decrypt,       // packets decrypted and accepted by the inbound policy
    bypass,        // crossed a crypto-map port in clear (deny, or no policy)
    // drops
    tx_full,       // the TX queue did not take the packet
    bad_l2,        // runt frame
    not_ipv4,      // neither IPv4 nor ARP
    bad_ip,        // version, IHL, length or header checksum wrong
    ttl_exceeded,
    no_route,
    no_neighbour,  // the resolve queue to the control thread was full
    mtu_exceeded,  // bigger than the egress MTU with DF set
    frag_failed,   // rte_ipv4_fragment_packet refused it (no mbufs, too many fragments)
    reassembly_drop,     // ESP fragments the reassembly table freed: timed out, no room, duplicate, inconsistent
    reassembly_too_big,  // a reassembled ESP packet that does not fit one mbuf segment
    punt_full,     // the exception ring to the control thread was full
    no_snapshot,   // no routing table published yet
    mcast_no_port, // a forwarded group arrived on the only port that has it
    mcast_copy_failed,  // no mbuf to copy a multicast packet for one more port
    no_sa,         // a permit with no usable outbound SA (send)
    invalid_sa,    // ESP with an unknown SPI (rcv)
    encaps_fail,   // the ESP engine refused to encrypt (no sender ID, no room, ...)
    decap_fail,    // ESP malformed: truncated, bad padding, bad inner packet (or a fragment, without reassembly)
    invalid_prot,  // ESP whose next header is neither IPv4 nor TBAR metadata
    verify_fail,   // ICV check failed
    replay_fail,   // counter replay window: duplicate or too old
    tbar_fail,     // TBAR pseudotime outside the window, or no stamp on a TBAR SA
    policy_drop,   // clear traffic that should have been encrypted, decrypted traffic no permit covers
    fail_close_drop, // fail-close in force (not registered yet): neither GDOI nor a fail-close deny line
    // not packet drops: ICMP errors not sent
    icmp_rate_limited,
    no_mbuf,       // no mbuf for an ICMP error
    loops,
    idle_loops,    // loops that received nothing
    count,
};
// Names in worker_counter order, for core::counter_set.
std::vector<std::string> worker_counter_names();
// True for the counters that count dropped packets.
bool is_drop(worker_counter c);

// The counters also kept per GDOI group ("show crypto gdoi gm dataplane counters"),
// attributed to the group of the crypto-map port the packet crossed.
inline constexpr worker_counter crypto_counters[] = {
    worker_counter::encrypt,      worker_counter::decrypt,     worker_counter::no_sa,
    worker_counter::invalid_sa,   worker_counter::encaps_fail, worker_counter::decap_fail,
    worker_counter::invalid_prot, worker_counter::verify_fail, worker_counter::replay_fail,
    worker_counter::tbar_fail,    worker_counter::policy_drop, worker_counter::fail_close_drop,
    worker_counter::bypass,
};
inline constexpr std::size_t crypto_counter_count = std::size(crypto_counters);
// Group ids 0..max_crypto_groups-1 have crypto_counters each: ids are 1..esp::max_groups.
inline constexpr std::uint32_t max_crypto_groups = 65;

// Column of c in crypto_counters, or crypto_counter_count when c is not one of them.
constexpr std::size_t crypto_column(worker_counter c)
{
    for (std::size_t i = 0; i < crypto_counter_count; ++i) {
        if (crypto_counters[i] == c) {
            return i;
        }
    }
    return crypto_counter_count;
}
// Counter names of the per-group set: "<group id>.<counter>", group-major.
std::vector<std::string> crypto_counter_names();
// Counter names of the per-port drop set: "port<index>.dropped".
std::vector<std::string> port_drop_names();

struct worker_port {
    std::uint16_t port_id = 0;
    std::uint32_t crypto_group = 0;  // crypto map on this port: group id, 0 = none
};

// TX staging per egress port, flushed at the end of each poll or when full.
inline constexpr unsigned tx_stage_cap = 64;
struct worker_state {
    struct stage {
        rte_mbuf* pkts[tx_stage_cap];
        std::uint16_t n = 0;
    };
    stage tx[max_ports];
    std::uint64_t icmp_tokens = 0;
    std::uint64_t icmp_last_tsc = 0;
    std::uint16_t ip_id = 0;
    acl::ipv4_key keys[max_burst];  // classifier keys of headers with options
};

// What one worker needs. The control thread fills it before the launch and
// leaves it alone until rte_eal_mp_wait_lcore has returned.
struct worker_ctx {
    unsigned index = 0;                        // worker: ro, ctl: ro. Queue id, RCU thread id, counter row
    std::uint16_t burst = 64;                  // worker: ro, ctl: ro. At most max_burst
    const worker_port* ports = nullptr;        // worker: ro, ctl: ro. Index = port index
    std::uint16_t nb_ports = 0;                // worker: ro, ctl: ro
    const std::atomic<bool>* stop = nullptr;   // worker: ro, ctl: rw
    core::counter_set* counters = nullptr;     // worker: rw own row, ctl: ro (sums)
    core::counter_set* group_counters = nullptr;  // worker: rw own row, ctl: ro. crypto_counter_names()
    core::counter_set* port_drops = nullptr;   // worker: rw own row, ctl: ro. Drops by receiving port index
    rte_rcu_qsbr* qsbr = nullptr;              // worker: reports quiescence, ctl: checks
    const published* tables = nullptr;         // worker: acquire-loads, ctl: release-stores
    rte_ring* punt = nullptr;                  // worker: enqueues (SP), ctl: dequeues (SC)
    rte_ring* resolve = nullptr;               // worker: enqueues (SP), ctl: dequeues (SC)
    rte_ring* inject = nullptr;                // ctl: enqueues (SP), worker 0: dequeues (SC); null on others
    rte_mempool* pool = nullptr;               // worker: allocates ICMP errors and fragments
    std::uint64_t icmp_per_s = 100;            // worker: ro, ctl: ro
    std::uint64_t tsc_hz = 0;                  // worker: ro, ctl: ro
    worker_state* state = nullptr;             // worker: rw, ctl: none while running
    const esp::sa_table* sas = nullptr;        // worker: acquire-loads current(), ctl: installs; null = no ESP
    esp::worker_ctx* esp = nullptr;            // worker: rw, ctl: none while running; null = no ESP
    rte_ip_frag_tbl* frag_tbl = nullptr;       // worker: rw, ctl: creates before the launch, destroys after the
                                               // stop (create_reassembly); null = ESP fragments are dropped
    rte_ip_frag_death_row* death_row = nullptr;  // worker: rw, ctl: as frag_tbl. What the table gave up on
};

// Reassembly of ESP fragments on crypto-map ports (rte_ip_frag), per worker.
struct reassembly_limits {
    std::uint32_t max_entries = 4096;  // packets being reassembled at once; more are dropped
    std::uint64_t lifetime_ms = 2000;  // a packet not complete by then is dropped
};
// The limits for `workers` workers fed by a pool of `mbufs`: at most 4096 packets
// each, fewer (but 16 at least) when their fragments could tie up more than a
// quarter of the pool.
reassembly_limits reassembly_limits_for(unsigned mbufs, unsigned workers);
// Creates ctx.frag_tbl and ctx.death_row on `socket`. Control thread, before the
// launch; returns "" or the error.
std::string create_reassembly(worker_ctx& ctx, const reassembly_limits& lim, int socket);
// Frees them and every fragment they still hold: after the worker has stopped,
// before the pool goes.
void destroy_reassembly(worker_ctx& ctx) noexcept;

// Mbuf metadata on the rings, set by whoever enqueues:
//   punt:    m->port = ingress port index
//   resolve: m->port = egress port index, m->hash.usr = next-hop IPv4 (host order)
//   inject:  m->port = egress port index; the frame is complete (L2 included)


// One pass over every port and the inject ring; returns how many packets were received.
unsigned worker_poll(const worker_ctx& ctx) noexcept;

// lcore_function_t for rte_eal_remote_launch; arg is a worker_ctx*. Loops
// until *stop, reporting RCU quiescence every iteration.
int worker_main(void* arg) noexcept;

} // namespace fastpath
