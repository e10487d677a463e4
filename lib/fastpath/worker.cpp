// Worker poll loop. Fast path rules apply: no syscalls, logs, exceptions,
// allocation or locks; counters go to this worker's own row only.
#include "fastpath/worker.hpp"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "fastpath/options.hpp"

namespace fastpath {

std::vector<std::string> worker_counter_names()
{
    return {"rx_packets", "rx_bytes", "tx_packets", "tx_bytes",
            "tx_dropped", "no_peer_drop", "loops", "idle_loops"};
}

namespace {

std::uint64_t burst_bytes(rte_mbuf* const* pkts, std::uint16_t n) noexcept
{
    std::uint64_t bytes = 0;
    for (std::uint16_t i = 0; i < n; ++i) {
        bytes += rte_pktmbuf_pkt_len(pkts[i]);
    }
    return bytes;
}

} // namespace

unsigned worker_poll(const worker_ctx& ctx) noexcept
{
    const unsigned w = ctx.index;
    const auto queue = static_cast<std::uint16_t>(w);
    core::counter_set& c = *ctx.counters;
    rte_mbuf* pkts[max_burst];
    unsigned received = 0;

    for (std::uint16_t p = 0; p < ctx.nb_ports; ++p) {
        const worker_port& port = ctx.ports[p];
        const std::uint16_t n = rte_eth_rx_burst(port.port_id, queue, pkts, ctx.burst);
        if (n == 0) {
            continue;
        }
        received += n;
        const std::uint64_t bytes = burst_bytes(pkts, n);
        c.add(w, worker_counter::rx_packets, n);
        c.add(w, worker_counter::rx_bytes, bytes);

        if (port.peer_id == no_peer) {
            rte_pktmbuf_free_bulk(pkts, n);
            c.add(w, worker_counter::no_peer_drop, n);
            continue;
        }
        // Same queue index on the peer: each worker owns its TX queues.
        const std::uint16_t sent = rte_eth_tx_burst(port.peer_id, queue, pkts, n);
        std::uint64_t unsent_bytes = 0;
        if (sent < n) {
            unsent_bytes = burst_bytes(pkts + sent, static_cast<std::uint16_t>(n - sent));
            rte_pktmbuf_free_bulk(pkts + sent, n - sent);
            c.add(w, worker_counter::tx_dropped, n - sent);
        }
        c.add(w, worker_counter::tx_packets, sent);
        c.add(w, worker_counter::tx_bytes, bytes - unsent_bytes);
    }
    return received;
}

int worker_main(void* arg) noexcept
{
    const worker_ctx& ctx = *static_cast<const worker_ctx*>(arg);
    core::counter_set& c = *ctx.counters;

    // Registration touches only the QSBR variable; done once, before the loop.
    rte_rcu_qsbr_thread_register(ctx.qsbr, ctx.index);
    rte_rcu_qsbr_thread_online(ctx.qsbr, ctx.index);

    while (!ctx.stop->load(std::memory_order_relaxed)) {
        const unsigned n = worker_poll(ctx);
        c.add(ctx.index, worker_counter::loops);
        if (n == 0) {
            c.add(ctx.index, worker_counter::idle_loops);
        }
        // No snapshot pointer is held past this point.
        rte_rcu_qsbr_quiescent(ctx.qsbr, ctx.index);
    }

    // Offline workers do not hold up a writer waiting for a grace period.
    rte_rcu_qsbr_thread_offline(ctx.qsbr, ctx.index);
    rte_rcu_qsbr_thread_unregister(ctx.qsbr, ctx.index);
    return 0;
}

} // namespace fastpath
