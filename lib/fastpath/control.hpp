// The control-thread side of the router data plane: publishes routing and
// neighbour snapshots, resolves next hops by ARP (with a small queue of first
// packets per neighbour and ageing), and runs the exception path between the
// workers' rings and each port's TAP twin in the kernel.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/counters.hpp"
#include "fastpath/packet.hpp"
#include "fastpath/routes.hpp"
#include "fastpath/snapshot.hpp"

struct rte_mbuf;
struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_ring;

namespace fastpath {

enum class control_counter : std::size_t {
    tap_rx,          // frames the kernel sent, injected towards the wire
    tap_tx,          // punted frames written to a TAP
    tap_tx_failed,   // the TAP did not take a punted frame
    no_tap,          // punted with no TAP twin (exception path off)
    arp_rx,
    arp_bad,         // not an Ethernet/IPv4 ARP
    arp_requests,    // requests we sent to resolve next hops
    arp_learned,     // neighbour entries created or refreshed
    arp_queued,      // first packets parked while resolving
    arp_queue_full,  // dropped: the neighbour's queue was full
    arp_failed,      // dropped: the neighbour never answered
    neighbour_expired,
    inject_full,     // dropped: worker 0's inject ring was full
    snapshots,       // route and neighbour tables published
    reclaimed,       // old tables freed after their grace period
    count,
};
std::vector<std::string> control_counter_names();

inline constexpr std::uint16_t no_tap_port = UINT16_MAX;

struct control_config {
    std::vector<port_l3> ports;              // index = port index
    std::vector<std::uint16_t> taps;         // TAP ethdev per port index, no_tap_port if none
    std::vector<rte_ring*> punt;             // one per worker
    std::vector<rte_ring*> resolve;          // one per worker
    rte_ring* inject = nullptr;              // worker 0's
    rte_mempool* pool = nullptr;             // for ARP requests
    rte_rcu_qsbr* qsbr = nullptr;
    published* tables = nullptr;
    std::chrono::seconds reachable{300};
    std::chrono::milliseconds retry{1000};   // ARP retransmission interval
    unsigned max_tries = 3;
    int socket = 0;
};

// A neighbour as "show arp" would print it.
struct neighbour_info {
    std::uint16_t port = 0;
    std::uint32_t ip = 0;
    pkt::mac mac{};
    std::string state;  // incomplete, reachable, probe
    unsigned queued = 0;
};

class control_plane {
public:
    using clock = std::chrono::steady_clock;
    static constexpr unsigned queue_per_neighbour = 8;

    explicit control_plane(control_config cfg);
    control_plane(const control_plane&) = delete;
    control_plane& operator=(const control_plane&) = delete;
    ~control_plane();

    // Builds and publishes a routing snapshot; returns an error or "".
    std::string publish_routes(const fib& f);
    // One pass: rings, TAPs, ARP timers, neighbour publishing, reclaim.
    // Returns how many packets it moved (0 = idle).
    unsigned poll(clock::time_point now);
    // Frees old snapshots whose grace period has ended (non-blocking).
    unsigned poll_reclaim();
    // Retired snapshots not freed yet (their grace period has not ended).
    std::size_t pending_reclaim() const { return retired_.pending(); }
    // After the workers have stopped: frees every mbuf and table it holds.
    void shutdown();

    std::vector<neighbour_info> neighbours() const;
    const core::counter_set& counters() const { return counters_; }
    std::uint64_t generation() const { return generation_; }

private:
    enum class nstate { incomplete, reachable, probe };
    struct neigh {
        pkt::mac mac{};
        nstate state = nstate::incomplete;
        clock::time_point expires{};
        clock::time_point next_try{};
        unsigned tries = 0;
        rte_mbuf* queue[queue_per_neighbour] = {};
        unsigned queued = 0;
    };
    using key = std::pair<std::uint16_t, std::uint32_t>;  // port index, IPv4

    void count(control_counter c, std::uint64_t n = 1) { counters_.add(0, c, n); }
    void inject(rte_mbuf* m, std::uint16_t pi);
    void send_to_neighbour(rte_mbuf* m, std::uint16_t pi, const pkt::mac& mac);
    void send_arp_request(std::uint16_t pi, std::uint32_t ip);
    void learn(std::uint16_t pi, std::uint32_t ip, const pkt::mac& mac, bool create, clock::time_point now);
    void handle_punt(rte_mbuf* m, clock::time_point now);
    void handle_resolve(rte_mbuf* m, clock::time_point now);
    void run_timers(clock::time_point now);
    void publish_neighbours();
    void free_queue(neigh& n, control_counter why);

    control_config cfg_;
    core::counter_set counters_;
    retire_list retired_;
    std::map<key, neigh> neigh_;
    bool dirty_ = false;
    std::uint64_t generation_ = 0;
    clock::time_point next_timers_{};
    bool shut_ = false;
};

} // namespace fastpath
