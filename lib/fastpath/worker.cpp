// Worker poll loop. Fast path rules apply: no syscalls, logs, exceptions,
// allocation or locks; counters go to this worker's own row only.
#include "fastpath/worker.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip_frag.h>
#include <rte_lpm.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <cstring>

#include "fastpath/packet.hpp"

namespace fastpath {

std::vector<std::string> worker_counter_names()
{
    return {"rx_packets", "rx_bytes",     "tx_packets",   "tx_bytes",     "forwarded",    "punted",
            "injected",   "arp_pending",  "fragmented",   "icmp_sent",    "tx_full",      "bad_l2",
            "not_ipv4",   "bad_ip",       "ttl_exceeded", "no_route",     "no_neighbour", "mtu_exceeded",
            "frag_failed", "punt_full",   "no_snapshot",  "icmp_rate_limited", "no_mbuf", "loops", "idle_loops"};
}

bool is_drop(worker_counter c)
{
    return c >= worker_counter::tx_full && c <= worker_counter::no_snapshot;
}

std::uint16_t outbound_stage(const worker_ctx& /*ctx*/, const port_l3& /*port*/, rte_mbuf** /*pkts*/,
                             std::uint16_t n) noexcept
{
    // No crypto map is active on any port yet (port_l3::crypto_map): all pass in clear.
    return n;
}

namespace {

constexpr unsigned max_frags = 16;
const port_l3 no_port_l3{};

// Everything one poll needs, so the helpers below take one argument.
struct poll_env {
    const worker_ctx& ctx;
    worker_state& st;
    core::counter_set& c;
    const route_table* rt;
    const neighbour_table* nb;
    unsigned w;

    void count(worker_counter k, std::uint64_t n = 1) const noexcept { c.add(w, k, n); }
};

void flush(const poll_env& e, std::uint16_t pi) noexcept
{
    worker_state::stage& s = e.st.tx[pi];
    if (s.n == 0) {
        return;
    }
    const port_l3& l3 = e.rt != nullptr && pi < e.rt->ports.size() ? e.rt->ports[pi] : no_port_l3;
    const std::uint16_t good = outbound_stage(e.ctx, l3, s.pkts, s.n);
    std::uint64_t bytes = 0;
    for (std::uint16_t i = 0; i < good; ++i) {
        bytes += rte_pktmbuf_pkt_len(s.pkts[i]);
    }
    const auto queue = static_cast<std::uint16_t>(e.w);
    const std::uint16_t sent = rte_eth_tx_burst(e.ctx.ports[pi].port_id, queue, s.pkts, good);
    for (std::uint16_t i = sent; i < good; ++i) {
        bytes -= rte_pktmbuf_pkt_len(s.pkts[i]);
        rte_pktmbuf_free(s.pkts[i]);
    }
    e.count(worker_counter::tx_full, good - sent);
    e.count(worker_counter::tx_packets, sent);
    e.count(worker_counter::tx_bytes, bytes);
    s.n = 0;
}

void stage(const poll_env& e, std::uint16_t pi, rte_mbuf* m) noexcept
{
    worker_state::stage& s = e.st.tx[pi];
    if (s.n == tx_stage_cap) {
        flush(e, pi);
    }
    s.pkts[s.n++] = m;
}

void drop(const poll_env& e, rte_mbuf* m, worker_counter why) noexcept
{
    rte_pktmbuf_free(m);
    e.count(why);
}

void punt(const poll_env& e, rte_mbuf* m, std::uint16_t in_pi) noexcept
{
    m->port = in_pi;
    if (rte_ring_enqueue(e.ctx.punt, m) != 0) {
        drop(e, m, worker_counter::punt_full);
        return;
    }
    e.count(worker_counter::punted);
}

// m starts with room for an Ethernet header followed by the IPv4 packet.
void to_neighbour(const poll_env& e, rte_mbuf* m, std::uint16_t out_pi, std::uint32_t nh_ip) noexcept
{
    const neighbour_table::entry* n = e.nb != nullptr ? e.nb->find(out_pi, nh_ip) : nullptr;
    if (n == nullptr) {
        // The control thread queues it, resolves the next hop by ARP and injects it.
        m->port = out_pi;
        m->hash.usr = nh_ip;
        if (rte_ring_enqueue(e.ctx.resolve, m) != 0) {
            drop(e, m, worker_counter::no_neighbour);
            return;
        }
        e.count(worker_counter::arp_pending);
        return;
    }
    auto* d = rte_pktmbuf_mtod(m, std::uint8_t*);
    std::memcpy(d, n->mac, 6);
    std::memcpy(d + 6, e.rt->ports[out_pi].mac.data(), 6);
    pkt::put16(d + 12, pkt::ether_ipv4);
    stage(e, out_pi, m);
    e.count(worker_counter::forwarded);
}

bool take_icmp_token(const poll_env& e) noexcept
{
    const std::uint64_t rate = e.ctx.icmp_per_s;
    if (rate == 0) {
        return false;
    }
    // One second's worth of tokens at most; refilled from the TSC (no syscall).
    const std::uint64_t per_token = e.ctx.tsc_hz / rate > 0 ? e.ctx.tsc_hz / rate : 1;
    const std::uint64_t now = rte_rdtsc();
    const std::uint64_t add = (now - e.st.icmp_last_tsc) / per_token;
    if (add > 0) {
        e.st.icmp_tokens = e.st.icmp_tokens + add > rate ? rate : e.st.icmp_tokens + add;
        e.st.icmp_last_tsc += add * per_token;
    }
    if (e.st.icmp_tokens == 0) {
        return false;
    }
    --e.st.icmp_tokens;
    return true;
}

// An ICMP error about the IPv4 packet at ip (as received), sourced from the
// ingress interface's address and routed like any other packet.
void icmp_error(const poll_env& e, const std::uint8_t* ip, std::size_t avail, std::uint16_t in_pi,
                std::uint8_t type, std::uint8_t code, std::uint16_t mtu) noexcept
{
    const std::uint32_t src = e.rt->ports[in_pi].addr;
    if (src == 0 || !pkt::may_send_icmp_error(ip, avail)) {
        return;
    }
    std::uint32_t idx = 0;
    if (rte_lpm_lookup(e.rt->lpm, pkt::ipv4_src(ip), &idx) != 0 ||
        e.rt->next_hops[idx].what != next_hop::kind::forward) {
        return;
    }
    if (!take_icmp_token(e)) {
        e.count(worker_counter::icmp_rate_limited);
        return;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(e.ctx.pool);
    if (m == nullptr) {
        e.count(worker_counter::no_mbuf);
        return;
    }
    const std::size_t len = pkt::eth_hdr_len + pkt::icmp_error_len(ip, avail);
    auto* d = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(len)));
    if (d == nullptr) {
        rte_pktmbuf_free(m);
        e.count(worker_counter::no_mbuf);
        return;
    }
    pkt::icmp_error err;
    err.type = type;
    err.code = code;
    err.next_hop_mtu = mtu;
    err.src = src;
    err.ip_id = e.st.ip_id++;
    pkt::build_icmp_error(d + pkt::eth_hdr_len, ip, avail, err);
    const next_hop& nh = e.rt->next_hops[idx];
    e.count(worker_counter::icmp_sent);
    to_neighbour(e, m, nh.port, nh.gateway != 0 ? nh.gateway : pkt::ipv4_src(ip));
}

// DF clear and bigger than the egress MTU: split, then each fragment goes on alone.
void fragment(const poll_env& e, rte_mbuf* m, std::uint16_t out_pi, std::uint32_t nh_ip) noexcept
{
    rte_pktmbuf_adj(m, pkt::eth_hdr_len);
    rte_mbuf* frags[max_frags];
    const int n = rte_ipv4_fragment_packet(m, frags, max_frags, e.rt->ports[out_pi].mtu, e.ctx.pool, e.ctx.pool);
    rte_pktmbuf_free(m);
    if (n < 0) {
        e.count(worker_counter::frag_failed);
        return;
    }
    e.count(worker_counter::fragmented);
    for (int i = 0; i < n; ++i) {
        rte_mbuf* f = frags[i];
        // The library leaves the header checksum to offload; compute it here.
        auto* ip = rte_pktmbuf_mtod(f, std::uint8_t*);
        pkt::put16(ip + 10, 0);
        pkt::put16(ip + 10, pkt::inet_checksum(ip, pkt::ipv4_hdr_len(ip)));
        if (rte_pktmbuf_prepend(f, pkt::eth_hdr_len) == nullptr) {
            drop(e, f, worker_counter::frag_failed);
            continue;
        }
        to_neighbour(e, f, out_pi, nh_ip);
    }
}

void handle_rx(const poll_env& e, rte_mbuf* m, std::uint16_t in_pi) noexcept
{
    if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) != 0) {
        drop(e, m, worker_counter::bad_l2);
        return;
    }
    auto* d = rte_pktmbuf_mtod(m, std::uint8_t*);
    const std::size_t len = rte_pktmbuf_data_len(m);
    if (len < pkt::eth_hdr_len) {
        drop(e, m, worker_counter::bad_l2);
        return;
    }
    const std::uint16_t type = pkt::get16(d + 12);
    if (type == pkt::ether_arp) {
        punt(e, m, in_pi);
        return;
    }
    if (type != pkt::ether_ipv4) {
        drop(e, m, worker_counter::not_ipv4);
        return;
    }
    if (e.rt == nullptr) {
        drop(e, m, worker_counter::no_snapshot);
        return;
    }
    std::uint8_t* ip = d + pkt::eth_hdr_len;
    const std::size_t avail = len - pkt::eth_hdr_len;
    if (pkt::check_ipv4(ip, avail) != pkt::ipv4_verdict::ok) {
        drop(e, m, worker_counter::bad_ip);
        return;
    }
    const std::uint16_t total = pkt::ipv4_total_len(ip);
    if (avail > total) {
        rte_pktmbuf_trim(m, static_cast<std::uint16_t>(avail - total));  // Ethernet padding
    }
    const std::uint32_t dst = pkt::ipv4_dst(ip);
    if (pkt::is_multicast(dst) || dst == 0xffffffff) {
        punt(e, m, in_pi);  // the kernel keeps the group memberships
        return;
    }
    std::uint32_t idx = 0;
    if (rte_lpm_lookup(e.rt->lpm, dst, &idx) != 0) {
        icmp_error(e, ip, total, in_pi, pkt::icmp_unreachable, pkt::code_net_unreachable, 0);
        drop(e, m, worker_counter::no_route);
        return;
    }
    const next_hop& nh = e.rt->next_hops[idx];
    if (nh.what == next_hop::kind::local) {
        punt(e, m, in_pi);
        return;
    }
    if (ip[8] <= 1) {
        icmp_error(e, ip, total, in_pi, pkt::icmp_time_exceeded, pkt::code_ttl_in_transit, 0);
        drop(e, m, worker_counter::ttl_exceeded);
        return;
    }
    const std::uint16_t mtu = e.rt->ports[nh.port].mtu;
    if (total > mtu && pkt::ipv4_df(ip)) {
        icmp_error(e, ip, total, in_pi, pkt::icmp_unreachable, pkt::code_frag_needed, mtu);
        drop(e, m, worker_counter::mtu_exceeded);
        return;
    }
    pkt::decrement_ttl(ip);
    const std::uint32_t nh_ip = nh.gateway != 0 ? nh.gateway : dst;
    if (total > mtu) {
        fragment(e, m, nh.port, nh_ip);
        return;
    }
    to_neighbour(e, m, nh.port, nh_ip);
}

} // namespace

unsigned worker_poll(const worker_ctx& ctx) noexcept
{
    const unsigned w = ctx.index;
    const auto queue = static_cast<std::uint16_t>(w);
    // One acquire load per poll; nothing is held past the quiescent report.
    const poll_env e{ctx, *ctx.state, *ctx.counters, ctx.tables->routes.load(std::memory_order_acquire),
                     ctx.tables->neighbours.load(std::memory_order_acquire), w};
    rte_mbuf* pkts[max_burst];
    unsigned received = 0;

    for (std::uint16_t p = 0; p < ctx.nb_ports; ++p) {
        const std::uint16_t n = rte_eth_rx_burst(ctx.ports[p].port_id, queue, pkts, ctx.burst);
        if (n == 0) {
            continue;
        }
        received += n;
        std::uint64_t bytes = 0;
        for (std::uint16_t i = 0; i < n; ++i) {
            bytes += rte_pktmbuf_pkt_len(pkts[i]);
        }
        e.count(worker_counter::rx_packets, n);
        e.count(worker_counter::rx_bytes, bytes);
        for (std::uint16_t i = 0; i < n; ++i) {
            handle_rx(e, pkts[i], p);
        }
    }

    if (ctx.inject != nullptr) {
        const unsigned n = rte_ring_dequeue_burst(ctx.inject, reinterpret_cast<void**>(pkts), ctx.burst, nullptr);
        for (unsigned i = 0; i < n; ++i) {
            if (pkts[i]->port >= ctx.nb_ports) {
                rte_pktmbuf_free(pkts[i]);
                continue;
            }
            stage(e, pkts[i]->port, pkts[i]);
        }
        e.count(worker_counter::injected, n);
        received += n;
    }

    for (std::uint16_t p = 0; p < ctx.nb_ports; ++p) {
        flush(e, p);
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
    ctx.state->icmp_last_tsc = rte_rdtsc();
    ctx.state->icmp_tokens = ctx.icmp_per_s;

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
