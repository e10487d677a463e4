// fastpath runtime tests. The first cases need no EAL (argv building, option
// checks); the rest share one runtime, because EAL starts once per process.
// Ports: wan0 = net_ring0 (its RX ring is injectable), lan0 = net_null0 with
// no-rx (a sink), spare0 = net_ring1 without an address. No TAP twins here:
// routing, ARP and the exception path are in test/eal/router.
#include <catch2/catch.hpp>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fastpath/eal.hpp"
#include "fastpath/port.hpp"
#include "fastpath/runtime.hpp"

using fastpath::worker_counter;

namespace {

using clock_type = std::chrono::steady_clock;

bool contains(const std::vector<std::string>& v, const std::string& s)
{
    return std::find(v.begin(), v.end(), s) != v.end();
}

// The value following `opt` in argv, or "" when absent.
std::string arg_after(const std::vector<std::string>& v, const std::string& opt)
{
    const auto it = std::find(v.begin(), v.end(), opt);
    return it == v.end() || it + 1 == v.end() ? std::string() : *(it + 1);
}

fastpath::runtime_options vdev_options()
{
    fastpath::runtime_options o;
    o.ports = {
        {"wan0", false, "net_ring0", {}},
        {"lan0", false, "net_null0,no-rx=1", {}},
        {"spare0", false, "net_ring1", {}},
    };
    o.ports[0].address = fastpath::ipv4_prefix{0x0a020001, 24};  // 10.2.0.1/24
    o.ports[1].address = fastpath::ipv4_prefix{0x0a010001, 24};  // 10.1.0.1/24
    o.exception_path = false;
    o.workers = 1;
    o.mbufs = 4095;
    // Telemetry's socket would be shared with other DPDK processes on the host.
    o.extra_eal_args = {"--no-telemetry"};
    return o;
}

// Polls `done` until it holds; the bound only stops a broken build hanging.
bool eventually(const std::function<bool()>& done)
{
    const auto deadline = clock_type::now() + std::chrono::seconds(10);
    while (!done()) {
        if (clock_type::now() > deadline) {
            return false;
        }
        rte_pause();
    }
    return true;
}

bool eal_started = false;

fastpath::runtime& shared_runtime()
{
    static std::unique_ptr<fastpath::runtime> rt = [] {
        eal_started = true;
        fastpath::start_result r = fastpath::runtime::start(vdev_options());
        INFO(r.error);
        REQUIRE(r.ok());
        return std::move(r.rt);
    }();
    return *rt;
}

// Puts `n` packets of `len` bytes on a net_ring port's RX ring. The test is
// that ring's only producer: nothing forwards into it.
void inject(const char* ring_name, rte_mempool* pool, unsigned n, std::uint16_t len)
{
    rte_ring* ring = rte_ring_lookup(ring_name);
    REQUIRE(ring != nullptr);
    std::vector<rte_mbuf*> pkts(n);
    REQUIRE(rte_pktmbuf_alloc_bulk(pool, pkts.data(), n) == 0);
    for (unsigned i = 0; i < n; ++i) {
        char* data = rte_pktmbuf_append(pkts[i], len);
        REQUIRE(data != nullptr);
        std::memset(data, static_cast<int>(i & 0xff), len);
    }
    REQUIRE(rte_ring_enqueue_burst(ring, reinterpret_cast<void**>(pkts.data()), n, nullptr) == n);
}

// Puts `n` valid IPv4/UDP frames from 10.9.0.1 to dst on a net_ring port's RX ring.
void inject_ipv4(const char* ring_name, rte_mempool* pool, unsigned n, std::uint32_t dst)
{
    rte_ring* ring = rte_ring_lookup(ring_name);
    REQUIRE(ring != nullptr);
    std::vector<rte_mbuf*> pkts(n);
    REQUIRE(rte_pktmbuf_alloc_bulk(pool, pkts.data(), n) == 0);
    for (unsigned i = 0; i < n; ++i) {
        auto* d = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(pkts[i], 14 + 28));
        REQUIRE(d != nullptr);
        std::memset(d, 0, 14 + 28);
        d[12] = 0x08;
        std::uint8_t* ip = d + 14;
        ip[0] = 0x45;
        ip[3] = 28;
        ip[8] = 64;
        ip[9] = 17;
        ip[12] = 10;
        ip[13] = 9;
        ip[15] = 1;
        for (int b = 0; b < 4; ++b) {
            ip[16 + b] = static_cast<std::uint8_t>(dst >> (24 - 8 * b));
        }
        std::uint32_t sum = 0;
        for (int b = 0; b < 20; b += 2) {
            sum += static_cast<std::uint32_t>(ip[b] << 8 | ip[b + 1]);
        }
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        ip[10] = static_cast<std::uint8_t>(~sum >> 8);
        ip[11] = static_cast<std::uint8_t>(~sum);
    }
    REQUIRE(rte_ring_enqueue_burst(ring, reinterpret_cast<void**>(pkts.data()), n, nullptr) == n);
}

} // namespace

TEST_CASE("hugepage detection reads /proc/mounts and /proc/meminfo text")
{
    CHECK(fastpath::hugetlbfs_in_mounts("proc /proc proc rw 0 0\nhugetlbfs /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n"));
    CHECK_FALSE(fastpath::hugetlbfs_in_mounts("proc /proc proc rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\n"));
    CHECK(fastpath::meminfo_free_hugepages("MemFree: 10 kB\nHugePages_Total:     512\nHugePages_Free:      300\n") == 300);
    CHECK(fastpath::meminfo_free_hugepages("MemFree: 10 kB\n") == 0);

    const fastpath::host_memory none{true, 0};
    CHECK_FALSE(none.has_hugepages());
    const fastpath::host_memory unmounted{false, 64};
    CHECK_FALSE(unmounted.has_hugepages());
}

TEST_CASE("EAL args without hugepages use --no-huge, memory for the pool and a notice")
{
    const fastpath::eal_args a = fastpath::build_eal_args(vdev_options(), fastpath::host_memory{});
    CHECK(a.argv.front() == "gdoi-router");
    CHECK(contains(a.argv, "--no-huge"));
    CHECK(contains(a.argv, "--no-shconf"));
    CHECK_FALSE(contains(a.argv, "--in-memory"));  // refused with --no-huge by DPDK 22.11
    CHECK(arg_after(a.argv, "-m") == "256");
    CHECK(contains(a.argv, "--no-pci"));
    CHECK(arg_after(a.argv, "--vdev") == "net_ring0");
    CHECK(contains(a.argv, "net_null0,no-rx=1"));
    CHECK(arg_after(a.argv, "-l") == "0-1");
    CHECK(contains(a.argv, "--log-level=*:warning"));
    // The TAP twins' PMD is quietened only when there are TAP twins.
    CHECK_FALSE(contains(a.argv, "--log-level=pmd.net.tap:critical"));
    auto with_taps = vdev_options();
    with_taps.exception_path = true;
    CHECK(contains(fastpath::build_eal_args(with_taps, {}).argv, "--log-level=pmd.net.tap:critical"));
    CHECK(a.argv.back() == "--no-telemetry");
    CHECK(a.notice == "no hugepages mounted: running with --no-huge --no-shconf");

    auto o = vdev_options();
    o.file_prefix = "gm1";
    o.mbufs = 65535;
    const fastpath::eal_args p = fastpath::build_eal_args(o, fastpath::host_memory{});
    CHECK(arg_after(p.argv, "--file-prefix") == "gm1");
    CHECK_FALSE(contains(p.argv, "--no-shconf"));
    CHECK(std::stoul(arg_after(p.argv, "-m")) > 256);  // 64K mbufs need more than the floor
    CHECK(p.notice.find("--no-huge --file-prefix gm1") != std::string::npos);

    const fastpath::eal_args full = fastpath::build_eal_args(vdev_options(), fastpath::host_memory{true, 0});
    CHECK(full.notice == "no free hugepages: running with --no-huge --no-shconf");
}

TEST_CASE("EAL args with hugepages run in memory without a notice")
{
    auto o = vdev_options();
    o.workers = 3;
    const fastpath::eal_args a = fastpath::build_eal_args(o, fastpath::host_memory{true, 512});
    CHECK(contains(a.argv, "--in-memory"));
    CHECK_FALSE(contains(a.argv, "--no-huge"));
    CHECK_FALSE(contains(a.argv, "-m"));
    CHECK(arg_after(a.argv, "-l") == "0-3");
    CHECK(a.notice.empty());

    o.file_prefix = "ks2";
    const fastpath::eal_args p = fastpath::build_eal_args(o, fastpath::host_memory{true, 512});
    CHECK(arg_after(p.argv, "--file-prefix") == "ks2");
    CHECK_FALSE(contains(p.argv, "--in-memory"));

    // The user may still ask for --no-huge: then it is the no-hugepage layout, quietly.
    o.file_prefix.clear();
    o.extra_eal_args = {"--no-huge"};
    const fastpath::eal_args u = fastpath::build_eal_args(o, fastpath::host_memory{true, 512});
    CHECK_FALSE(contains(u.argv, "--in-memory"));
    CHECK(contains(u.argv, "--no-shconf"));
    CHECK(u.notice.empty());
}

TEST_CASE("EAL args allowlist PCI ports instead of --no-pci")
{
    fastpath::runtime_options o;
    o.ports = {{"wan0", true, "0000:03:00.1", 1500}, {"lan0", false, "net_af_packet0,iface=veth1", {}}};
    const fastpath::eal_args a = fastpath::build_eal_args(o, fastpath::host_memory{});
    CHECK_FALSE(contains(a.argv, "--no-pci"));
    CHECK(arg_after(a.argv, "-a") == "0000:03:00.1");
    CHECK(arg_after(a.argv, "--vdev") == "net_af_packet0,iface=veth1");
}

TEST_CASE("EAL args put user args last and let them replace lcores, memory and logging")
{
    auto o = vdev_options();
    o.extra_eal_args = {"--lcores=0@0,1@1", "-m", "512", "--log-level=lib.eal:debug"};
    const fastpath::eal_args a = fastpath::build_eal_args(o, fastpath::host_memory{});
    CHECK_FALSE(contains(a.argv, "-l"));
    CHECK(arg_after(a.argv, "-m") == "512");
    CHECK_FALSE(contains(a.argv, "--log-level=*:warning"));
    REQUIRE(a.argv.size() >= 4);
    CHECK(std::equal(o.extra_eal_args.begin(), o.extra_eal_args.end(), a.argv.end() - 4));

    o.extra_eal_args = {"-l1-2"};
    CHECK_FALSE(contains(fastpath::build_eal_args(o, fastpath::host_memory{}).argv, "0-1"));
}

TEST_CASE("device names follow EAL naming for vdevs and PCI addresses")
{
    CHECK(fastpath::device_name({"lan0", false, "net_af_packet0,iface=veth1", {}}) == "net_af_packet0");
    CHECK(fastpath::device_name({"lan0", false, "net_ring0", {}}) == "net_ring0");
    CHECK(fastpath::device_name({"wan0", true, "03:00.1", {}}) == "0000:03:00.1");
    CHECK(fastpath::device_name({"wan0", true, "0000:03:00.1", {}}) == "0000:03:00.1");
}

TEST_CASE("options are checked before EAL starts")
{
    auto o = vdev_options();
    CHECK(fastpath::validate(o).empty());
    o.workers = 0;
    CHECK(fastpath::validate(o).find("worker") != std::string::npos);
    o = vdev_options();
    o.burst = fastpath::max_burst + 1;
    CHECK(fastpath::validate(o).find("burst") != std::string::npos);
    o = vdev_options();
    o.ports.push_back({"wan0", false, "net_ring5", {}});
    CHECK(fastpath::validate(o).find("wan0") != std::string::npos);
    // A bad option must not consume the process's one EAL start.
    CHECK_FALSE(fastpath::runtime::start(o).ok());
}

// Runs runtime::start() in a child process, since EAL starts only once per
// process, and returns its error, or "started" plus what `probe` says about
// the running runtime ("" if the child crashed).
std::string start_in_child(const fastpath::runtime_options& o,
                           const std::function<std::string(fastpath::runtime&)>& probe = {})
{
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        fastpath::start_result r = fastpath::runtime::start(o);
        const std::string msg = !r.ok() ? r.error : probe ? "started " + probe(*r.rt) : "started";
        r.rt.reset();
        const bool written = write(fds[1], msg.data(), msg.size()) == static_cast<ssize_t>(msg.size());
        _exit(written ? 0 : 1);
    }
    close(fds[1]);
    std::string msg;
    char buf[512];
    ssize_t n = 0;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
        msg.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO(msg);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    return msg;
}

// The child-process cases must come before the ones that start EAL here.
TEST_CASE("start() with a missing port fails naming the interface")
{
    auto o = vdev_options();
    // af_packet on an interface that does not exist: EAL probes nothing.
    o.ports = {{"wan0", false, "net_ring0", {}}, {"lan7", false, "net_af_packet7,iface=gdoi-nosuch7", {}}};
    if (eal_started) {
        WARN("EAL already up in this process: checking find_port only");
        CHECK(fastpath::find_port(o.ports[1]).error.find("lan7") != std::string::npos);
        return;
    }
    const std::string msg = start_in_child(o);
    CHECK(msg.find("interface lan7") != std::string::npos);
    CHECK(msg.find("net_af_packet7") != std::string::npos);
}

TEST_CASE("start() rejects an MTU the device or the mbufs cannot take")
{
    if (eal_started) {
        WARN("EAL already up in this process: skipped");
        return;
    }
    auto o = vdev_options();
    o.ports[1].mtu = 20;
    CHECK(start_in_child(o).find("interface lan0: MTU 20 outside the device range") != std::string::npos);
    o.ports[1].mtu = 9000;
    CHECK(start_in_child(o).find("interface lan0: MTU 9000 does not fit") != std::string::npos);
    o.ports[1].mtu = 1500;
    CHECK(start_in_child(o) == "started");
}

TEST_CASE("start() fails when EAL has fewer worker lcores than requested")
{
    if (eal_started) {
        WARN("EAL already up in this process: skipped");
        return;
    }
    auto o = vdev_options();
    o.workers = 2;
    o.extra_eal_args.push_back("-l");
    o.extra_eal_args.push_back("0-1");
    CHECK(start_in_child(o) == "2 workers requested but EAL has only 1 worker lcores");
}

TEST_CASE("start() gives each of several workers its own queues, with RSS where offered")
{
    if (eal_started) {
        WARN("EAL already up in this process: skipped");
        return;
    }
    auto o = vdev_options();
    o.workers = 3;
    // Three worker lcores on this host's CPUs, whatever their number.
    o.extra_eal_args.push_back("--lcores=(0-3)@(0-1)");
    const auto probe = [](fastpath::runtime& rt) {
        std::string out;
        for (const fastpath::port_info& p : rt.ports()) {
            rte_eth_dev_info info{};
            rte_eth_dev_info_get(p.port_id, &info);
            rte_eth_rss_conf rss{};
            const bool hashing = rte_eth_dev_rss_hash_conf_get(p.port_id, &rss) == 0 && rss.rss_hf != 0;
            out += p.name + ":" + std::to_string(info.nb_rx_queues) + "/" + std::to_string(info.nb_tx_queues) +
                (hashing ? ":rss " : " ");
        }
        // Every worker polls: its own loop counter moves.
        for (unsigned w = 0; w < rt.workers(); ++w) {
            const bool polls = eventually([&] { return rt.counters().get(w, std::size_t(worker_counter::loops)) > 0; });
            out += polls ? "w" + std::to_string(w) + " " : "";
        }
        return out;
    };
    // net_null offers RSS, net_ring does not.
    CHECK(start_in_child(o, probe) == "started wan0:3/3 lan0:3/3:rss spare0:3/3 w0 w1 w2 ");
}

TEST_CASE("the runtime starts its ports and workers")
{
    fastpath::runtime& rt = shared_runtime();
    REQUIRE(rt.running());
    REQUIRE(rt.workers() == 1);
    CHECK(rt.worker_lcores() == std::vector<unsigned>{1});
    REQUIRE(rt.ports().size() == 3);
    for (const fastpath::port_info& p : rt.ports()) {
        CHECK(p.tap_id == fastpath::no_tap_port);
    }
    // The first routing snapshot is published before the workers start.
    CHECK(rt.route_generation() == 1);
    for (const fastpath::port_stats& s : rt.stats()) {
        INFO(s.name);
        CHECK(s.link_up);
    }
    REQUIRE(rt.mempool(0) != nullptr);
    CHECK(rte_mempool_lookup(fastpath::mempool_name(rt.ports()[0].socket).c_str()) == rt.mempool(0));

    const std::uint64_t loops = rt.total(worker_counter::loops);
    CHECK(eventually([&] { return rt.total(worker_counter::loops) > loops + 1000; }));
    CHECK(rt.total(worker_counter::idle_loops) > 0);
}

TEST_CASE("find_port names an interface whose device EAL does not have")
{
    shared_runtime();
    const fastpath::port_lookup l = fastpath::find_port({"lan9", false, "net_ring9", {}});
    CHECK_FALSE(l.ok());
    CHECK(l.error.find("interface lan9") != std::string::npos);
    CHECK(l.error.find("net_ring9") != std::string::npos);
    CHECK(fastpath::find_port({"wan0", false, "net_ring0", {}}).ok());
}

TEST_CASE("workers report RCU quiescence so a grace period ends")
{
    fastpath::runtime& rt = shared_runtime();
    rte_rcu_qsbr* q = rt.qsbr();
    REQUIRE(q != nullptr);
    const std::uint64_t token = rte_rcu_qsbr_start(q);
    CHECK(eventually([&] { return rte_rcu_qsbr_check(q, token, false) == 1; }));
}

TEST_CASE("frames that are not IPv4 or ARP are counted in and dropped as not_ipv4")
{
    fastpath::runtime& rt = shared_runtime();
    constexpr unsigned n = 300;  // several bursts
    constexpr std::uint16_t len = 128;
    const auto before = rt.stats();
    const auto get = [&](worker_counter c) { return rt.total(c); };
    const std::uint64_t rx0 = get(worker_counter::rx_packets);
    const std::uint64_t rxb0 = get(worker_counter::rx_bytes);
    const std::uint64_t drop0 = get(worker_counter::not_ipv4);
    const std::uint64_t tx0 = get(worker_counter::tx_packets);

    // Every byte of frame i is i & 0xff: EtherType 0x0000, 0x0101, ..., never 0x0800 or 0x0806.
    inject("ETH_RXTX0_net_ring0", rt.mempool(0), n, len);

    REQUIRE(eventually([&] { return get(worker_counter::not_ipv4) - drop0 == n; }));
    const auto after = rt.stats();
    CHECK(after[0].ipackets - before[0].ipackets == n);
    // One worker, one queue per port: the queue's count is the port's.
    REQUIRE(after[0].queues.size() == 1);
    CHECK(after[0].queues[0].ipackets - before[0].queues[0].ipackets == n);
    // net_ring counts packets but not bytes: bytes come from the worker.
    CHECK(get(worker_counter::rx_packets) - rx0 == n);
    CHECK(get(worker_counter::rx_bytes) - rxb0 == n * len);
    CHECK(get(worker_counter::tx_packets) == tx0);
    CHECK(after[1].opackets == before[1].opackets);
}

TEST_CASE("IPv4 to an unrouted address is dropped as no_route, silently from a port without an address")
{
    fastpath::runtime& rt = shared_runtime();
    constexpr unsigned n = 40;
    const std::uint64_t drops = rt.total(worker_counter::no_route);
    const std::uint64_t icmp = rt.total(worker_counter::icmp_sent);
    const std::uint64_t ipackets = rt.stats()[2].ipackets;

    inject_ipv4("ETH_RXTX0_net_ring1", rt.mempool(2), n, 0xc0a80101);  // 192.168.1.1

    CHECK(eventually([&] { return rt.total(worker_counter::no_route) - drops == n; }));
    CHECK(rt.stats()[2].ipackets - ipackets == n);
    CHECK(rt.stats()[2].opackets == 0);
    CHECK(rt.total(worker_counter::icmp_sent) == icmp);
}

TEST_CASE("stats_line summarises ports and workers on one line")
{
    fastpath::runtime& rt = shared_runtime();
    const std::string line = rt.stats_line();
    INFO(line);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find("wan0 up rx ") != std::string::npos);
    CHECK(line.find("lan0 up rx 0 tx ") != std::string::npos);
    CHECK(line.find("spare0 up") != std::string::npos);
    CHECK(line.find("w0@lcore1 rx ") != std::string::npos);
    // Drop reasons are named.
    CHECK(line.find("no_route 40") != std::string::npos);
    CHECK(line.find("not_ipv4 300") != std::string::npos);
}

// Last: stops the shared runtime for good.
TEST_CASE("set_static_routes publishes a new routing table under the running workers")
{
    fastpath::runtime& rt = shared_runtime();
    constexpr unsigned n = 20;
    const std::uint64_t gen = rt.route_generation();
    const std::uint64_t no_route = rt.total(worker_counter::no_route);
    const std::uint64_t pending = rt.total(worker_counter::arp_pending) + rt.total(worker_counter::no_neighbour);

    // 192.168.1.0/24 via 10.1.0.9 (on port 1's subnet): routed, so it waits for ARP.
    const std::string added = rt.set_static_routes({{{0xc0a80100, 24}, 0x0a010009, ""}});
    INFO(added);
    REQUIRE(added.empty());
    CHECK(rt.route_generation() == gen + 1);
    // A poll that began before the swap still routes with the old table: wait
    // for every worker to pass a quiescent state before sending.
    const auto grace = [&] {
        const std::uint64_t token = rte_rcu_qsbr_start(rt.qsbr());
        return eventually([&] { return rte_rcu_qsbr_check(rt.qsbr(), token, false) == 1; });
    };
    REQUIRE(grace());
    inject_ipv4("ETH_RXTX0_net_ring1", rt.mempool(2), n, 0xc0a80101);
    CHECK(eventually([&] {
        return rt.total(worker_counter::arp_pending) + rt.total(worker_counter::no_neighbour) - pending == n;
    }));
    CHECK(rt.total(worker_counter::no_route) == no_route);

    // Taken out again: no route.
    REQUIRE(rt.set_static_routes({}).empty());
    CHECK(rt.route_generation() == gen + 2);
    REQUIRE(grace());
    inject_ipv4("ETH_RXTX0_net_ring1", rt.mempool(2), n, 0xc0a80101);
    CHECK(eventually([&] { return rt.total(worker_counter::no_route) - no_route == n; }));

    // A route the table cannot take is named, and the rest still applies.
    const std::string err = rt.set_static_routes({{{0xc0a80200, 24}, 0, "nosuch0"}});
    CHECK(err.find("nosuch0") != std::string::npos);
    REQUIRE(rt.set_static_routes({}).empty());
}

TEST_CASE("stop() is fast, frees the pool and QSBR, keeps final counters and is idempotent")
{
    fastpath::runtime& rt = shared_runtime();
    const std::string pool_name = fastpath::mempool_name(rt.ports()[0].socket);
    const std::uint64_t forwarded = rt.total(worker_counter::tx_packets);

    auto t0 = clock_type::now();
    rt.stop_dataplane();
    const auto dataplane_time = clock_type::now() - t0;
    CHECK(dataplane_time < std::chrono::seconds(1));
    CHECK_FALSE(rt.running());
    CHECK(rt.qsbr() == nullptr);
    CHECK(rt.mempool(0) == nullptr);
    CHECK(rte_mempool_lookup(pool_name.c_str()) == nullptr);

    // Workers have exited: the counters no longer move and stay readable.
    const std::uint64_t loops = rt.total(worker_counter::loops);
    CHECK(rt.total(worker_counter::loops) == loops);
    CHECK(rt.total(worker_counter::tx_packets) >= forwarded);
    const auto final_stats = rt.stats();
    REQUIRE(final_stats.size() == 3);
    CHECK(final_stats[1].opackets == rt.total(worker_counter::tx_packets));

    t0 = clock_type::now();
    rt.stop();
    rt.stop();
    CHECK(clock_type::now() - t0 < std::chrono::seconds(1));
    CHECK(rt.stats().size() == 3);
}
