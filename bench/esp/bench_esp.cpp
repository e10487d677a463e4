// ESP engine benchmark: one worker lcore receives from a net_pcap port
// (rx_pcap=FILE,infinite_rx=1), encrypts or decrypts the burst with the ESP
// engine and transmits on a second net_pcap port, like the reference setup of
// issue 3. Prints one JSON object: {"mode":…,"xf":…,"mpps":…,"gbps":…,…}.
//   bench_esp EAL-ARGS -- enc|dec TRANSFORM SECONDS [BURST]
// BURST: packets per rx burst, 64 unless given (the worker's default `dataplane
// burst`; at most the engine's max_burst).
// Gbit/s counts the L2 bytes of the frames received (as testpmd does).
#include "fastpath/esp/drop.hpp"
#include "fastpath/esp/esp.hpp"
#include "fastpath/esp/lcore_crypto.hpp"
#include "fastpath/esp/sa_table.hpp"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

using namespace fastpath::esp;

namespace {

constexpr std::uint32_t bench_spi = 0x1234abcd;
constexpr std::uint32_t group_id = 1;

struct run_state {
    sa_table* table = nullptr;
    rte_rcu_qsbr* qs = nullptr;
    worker_ctx* w = nullptr;
    bool encrypt = true;
    std::uint16_t burst = 64;
    std::uint64_t cycles = 0;
    std::atomic<bool> stop{false};
    std::uint64_t rx = 0, tx = 0, rx_bytes = 0, dropped = 0, elapsed = 0;
    std::uint64_t engine_cycles = 0; // inside esp_outbound/esp_inbound: crypto + our per-packet work
};

// The bench keys: fixed, so that scripts/bench.sh can make matching input with scapy.
tek bench_tek(const std::string& xf)
{
    tek t;
    t.spi = bench_spi;
    if (xf == "gcm128") {
        t.cipher = cipher_alg::aes_gcm;
        t.cipher_key.assign(20, 0);
    } else if (xf == "cbc128sha1") {
        t.cipher = cipher_alg::aes_cbc;
        t.auth = auth_alg::hmac_sha1_96;
        t.cipher_key.assign(16, 0);
        t.auth_key.assign(20, 0);
    } else {
        return {};
    }
    for (std::size_t i = 0; i < t.cipher_key.size(); ++i) {
        t.cipher_key[i] = static_cast<std::uint8_t>(0x30 + i);
    }
    for (std::size_t i = 0; i < t.auth_key.size(); ++i) {
        t.auth_key[i] = static_cast<std::uint8_t>(0x90 + i);
    }
    return t;
}

int worker_loop(void* arg)
{
    auto& st = *static_cast<run_state*>(arg);
    rte_rcu_qsbr_thread_register(st.qs, 0);
    rte_rcu_qsbr_thread_online(st.qs, 0);
    const std::uint16_t slot = *st.table->group_slot(group_id);
    rte_mbuf* pkts[max_burst];
    const std::uint64_t start = rte_get_tsc_cycles();
    const std::uint64_t end = start + st.cycles;
    std::uint64_t now = start;
    while (now < end) {
        const std::uint16_t n = rte_eth_rx_burst(0, 0, pkts, st.burst);
        if (n != 0) {
            st.rx += n;
            for (std::uint16_t i = 0; i < n; ++i) {
                pkts[i]->l2_len = 14;
                st.rx_bytes += pkts[i]->pkt_len;
            }
            const sa_snapshot* s = st.table->current();
            st.w->now_ns = tsc_ns(now);
            const std::uint64_t t0 = rte_rdtsc();
            const std::uint16_t good = st.encrypt ? esp_outbound(*st.w, *s, slot, std::span<rte_mbuf*>(pkts, n))
                                                  : esp_inbound(*st.w, *s, std::span<rte_mbuf*>(pkts, n));
            st.engine_cycles += rte_rdtsc() - t0;
            const std::uint16_t sent = rte_eth_tx_burst(1, 0, pkts, good);
            st.tx += sent;
            st.dropped += n - sent;
            if (sent < n) {
                rte_pktmbuf_free_bulk(pkts + sent, n - sent);
            }
        }
        rte_rcu_qsbr_quiescent(st.qs, 0);
        now = rte_get_tsc_cycles();
    }
    st.elapsed = now - start;
    rte_rcu_qsbr_thread_offline(st.qs, 0);
    return 0;
}

bool port_up(std::uint16_t port, rte_mempool* pool)
{
    rte_eth_conf conf{};
    if (rte_eth_dev_configure(port, 1, 1, &conf) != 0) {
        return false;
    }
    if (rte_eth_rx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), nullptr, pool) != 0 ||
        rte_eth_tx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), nullptr) != 0) {
        return false;
    }
    return rte_eth_dev_start(port) == 0;
}

} // namespace

int main(int argc, char** argv)
{
    const int used = rte_eal_init(argc, argv);
    if (used < 0) {
        std::cerr << "bench_esp: EAL init failed\n";
        return 1;
    }
    argc -= used;
    argv += used;
    if (argc != 4 && argc != 5) {
        std::cerr << "usage: bench_esp EAL-ARGS -- enc|dec gcm128|cbc128sha1 SECONDS [BURST]\n";
        return 2;
    }
    const std::string mode = argv[1], xf = argv[2];
    const double seconds = std::atof(argv[3]);
    const int burst = argc == 5 ? std::atoi(argv[4]) : 64;
    const tek t = bench_tek(xf);
    if (t.spi == 0 || (mode != "enc" && mode != "dec") || seconds <= 0 || burst < 1 ||
        burst > static_cast<int>(max_burst)) {
        std::cerr << "bench_esp: bad arguments\n";
        return 2;
    }
    if (rte_eth_dev_count_avail() < 2) {
        std::cerr << "bench_esp: needs two ports (rx pcap, tx pcap)\n";
        return 1;
    }
    rte_mempool* pool = rte_pktmbuf_pool_create("bench_pool", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                                static_cast<int>(rte_socket_id()));
    if (pool == nullptr || !port_up(0, pool) || !port_up(1, pool)) {
        std::cerr << "bench_esp: port set-up failed\n";
        return 1;
    }

    const std::size_t qsz = rte_rcu_qsbr_get_memsize(1);
    auto* qs = static_cast<rte_rcu_qsbr*>(rte_zmalloc("bench_qs", qsz, RTE_CACHE_LINE_SIZE));
    rte_rcu_qsbr_init(qs, 1);
    auto drops = make_drop_counters();
    auto events = make_event_counters();
    auto w = make_worker_ctx(0, *drops, *events);
    auto table = sa_table::create(qs, [] { return tsc_ns(rte_get_tsc_cycles()); });
    if (!w || !table) {
        std::cerr << "bench_esp: " << (w ? *table.error : *w.error) << "\n";
        return 1;
    }
    const std::uint32_t ids[] = {1};
    if (auto r = table.value->install_sa(group_id, t); !r) {
        std::cerr << "bench_esp: " << *r.error << "\n";
        return 1;
    }
    (void)table.value->set_outbound(group_id, t.spi);
    (void)table.value->set_sender_ids(group_id, 8, ids);

    run_state st;
    st.table = table.value.get();
    st.qs = qs;
    st.w = w.value.get();
    st.encrypt = mode == "enc";
    st.burst = static_cast<std::uint16_t>(burst);
    st.cycles = static_cast<std::uint64_t>(seconds * static_cast<double>(rte_get_tsc_hz()));
    const unsigned lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
    if (lcore >= RTE_MAX_LCORE || rte_eal_remote_launch(worker_loop, &st, lcore) != 0) {
        std::cerr << "bench_esp: needs a worker lcore (-l 0,1)\n";
        return 1;
    }
    // Sleep rather than spin in rte_eal_wait_lcore: on a 2-vCPU guest a spinning
    // main lcore competes with everything else for the CPU the worker needs.
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    rte_eal_wait_lcore(lcore);

    const double secs = static_cast<double>(st.elapsed) / static_cast<double>(rte_get_tsc_hz());
    std::uint64_t engine_drops = 0;
    for (std::size_t i = 0; i < drops->size(); ++i) {
        engine_drops += drops->sum(i);
    }
    std::cout << "{\"mode\":\"" << mode << "\",\"xf\":\"" << xf << "\",\"seconds\":" << secs
              << ",\"rx\":" << st.rx << ",\"tx\":" << st.tx << ",\"engine_drops\":" << engine_drops
              << ",\"engine_ns_per_pkt\":"
              << static_cast<double>(st.engine_cycles) * 1e9 / static_cast<double>(rte_get_tsc_hz()) /
                     static_cast<double>(st.rx == 0 ? 1 : st.rx)
              << ",\"mpps\":" << static_cast<double>(st.tx) / secs / 1e6
              << ",\"gbps\":" << static_cast<double>(st.rx_bytes) * 8 / secs / 1e9 * static_cast<double>(st.tx) /
                                     static_cast<double>(st.rx == 0 ? 1 : st.rx)
              << "}\n";
    rte_eth_dev_stop(0);
    rte_eth_dev_stop(1);
    table.value.reset();
    rte_free(qs);
    rte_eal_cleanup();
    return 0;
}
