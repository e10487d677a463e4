// The worker lcore's run-to-completion poll loop. Until the router pipeline
// lands it forwards in "io mode" between port pairs (0<->1, 2<->3, ...).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/counters.hpp"

struct rte_rcu_qsbr;

namespace fastpath {

// Per-lcore counters, one row per worker; every drop has its own name.
enum class worker_counter : std::size_t {
    rx_packets,
    rx_bytes,
    tx_packets,
    tx_bytes,
    tx_dropped,    // the peer's TX queue was full
    no_peer_drop,  // received on a port with no pair
    loops,
    idle_loops,    // loops that received nothing
    count,
};
// Names in worker_counter order, for core::counter_set.
std::vector<std::string> worker_counter_names();

inline constexpr std::uint16_t no_peer = UINT16_MAX;

struct worker_port {
    std::uint16_t port_id = 0;
    std::uint16_t peer_id = no_peer;  // where io mode sends what port_id received
};

// What one worker needs. The control thread fills it before the launch and
// leaves it alone until rte_eal_mp_wait_lcore has returned.
struct worker_ctx {
    unsigned index = 0;                        // worker: ro, ctl: ro. Queue id, RCU thread id, counter row
    std::uint16_t burst = 32;                  // worker: ro, ctl: ro. At most max_burst
    const worker_port* ports = nullptr;        // worker: ro, ctl: ro
    std::uint16_t nb_ports = 0;                // worker: ro, ctl: ro
    const std::atomic<bool>* stop = nullptr;   // worker: ro, ctl: rw
    core::counter_set* counters = nullptr;     // worker: rw own row, ctl: ro (sums)
    rte_rcu_qsbr* qsbr = nullptr;              // worker: reports quiescence, ctl: checks
};

// One pass over every port; returns how many packets were received.
unsigned worker_poll(const worker_ctx& ctx) noexcept;

// lcore_function_t for rte_eal_remote_launch; arg is a worker_ctx*. Loops
// until *stop, reporting RCU quiescence every iteration.
int worker_main(void* arg) noexcept;

} // namespace fastpath
