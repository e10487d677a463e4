// The fastpath runtime: owns EAL, the ports and their TAP twins, the mbuf
// pools, the RCU QSBR variable, the routing snapshots, the exception rings,
// the worker lcores and the control-service thread, from start() until stop().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/counters.hpp"
#include "fastpath/options.hpp"
#include "fastpath/control.hpp"
#include "fastpath/port.hpp"
#include "fastpath/worker.hpp"
#include "fastpath/snapshot.hpp"
#include "fastpath/esp/sa_table.hpp"

struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_ring;

namespace fastpath {

class runtime;

struct start_result {
    std::unique_ptr<runtime> rt;  // null on error
    std::string error;
    std::string notice;  // e.g. the no-hugepages line or left-out routes, for the caller to print
    bool ok() const { return rt != nullptr; }
};

struct port_info {
    std::string name;  // interface name from port_spec
    std::uint16_t port_id = 0;
    int socket = 0;
    std::uint16_t tap_id = no_tap_port;  // ethdev of the TAP twin, no_tap_port without one
    std::string tap_name;                // its kernel interface name (see tap_name())
    pkt::mac mac{};
    std::uint16_t mtu = 0;
};

// Checks options that need no EAL: worker count, burst, pool size, names,
// port count, route interfaces.
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

    // The ESP SA table the workers encrypt and decrypt with: the data-plane side
    // of the installer. Null when no port carries a crypto map.
    esp::sa_table* sa_table() const { return sa_table_.get(); }
    // Compiles a group's merged policy (both directions) and publishes it; the
    // workers use it on ports with that crypto_group. Control thread only.
    // Returns an error (the previous policy stays) or "".
    std::string set_crypto_policy(std::uint32_t group, const acl::merge_input& in,
                                  crypto_direction dir = crypto_direction::both);
    // Frees retired SA and policy snapshots every worker has passed; non-blocking,
    // for an Asio timer on the control thread.
    void reclaim_crypto();
    // ESP engine drop reasons (esp::drop_reason order), per worker; null without ESP.
    const core::counter_set* esp_drops() const { return esp_drops_.get(); }
    // ESP engine events (esp::event order: encrypted, decrypted, seq_near_wrap), per worker.
    const core::counter_set* esp_events() const { return esp_events_.get(); }

    // Frees routing snapshots whose RCU grace period has ended; non-blocking,
    // for an Asio timer. The service thread also calls it every pass.
    unsigned poll_reclaim();
    // Replaces the static routes (ip route) under the running workers: a new
    // routing snapshot, and the same routes on the kernel's TAP twins. Control
    // thread. Returns "" or what went wrong: routes the table left out, kernel
    // routes that failed, or why nothing changed.
    std::string set_static_routes(const std::vector<static_route>& routes);
    // The published routing generation (1 after start).
    std::uint64_t route_generation() const;
    // ARP cache, as "show arp" prints it.
    std::vector<neighbour_info> neighbours() const;
    // Control-thread counters (exception path, ARP, snapshots); one row.
    const core::counter_set* control_counters() const;

    // Per port, in ports() order: live while running, the final values after stop.
    std::vector<port_stats> stats() const;
    // Worker counters (worker_counter order), one row per worker; still
    // readable after stop.
    const core::counter_set& counters() const { return counters_; }
    std::uint64_t total(worker_counter c) const { return counters_.sum(static_cast<std::size_t>(c)); }
    // A crypto counter (one of crypto_counters) of one group id, summed over workers.
    std::uint64_t group_total(std::uint32_t group, worker_counter c) const;
    // Packets received on port `port_index` (ports() order) that the workers dropped.
    std::uint64_t port_dropped(std::size_t port_index) const;
    // One human line: per port rx/tx packets and link, per worker rx/tx/drops
    // with the non-zero drop reasons, and the exception path.
    std::string stats_line() const;

private:
    explicit runtime(unsigned workers);
    std::string bring_up(const runtime_options& opts, std::string& notice);
    void service_loop();
    std::string mirror_kernel_routes(const fib& f, const std::vector<static_route>& routes);

    bool running_ = false;
    bool eal_up_ = false;
    std::vector<port_info> ports_;
    std::vector<port_spec> port_specs_;               // ctl: the ports as configured, to rebuild routes
    std::vector<static_route> static_routes_;         // ctl: the static routes in force
    bool multicast_routing_ = false;
    bool exception_path_ = false;
    std::vector<worker_port> worker_ports_;           // worker: ro, ctl: ro
    std::vector<std::string> tap_devs_;               // vdev names of the TAP twins
    published tables_;                                // worker: ro (acquire), ctl: rw (release)
    std::vector<rte_ring*> rings_;                    // punt/resolve per worker, then inject
    std::vector<worker_state> states_;                // worker: rw own entry, ctl: none
    std::unique_ptr<control_plane> control_;          // ctl only, under control_mu_
    mutable std::mutex control_mu_;                   // service thread vs. API callers, never a worker
    std::thread service_;
    std::atomic<bool> service_stop_{false};           // service: ro, ctl: rw
    std::vector<std::pair<int, rte_mempool*>> pools_;  // socket -> pool
    rte_rcu_qsbr* qsbr_ = nullptr;                    // worker: quiescent reports, ctl: owns
    std::atomic<bool> stop_{false};                   // worker: ro, ctl: rw
    core::counter_set counters_;                      // worker: rw own row, ctl: ro
    core::counter_set group_counters_;                // worker: rw own row, ctl: ro
    core::counter_set port_drops_;                    // worker: rw own row, ctl: ro
    std::vector<worker_ctx> ctx_;                     // worker: ro, ctl: ro after launch
    std::vector<unsigned> lcores_;
    bool launched_ = false;
    std::vector<port_stats> final_stats_;
    // Crypto map: all control-thread only, workers read through ctx_.
    std::unique_ptr<esp::sa_table> sa_table_;                // worker: current() (acquire), ctl: rw
    std::unique_ptr<core::counter_set> esp_drops_;           // worker: rw own row, ctl: ro
    std::unique_ptr<core::counter_set> esp_events_;          // worker: rw own row, ctl: ro
    std::vector<std::unique_ptr<esp::worker_ctx>> esp_ctx_;  // worker: rw own entry, ctl: none while running
    std::unique_ptr<retire_list> crypto_retire_;             // ctl only
    std::uint64_t crypto_generation_ = 0;                    // ctl only
};

} // namespace fastpath
