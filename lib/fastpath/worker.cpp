// Worker poll loop. Fast path rules apply: no syscalls, logs, exceptions,
// allocation or locks; counters go to this worker's own row only.
#include "fastpath/worker.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip_frag.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "fastpath/esp/drop.hpp"
#include "fastpath/esp/esp.hpp"
#include "fastpath/esp/sa_table.hpp"
#include "fastpath/packet.hpp"
#include "tbar/metadata.hpp"

namespace fastpath {

std::vector<std::string> worker_counter_names()
{
    return {"rx_packets",  "rx_bytes",    "tx_packets",   "tx_bytes",          "forwarded",  "punted",
            "injected",    "arp_pending", "fragmented",   "reassembled",       "icmp_sent",  "mcast_forwarded",
            "encrypt",     "decrypt",
            "bypass",      "tx_full",     "bad_l2",       "not_ipv4",          "bad_ip",     "ttl_exceeded",
            "no_route",    "no_neighbour", "mtu_exceeded", "frag_failed",      "reassembly_drop",
            "reassembly_too_big", "punt_full",  "no_snapshot",
            "mcast_no_port", "mcast_copy_failed",
            "no_sa",       "invalid_sa",  "encaps_fail",  "decap_fail",        "invalid_prot", "verify_fail",
            "replay_fail", "tbar_fail",   "policy_drop", "fail_close_drop", "icmp_rate_limited", "no_mbuf", "loops",
            "idle_loops"};
}

bool is_drop(worker_counter c)
{
    return c >= worker_counter::tx_full && c <= worker_counter::fail_close_drop;
}

std::vector<std::string> crypto_counter_names()
{
    const auto names = worker_counter_names();
    std::vector<std::string> out;
    for (std::uint32_t g = 0; g < max_crypto_groups; ++g) {
        for (const worker_counter c : crypto_counters) {
            out.push_back(std::to_string(g) + "." + names[static_cast<std::size_t>(c)]);
        }
    }
    return out;
}

std::vector<std::string> port_drop_names()
{
    std::vector<std::string> out;
    for (unsigned p = 0; p < max_ports; ++p) {
        out.push_back("port" + std::to_string(p) + ".dropped");
    }
    return out;
}

namespace {

constexpr unsigned max_frags = 16;
// Room after the crypto stage: the staged packets plus the fragments of some.
constexpr unsigned tx_out_cap = tx_stage_cap * 2;

// Everything one poll needs, so the helpers below take one argument.
struct poll_env {
    const worker_ctx& ctx;
    worker_state& st;
    core::counter_set& c;
    const route_table* rt;
    const neighbour_table* nb;
    const crypto_policy* pol;     // null: no crypto policy published yet
    const esp::sa_snapshot* sas;  // null: this worker has no ESP engine
    unsigned w;

    void count(worker_counter k, std::uint64_t n = 1) const noexcept { c.add(w, k, n); }
    // A crypto-map counter: the lcore total and the row of port pi's group.
    void count_crypto(std::uint16_t pi, worker_counter k, std::uint64_t n = 1) const noexcept
    {
        c.add(w, k, n);
        const std::uint32_t g = ctx.ports[pi].crypto_group;
        if (g < max_crypto_groups && ctx.group_counters != nullptr) {
            ctx.group_counters->add(w, g * crypto_counter_count + crypto_column(k), n);
        }
    }
    // A dropped packet against the port that received it: m->port holds its index
    // from RX on. What the control thread injects (kernel output, packets that
    // waited for ARP) carries its egress port instead.
    void port_drop(std::uint16_t pi, std::uint64_t n = 1) const noexcept
    {
        if (pi < ctx.nb_ports && ctx.port_drops != nullptr) {
            ctx.port_drops->add(w, pi, n);
        }
    }
};

static_assert(crypto_column(worker_counter::fail_close_drop) < crypto_counter_count);

std::uint16_t outbound_stage(const poll_env& e, std::uint16_t pi, rte_mbuf** pkts, std::uint16_t n,
                             std::uint16_t cap) noexcept;

void flush(const poll_env& e, std::uint16_t pi) noexcept
{
    worker_state::stage& s = e.st.tx[pi];
    if (s.n == 0) {
        return;
    }
    // Taken out first: the crypto stage may stage ICMP errors, into an empty stage.
    rte_mbuf* pkts[tx_out_cap];
    std::uint16_t n = s.n;
    std::memcpy(pkts, s.pkts, n * sizeof(rte_mbuf*));
    s.n = 0;
    if (e.ctx.ports[pi].crypto_group != 0) {
        n = outbound_stage(e, pi, pkts, n, tx_out_cap);
    }
    std::uint64_t bytes = 0;
    for (std::uint16_t i = 0; i < n; ++i) {
        bytes += rte_pktmbuf_pkt_len(pkts[i]);
    }
    const auto queue = static_cast<std::uint16_t>(e.w);
    std::uint16_t sent = 0;
    while (sent < n) {  // more than one TX burst after fragmentation
        const std::uint16_t k = rte_eth_tx_burst(e.ctx.ports[pi].port_id, queue, pkts + sent, n - sent);
        if (k == 0) {
            break;
        }
        sent += k;
    }
    for (std::uint16_t i = sent; i < n; ++i) {
        bytes -= rte_pktmbuf_pkt_len(pkts[i]);
        e.port_drop(pkts[i]->port);
        rte_pktmbuf_free(pkts[i]);
    }
    e.count(worker_counter::tx_full, n - sent);
    e.count(worker_counter::tx_packets, sent);
    e.count(worker_counter::tx_bytes, bytes);
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
    e.port_drop(m->port);
    rte_pktmbuf_free(m);
    e.count(why);
}

// A crypto-map drop: also counted for the group of port pi.
void drop_crypto(const poll_env& e, rte_mbuf* m, std::uint16_t pi, worker_counter why) noexcept
{
    e.port_drop(m->port);
    rte_pktmbuf_free(m);
    e.count_crypto(pi, why);
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

// A packet for a group leaves to the group's Ethernet address (RFC 1112).
void to_group(const poll_env& e, rte_mbuf* m, std::uint16_t out_pi, std::uint32_t group) noexcept
{
    pkt::put_eth(rte_pktmbuf_mtod(m, std::uint8_t*), pkt::multicast_mac(group), e.rt->ports[out_pi].mac,
                 pkt::ether_ipv4);
    stage(e, out_pi, m);
    e.count(worker_counter::mcast_forwarded);
}

// m starts with room for an Ethernet header followed by the IPv4 packet. A
// multicast next hop is the group itself (fragments of a forwarded group).
void to_neighbour(const poll_env& e, rte_mbuf* m, std::uint16_t out_pi, std::uint32_t nh_ip) noexcept
{
    if (pkt::is_multicast(nh_ip)) {
        to_group(e, m, out_pi, nh_ip);
        return;
    }
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
    const std::uint16_t in_pi = m->port;
    rte_pktmbuf_adj(m, pkt::eth_hdr_len);
    rte_mbuf* frags[max_frags];
    const int n = rte_ipv4_fragment_packet(m, frags, max_frags, e.rt->ports[out_pi].mtu, e.ctx.pool, e.ctx.pool);
    rte_pktmbuf_free(m);
    if (n < 0) {
        e.port_drop(in_pi);
        e.count(worker_counter::frag_failed);
        return;
    }
    e.count(worker_counter::fragmented);
    for (int i = 0; i < n; ++i) {
        rte_mbuf* f = frags[i];
        f->port = in_pi;
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

// ---- multicast ----------------------------------------------------------------

rte_mbuf* mcast_copy(const poll_env& e, rte_mbuf* m) noexcept
{
    // A deep copy, not an indirect mbuf: a crypto-map port encrypts its copy in place.
    rte_mbuf* c = rte_pktmbuf_copy(m, e.ctx.pool, 0, UINT32_MAX);
    if (c == nullptr) {
        e.count(worker_counter::mcast_copy_failed);
    }
    return c;
}

// One copy of a group's packet (TTL already decremented) out of port out_pi.
// MTU as for unicast, without ICMP errors (none about a multicast destination).
void mcast_out(const poll_env& e, rte_mbuf* m, std::uint16_t out_pi) noexcept
{
    const std::uint8_t* ip = rte_pktmbuf_mtod_offset(m, const std::uint8_t*, pkt::eth_hdr_len);
    const std::uint32_t group = pkt::ipv4_dst(ip);
    if (pkt::ipv4_total_len(ip) <= e.rt->ports[out_pi].mtu) {
        to_group(e, m, out_pi, group);
    } else if (pkt::ipv4_df(ip)) {
        drop(e, m, worker_counter::mtu_exceeded);
    } else {
        fragment(e, m, out_pi, group);
    }
}

// `ip multicast-routing`: a group with an entry leaves out of every other port
// with a static group for it, TTL - 1, one copy per port; the kernel gets one
// too when it joined the group on the ingress port. Returns false when the
// packet is the kernel's alone: link-local groups, and groups with no entry
// (the kernel keeps the control plane's own memberships, e.g. rekey groups).
bool forward_multicast(const poll_env& e, rte_mbuf* m, std::uint8_t* ip, std::uint16_t in_pi) noexcept
{
    const std::uint32_t group = pkt::ipv4_dst(ip);
    const mcast_route* r = pkt::is_link_local_multicast(group) ? nullptr : e.rt->find_multicast(group);
    if (r == nullptr) {
        return false;
    }
    const bool local = (r->joined >> in_pi & 1u) != 0;
    std::uint32_t out = r->out_ports & ~(std::uint32_t{1} << in_pi);
    if (out == 0 || ip[8] <= 1) {
        if (local) {
            return false;
        }
        drop(e, m, out == 0 ? worker_counter::mcast_no_port : worker_counter::ttl_exceeded);
        return true;
    }
    if (local) {
        if (rte_mbuf* c = mcast_copy(e, m)) {
            punt(e, c, in_pi);
        }
    }
    pkt::decrement_ttl(ip);
    while (out != 0) {
        const auto pi = static_cast<std::uint16_t>(std::countr_zero(out));
        out &= out - 1;
        rte_mbuf* c = out != 0 ? mcast_copy(e, m) : m;  // the last port takes the original
        if (c != nullptr) {
            mcast_out(e, c, pi);
        }
    }
    return true;
}

// ---- crypto map -------------------------------------------------------------

// The classifier's input for one IPv4 header: the header itself when it has no
// options (rte_acl reads the ports right after 20 bytes), else a key copy.
const std::uint8_t* acl_input(const poll_env& e, const std::uint8_t* ip, std::uint16_t i) noexcept
{
    if (pkt::ipv4_hdr_len(ip) == pkt::ipv4_min_hdr) {
        return ip;
    }
    e.st.keys[i] = acl::make_key(ip);
    return e.st.keys[i].bytes;
}

// Bytes of the IPv4 packet once the SA has encapsulated it (tunnel mode, header preserved).
std::uint32_t encapsulated_len(const esp::sa_rt& sa, std::uint32_t inner) noexcept
{
    const std::uint32_t align = sa.pad_align != 0 ? sa.pad_align : 4;
    const std::uint32_t tbar = sa.tbar ? static_cast<std::uint32_t>(tbar::metadata_size) : 0;
    const std::uint32_t text = (inner + tbar + 2 + align - 1) / align * align;  // + pad length, next header
    return static_cast<std::uint32_t>(pkt::ipv4_min_hdr) + 8 + sa.iv_len + text + sa.icv_len;       // outer IPv4, SPI + sequence
}

// The most an SA adds to any packet (padding at its longest).
std::uint32_t max_overhead(const esp::sa_rt& sa) noexcept
{
    const std::uint32_t align = sa.pad_align != 0 ? sa.pad_align : 4;
    const std::uint32_t tbar = sa.tbar ? static_cast<std::uint32_t>(tbar::metadata_size) : 0;
    return static_cast<std::uint32_t>(pkt::ipv4_min_hdr) + 8 + sa.iv_len + tbar + 2 + (align - 1) + sa.icv_len;
}

// Splits a complete frame's IPv4 packet into fragments of at most `mtu` bytes,
// each with a copy of the L2 header, appended to out (the frame is consumed).
void split_frame(const poll_env& e, rte_mbuf* m, std::uint16_t mtu, rte_mbuf** out, std::uint16_t& nout,
                 std::uint16_t cap, bool set_l2_len) noexcept
{
    std::uint8_t l2[pkt::eth_hdr_len];
    std::memcpy(l2, rte_pktmbuf_mtod(m, const std::uint8_t*), sizeof l2);
    const std::uint16_t in_pi = m->port;
    rte_pktmbuf_adj(m, pkt::eth_hdr_len);
    rte_mbuf* frags[max_frags];
    const int n = mtu < 68 ? -1 : rte_ipv4_fragment_packet(m, frags, max_frags, mtu, e.ctx.pool, e.ctx.pool);
    rte_pktmbuf_free(m);
    if (n < 0 || nout + n > cap) {
        for (int i = 0; i < n; ++i) {
            rte_pktmbuf_free(frags[i]);
        }
        e.port_drop(in_pi);
        e.count(worker_counter::frag_failed);
        return;
    }
    e.count(worker_counter::fragmented);
    for (int i = 0; i < n; ++i) {
        rte_mbuf* f = frags[i];
        f->port = in_pi;
        // The library leaves the header checksum to offload; compute it here.
        auto* fip = rte_pktmbuf_mtod(f, std::uint8_t*);
        pkt::put16(fip + 10, 0);
        pkt::put16(fip + 10, pkt::inet_checksum(fip, pkt::ipv4_hdr_len(fip)));
        // The ESP engine wants one segment: fragments are a header mbuf + data.
        auto* fl2 = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_prepend(f, pkt::eth_hdr_len));
        if (fl2 == nullptr || (set_l2_len && rte_pktmbuf_linearize(f) != 0)) {
            drop(e, f, worker_counter::frag_failed);
            continue;
        }
        std::memcpy(rte_pktmbuf_mtod(f, std::uint8_t*), l2, sizeof l2);
        if (set_l2_len) {
            f->l2_len = pkt::eth_hdr_len;
        }
        out[nout++] = f;
    }
}

void inner_fragments(const poll_env& e, rte_mbuf* m, std::uint16_t mtu, rte_mbuf** out, std::uint16_t& nout,
                     std::uint16_t cap) noexcept
{
    split_frame(e, m, mtu, out, nout, cap, true);
}

std::uint64_t esp_drops(const poll_env& e, esp::drop_reason r) noexcept
{
    return e.ctx.esp->drops->get(e.w, static_cast<std::size_t>(r));
}

// Outer packets bigger than the egress MTU after encapsulation: DF clear is split
// (each fragment keeps the L2 header), DF set is dropped. Appends to out.
void outer_to_out(const poll_env& e, std::uint16_t pi, rte_mbuf* m, rte_mbuf** out, std::uint16_t& nout,
                  std::uint16_t cap) noexcept
{
    const std::uint16_t mtu = e.rt->ports[pi].mtu;
    auto* d = rte_pktmbuf_mtod(m, std::uint8_t*);
    const std::uint8_t* ip = d + pkt::eth_hdr_len;
    if (rte_pktmbuf_pkt_len(m) - pkt::eth_hdr_len <= mtu) {
        out[nout++] = m;
        return;
    }
    if (pkt::ipv4_df(ip)) {
        drop(e, m, worker_counter::mtu_exceeded);  // outer DF forced on by the df-bit policy
        return;
    }
    split_frame(e, m, mtu, out, nout, cap, false);
}

// The outbound stage between routing and TX on a crypto-map port: classify the
// burst with the group's policy; deny (or no policy) passes in clear, permit is
// encrypted with the group's outbound SA, fail-close drops. Packets are complete
// frames (L2 written). Rewrites pkts with what goes out (at most cap); returns how many.
std::uint16_t outbound_stage(const poll_env& e, std::uint16_t pi, rte_mbuf** pkts, std::uint16_t n,
                             std::uint16_t cap) noexcept
{
    const crypto_group* g = e.pol != nullptr ? e.pol->find(e.ctx.ports[pi].crypto_group) : nullptr;
    if (g == nullptr) {
        e.count_crypto(pi, worker_counter::bypass, n);  // no policy yet: nothing is protected
        return n;
    }
    // ARP (and anything not IPv4) from the control thread leaves as it is.
    rte_mbuf* ipv4s[tx_stage_cap];
    const std::uint8_t* keys[tx_stage_cap];
    std::uint32_t verdicts[tx_stage_cap];
    std::uint16_t nip = 0;
    std::uint16_t nout = 0;  // pkts[0..nout) are the clear ones, compacted in place
    for (std::uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        const auto* d = rte_pktmbuf_mtod(m, const std::uint8_t*);
        if (rte_pktmbuf_data_len(m) < pkt::eth_hdr_len + pkt::ipv4_min_hdr || pkt::get16(d + 12) != pkt::ether_ipv4) {
            pkts[nout++] = m;
            continue;
        }
        keys[nip] = acl_input(e, d + pkt::eth_hdr_len, nip);
        ipv4s[nip++] = m;
    }
    if (nip == 0) {
        return nout;
    }
    g->outbound->classify(keys, verdicts, nip);

    const esp::sa_rt* sa = e.sas != nullptr ? e.sas->group(g->sa_slot).outbound : nullptr;
    const std::uint16_t mtu = e.rt->ports[pi].mtu;
    rte_mbuf* enc[tx_out_cap];
    std::uint16_t nenc = 0;
    for (std::uint16_t i = 0; i < nip; ++i) {
        rte_mbuf* m = ipv4s[i];
        switch (acl::verdict_of(verdicts[i])) {
        case acl::verdict::protect: {
            if (g->direction == crypto_direction::inbound_only) {
                pkts[nout++] = m;  // receive-only: decrypt, never encrypt
                e.count_crypto(pi, worker_counter::bypass);
                break;
            }
            if (sa == nullptr) {
                drop_crypto(e, m, pi, worker_counter::no_sa);
                break;
            }
            auto* ip = rte_pktmbuf_mtod_offset(m, std::uint8_t*, pkt::eth_hdr_len);
            const std::uint16_t total = pkt::ipv4_total_len(ip);
            if (encapsulated_len(*sa, total) <= mtu) {
                m->l2_len = pkt::eth_hdr_len;
                enc[nenc++] = m;
                break;
            }
            const std::uint32_t overhead = max_overhead(*sa);
            const auto room = static_cast<std::uint16_t>(mtu > overhead ? (mtu - overhead) & ~7u : 0);
            if (pkt::ipv4_df(ip)) {
                // The source learns the MTU that leaves room for ESP.
                icmp_error(e, ip, total, pi, pkt::icmp_unreachable, pkt::code_frag_needed, room);
                drop(e, m, worker_counter::mtu_exceeded);
                break;
            }
            // DF clear: fragment before encryption (the IOS default), so that the
            // receiving member decrypts whole ESP packets and host B reassembles.
            inner_fragments(e, m, room, enc, nenc, tx_out_cap);
            break;
        }
        case acl::verdict::drop:
            drop_crypto(e, m, pi, worker_counter::fail_close_drop);  // only fail-close drops
            break;
        case acl::verdict::none:
        case acl::verdict::bypass:
            pkts[nout++] = m;
            e.count_crypto(pi, worker_counter::bypass);
            break;
        }
    }
    if (nenc == 0) {
        return nout;
    }
    e.ctx.esp->now_ns = esp::tsc_ns(rte_rdtsc());
    const std::uint64_t no_sa_before = esp_drops(e, esp::drop_reason::no_sa);
    const std::uint16_t good = esp::esp_outbound(*e.ctx.esp, *e.sas, g->sa_slot, std::span(enc, nenc));
    const std::uint64_t no_sa = esp_drops(e, esp::drop_reason::no_sa) - no_sa_before;
    for (std::uint16_t i = good; i < nenc; ++i) {
        e.port_drop(enc[i]->port);
        rte_pktmbuf_free(enc[i]);
    }
    e.count_crypto(pi, worker_counter::encrypt, good);
    e.count_crypto(pi, worker_counter::no_sa, no_sa);
    e.count_crypto(pi, worker_counter::encaps_fail, nenc - good - no_sa);
    for (std::uint16_t i = 0; i < good; ++i) {
        outer_to_out(e, pi, enc[i], pkts, nout, cap);
    }
    return nout;
}

// Validates the IPv4 packet behind the L2 header and trims Ethernet padding;
// returns its header, or null when m was dropped.
std::uint8_t* checked_ipv4(const poll_env& e, rte_mbuf* m) noexcept
{
    std::uint8_t* ip = rte_pktmbuf_mtod_offset(m, std::uint8_t*, pkt::eth_hdr_len);
    const std::size_t avail = rte_pktmbuf_data_len(m) - pkt::eth_hdr_len;
    if (pkt::check_ipv4(ip, avail) != pkt::ipv4_verdict::ok) {
        drop(e, m, worker_counter::bad_ip);
        return nullptr;
    }
    const std::uint16_t total = pkt::ipv4_total_len(ip);
    if (avail > total) {
        rte_pktmbuf_trim(m, static_cast<std::uint16_t>(avail - total));  // Ethernet padding
    }
    return ip;
}

// L2 and L3 checks on arrival; punts ARP. Returns the IPv4 header of a packet
// to route, or null when m was consumed.
std::uint8_t* ingress(const poll_env& e, rte_mbuf* m, std::uint16_t in_pi) noexcept
{
    if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) != 0) {
        drop(e, m, worker_counter::bad_l2);
        return nullptr;
    }
    auto* d = rte_pktmbuf_mtod(m, std::uint8_t*);
    const std::size_t len = rte_pktmbuf_data_len(m);
    if (len < pkt::eth_hdr_len) {
        drop(e, m, worker_counter::bad_l2);
        return nullptr;
    }
    const std::uint16_t type = pkt::get16(d + 12);
    if (type == pkt::ether_arp) {
        punt(e, m, in_pi);
        return nullptr;
    }
    if (type != pkt::ether_ipv4) {
        drop(e, m, worker_counter::not_ipv4);
        return nullptr;
    }
    if (e.rt == nullptr) {
        drop(e, m, worker_counter::no_snapshot);
        return nullptr;
    }
    return checked_ipv4(e, m);
}

// Routes a checked IPv4 packet (ip = its header, behind room for L2).
void route(const poll_env& e, rte_mbuf* m, std::uint8_t* ip, std::uint16_t in_pi) noexcept
{
    const std::uint16_t total = pkt::ipv4_total_len(ip);
    const std::uint32_t dst = pkt::ipv4_dst(ip);
    if (pkt::is_multicast(dst) && forward_multicast(e, m, ip, in_pi)) {
        return;
    }
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

// ---- ESP reassembly ------------------------------------------------------------

// Frees what the reassembly table gave up on (timed out, no room, duplicate or
// inconsistent fragments), each against the port that received it. The death
// row must be emptied before it fills: after every table call and every poll.
void reap_fragments(const poll_env& e) noexcept
{
    rte_ip_frag_death_row& dr = *e.ctx.death_row;
    if (dr.cnt == 0) {
        return;
    }
    for (std::uint32_t i = 0; i < dr.cnt; ++i) {
        e.port_drop(dr.row[i]->port);
    }
    e.count(worker_counter::reassembly_drop, dr.cnt);
    rte_ip_frag_free_death_row(&dr, 0);
}

// An ESP fragment (ip = its checked header) goes into this worker's table.
// Returns the whole ESP packet once the last fragment is in, as one segment
// with a valid outer header; else null (the table keeps m, or m was dropped).
rte_mbuf* reassemble(const poll_env& e, rte_mbuf* m, std::uint8_t* ip) noexcept
{
    // The library reads these, and wants the data to start at the L2 header:
    // it strips L2 + L3 from every fragment but the first when it chains them.
    m->l2_len = pkt::eth_hdr_len;
    m->l3_len = pkt::ipv4_hdr_len(ip);
    rte_mbuf* whole = rte_ipv4_frag_reassemble_packet(e.ctx.frag_tbl, e.ctx.death_row, m, rte_rdtsc(),
                                                      reinterpret_cast<rte_ipv4_hdr*>(ip));
    reap_fragments(e);
    if (whole == nullptr) {
        return nullptr;
    }
    // A chain of the fragments' mbufs; the ESP engine takes one segment. The
    // copy fits when the first mbuf has the tailroom (one default mbuf holds
    // 2048 bytes: any packet of a 1500-byte path).
    if (rte_pktmbuf_linearize(whole) != 0) {
        drop(e, whole, worker_counter::reassembly_too_big);
        return nullptr;
    }
    // rte_ip_frag set the total length and cleared MF and the offset, but left
    // the header checksum zero for TX offload: make the header valid again.
    auto* outer = rte_pktmbuf_mtod_offset(whole, std::uint8_t*, pkt::eth_hdr_len);
    whole->ol_flags &= ~RTE_MBUF_F_TX_IP_CKSUM;
    pkt::put16(outer + 10, 0);
    pkt::put16(outer + 10, pkt::inet_checksum(outer, pkt::ipv4_hdr_len(outer)));
    e.count(worker_counter::reassembled);
    return whole;
}

// Arrivals on a crypto-map port. ESP is decrypted (SPI lookup over every
// group's current and previous SAs) and its inner packet must match a permit of
// the inbound mirror; clear traffic matching a permit is dropped unless the
// group's direction accepts clear (inbound-only, inbound-optional).
void crypto_inbound(const poll_env& e, rte_mbuf** pkts, std::uint16_t n, std::uint16_t in_pi) noexcept
{
    const crypto_group* g = e.pol != nullptr ? e.pol->find(e.ctx.ports[in_pi].crypto_group) : nullptr;
    rte_mbuf* esp_pkts[max_burst];
    std::uint16_t nesp = 0;
    rte_mbuf* clear[max_burst];
    std::uint8_t* clear_ip[max_burst];
    std::uint16_t nclear = 0;
    for (std::uint16_t i = 0; i < n; ++i) {
        std::uint8_t* ip = ingress(e, pkts[i], in_pi);
        if (ip == nullptr) {
            continue;
        }
        if (ip[9] == pkt::proto_esp && e.sas != nullptr) {
            rte_mbuf* m = pkts[i];
            // Post-fragmented ESP (a peer or the WAN split it after encryption)
            // is made whole first; clear fragments take the clear path as they are.
            if (e.ctx.frag_tbl != nullptr && rte_ipv4_frag_pkt_is_fragmented(reinterpret_cast<rte_ipv4_hdr*>(ip))) {
                m = reassemble(e, m, ip);
                if (m == nullptr) {
                    continue;
                }
            }
            m->l2_len = pkt::eth_hdr_len;
            esp_pkts[nesp++] = m;
        } else {
            clear_ip[nclear] = ip;
            clear[nclear++] = pkts[i];
        }
    }

    const std::uint8_t* keys[max_burst];
    std::uint32_t verdicts[max_burst];
    if (nclear > 0 && g != nullptr) {
        for (std::uint16_t i = 0; i < nclear; ++i) {
            keys[i] = acl_input(e, clear_ip[i], i);
        }
        g->inbound->classify(keys, verdicts, nclear);
    }
    for (std::uint16_t i = 0; i < nclear; ++i) {
        const acl::verdict v = g != nullptr ? acl::verdict_of(verdicts[i]) : acl::verdict::none;
        if (v == acl::verdict::protect && g->direction == crypto_direction::both) {
            drop_crypto(e, clear[i], in_pi, worker_counter::policy_drop);  // should have arrived encrypted
            continue;
        }
        if (v == acl::verdict::drop) {
            drop_crypto(e, clear[i], in_pi, worker_counter::fail_close_drop);  // not registered yet
            continue;
        }
        e.count_crypto(in_pi, worker_counter::bypass);
        route(e, clear[i], clear_ip[i], in_pi);
    }
    if (nesp == 0) {
        return;
    }

    esp::worker_ctx& w = *e.ctx.esp;
    w.now_ns = esp::tsc_ns(rte_rdtsc());
    using dr = esp::drop_reason;
    const std::uint64_t no_sa = esp_drops(e, dr::no_sa);
    const std::uint64_t bad_icv = esp_drops(e, dr::bad_icv);
    const std::uint64_t bad_nh = esp_drops(e, dr::bad_next_header);
    const std::uint64_t replay = esp_drops(e, dr::replay);
    const std::uint64_t tbar = esp_drops(e, dr::tbar_window) + esp_drops(e, dr::tbar_missing);
    const std::uint16_t good = esp::esp_inbound(w, *e.sas, std::span(esp_pkts, nesp));
    const std::uint64_t d_no_sa = esp_drops(e, dr::no_sa) - no_sa;
    const std::uint64_t d_icv = esp_drops(e, dr::bad_icv) - bad_icv;
    const std::uint64_t d_prot = esp_drops(e, dr::bad_next_header) - bad_nh;
    const std::uint64_t d_replay = esp_drops(e, dr::replay) - replay;
    const std::uint64_t d_tbar = esp_drops(e, dr::tbar_window) + esp_drops(e, dr::tbar_missing) - tbar;
    for (std::uint16_t i = good; i < nesp; ++i) {
        rte_pktmbuf_free(esp_pkts[i]);
    }
    e.port_drop(in_pi, nesp - good);
    e.count_crypto(in_pi, worker_counter::invalid_sa, d_no_sa);
    e.count_crypto(in_pi, worker_counter::verify_fail, d_icv);
    e.count_crypto(in_pi, worker_counter::replay_fail, d_replay);
    e.count_crypto(in_pi, worker_counter::tbar_fail, d_tbar);
    e.count_crypto(in_pi, worker_counter::invalid_prot, d_prot);
    e.count_crypto(in_pi, worker_counter::decap_fail,
                   nesp - good - d_no_sa - d_icv - d_replay - d_tbar - d_prot);

    std::uint16_t ninner = 0;
    for (std::uint16_t i = 0; i < good; ++i) {
        std::uint8_t* ip = checked_ipv4(e, esp_pkts[i]);
        if (ip != nullptr) {
            clear_ip[ninner] = ip;
            esp_pkts[ninner++] = esp_pkts[i];
        }
    }
    if (ninner > 0 && g != nullptr) {
        for (std::uint16_t i = 0; i < ninner; ++i) {
            keys[i] = acl_input(e, clear_ip[i], i);
        }
        g->inbound->classify(keys, verdicts, ninner);
    }
    for (std::uint16_t i = 0; i < ninner; ++i) {
        if (g != nullptr && acl::verdict_of(verdicts[i]) != acl::verdict::protect) {
            drop_crypto(e, esp_pkts[i], in_pi, worker_counter::policy_drop);  // decrypted, but no permit covers it
            continue;
        }
        e.count_crypto(in_pi, worker_counter::decrypt);
        route(e, esp_pkts[i], clear_ip[i], in_pi);
    }
}

} // namespace

unsigned worker_poll(const worker_ctx& ctx) noexcept
{
    const unsigned w = ctx.index;
    const auto queue = static_cast<std::uint16_t>(w);
    // One acquire load per poll; nothing is held past the quiescent report.
    const poll_env e{ctx,
                     *ctx.state,
                     *ctx.counters,
                     ctx.tables->routes.load(std::memory_order_acquire),
                     ctx.tables->neighbours.load(std::memory_order_acquire),
                     ctx.tables->crypto.load(std::memory_order_acquire),
                     ctx.sas != nullptr && ctx.esp != nullptr ? ctx.sas->current() : nullptr,
                     w};
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
            pkts[i]->port = p;  // from here on: the receiving port's index, for drop attribution
        }
        e.count(worker_counter::rx_packets, n);
        e.count(worker_counter::rx_bytes, bytes);
        if (ctx.ports[p].crypto_group != 0) {
            crypto_inbound(e, pkts, n, p);
            continue;
        }
        for (std::uint16_t i = 0; i < n; ++i) {
            if (std::uint8_t* ip = ingress(e, pkts[i], p); ip != nullptr) {
                route(e, pkts[i], ip, p);
            }
        }
    }

    if (ctx.frag_tbl != nullptr) {
        // Fragments whose packet did not complete within the lifetime.
        rte_ip_frag_table_del_expired_entries(ctx.frag_tbl, ctx.death_row, rte_rdtsc());
        reap_fragments(e);
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

reassembly_limits reassembly_limits_for(unsigned mbufs, unsigned workers)
{
    // A packet being reassembled holds up to RTE_LIBRTE_IP_FRAG_MAX_FRAG mbufs.
    reassembly_limits lim;
    const std::uint64_t quarter = mbufs / 4u / std::max(workers, 1u) / RTE_LIBRTE_IP_FRAG_MAX_FRAG;
    lim.max_entries = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(quarter, 16, lim.max_entries));
    return lim;
}

std::string create_reassembly(worker_ctx& ctx, const reassembly_limits& lim, int socket)
{
    // 16-way buckets, and two candidate buckets per key: room for four times
    // max_entries, so that collisions rarely refuse a packet below the limit.
    constexpr std::uint32_t bucket_entries = 16;
    const std::uint32_t buckets = rte_align32pow2(std::max<std::uint32_t>(lim.max_entries / 8, 1));
    const std::uint64_t lifetime = rte_get_tsc_hz() / 1000 * lim.lifetime_ms;
    ctx.frag_tbl = rte_ip_frag_table_create(buckets, bucket_entries, lim.max_entries, lifetime, socket);
    if (ctx.frag_tbl == nullptr) {
        return "cannot create the ESP reassembly table (" + std::to_string(lim.max_entries) + " packets) on socket " +
            std::to_string(socket);
    }
    ctx.death_row = static_cast<rte_ip_frag_death_row*>(
        rte_zmalloc_socket("fp_death_row", sizeof(rte_ip_frag_death_row), RTE_CACHE_LINE_SIZE, socket));
    if (ctx.death_row == nullptr) {
        destroy_reassembly(ctx);
        return "cannot allocate the ESP reassembly death row on socket " + std::to_string(socket);
    }
    return {};
}

void destroy_reassembly(worker_ctx& ctx) noexcept
{
    if (ctx.frag_tbl != nullptr) {
        rte_ip_frag_table_destroy(ctx.frag_tbl);
        ctx.frag_tbl = nullptr;
    }
    if (ctx.death_row != nullptr) {
        rte_ip_frag_free_death_row(ctx.death_row, 0);
        rte_free(ctx.death_row);
        ctx.death_row = nullptr;
    }
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
