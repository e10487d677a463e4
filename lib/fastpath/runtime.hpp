// The fastpath runtime: owns EAL, the ports, the mbuf pools, the RCU QSBR
// variable and the worker lcores, from start() until stop().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/counters.hpp"
#include "fastpath/options.hpp"
#include "fastpath/port.hpp"
#include "fastpath/worker.hpp"

struct rte_mempool;
struct rte_rcu_qsbr;

namespace fastpath {

class runtime;

struct start_result {
    std::unique_ptr<runtime> rt;  // null on error
    std::string error;
    std::string notice;  // e.g. the no-hugepages line, for the caller to print
    bool ok() const { return rt != nullptr; }
};

struct port_info {
    std::string name;  // interface name from port_spec
    std::uint16_t port_id = 0;
    int socket = 0;
    std::uint16_t peer_id = no_peer;  // io-mode pair, no_peer for a lone port
};

// Checks options that need no EAL: worker count, burst, pool size, names.
// Returns an error or "".
std::string validate(const runtime_options& opts);

class runtime {
public:
    // Initialises EAL (once per process), probes and starts the ports and
    // launches the workers. On error everything started so far is undone.
    static start_result start(const runtime_options& opts);

    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;
    ~runtime();

    // Stops the workers, snapshots port stats, closes the ports and frees the
    // pools and QSBR variable, but keeps EAL so DPDK objects can still be
    // looked up. Idempotent.
    void stop_dataplane();
    // stop_dataplane(), then rte_eal_cleanup. Idempotent; EAL cannot be
    // initialised again in this process afterwards.
    void stop();
    bool running() const { return running_; }

    unsigned workers() const { return static_cast<unsigned>(ctx_.size()); }
    // EAL lcore id of each worker, by worker index.
    const std::vector<unsigned>& worker_lcores() const { return lcores_; }
    const std::vector<port_info>& ports() const { return ports_; }
    // For the snapshot publisher: thread id = worker index. Null once stopped.
    rte_rcu_qsbr* qsbr() const { return qsbr_; }
    // The pool that feeds port `port_index` (index into ports()). Null once stopped.
    rte_mempool* mempool(std::size_t port_index) const;

    // Per port, in ports() order: live while running, the final values after stop.
    std::vector<port_stats> stats() const;
    // Worker counters (worker_counter order), one row per worker; still
    // readable after stop.
    const core::counter_set& counters() const { return counters_; }
    std::uint64_t total(worker_counter c) const { return counters_.sum(static_cast<std::size_t>(c)); }
    // One human line: per port rx/tx packets and link, per worker rx/tx/drops.
    std::string stats_line() const;

private:
    explicit runtime(unsigned workers);
    std::string bring_up(const runtime_options& opts);

    bool running_ = false;
    bool eal_up_ = false;
    std::vector<port_info> ports_;
    std::vector<worker_port> worker_ports_;           // worker: ro, ctl: ro
    std::vector<std::pair<int, rte_mempool*>> pools_;  // socket -> pool
    rte_rcu_qsbr* qsbr_ = nullptr;                    // worker: quiescent reports, ctl: owns
    std::atomic<bool> stop_{false};                   // worker: ro, ctl: rw
    core::counter_set counters_;                      // worker: rw own row, ctl: ro
    std::vector<worker_ctx> ctx_;                     // worker: ro, ctl: ro after launch
    std::vector<unsigned> lcores_;
    bool launched_ = false;
    std::vector<port_stats> final_stats_;
};

} // namespace fastpath
