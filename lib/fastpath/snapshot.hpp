// Immutable routing snapshots for the workers (rte_lpm + next hops + per-port
// L3 data, and the neighbour table) and the RCU retire list that frees an old
// snapshot once every worker has reported quiescence since it was replaced.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fastpath/crypto_policy.hpp"
#include "fastpath/packet.hpp"
#include "fastpath/routes.hpp"

struct rte_lpm;
struct rte_rcu_qsbr;

namespace fastpath {

// What a worker needs to know about each port; index = runtime_options::ports order.
struct port_l3 {
    std::uint16_t port_id = 0;  // ethdev id
    pkt::mac mac{};
    std::uint16_t mtu = 1500;
    std::uint32_t addr = 0;     // host order, 0 = no address (no ICMP errors sourced here)
};

// One generation of the routing table. Never changed once published.
struct route_table {
    std::uint64_t generation = 0;
    rte_lpm* lpm = nullptr;            // value = index into next_hops
    std::vector<next_hop> next_hops;
    std::vector<port_l3> ports;
    std::vector<mcast_route> multicast;  // sorted by group

    // The group's forwarding entry, or null (the kernel gets the packet).
    const mcast_route* find_multicast(std::uint32_t group) const noexcept
    {
        const auto lo = std::lower_bound(multicast.begin(), multicast.end(), group,
                                         [](const mcast_route& r, std::uint32_t g) { return r.group < g; });
        return lo != multicast.end() && lo->group == group ? &*lo : nullptr;
    }

    route_table() = default;
    route_table(const route_table&) = delete;
    route_table& operator=(const route_table&) = delete;
    ~route_table();
};

struct route_table_result {
    std::unique_ptr<route_table> table;  // null on error
    std::string error;
};
// Builds an rte_lpm named "fp_lpm_<generation>" (unique: rte_lpm_create
// refuses an existing name) from the FIB. Control thread only.
route_table_result build_route_table(const fib& f, std::vector<port_l3> ports, std::uint64_t generation, int socket);

// The pointers the workers read: acquire-load once per poll.
struct published {
    std::atomic<const route_table*> routes{nullptr};           // worker: ro, ctl: rw
    std::atomic<const neighbour_table*> neighbours{nullptr};  // worker: ro, ctl: rw
    std::atomic<const crypto_policy*> crypto{nullptr};        // worker: ro, ctl: rw
};

// Objects replaced while workers may still hold them, freed from poll() once
// rte_rcu_qsbr_check (non-blocking) says every worker has passed the token.
class retire_list {
public:
    explicit retire_list(rte_rcu_qsbr* qsbr) : qsbr_(qsbr) {}
    retire_list(const retire_list&) = delete;
    retire_list& operator=(const retire_list&) = delete;
    ~retire_list() { free_all(); }

    void retire(std::function<void()> free_fn);
    // Frees what every worker has stopped seeing; returns how many were freed.
    unsigned poll();
    // After the workers have stopped: frees everything.
    void free_all();
    std::size_t pending() const { return items_.size(); }

private:
    struct item {
        std::uint64_t token;
        std::function<void()> free_fn;
    };
    rte_rcu_qsbr* qsbr_;
    std::vector<item> items_;
};

} // namespace fastpath
