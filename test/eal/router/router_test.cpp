// Router data plane on EAL: worker_poll and control_plane::poll called in
// turn from this thread on two ports made from rte_rings, so every frame the
// router sends can be read back and every step is deterministic. Time for ARP
// ageing is passed in by hand.
#include <catch2/catch.hpp>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "fastpath/control.hpp"
#include "fastpath/eal.hpp"
#include "fastpath/packet.hpp"
#include "fastpath/port.hpp"
#include "fastpath/worker.hpp"
#include "fastpath/crypto_policy.hpp"
#include "fastpath/esp/drop.hpp"
#include "fastpath/esp/esp.hpp"
#include "fastpath/esp/lcore_crypto.hpp"
#include "fastpath/esp/sa_table.hpp"

#include <rte_cycles.h>

namespace pkt = fastpath::pkt;
using fastpath::control_counter;
using fastpath::worker_counter;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t host_a = 0x0a4d0101;    // 10.77.1.1, on lan0
constexpr std::uint32_t lan_addr = 0x0a4d01fe;  // 10.77.1.254
constexpr std::uint32_t host_b = 0x0a4d0201;    // 10.77.2.1, on wan0
constexpr std::uint32_t wan_addr = 0x0a4d02fe;  // 10.77.2.254
constexpr std::uint32_t lan2_addr = 0x0a4d03fe;  // 10.77.3.254, the optional third port
constexpr std::uint16_t wan_mtu = 1000;
const pkt::mac lan_mac{0x02, 0, 0, 0, 1, 0xfe};
const pkt::mac wan_mac{0x02, 0, 0, 0, 2, 0xfe};
const pkt::mac lan2_mac{0x02, 0, 0, 0, 3, 0xfe};
const pkt::mac mac_a{0x02, 0xaa, 0, 0, 0, 1};
const pkt::mac mac_b{0x02, 0xbb, 0, 0, 0, 1};

using bytes = std::vector<std::uint8_t>;

bytes eth(const pkt::mac& dst, const pkt::mac& src, std::uint16_t type, const bytes& body)
{
    bytes f(14);
    pkt::put_eth(f.data(), dst, src, type);
    f.insert(f.end(), body.begin(), body.end());
    return f;
}

// IPv4/UDP (or ICMP when proto is 1) with `payload` bytes.
bytes ipv4(std::uint32_t src, std::uint32_t dst, std::size_t payload, std::uint8_t ttl = 64, bool df = false,
           std::uint8_t proto = 17)
{
    bytes p(28 + payload, 0);
    p[0] = 0x45;
    pkt::put16(&p[2], static_cast<std::uint16_t>(p.size()));
    pkt::put16(&p[4], 0x4242);
    pkt::put16(&p[6], df ? 0x4000 : 0);
    p[8] = ttl;
    p[9] = proto;
    pkt::put32(&p[12], src);
    pkt::put32(&p[16], dst);
    pkt::put16(&p[10], pkt::inet_checksum(p.data(), 20));
    for (std::size_t i = 28; i < p.size(); ++i) {
        p[i] = static_cast<std::uint8_t>(i * 7);
    }
    return p;
}

bytes arp_frame(std::uint16_t op, const pkt::mac& sha, std::uint32_t spa, const pkt::mac& tha, std::uint32_t tpa,
                const pkt::mac& dst)
{
    bytes b(28);
    pkt::put16(&b[0], 1);
    pkt::put16(&b[2], pkt::ether_ipv4);
    b[4] = 6;
    b[5] = 4;
    pkt::put16(&b[6], op);
    std::memcpy(&b[8], sha.data(), 6);
    pkt::put32(&b[14], spa);
    std::memcpy(&b[18], tha.data(), 6);
    pkt::put32(&b[24], tpa);
    return eth(dst, sha, pkt::ether_arp, b);
}

pkt::mac mac_at(const bytes& f, std::size_t off)
{
    pkt::mac m{};
    std::memcpy(m.data(), &f[off], 6);
    return m;
}

// One router with two ring ports (lan0, wan0; lan2 as well when asked), its
// control plane and one worker context.
struct bench {
    int nports = 2;
    rte_mempool* pool = nullptr;
    rte_ring* rx[3] = {};
    rte_ring* tx[3] = {};
    std::uint16_t port_ids[3] = {};
    rte_rcu_qsbr* qsbr = nullptr;
    fastpath::published tables;
    rte_ring* punt = nullptr;
    rte_ring* resolve = nullptr;
    rte_ring* inject = nullptr;
    std::unique_ptr<core::counter_set> counters;
    fastpath::worker_port wports[3];
    fastpath::worker_state state;
    std::atomic<bool> stop{false};
    fastpath::worker_ctx ctx;
    std::unique_ptr<fastpath::control_plane> control;
    fastpath::control_plane::clock::time_point now{};
    std::vector<fastpath::port_spec> specs;
    std::vector<fastpath::static_route> routes;

    explicit bench(int ports = 2) : nports(ports)
    {
        static int instance = 0;
        const std::string tag = std::to_string(instance++);
        pool = rte_pktmbuf_pool_create(("rt_pool" + tag).c_str(), 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
        REQUIRE(pool != nullptr);
        const char* names[3] = {"lan", "wan", "lanb"};
        for (int i = 0; i < nports; ++i) {
            const std::string n = std::string(names[i]) + tag;
            rx[i] = rte_ring_create(("rx_" + n).c_str(), 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
            tx[i] = rte_ring_create(("tx_" + n).c_str(), 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
            REQUIRE((rx[i] != nullptr && tx[i] != nullptr));
            const int id = rte_eth_from_rings(("net_ring_" + n).c_str(), &rx[i], 1, &tx[i], 1, 0);
            REQUIRE(id >= 0);
            port_ids[i] = static_cast<std::uint16_t>(id);
            fastpath::port_spec spec;
            spec.name = n;
            spec.spec = "net_ring_" + n;
            REQUIRE(fastpath::setup_port(port_ids[i], spec, 1, pool).empty());
            wports[i].port_id = port_ids[i];
        }
        qsbr = static_cast<rte_rcu_qsbr*>(rte_zmalloc(nullptr, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE));
        REQUIRE(qsbr != nullptr);
        REQUIRE(rte_rcu_qsbr_init(qsbr, 1) == 0);
        punt = rte_ring_create(("punt" + tag).c_str(), 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
        resolve = rte_ring_create(("resolve" + tag).c_str(), 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
        inject = rte_ring_create(("inject" + tag).c_str(), 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
        REQUIRE((punt != nullptr && resolve != nullptr && inject != nullptr));
        counters = std::make_unique<core::counter_set>(fastpath::worker_counter_names(), 1);

        fastpath::control_config cc;
        fastpath::port_l3 lan{port_ids[0], lan_mac, 1500, lan_addr};
        fastpath::port_l3 wan{port_ids[1], wan_mac, wan_mtu, wan_addr};
        cc.ports = {lan, wan};
        cc.taps = {fastpath::no_tap_port, fastpath::no_tap_port};
        if (nports == 3) {
            cc.ports.push_back({port_ids[2], lan2_mac, 1500, lan2_addr});
            cc.taps.push_back(fastpath::no_tap_port);
        }
        cc.punt = {punt};
        cc.resolve = {resolve};
        cc.inject = inject;
        cc.pool = pool;
        cc.qsbr = qsbr;
        cc.tables = &tables;
        cc.reachable = 300s;
        control = std::make_unique<fastpath::control_plane>(cc);

        specs.resize(static_cast<std::size_t>(nports));
        specs[0].name = "lan0";
        specs[0].address = fastpath::ipv4_prefix{lan_addr, 24};
        specs[1].name = "wan0";
        specs[1].address = fastpath::ipv4_prefix{wan_addr, 24};
        if (nports == 3) {
            specs[2].name = "lan2";
            specs[2].address = fastpath::ipv4_prefix{lan2_addr, 24};
        }
        routes = {{{0x0a580000, 16}, host_b, ""}};  // 10.88/16 via B
        publish();

        ctx.index = 0;
        ctx.burst = 32;
        ctx.ports = wports;
        ctx.nb_ports = static_cast<std::uint16_t>(nports);
        ctx.stop = &stop;
        ctx.counters = counters.get();
        ctx.qsbr = qsbr;
        ctx.tables = &tables;
        ctx.punt = punt;
        ctx.resolve = resolve;
        ctx.inject = inject;
        ctx.pool = pool;
        ctx.icmp_per_s = 1000;
        ctx.tsc_hz = rte_get_tsc_hz();
        ctx.state = &state;
        state.icmp_tokens = 1000;
        state.icmp_last_tsc = rte_rdtsc();
    }

    ~bench()
    {
        control->shutdown();
        control.reset();
        for (int i = 0; i < nports; ++i) {
            fastpath::close_port(port_ids[i]);
            drain(i);
            rte_ring_free(rx[i]);
            rte_ring_free(tx[i]);
        }
        rte_ring_free(punt);
        rte_ring_free(resolve);
        rte_ring_free(inject);
        rte_free(qsbr);
        rte_mempool_free(pool);
    }

    // A new routing generation from specs and routes; with `ip multicast-routing`
    // when asked, from the specs' igmp groups.
    void publish(bool multicast_routing = false)
    {
        fastpath::fib f = fastpath::build_fib(specs, routes);
        if (multicast_routing) {
            f.multicast = fastpath::build_mfib(specs);
        }
        REQUIRE(control->publish_routes(f).empty());
    }

    void send(int port, const bytes& frame)
    {
        rte_mbuf* m = rte_pktmbuf_alloc(pool);
        REQUIRE(m != nullptr);
        char* d = rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size()));
        REQUIRE(d != nullptr);
        std::memcpy(d, frame.data(), frame.size());
        REQUIRE(rte_ring_enqueue(rx[port], m) == 0);
    }

    // Worker, control, worker, control, worker: enough for any punt/inject round trip.
    void run(std::chrono::milliseconds advance = 0ms)
    {
        now += advance;
        for (int i = 0; i < 3; ++i) {
            fastpath::worker_poll(ctx);
            control->poll(now);
        }
        fastpath::worker_poll(ctx);
    }

    // Frames the router sent on a port, oldest first.
    std::vector<bytes> sent(int port)
    {
        std::vector<bytes> out;
        rte_mbuf* m = nullptr;
        while (rte_ring_dequeue(tx[port], reinterpret_cast<void**>(&m)) == 0) {
            bytes f(rte_pktmbuf_pkt_len(m));
            // Fragments are chained mbufs: read across segments.
            const void* p = rte_pktmbuf_read(m, 0, f.size(), f.data());
            if (p != f.data()) {
                std::memcpy(f.data(), p, f.size());
            }
            rte_pktmbuf_free(m);
            out.push_back(f);
        }
        return out;
    }

    void drain(int port) { sent(port); }

    std::uint64_t worker(worker_counter c) const { return counters->get(0, static_cast<std::size_t>(c)); }
    std::uint64_t ctl(control_counter c) const { return control->counters().get(0, static_cast<std::size_t>(c)); }

    // Host B answers the router's ARP request; host A's request for the
    // router's address teaches the router A's MAC.
    void resolve_b()
    {
        send(1, arp_frame(pkt::arp_reply, mac_b, host_b, wan_mac, wan_addr, wan_mac));
        run();
    }
    void learn_a()
    {
        send(0, arp_frame(pkt::arp_request, mac_a, host_a, pkt::mac{}, lan_addr, pkt::mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
        run();
    }
    // Both hosts known, and the ARP traffic that took out of the way.
    void learn_neighbours()
    {
        resolve_b();
        learn_a();
        drain(0);
        drain(1);
    }
};

bool eal_up = false;

void start_eal()
{
    if (eal_up) {
        return;
    }
    fastpath::runtime_options o;
    o.workers = 1;
    o.mbufs = 4095;
    o.extra_eal_args = {"--no-telemetry"};
    const fastpath::eal_status st = fastpath::eal_init(o);
    INFO(st.error);
    REQUIRE(st.ok());
    eal_up = true;
}

} // namespace

TEST_CASE("the first packet to an unresolved next hop waits for ARP, then leaves with rewritten MACs and TTL - 1")
{
    start_eal();
    bench b;
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, host_b, 100)));
    b.run();

    // The router asked who has 10.77.2.1, from its wan address and MAC.
    auto out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(pkt::get16(&out[0][12]) == pkt::ether_arp);
    const auto req = pkt::parse_arp(&out[0][14], out[0].size() - 14);
    REQUIRE(req);
    CHECK(req->op == pkt::arp_request);
    CHECK(req->sha == wan_mac);
    CHECK(req->spa == wan_addr);
    CHECK(req->tpa == host_b);
    CHECK(b.worker(worker_counter::arp_pending) == 1);
    CHECK(b.ctl(control_counter::arp_queued) == 1);
    REQUIRE(b.control->neighbours().size() == 1);
    CHECK(b.control->neighbours()[0].state == "incomplete");

    b.resolve_b();
    out = b.sent(1);
    REQUIRE(out.size() == 1);
    const bytes& f = out[0];
    CHECK(mac_at(f, 0) == mac_b);
    CHECK(mac_at(f, 6) == wan_mac);
    REQUIRE(f.size() == 14 + 128);
    CHECK(f[14 + 8] == 63);
    CHECK(pkt::check_ipv4(&f[14], f.size() - 14) == pkt::ipv4_verdict::ok);
    // The payload is untouched.
    const bytes orig = ipv4(host_a, host_b, 100);
    CHECK(std::memcmp(&f[14 + 28], &orig[28], 100) == 0);
    CHECK(b.control->neighbours()[0].state == "reachable");
    // The ARP reply was punted; without a TAP twin it is counted and freed.
    CHECK(b.ctl(control_counter::arp_learned) == 1);
    CHECK(b.ctl(control_counter::no_tap) == 1);

    // Once published, the worker forwards on its own; a static route's gateway is B.
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, 0x0a580101, 64)));
    b.run();
    out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(mac_at(out[0], 0) == mac_b);
    CHECK(pkt::ipv4_dst(&out[0][14]) == 0x0a580101);
    // The parked packet was sent by the control thread; this one by the worker.
    CHECK(b.worker(worker_counter::forwarded) == 1);
    CHECK(b.worker(worker_counter::arp_pending) == 1);
}

TEST_CASE("ICMP errors: time exceeded, net unreachable and fragmentation needed, from the ingress address")
{
    start_eal();
    bench b;
    b.learn_a();
    b.drain(0);
    b.resolve_b();

    struct error_case {
        bytes packet;
        std::uint8_t type, code;
        std::uint16_t mtu;
        worker_counter counter;
    };
    const error_case cases[] = {
        {ipv4(host_a, host_b, 50, 1), 11, 0, 0, worker_counter::ttl_exceeded},
        {ipv4(host_a, 0xc0000201, 50), 3, 0, 0, worker_counter::no_route},
        {ipv4(host_a, host_b, 1200, 64, true), 3, 4, wan_mtu, worker_counter::mtu_exceeded},
    };
    for (const error_case& c : cases) {
        INFO("ICMP type " << int(c.type) << " code " << int(c.code));
        b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, c.packet));
        b.run();
        CHECK(b.sent(1).empty());
        const auto out = b.sent(0);
        REQUIRE(out.size() == 1);
        const bytes& f = out[0];
        CHECK(mac_at(f, 0) == mac_a);
        CHECK(mac_at(f, 6) == lan_mac);
        const std::uint8_t* ip = &f[14];
        REQUIRE(pkt::check_ipv4(ip, f.size() - 14) == pkt::ipv4_verdict::ok);
        CHECK(pkt::ipv4_src(ip) == lan_addr);
        CHECK(pkt::ipv4_dst(ip) == host_a);
        CHECK(ip[9] == pkt::proto_icmp);
        const std::uint8_t* icmp = ip + 20;
        CHECK(icmp[0] == c.type);
        CHECK(icmp[1] == c.code);
        CHECK(pkt::get16(icmp + 6) == c.mtu);
        CHECK(pkt::inet_checksum(icmp, pkt::ipv4_total_len(ip) - 20u) == 0);
        // The quote is the offending header as received plus 8 bytes.
        CHECK(pkt::ipv4_total_len(ip) == 20 + 8 + 28);
        CHECK(std::memcmp(icmp + 8, c.packet.data(), 28) == 0);
        CHECK(b.worker(c.counter) == 1);
    }
    CHECK(b.worker(worker_counter::icmp_sent) == 3);

    // No error about an ICMP error.
    bytes err = ipv4(host_a, host_b, 30, 1, false, pkt::proto_icmp);
    err[20] = 3;  // ICMP type: destination unreachable
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, err));
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::ttl_exceeded) == 2);
    CHECK(b.worker(worker_counter::icmp_sent) == 3);
}

TEST_CASE("ICMP errors are rate-limited by the worker's token counter")
{
    start_eal();
    bench b;
    b.learn_a();
    b.drain(0);
    b.state.icmp_tokens = 3;
    b.state.icmp_last_tsc = rte_rdtsc();
    b.ctx.icmp_per_s = 3;
    for (int i = 0; i < 10; ++i) {
        b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, host_b, 10, 1)));
    }
    b.run();
    const auto out = b.sent(0);
    // Three tokens, plus at most one refilled if this ran slowly.
    CHECK(out.size() >= 3);
    CHECK(out.size() <= 4);
    CHECK(b.worker(worker_counter::icmp_rate_limited) == 10 - out.size());
    CHECK(b.worker(worker_counter::ttl_exceeded) == 10);
}

TEST_CASE("DF clear over the egress MTU is fragmented; every fragment is a valid IPv4 packet")
{
    start_eal();
    bench b;
    b.resolve_b();  // an unsolicited reply to our address creates the entry (RFC 826)
    b.drain(1);
    const bytes orig = ipv4(host_a, host_b, 1800);  // 1808 bytes after the header: 976 + 832
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, orig));
    b.run();
    auto out = b.sent(1);
    REQUIRE(out.size() == 2);
    CHECK(b.worker(worker_counter::fragmented) == 1);
    std::size_t payload = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const bytes& f = out[i];
        const std::uint8_t* ip = &f[14];
        INFO("fragment " << i);
        CHECK(mac_at(f, 0) == mac_b);
        CHECK(pkt::check_ipv4(ip, f.size() - 14) == pkt::ipv4_verdict::ok);
        CHECK(pkt::ipv4_total_len(ip) <= wan_mtu);
        CHECK(ip[8] == 63);
        const std::uint16_t frag = pkt::get16(ip + 6);
        CHECK((frag & 0x1fff) * 8u == payload);
        CHECK(((frag & 0x2000) != 0) == (i + 1 < out.size()));
        CHECK(std::memcmp(ip + 20, &orig[20 + payload], pkt::ipv4_total_len(ip) - 20u) == 0);
        payload += pkt::ipv4_total_len(ip) - 20u;
    }
    CHECK(payload == orig.size() - 20);
}

TEST_CASE("bad headers, packets for the router and non-IP frames take their own paths")
{
    start_eal();
    bench b;
    bytes bad = ipv4(host_a, host_b, 10);
    bad[10] ^= 0xff;
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, bad));
    bytes runt(10, 0);
    b.send(0, runt);
    b.send(0, eth(lan_mac, mac_a, 0x86dd, bytes(40, 0)));
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, lan_addr, 10)));      // ours
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, wan_addr, 10, 1)));   // ours, TTL 1 is fine
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, 0xe0000005, 10, 1))); // multicast
    b.run();
    CHECK(b.worker(worker_counter::bad_ip) == 1);
    CHECK(b.worker(worker_counter::bad_l2) == 1);
    CHECK(b.worker(worker_counter::not_ipv4) == 1);
    CHECK(b.worker(worker_counter::punted) == 3);
    CHECK(b.worker(worker_counter::ttl_exceeded) == 0);
    CHECK(b.ctl(control_counter::no_tap) == 3);
    CHECK(b.sent(0).empty());
    CHECK(b.sent(1).empty());
}

TEST_CASE("ARP: a bounded queue per neighbour, retries, failure, ageing and re-resolution")
{
    start_eal();
    bench b;
    const unsigned cap = fastpath::control_plane::queue_per_neighbour;
    for (unsigned i = 0; i < cap + 2; ++i) {
        b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, host_b, 10)));
    }
    b.run();
    CHECK(b.ctl(control_counter::arp_queued) == cap);
    CHECK(b.ctl(control_counter::arp_queue_full) == 2);
    CHECK(b.sent(1).size() == 1);  // one request, not one per packet

    // Unanswered: retried each second, then the queue is dropped as arp_failed.
    b.run(1100ms);
    CHECK(b.sent(1).size() == 1);
    b.run(1100ms);
    CHECK(b.sent(1).size() == 1);
    b.run(1100ms);
    CHECK(b.sent(1).empty());
    CHECK(b.ctl(control_counter::arp_failed) == cap);
    CHECK(b.control->neighbours().empty());

    // Resolved, then aged: a fresh request while the old MAC keeps forwarding.
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, host_b, 10)));
    b.run();
    b.resolve_b();
    CHECK(b.sent(1).size() == 2);  // request + the queued packet
    b.run(301s);
    auto out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(pkt::parse_arp(&out[0][14], out[0].size() - 14)->tpa == host_b);
    CHECK(b.control->neighbours()[0].state == "probe");
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, host_b, 10)));
    b.run();
    out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(mac_at(out[0], 0) == mac_b);
    // No answer to the probes: the entry goes and the next packet asks again.
    b.run(1100ms);
    b.run(1100ms);
    b.run(1100ms);
    CHECK(b.ctl(control_counter::neighbour_expired) == 1);
    CHECK(b.control->neighbours().empty());
    b.drain(1);
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, host_b, 10)));
    b.run();
    out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(pkt::get16(&out[0][12]) == pkt::ether_arp);
}

TEST_CASE("old snapshots are freed only after every worker has reported quiescence")
{
    start_eal();
    bench b;
    rte_rcu_qsbr_thread_register(b.qsbr, 0);
    rte_rcu_qsbr_thread_online(b.qsbr, 0);
    const std::uint64_t gen = b.control->generation();
    const fastpath::route_table* first = b.tables.routes.load();
    REQUIRE(first != nullptr);
    const std::string first_name = "fp_lpm_" + std::to_string(gen);
    CHECK(rte_lpm_find_existing(first_name.c_str()) == first->lpm);

    REQUIRE(b.control->publish_routes(fastpath::build_fib({}, {})).empty());
    CHECK(b.control->generation() == gen + 1);
    CHECK(b.tables.routes.load() != first);
    // The "worker" (this thread) has not passed a quiescent state: nothing freed.
    CHECK(b.control->poll_reclaim() == 0);
    CHECK(rte_lpm_find_existing(first_name.c_str()) != nullptr);
    rte_rcu_qsbr_quiescent(b.qsbr, 0);
    CHECK(b.control->poll_reclaim() == 1);
    CHECK(rte_lpm_find_existing(first_name.c_str()) == nullptr);
    CHECK(b.ctl(control_counter::reclaimed) == 1);
    rte_rcu_qsbr_thread_offline(b.qsbr, 0);
    rte_rcu_qsbr_thread_unregister(b.qsbr, 0);
}

namespace {

namespace esp = fastpath::esp;
constexpr std::uint32_t test_spi = 0x1000;

// The bench's wan0 with a crypto map of group 1: an ESP SA table on the bench's
// QSBR variable, one ESP engine state for the worker, and the group's policy
// (deny udp port 5555 both ways, then permit 10.77/16 <-> 10.77/16).
struct crypto_bench {
    bench& b;
    std::unique_ptr<esp::sa_table> table;
    std::unique_ptr<core::counter_set> drops = esp::make_drop_counters();
    std::unique_ptr<core::counter_set> events = esp::make_event_counters();
    std::unique_ptr<esp::worker_ctx> w;

    explicit crypto_bench(bench& bb) : b(bb)
    {
        auto made = esp::sa_table::create(b.qsbr, [] { return esp::tsc_ns(rte_rdtsc()); });
        REQUIRE(made);
        table = std::move(made.value);
        auto ctx = esp::make_worker_ctx(0, *drops, *events);
        REQUIRE(ctx);
        w = std::move(ctx.value);
        esp::tek t;
        t.spi = test_spi;
        t.cipher = esp::cipher_alg::aes_gcm;
        t.cipher_key = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
                        0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0xc0, 0xff, 0xee, 0x01};
        t.replay_window = 64;
        REQUIRE(table->install_sa(1, t));
        REQUIRE(table->set_outbound(1, test_spi));
        const std::uint32_t sid[1] = {1};
        REQUIRE(table->set_sender_ids(1, 8, sid));

        acl::ks_acl list;
        list.policy = 1;
        acl::ace deny;
        deny.act = acl::action::deny;
        deny.protocol = acl::proto_udp;
        deny.dport = acl::port_match::eq(5555);
        list.acl.aces.push_back(deny);
        deny.dport = acl::port_match::any();
        deny.sport = acl::port_match::eq(5555);
        list.acl.aces.push_back(deny);
        acl::ace permit;
        permit.src = acl::prefix::make(0x0a4d0000, 16);
        permit.dst = acl::prefix::make(0x0a4d0000, 16);
        list.acl.aces.push_back(permit);
        in.ks.push_back(list);
        publish(fastpath::crypto_direction::both);
        b.wports[1].crypto_group = 1;
        b.ctx.sas = table.get();
        b.ctx.esp = w.get();
        b.ctx.group_counters = &groups;
        // As the runtime sizes it for the bench's pool and one worker.
        REQUIRE(fastpath::create_reassembly(b.ctx, fastpath::reassembly_limits_for(2047, 1), SOCKET_ID_ANY).empty());
    }
    ~crypto_bench()
    {
        fastpath::destroy_reassembly(b.ctx);
        b.ctx.group_counters = nullptr;
        b.ctx.sas = nullptr;
        b.ctx.esp = nullptr;
        b.wports[1].crypto_group = 0;
        delete b.tables.crypto.exchange(nullptr);
    }
    std::uint64_t esp_drop(esp::drop_reason r) const { return drops->get(0, static_cast<std::size_t>(r)); }
    // Replaces the worker's reassembly table with one of these limits.
    void reassembly_table(std::uint32_t max_entries, std::uint64_t lifetime_ms)
    {
        fastpath::destroy_reassembly(b.ctx);
        fastpath::reassembly_limits lim;
        lim.max_entries = max_entries;
        lim.lifetime_ms = lifetime_ms;
        REQUIRE(fastpath::create_reassembly(b.ctx, lim, SOCKET_ID_ANY).empty());
    }
    // ESP from the other member towards host A, as it arrives on wan1: made by
    // this router's own outbound (crypto map on lan0 for a moment) with the
    // group's current outbound SA. Clear `inner` on lan0 counts one policy_drop.
    bytes esp_from_b(const bytes& inner)
    {
        b.wports[1].crypto_group = 0;
        b.wports[0].crypto_group = 1;
        b.send(1, eth(wan_mac, mac_b, pkt::ether_ipv4, inner));
        b.run();
        auto out = b.sent(0);
        b.wports[0].crypto_group = 0;
        b.wports[1].crypto_group = 1;
        REQUIRE(out.size() == 1);
        REQUIRE(out[0][14 + 9] == pkt::proto_esp);
        std::memcpy(&out[0][0], wan_mac.data(), 6);
        std::memcpy(&out[0][6], mac_b.data(), 6);
        return out[0];
    }
    // Worker 0's counter k of crypto group g (group 1 is the crypto-map port's).
    std::uint64_t group_count(worker_counter k, std::uint32_t g = 1) const
    {
        return groups.get(0, g * fastpath::crypto_counter_count + fastpath::crypto_column(k));
    }

    // A new generation of group 1's policy. The worker runs on this thread
    // between polls only, so the old one can go at once.
    void publish(fastpath::crypto_direction dir)
    {
        const fastpath::crypto_policy* old = b.tables.crypto.load();
        auto built = fastpath::build_crypto_policy(old, 1, *table->group_slot(1), in, ++generation, -1, dir);
        INFO(built.error);
        REQUIRE(built.policy);
        b.tables.crypto.store(built.policy.release());
        delete old;
    }

    acl::merge_input in;
    std::uint64_t generation = 0;
    core::counter_set groups{fastpath::crypto_counter_names(), 1};
};

} // namespace

TEST_CASE("crypto map: permit is encrypted with header preservation, deny passes in clear")
{
    start_eal();
    bench b;
    crypto_bench c(b);

    // The first packet waits for ARP: the control thread's request crosses the
    // crypto map untouched, and the parked packet, injected once B answers, is encrypted.
    const bytes orig = ipv4(host_a, host_b, 100);
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, orig));
    b.run();
    auto out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(pkt::get16(&out[0][12]) == pkt::ether_arp);
    const auto req = pkt::parse_arp(&out[0][14], out[0].size() - 14);
    REQUIRE(req);
    CHECK(req->tpa == host_b);
    b.resolve_b();
    out = b.sent(1);
    REQUIRE(out.size() == 1);
    const std::uint8_t* ip = &out[0][14];
    CHECK(mac_at(out[0], 0) == mac_b);
    CHECK(pkt::check_ipv4(ip, out[0].size() - 14) == pkt::ipv4_verdict::ok);
    CHECK(ip[9] == pkt::proto_esp);
    CHECK(pkt::ipv4_src(ip) == host_a);  // header preservation
    CHECK(pkt::ipv4_dst(ip) == host_b);
    CHECK(pkt::get32(ip + 20) == test_spi);
    CHECK(b.worker(worker_counter::encrypt) == 1);

    // The local deny (udp 5555) is routed in clear.
    bytes deny = ipv4(host_a, host_b, 20);
    pkt::put16(&deny[22], 5555);  // UDP destination port; the UDP checksum is 0 (none)
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, deny));
    b.run();
    out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(out[0][14 + 9] == 17);
    CHECK(b.worker(worker_counter::bypass) == 1);

    // No outbound SA for the group: a permit is dropped and counted.
    REQUIRE(c.table->set_outbound(1, 0));
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, orig));
    b.run();
    CHECK(b.sent(1).empty());
    CHECK(b.worker(worker_counter::no_sa) == 1);
}

TEST_CASE("crypto map: ESP is decrypted and routed; replay, bad ICV, unknown SPI and clear permits are dropped")
{
    start_eal();
    bench b;
    crypto_bench c(b);
    b.learn_neighbours();

    const bytes inner = ipv4(host_b, host_a, 64);
    const bytes esp_frame = c.esp_from_b(inner);

    // A flipped ciphertext byte: the ICV check fails (before the replay window moves).
    bytes tampered = esp_frame;
    tampered[tampered.size() - 20] ^= 1;
    b.send(1, tampered);
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::verify_fail) == 1);

    b.send(1, esp_frame);
    b.run();
    auto out = b.sent(0);
    REQUIRE(out.size() == 1);
    CHECK(mac_at(out[0], 0) == mac_a);
    CHECK(out[0].size() == 14 + inner.size());
    CHECK(out[0][14 + 8] == 62);  // routed twice: before encryption and after decryption
    CHECK(std::memcmp(&out[0][14 + 20], &inner[20], inner.size() - 20) == 0);
    CHECK(b.worker(worker_counter::decrypt) == 1);

    // The same packet again: replay.
    b.send(1, esp_frame);
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::replay_fail) == 1);

    // An SPI nobody installed.
    bytes unknown = esp_frame;
    pkt::put32(&unknown[14 + 20], 0x9999);
    b.send(1, unknown);
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::invalid_sa) == 1);
    CHECK(c.esp_drop(esp::drop_reason::no_sa) == 1);

    // Clear traffic the policy says must be encrypted.
    b.send(1, eth(wan_mac, mac_b, pkt::ether_ipv4, inner));
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::policy_drop) == 1);
    CHECK(fastpath::is_drop(worker_counter::policy_drop));
    CHECK_FALSE(fastpath::is_drop(worker_counter::decrypt));
}

namespace {

// The frame's IPv4 packet split into n fragments (payloads of equal multiples
// of 8 bytes, the last one shorter), each behind a copy of the L2 header.
std::vector<bytes> fragments(const bytes& frame, std::size_t n)
{
    const std::uint8_t* ip = &frame[14];
    const std::size_t hlen = pkt::ipv4_hdr_len(ip);
    const std::size_t payload = pkt::ipv4_total_len(ip) - hlen;
    const std::size_t chunk = ((payload + n - 1) / n + 7) / 8 * 8;
    std::vector<bytes> out;
    for (std::size_t off = 0; off < payload; off += chunk) {
        const std::size_t len = std::min(chunk, payload - off);
        bytes f(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(14 + hlen));
        const auto* from = &frame[14 + hlen + off];
        f.insert(f.end(), from, from + len);
        std::uint8_t* h = &f[14];
        const bool more = off + len < payload;
        pkt::put16(h + 2, static_cast<std::uint16_t>(hlen + len));
        pkt::put16(h + 6, static_cast<std::uint16_t>((pkt::get16(ip + 6) & 0x4000) | (more ? 0x2000 : 0) | off / 8));
        pkt::put16(h + 10, 0);
        pkt::put16(h + 10, pkt::inet_checksum(h, hlen));
        out.push_back(std::move(f));
    }
    REQUIRE(out.size() == n);
    return out;
}

} // namespace

TEST_CASE("crypto map: ESP fragmented after encryption is reassembled, then decrypted and routed")
{
    start_eal();
    bench b;
    crypto_bench c(b);
    b.learn_neighbours();
    CHECK(fastpath::worker_counter_names().size() == static_cast<std::size_t>(worker_counter::count));
    CHECK_FALSE(fastpath::is_drop(worker_counter::reassembled));
    CHECK(fastpath::is_drop(worker_counter::reassembly_drop));
    CHECK(fastpath::is_drop(worker_counter::reassembly_too_big));

    const bytes inner = ipv4(host_b, host_a, 400);
    // What A must receive: the one inner packet, routed twice (TTL - 2).
    const auto check_inner = [&](const std::vector<bytes>& out) {
        REQUIRE(out.size() == 1);
        CHECK(mac_at(out[0], 0) == mac_a);
        REQUIRE(out[0].size() == 14 + inner.size());
        CHECK(pkt::check_ipv4(&out[0][14], inner.size()) == pkt::ipv4_verdict::ok);
        CHECK(out[0][14 + 8] == 62);
        CHECK(std::memcmp(&out[0][14 + 20], &inner[20], inner.size() - 20) == 0);
    };

    // Two fragments in order, in one burst.
    auto frags = fragments(c.esp_from_b(inner), 2);
    for (const bytes& f : frags) {
        b.send(1, f);
    }
    b.run();
    check_inner(b.sent(0));
    CHECK(b.worker(worker_counter::reassembled) == 1);
    CHECK(b.worker(worker_counter::decrypt) == 1);

    // Three fragments out of order, one per poll: the table keeps them in between.
    frags = fragments(c.esp_from_b(inner), 3);
    for (const std::size_t i : {2, 0}) {
        b.send(1, frags[i]);
        b.run();
        CHECK(b.sent(0).empty());
    }
    CHECK(b.worker(worker_counter::reassembled) == 1);
    b.send(1, frags[1]);
    b.run();
    check_inner(b.sent(0));
    CHECK(b.worker(worker_counter::reassembled) == 2);
    CHECK(b.worker(worker_counter::decrypt) == 2);

    // A lone fragment gives nothing (yet). The same fragment again makes the set
    // inconsistent once the rest arrives: all four are dropped.
    frags = fragments(c.esp_from_b(inner), 3);
    b.send(1, frags[1]);
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::reassembly_drop) == 0);
    b.send(1, frags[1]);
    b.send(1, frags[0]);
    b.send(1, frags[2]);
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::reassembled) == 2);
    CHECK(b.worker(worker_counter::reassembly_drop) == 4);

    // A flipped ciphertext byte in a fragment: reassembled, then the ICV fails.
    frags = fragments(c.esp_from_b(inner), 2);
    frags[1][frags[1].size() - 30] ^= 1;
    b.send(1, frags[0]);
    b.send(1, frags[1]);
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::reassembled) == 3);
    CHECK(b.worker(worker_counter::verify_fail) == 1);

    // Reassembled bigger than one mbuf's data room (2048 bytes): dropped.
    const bytes big = eth(wan_mac, mac_b, pkt::ether_ipv4, ipv4(host_b, host_a, 3000, 64, false, pkt::proto_esp));
    for (const bytes& f : fragments(big, 3)) {
        b.send(1, f);
    }
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::reassembly_too_big) == 1);
    CHECK(b.worker(worker_counter::reassembled) == 3);

    // None of it reached the ESP engine as a fragment.
    CHECK(b.worker(worker_counter::decap_fail) == 0);
    CHECK(c.esp_drop(esp::drop_reason::fragment) == 0);
    CHECK(b.worker(worker_counter::decrypt) == 2);

    // Clear fragments (accepted: inbound-optional) are routed as they are.
    c.publish(fastpath::crypto_direction::inbound_optional);
    for (const bytes& f : fragments(eth(wan_mac, mac_b, pkt::ether_ipv4, inner), 2)) {
        b.send(1, f);
    }
    b.run();
    const auto out = b.sent(0);
    REQUIRE(out.size() == 2);
    CHECK(pkt::get16(&out[0][14 + 6]) == 0x2000);  // MF, offset 0
    CHECK(pkt::get16(&out[1][14 + 6]) == 208 / 8);  // 408 payload bytes: 208 + 200
    CHECK(b.worker(worker_counter::reassembled) == 3);
}

TEST_CASE("crypto map: an ESP fragment whose packet does not complete in the lifetime is dropped and counted")
{
    start_eal();
    bench b;
    crypto_bench c(b);
    b.learn_neighbours();
    // A lifetime of zero: expired at the end of the poll that stored it.
    c.reassembly_table(16, 0);
    core::counter_set port_drops(fastpath::port_drop_names(), 1);
    b.ctx.port_drops = &port_drops;

    const auto frags = fragments(c.esp_from_b(ipv4(host_b, host_a, 400)), 2);
    b.send(1, frags[0]);
    b.run();
    CHECK(b.worker(worker_counter::reassembly_drop) == 1);
    CHECK(port_drops.get(0, 1) == 1);  // against wan0, which received it
    b.send(1, frags[1]);
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::reassembly_drop) == 2);
    CHECK(b.worker(worker_counter::reassembled) == 0);
    b.ctx.port_drops = nullptr;
}

TEST_CASE("crypto map: with the reassembly table full, one more packet's fragment is dropped; the rest complete")
{
    start_eal();
    bench b;
    crypto_bench c(b);
    b.learn_neighbours();
    c.reassembly_table(16, 2000);

    // 17 packets (each its own IPv4 ID) send their first fragment only.
    const bytes inner = ipv4(host_b, host_a, 400);
    std::vector<std::vector<bytes>> held;
    for (int i = 0; i < 17; ++i) {
        held.push_back(fragments(c.esp_from_b(inner), 2));
    }
    for (const auto& f : held) {
        b.send(1, f[0]);
    }
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::reassembly_drop) == 1);  // the 17th: no room

    // The 16 held ones complete and decrypt; the 17th's second half waits alone.
    for (const auto& f : held) {
        b.send(1, f[1]);
    }
    b.run();
    CHECK(b.sent(0).size() == 16);
    CHECK(b.worker(worker_counter::reassembled) == 16);
    CHECK(b.worker(worker_counter::decrypt) == 16);
    CHECK(b.worker(worker_counter::reassembly_drop) == 1);
}

TEST_CASE("crypto map: a counter replay and a TBAR window drop each land in their own counter of the port's group")
{
    start_eal();
    bench b;
    crypto_bench c(b);
    b.learn_neighbours();

    const bytes inner = ipv4(host_b, host_a, 64);
    const auto esp_from_b = [&] { return c.esp_from_b(inner); };

    // Counter mode: the second copy of a packet is a replay.
    const bytes counter_frame = esp_from_b();
    b.send(1, counter_frame);
    b.send(1, counter_frame);
    b.run();
    CHECK(b.sent(0).size() == 1);
    CHECK(c.group_count(worker_counter::replay_fail) == 1);
    CHECK(c.group_count(worker_counter::tbar_fail) == 0);

    // TBAR: a packet stamped at pseudotime 5000 arrives when the group's clock says
    // 1005000, far outside the +-100 tick window.
    constexpr std::uint32_t tbar_spi = 0x2000;
    esp::tek t;
    t.spi = tbar_spi;
    t.cipher = esp::cipher_alg::aes_gcm;
    t.cipher_key = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9,
                    0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f, 0xc0, 0xff, 0xee, 0x02};
    t.tbar = true;
    REQUIRE(c.table->set_pseudotime(1, 5000, 1'000'000, 100));
    REQUIRE(c.table->install_sa(1, t));
    REQUIRE(c.table->set_outbound(1, tbar_spi));
    const bytes tbar_frame = esp_from_b();
    REQUIRE(pkt::get32(&tbar_frame[14 + 20]) == tbar_spi);
    REQUIRE(c.table->set_pseudotime(1, 1'005'000, 1'000'000, 100));
    b.send(1, tbar_frame);
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(c.esp_drop(esp::drop_reason::tbar_window) == 1);
    CHECK(c.group_count(worker_counter::tbar_fail) == 1);
    CHECK(c.group_count(worker_counter::replay_fail) == 1);
    CHECK(b.worker(worker_counter::tbar_fail) == 1);
    CHECK(b.worker(worker_counter::decap_fail) == 0);
    CHECK(fastpath::is_drop(worker_counter::tbar_fail));
    // Nothing was attributed to another group.
    for (std::uint32_t g = 0; g < fastpath::max_crypto_groups; ++g) {
        if (g != 1) {
            INFO("group " << g);
            CHECK(c.group_count(worker_counter::replay_fail, g) == 0);
            CHECK(c.group_count(worker_counter::tbar_fail, g) == 0);
        }
    }
}

TEST_CASE("crypto map directions: inbound-optional accepts clear permits, inbound-only never encrypts")
{
    start_eal();
    bench b;
    crypto_bench c(b);
    b.learn_neighbours();
    const bytes from_b = ipv4(host_b, host_a, 64);
    const bytes to_b = ipv4(host_a, host_b, 64);

    c.publish(fastpath::crypto_direction::inbound_optional);
    b.send(1, eth(wan_mac, mac_b, pkt::ether_ipv4, from_b));
    b.run();
    auto out = b.sent(0);
    REQUIRE(out.size() == 1);
    CHECK(pkt::ipv4_src(&out[0][14]) == host_b);
    CHECK(b.worker(worker_counter::policy_drop) == 0);
    // Passive still encrypts what it sends.
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, to_b));
    b.run();
    out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(out[0][14 + 9] == pkt::proto_esp);

    c.publish(fastpath::crypto_direction::inbound_only);
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, to_b));
    b.run();
    out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(out[0][14 + 9] == 17);
    CHECK(b.worker(worker_counter::encrypt) == 1);
    CHECK(b.worker(worker_counter::bypass) == 2);

    c.publish(fastpath::crypto_direction::both);
    b.send(1, eth(wan_mac, mac_b, pkt::ether_ipv4, from_b));
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::policy_drop) == 1);
}

// ---- multicast routing ---------------------------------------------------------

namespace {

constexpr std::uint32_t group = 0xef010101;  // 239.1.1.1
const pkt::mac group_mac{0x01, 0x00, 0x5e, 0x01, 0x01, 0x01};

bytes from_a_to(std::uint32_t dst, std::size_t payload, std::uint8_t ttl, bool df = false)
{
    return eth(pkt::multicast_mac(dst), mac_a, pkt::ether_ipv4, ipv4(host_a, dst, payload, ttl, df));
}

// A forwarded copy: the group's MAC, our port's MAC, TTL - 1, a valid header, the payload as sent.
void check_copy(const bytes& f, const pkt::mac& port_mac, std::uint8_t ttl, const bytes& orig)
{
    CHECK(mac_at(f, 0) == group_mac);
    CHECK(mac_at(f, 6) == port_mac);
    REQUIRE(f.size() == 14 + orig.size());
    CHECK(pkt::check_ipv4(&f[14], f.size() - 14) == pkt::ipv4_verdict::ok);
    CHECK(f[14 + 8] == ttl);
    CHECK(pkt::ipv4_dst(&f[14]) == group);
    CHECK(std::memcmp(&f[14 + 20], &orig[20], orig.size() - 20) == 0);
}

} // namespace

TEST_CASE("multicast routing: a static group leaves out of every other port that has it, TTL - 1, RFC 1112 MAC")
{
    start_eal();
    bench b(3);
    b.specs[1].igmp_static_groups = {group};
    b.publish(true);
    const unsigned free_before = rte_mempool_avail_count(b.pool);

    // One out port: the original itself leaves, nothing goes to the kernel.
    const bytes orig = ipv4(host_a, group, 100, 5);
    b.send(0, from_a_to(group, 100, 5));
    b.run();
    auto wan = b.sent(1);
    REQUIRE(wan.size() == 1);
    check_copy(wan[0], wan_mac, 4, orig);
    CHECK(b.sent(2).empty());
    CHECK(b.worker(worker_counter::mcast_forwarded) == 1);
    CHECK(b.worker(worker_counter::punted) == 0);

    // Two out ports: a copy each, with that port's MAC.
    b.specs[2].igmp_static_groups = {group};
    b.publish(true);
    b.send(0, from_a_to(group, 100, 5));
    b.run();
    wan = b.sent(1);
    auto lan2 = b.sent(2);
    REQUIRE(wan.size() == 1);
    REQUIRE(lan2.size() == 1);
    check_copy(wan[0], wan_mac, 4, orig);
    check_copy(lan2[0], lan2_mac, 4, orig);
    CHECK(b.worker(worker_counter::mcast_forwarded) == 3);

    // Never back out of the port it came in on.
    b.send(1, eth(group_mac, mac_b, pkt::ether_ipv4, ipv4(host_b, group, 100, 5)));
    b.run();
    CHECK(b.sent(1).empty());
    CHECK(b.sent(0).empty());
    REQUIRE(b.sent(2).size() == 1);
    CHECK(b.worker(worker_counter::mcast_forwarded) == 4);

    // Every copy went back to the pool.
    CHECK(rte_mempool_avail_count(b.pool) == free_before);
    CHECK(b.worker(worker_counter::mcast_copy_failed) == 0);
}

TEST_CASE("multicast routing: TTL 1 and ports without the group drop; link-local, unknown and joined groups reach the kernel")
{
    start_eal();
    bench b(3);
    b.specs[1].igmp_static_groups = {group};
    b.publish(true);

    // TTL 1 is dropped, with no ICMP error about a group.
    b.send(0, from_a_to(group, 20, 1));
    b.run();
    CHECK(b.sent(1).empty());
    CHECK(b.worker(worker_counter::ttl_exceeded) == 1);
    CHECK(b.worker(worker_counter::icmp_sent) == 0);
    CHECK(b.sent(0).empty());

    // Arriving on the only port that has the group: nowhere to go.
    b.send(1, eth(group_mac, mac_b, pkt::ether_ipv4, ipv4(host_b, group, 20, 5)));
    b.run();
    CHECK(b.worker(worker_counter::mcast_no_port) == 1);
    CHECK(fastpath::is_drop(worker_counter::mcast_no_port));
    CHECK(fastpath::is_drop(worker_counter::mcast_copy_failed));

    // Link-local (OSPF's 224.0.0.5) and a group nobody configured: the kernel's.
    b.send(0, from_a_to(0xe0000005, 20, 1));
    b.send(0, from_a_to(0xef090909, 20, 5));
    b.run();
    CHECK(b.worker(worker_counter::punted) == 2);
    CHECK(b.ctl(control_counter::no_tap) == 2);
    CHECK(b.sent(1).empty());
    CHECK(b.sent(2).empty());

    // Joined on the ingress port: a copy for the kernel as well, and TTL 1 is then the kernel's alone.
    b.specs[0].igmp_joins = {group};
    b.publish(true);
    b.send(0, from_a_to(group, 20, 5));
    b.run();
    CHECK(b.sent(1).size() == 1);
    CHECK(b.worker(worker_counter::punted) == 3);
    b.send(0, from_a_to(group, 20, 1));
    b.run();
    CHECK(b.sent(1).empty());
    CHECK(b.worker(worker_counter::punted) == 4);
    CHECK(b.worker(worker_counter::ttl_exceeded) == 1);

    // Without `ip multicast-routing` every group goes to the kernel, as before.
    b.publish(false);
    b.send(0, from_a_to(group, 20, 5));
    b.run();
    CHECK(b.sent(1).empty());
    CHECK(b.worker(worker_counter::punted) == 5);
}

TEST_CASE("multicast routing: over the egress MTU, DF drops and DF clear fragments to the group's MAC")
{
    start_eal();
    bench b(3);
    b.specs[1].igmp_static_groups = {group};  // wan0, MTU 1000
    b.publish(true);
    b.send(0, from_a_to(group, 1200, 5, true));
    b.run();
    CHECK(b.sent(1).empty());
    CHECK(b.worker(worker_counter::mtu_exceeded) == 1);
    CHECK(b.worker(worker_counter::icmp_sent) == 0);

    b.send(0, from_a_to(group, 1200, 5, false));
    b.run();
    const auto frags = b.sent(1);
    REQUIRE(frags.size() == 2);
    for (const bytes& f : frags) {
        CHECK(mac_at(f, 0) == group_mac);
        CHECK(mac_at(f, 6) == wan_mac);
        CHECK(f.size() - 14 <= wan_mtu);
        CHECK(pkt::check_ipv4(&f[14], f.size() - 14) == pkt::ipv4_verdict::ok);
        CHECK(f[14 + 8] == 4);
    }
    CHECK(b.worker(worker_counter::fragmented) == 1);
}

TEST_CASE("multicast through a crypto map: the copy to wan0 is ESP to the group, and ESP to a group is decrypted and forwarded")
{
    start_eal();
    bench b(3);
    crypto_bench c(b);
    // KS ACL line as in seed 000: permit the group's traffic.
    acl::ace permit;
    permit.src = acl::prefix::make(0x0a4d0000, 16);
    permit.dst = acl::prefix::make(0xef000000, 8);
    c.in.ks[0].acl.aces.push_back(permit);
    c.publish(fastpath::crypto_direction::both);
    b.specs[1].igmp_static_groups = {group};
    b.specs[2].igmp_static_groups = {group};
    b.publish(true);

    const bytes orig = ipv4(host_a, group, 100, 5);
    b.send(0, from_a_to(group, 100, 5));
    b.run();
    auto wan = b.sent(1);
    auto lan2 = b.sent(2);
    REQUIRE(wan.size() == 1);
    REQUIRE(lan2.size() == 1);
    check_copy(lan2[0], lan2_mac, 4, orig);  // the clear port gets it in clear
    const std::uint8_t* ip = &wan[0][14];
    CHECK(mac_at(wan[0], 0) == group_mac);
    CHECK(pkt::check_ipv4(ip, wan[0].size() - 14) == pkt::ipv4_verdict::ok);
    CHECK(ip[9] == pkt::proto_esp);
    CHECK(pkt::ipv4_src(ip) == host_a);  // (S, G) preserved
    CHECK(pkt::ipv4_dst(ip) == group);
    CHECK(pkt::get32(ip + 20) == test_spi);
    CHECK(b.worker(worker_counter::encrypt) == 1);

    // The same ESP packet arriving on wan0 from the other member: decrypted, checked
    // against the (unmirrored) group ACE, forwarded in clear out of lan2 only.
    bytes esp_frame = wan[0];
    std::memcpy(&esp_frame[6], mac_b.data(), 6);
    b.send(1, esp_frame);
    b.run();
    CHECK(b.sent(1).empty());
    CHECK(b.sent(0).empty());
    lan2 = b.sent(2);
    REQUIRE(lan2.size() == 1);
    check_copy(lan2[0], lan2_mac, 3, orig);  // routed twice: before encryption and after decryption
    CHECK(b.worker(worker_counter::decrypt) == 1);
    CHECK(b.worker(worker_counter::policy_drop) == 0);

    // The group's traffic arriving in clear on the crypto-map port should have been encrypted.
    b.send(1, eth(group_mac, mac_b, pkt::ether_ipv4, ipv4(host_b, group, 100, 5)));
    b.run();
    CHECK(b.sent(2).empty());
    CHECK(b.worker(worker_counter::policy_drop) == 1);
}

TEST_CASE("fail-close: before registration only GDOI and the fail-close deny lines cross; then the policy applies")
{
    start_eal();
    bench b;
    crypto_bench c(b);
    core::counter_set port_drops(fastpath::port_drop_names(), 1);
    b.ctx.port_drops = &port_drops;
    b.learn_neighbours();

    // What gdoi::gm hands over before registering: GDOI to its key server (host B
    // here) and the fail-close ACL's deny line "deny tcp any eq 23 any".
    const acl::merge_input registered = c.in;
    acl::access_list clear;
    clear.name = "fail-close";
    acl::ace gdoi;
    gdoi.act = acl::action::deny;
    gdoi.protocol = acl::proto_udp;
    gdoi.dst = acl::prefix::host(host_b);
    gdoi.dport = acl::port_match::eq(848);
    clear.aces.push_back(gdoi);
    acl::ace telnet;
    telnet.act = acl::action::deny;
    telnet.protocol = acl::proto_tcp;
    telnet.sport = acl::port_match::eq(23);
    clear.aces.push_back(telnet);
    c.in = {};
    c.in.local.push_back(clear);
    c.in.fail_close = true;
    c.publish(fastpath::crypto_direction::both);

    // A packet the group would encrypt is dropped and counted, for the group and lan0.
    const bytes to_b = ipv4(host_a, host_b, 64);
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, to_b));
    b.run();
    CHECK(b.sent(1).empty());
    CHECK(b.worker(worker_counter::fail_close_drop) == 1);
    CHECK(c.group_count(worker_counter::fail_close_drop) == 1);
    CHECK(port_drops.get(0, 0) == 1);
    CHECK(fastpath::is_drop(worker_counter::fail_close_drop));
    // Clear traffic arriving from the WAN is dropped as well, against wan0.
    b.send(1, eth(wan_mac, mac_b, pkt::ether_ipv4, ipv4(host_b, host_a, 64)));
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::fail_close_drop) == 2);
    CHECK(port_drops.get(0, 1) == 1);

    // The deny line passes in clear both ways: from A's telnet port out, and the mirror in.
    bytes tel_out = ipv4(host_a, host_b, 20, 64, false, acl::proto_tcp);
    pkt::put16(&tel_out[20], 23);
    pkt::put16(&tel_out[22], 40000);
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, tel_out));
    b.run();
    auto out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(out[0][14 + 9] == acl::proto_tcp);
    bytes tel_in = ipv4(host_b, host_a, 20, 64, false, acl::proto_tcp);
    pkt::put16(&tel_in[20], 40000);
    pkt::put16(&tel_in[22], 23);
    b.send(1, eth(wan_mac, mac_b, pkt::ether_ipv4, tel_in));
    b.run();
    out = b.sent(0);
    REQUIRE(out.size() == 1);
    CHECK(out[0][14 + 9] == acl::proto_tcp);

    // GDOI to the key server leaves in clear.
    bytes reg = ipv4(host_a, host_b, 20);
    pkt::put16(&reg[20], 848);
    pkt::put16(&reg[22], 848);
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, reg));
    b.run();
    out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(out[0][14 + 9] == acl::proto_udp);
    CHECK(c.group_count(worker_counter::bypass) == 3);
    CHECK(b.worker(worker_counter::fail_close_drop) == 2);

    // Registered: the group's policy replaces fail-close and the packet is encrypted.
    c.in = registered;
    c.publish(fastpath::crypto_direction::both);
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, to_b));
    b.run();
    out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(out[0][14 + 9] == pkt::proto_esp);
    CHECK(c.group_count(worker_counter::encrypt) == 1);
    CHECK(b.worker(worker_counter::fail_close_drop) == 2);
    b.ctx.port_drops = nullptr;
}

TEST_CASE("fail-close armed at start: the drop-everything policy drops IPv4 both ways until the member's policy")
{
    start_eal();
    bench b;
    crypto_bench c(b);
    b.learn_neighbours();
    // What the runtime publishes before its workers start for a group whose member
    // arms fail-close: no lines, only fail-close's drop.
    const acl::merge_input registered = c.in;
    c.in = {};
    c.in.fail_close = true;
    c.publish(fastpath::crypto_direction::both);

    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, host_b, 64)));
    b.run();
    CHECK(b.sent(1).empty());
    CHECK(b.worker(worker_counter::fail_close_drop) == 1);
    b.send(1, eth(wan_mac, mac_b, pkt::ether_ipv4, ipv4(host_b, host_a, 64)));
    b.run();
    CHECK(b.sent(0).empty());
    CHECK(b.worker(worker_counter::fail_close_drop) == 2);
    CHECK(b.worker(worker_counter::bypass) == 0);

    // The member's policy takes over: the same packet is encrypted.
    c.in = registered;
    c.publish(fastpath::crypto_direction::both);
    b.send(0, eth(lan_mac, mac_a, pkt::ether_ipv4, ipv4(host_a, host_b, 64)));
    b.run();
    const auto out = b.sent(1);
    REQUIRE(out.size() == 1);
    CHECK(out[0][14 + 9] == pkt::proto_esp);
    CHECK(b.worker(worker_counter::fail_close_drop) == 2);
}
