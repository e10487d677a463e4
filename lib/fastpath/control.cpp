// Control thread: snapshot publishing, ARP resolution and the TAP exception path.
#include "fastpath/control.hpp"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstring>

namespace fastpath {

namespace {

constexpr unsigned ring_burst = 32;
// Bounds the table an ARP flood could grow; resolving our own next hops still works.
constexpr std::size_t max_neighbours = 4096;

} // namespace

std::vector<std::string> control_counter_names()
{
    return {"tap_rx",     "tap_tx",      "tap_tx_failed",  "no_tap",     "arp_rx",
            "arp_bad",    "arp_requests", "arp_learned",   "arp_queued", "arp_queue_full",
            "arp_failed", "neighbour_expired", "inject_full", "snapshots", "reclaimed"};
}

control_plane::control_plane(control_config cfg)
    : cfg_(std::move(cfg)), counters_(control_counter_names(), 1), retired_(cfg_.qsbr)
{
}

control_plane::~control_plane()
{
    shutdown();
}

std::string control_plane::publish_routes(const fib& f)
{
    route_table_result r = build_route_table(f, cfg_.ports, generation_ + 1, cfg_.socket);
    if (!r.table) {
        return r.error;
    }
    ++generation_;
    const route_table* old = cfg_.tables->routes.load(std::memory_order_relaxed);
    cfg_.tables->routes.store(r.table.release(), std::memory_order_release);
    if (old != nullptr) {
        retired_.retire([old] { delete old; });
    }
    count(control_counter::snapshots);
    return {};
}

void control_plane::publish_neighbours()
{
    std::vector<neighbour_table::entry> entries;
    for (const auto& [k, n] : neigh_) {
        if (n.state == nstate::incomplete) {
            continue;
        }
        neighbour_table::entry e;
        e.port = k.first;
        e.ip = k.second;
        std::memcpy(e.mac, n.mac.data(), 6);
        entries.push_back(e);
    }
    const neighbour_table* fresh = new neighbour_table(entries);
    const neighbour_table* old = cfg_.tables->neighbours.load(std::memory_order_relaxed);
    cfg_.tables->neighbours.store(fresh, std::memory_order_release);
    if (old != nullptr) {
        retired_.retire([old] { delete old; });
    }
    dirty_ = false;
    count(control_counter::snapshots);
}

unsigned control_plane::poll_reclaim()
{
    const unsigned n = retired_.poll();
    count(control_counter::reclaimed, n);
    return n;
}

void control_plane::inject(rte_mbuf* m, std::uint16_t pi)
{
    m->port = pi;
    if (cfg_.inject == nullptr || rte_ring_enqueue(cfg_.inject, m) != 0) {
        rte_pktmbuf_free(m);
        count(control_counter::inject_full);
    }
}

void control_plane::send_to_neighbour(rte_mbuf* m, std::uint16_t pi, const pkt::mac& mac)
{
    pkt::put_eth(rte_pktmbuf_mtod(m, std::uint8_t*), mac, cfg_.ports[pi].mac, pkt::ether_ipv4);
    inject(m, pi);
}

void control_plane::send_arp_request(std::uint16_t pi, std::uint32_t ip)
{
    rte_mbuf* m = rte_pktmbuf_alloc(cfg_.pool);
    if (m == nullptr) {
        return;
    }
    auto* d = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, 60));
    if (d == nullptr) {
        rte_pktmbuf_free(m);
        return;
    }
    std::memset(d, 0, 60);  // padded to the Ethernet minimum
    pkt::build_arp_request(d, cfg_.ports[pi].mac, cfg_.ports[pi].addr, ip);
    count(control_counter::arp_requests);
    inject(m, pi);
}

void control_plane::free_queue(neigh& n, control_counter why)
{
    for (unsigned i = 0; i < n.queued; ++i) {
        rte_pktmbuf_free(n.queue[i]);
    }
    count(why, n.queued);
    n.queued = 0;
}

void control_plane::learn(std::uint16_t pi, std::uint32_t ip, const pkt::mac& mac, bool create,
                          clock::time_point now)
{
    auto it = neigh_.find({pi, ip});
    if (it == neigh_.end()) {
        // RFC 826: create an entry only when the ARP was meant for us.
        if (!create || neigh_.size() >= max_neighbours) {
            return;
        }
        it = neigh_.emplace(key{pi, ip}, neigh{}).first;
    }
    neigh& n = it->second;
    if (n.state == nstate::incomplete || n.mac != mac) {
        dirty_ = true;
    }
    n.mac = mac;
    n.state = nstate::reachable;
    n.expires = now + cfg_.reachable;
    n.tries = 0;
    count(control_counter::arp_learned);
    for (unsigned i = 0; i < n.queued; ++i) {
        send_to_neighbour(n.queue[i], pi, mac);
    }
    n.queued = 0;
}

void control_plane::handle_punt(rte_mbuf* m, clock::time_point now)
{
    const std::uint16_t pi = m->port;
    if (pi >= cfg_.ports.size()) {
        rte_pktmbuf_free(m);
        return;
    }
    const auto* d = rte_pktmbuf_mtod(m, const std::uint8_t*);
    if (rte_pktmbuf_data_len(m) >= pkt::eth_hdr_len && pkt::get16(d + 12) == pkt::ether_arp) {
        count(control_counter::arp_rx);
        const auto a = pkt::parse_arp(d + pkt::eth_hdr_len, rte_pktmbuf_data_len(m) - pkt::eth_hdr_len);
        if (!a) {
            count(control_counter::arp_bad);
        } else if (a->spa != 0) {
            const std::uint32_t ours = cfg_.ports[pi].addr;
            learn(pi, a->spa, a->sha, ours != 0 && a->tpa == ours, now);
        }
    }
    // The kernel sees everything punted: it answers ARP for its addresses,
    // ICMP echo, UDP 848 and TCP, and keeps the multicast memberships.
    const std::uint16_t tap = pi < cfg_.taps.size() ? cfg_.taps[pi] : no_tap_port;
    if (tap == no_tap_port) {
        rte_pktmbuf_free(m);
        count(control_counter::no_tap);
        return;
    }
    if (rte_eth_tx_burst(tap, 0, &m, 1) != 1) {
        rte_pktmbuf_free(m);
        count(control_counter::tap_tx_failed);
        return;
    }
    count(control_counter::tap_tx);
}

void control_plane::handle_resolve(rte_mbuf* m, clock::time_point now)
{
    const std::uint16_t pi = m->port;
    const std::uint32_t ip = m->hash.usr;
    if (pi >= cfg_.ports.size()) {
        rte_pktmbuf_free(m);
        return;
    }
    auto it = neigh_.find({pi, ip});
    if (it != neigh_.end() && it->second.state != nstate::incomplete) {
        // Resolved after the worker loaded its snapshot.
        send_to_neighbour(m, pi, it->second.mac);
        return;
    }
    if (it == neigh_.end()) {
        if (neigh_.size() >= max_neighbours) {
            rte_pktmbuf_free(m);
            count(control_counter::arp_queue_full);
            return;
        }
        it = neigh_.emplace(key{pi, ip}, neigh{}).first;
        it->second.tries = 1;
        it->second.next_try = now + cfg_.retry;
        send_arp_request(pi, ip);
    }
    neigh& n = it->second;
    if (n.queued == queue_per_neighbour) {
        rte_pktmbuf_free(m);
        count(control_counter::arp_queue_full);
        return;
    }
    n.queue[n.queued++] = m;
    count(control_counter::arp_queued);
}

void control_plane::run_timers(clock::time_point now)
{
    for (auto it = neigh_.begin(); it != neigh_.end();) {
        neigh& n = it->second;
        const auto [pi, ip] = it->first;
        if (n.state == nstate::reachable && now >= n.expires) {
            // Keep forwarding with the old MAC while re-resolving.
            n.state = nstate::probe;
            n.tries = 1;
            n.next_try = now + cfg_.retry;
            send_arp_request(pi, ip);
        } else if (n.state != nstate::reachable && now >= n.next_try) {
            if (n.tries >= cfg_.max_tries) {
                if (n.state == nstate::probe) {
                    dirty_ = true;
                    count(control_counter::neighbour_expired);
                }
                free_queue(n, control_counter::arp_failed);
                it = neigh_.erase(it);
                continue;
            }
            ++n.tries;
            n.next_try = now + cfg_.retry;
            send_arp_request(pi, ip);
        }
        ++it;
    }
}

unsigned control_plane::poll(clock::time_point now)
{
    if (shut_) {
        return 0;
    }
    unsigned moved = 0;
    rte_mbuf* pkts[ring_burst];
    for (rte_ring* r : cfg_.punt) {
        const unsigned n = rte_ring_dequeue_burst(r, reinterpret_cast<void**>(pkts), ring_burst, nullptr);
        for (unsigned i = 0; i < n; ++i) {
            handle_punt(pkts[i], now);
        }
        moved += n;
    }
    for (rte_ring* r : cfg_.resolve) {
        const unsigned n = rte_ring_dequeue_burst(r, reinterpret_cast<void**>(pkts), ring_burst, nullptr);
        for (unsigned i = 0; i < n; ++i) {
            handle_resolve(pkts[i], now);
        }
        moved += n;
    }
    for (std::size_t pi = 0; pi < cfg_.taps.size(); ++pi) {
        if (cfg_.taps[pi] == no_tap_port) {
            continue;
        }
        const std::uint16_t n = rte_eth_rx_burst(cfg_.taps[pi], 0, pkts, ring_burst);
        for (std::uint16_t i = 0; i < n; ++i) {
            inject(pkts[i], static_cast<std::uint16_t>(pi));
        }
        count(control_counter::tap_rx, n);
        moved += n;
    }
    if (now >= next_timers_) {
        run_timers(now);
        next_timers_ = now + std::chrono::milliseconds(100);
    }
    if (dirty_) {
        publish_neighbours();
    }
    poll_reclaim();
    return moved;
}

void control_plane::shutdown()
{
    if (shut_) {
        return;
    }
    shut_ = true;
    rte_mbuf* pkts[ring_burst];
    std::vector<rte_ring*> rings = cfg_.punt;
    rings.insert(rings.end(), cfg_.resolve.begin(), cfg_.resolve.end());
    if (cfg_.inject != nullptr) {
        rings.push_back(cfg_.inject);
    }
    for (rte_ring* r : rings) {
        unsigned n = 0;
        while ((n = rte_ring_dequeue_burst(r, reinterpret_cast<void**>(pkts), ring_burst, nullptr)) > 0) {
            rte_pktmbuf_free_bulk(pkts, n);
        }
    }
    for (auto& [k, n] : neigh_) {
        free_queue(n, control_counter::arp_failed);
    }
    neigh_.clear();
    retired_.free_all();
    delete cfg_.tables->routes.exchange(nullptr);
    delete cfg_.tables->neighbours.exchange(nullptr);
}

std::vector<neighbour_info> control_plane::neighbours() const
{
    std::vector<neighbour_info> out;
    for (const auto& [k, n] : neigh_) {
        neighbour_info i;
        i.port = k.first;
        i.ip = k.second;
        i.mac = n.mac;
        i.state = n.state == nstate::incomplete ? "incomplete" : n.state == nstate::reachable ? "reachable" : "probe";
        i.queued = n.queued;
        out.push_back(i);
    }
    return out;
}

} // namespace fastpath
