// EAL test: the SA table is swapped 1,000 times while a worker lcore encrypts
// and decrypts a steady stream. Every packet must come back intact (no loss,
// no mis-encryption) and no snapshot or SA may be freed while the worker can
// still see it (run under ASan as well). Also: per-SA counts written by two
// lcores at once add up exactly. Uses --no-huge --no-pci --no-shconf (DPDK 22.11 refuses --in-memory with --no-huge).
#include "../../unit/fastpath/engine_harness.hpp"

#include <catch2/catch.hpp>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include <atomic>
#include <functional>
#include <vector>

using namespace esp_test;

namespace {

constexpr std::uint32_t group_id = 42;
constexpr unsigned burst = 32;

struct shared_state {
    sa_table* table = nullptr;
    rte_rcu_qsbr* qs = nullptr;
    rte_mempool* pool = nullptr;
    worker_ctx* w = nullptr;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> loops{0};
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t wrong = 0;      // decrypted to something other than what was sent
    std::uint64_t not_back = 0;   // encrypted but did not decrypt
    std::uint64_t alloc_fail = 0;
    std::uint64_t gen_backwards = 0;
};

// Packet k carries k in its payload so a mix-up cannot go unnoticed.
bytes packet(std::uint64_t k)
{
    bytes p = make_ipv4(0x0a000001, 0x0a000002, 64, 0, 64, false, static_cast<std::uint8_t>(k));
    for (int i = 0; i < 8; ++i) {
        p[28 + i] = static_cast<std::uint8_t>(k >> (8 * i));
    }
    return p;
}

// Pipeline of one burst: encrypt burst i with snapshot s_i, decrypt burst i-1's
// packets with s_i too, so packets cross a swap between encryption and decryption.
int worker_main(void* arg)
{
    auto& st = *static_cast<shared_state*>(arg);
    const unsigned tid = 0;
    rte_rcu_qsbr_thread_register(st.qs, tid);
    rte_rcu_qsbr_thread_online(st.qs, tid);
    rte_mbuf* pending[burst];
    std::uint64_t pending_first = 0;
    unsigned npending = 0;
    std::uint64_t next = 0;
    std::uint64_t last_gen = 0;
    const std::uint16_t slot = *st.table->group_slot(group_id);

    auto drain = [&](const sa_snapshot& s) {
        if (npending == 0) {
            return;
        }
        const auto good = esp_inbound(*st.w, s, std::span<rte_mbuf*>(pending, npending));
        st.not_back += npending - good;
        st.received += good;
        // Good ones keep their order; compare payloads with what was sent.
        for (unsigned i = 0; i < good; ++i) {
            const auto* d = rte_pktmbuf_mtod(pending[i], const std::uint8_t*);
            std::uint64_t k = 0;
            for (int b = 7; b >= 0; --b) {
                k = k << 8 | d[28 + b];
            }
            const bytes want = packet(k);
            if (k < pending_first || k >= pending_first + npending || pending[i]->data_len != want.size() ||
                std::memcmp(d, want.data(), want.size()) != 0) {
                ++st.wrong;
            }
        }
        rte_pktmbuf_free_bulk(pending, npending);
        npending = 0;
    };

    while (!st.stop.load(std::memory_order_acquire)) {
        const sa_snapshot* s = st.table->current(); // once per burst
        if (s->generation() < last_gen) {
            ++st.gen_backwards;
        }
        last_gen = s->generation();
        st.w->now_ns = tsc_ns(rte_get_tsc_cycles());
        drain(*s);

        rte_mbuf* m[burst];
        if (rte_pktmbuf_alloc_bulk(st.pool, m, burst) != 0) {
            ++st.alloc_fail;
        } else {
            const std::uint64_t first = next;
            for (unsigned i = 0; i < burst; ++i) {
                const bytes p = packet(next++);
                std::memcpy(rte_pktmbuf_append(m[i], static_cast<std::uint16_t>(p.size())), p.data(), p.size());
            }
            const auto good = esp_outbound(*st.w, *s, slot, std::span<rte_mbuf*>(m, burst));
            st.sent += burst;
            st.not_back += burst - good;
            for (unsigned i = 0; i < good; ++i) {
                pending[i] = m[i];
            }
            npending = good;
            pending_first = first;
            if (good < burst) {
                rte_pktmbuf_free_bulk(m + good, burst - good);
            }
        }
        rte_rcu_qsbr_quiescent(st.qs, tid);
        st.loops.fetch_add(1, std::memory_order_release);
    }
    drain(*st.table->current());
    rte_rcu_qsbr_thread_offline(st.qs, tid);
    rte_rcu_qsbr_thread_unregister(st.qs, tid);
    return 0;
}

// One lcore's share of the counts test: encrypt a burst, decrypt it, free it.
struct count_worker {
    const sa_table* table = nullptr;
    rte_mempool* pool = nullptr;
    worker_ctx* w = nullptr;
    std::uint16_t slot = 0;
    unsigned bursts = 0;
    std::uint64_t enc = 0, enc_bytes = 0, dec = 0, dec_bytes = 0; // what the engine returned as good
    unsigned failed = 0;
    // Called between bursts on the control side (main lcore only).
    std::function<void()> between;
};

int count_main(void* arg)
{
    auto& c = *static_cast<count_worker*>(arg);
    for (unsigned b = 0; b < c.bursts; ++b) {
        const sa_snapshot& s = *c.table->current();
        rte_mbuf* m[burst];
        std::uint32_t len[burst];
        if (rte_pktmbuf_alloc_bulk(c.pool, m, burst) != 0) {
            ++c.failed;
            continue;
        }
        for (unsigned i = 0; i < burst; ++i) {
            const bytes p = make_ipv4(0x0a000001, 0x0a000002, (b * 7 + i * 13) % 300);
            std::memcpy(rte_pktmbuf_append(m[i], static_cast<std::uint16_t>(p.size())), p.data(), p.size());
            len[i] = static_cast<std::uint32_t>(p.size());
        }
        const auto good = esp_outbound(*c.w, s, c.slot, std::span<rte_mbuf*>(m, burst));
        c.enc += good;
        for (unsigned i = 0; i < good; ++i) {
            c.enc_bytes += len[i]; // good ones keep their order
        }
        const auto back = esp_inbound(*c.w, s, std::span<rte_mbuf*>(m, good));
        c.dec += back;
        for (unsigned i = 0; i < back; ++i) {
            c.dec_bytes += m[i]->data_len;
        }
        c.failed += burst - back;
        rte_pktmbuf_free_bulk(m, burst);
        if (c.between) {
            c.between();
        }
    }
    return 0;
}

bool eal_up()
{
    static bool ok = [] {
        const char* argv[] = {"test_eal_esp", "-l", "0-1", "--no-huge", "--no-pci", "--no-shconf",
                              "--log-level=lib.eal:error"};
        return rte_eal_init(static_cast<int>(std::size(argv)), const_cast<char**>(argv)) >= 0;
    }();
    return ok;
}

} // namespace

TEST_CASE("1,000 SA table swaps under a steady stream lose and corrupt nothing", "[eal][rcu]")
{
    REQUIRE(eal_up());
    const unsigned worker_lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
    REQUIRE(worker_lcore < RTE_MAX_LCORE);

    shared_state st;
    const std::size_t qsz = rte_rcu_qsbr_get_memsize(1);
    st.qs = static_cast<rte_rcu_qsbr*>(rte_zmalloc("esp_qs", qsz, RTE_CACHE_LINE_SIZE));
    REQUIRE(st.qs != nullptr);
    REQUIRE(rte_rcu_qsbr_init(st.qs, 1) == 0);
    st.pool = rte_pktmbuf_pool_create("esp_rcu_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    REQUIRE(st.pool != nullptr);

    auto drops = make_drop_counters();
    auto events = make_event_counters();
    auto w = make_worker_ctx(0, *drops, *events);
    REQUIRE(w);
    st.w = w.value.get();
    auto t = sa_table::create(st.qs, [] { return tsc_ns(rte_get_tsc_cycles()); });
    REQUIRE(t);
    st.table = t.value.get();

    const transform& x = find_transform("gcm128");
    std::uint32_t spi = 0x10000;
    REQUIRE(st.table->install_sa(group_id, make_tek(x, spi, 1)));
    REQUIRE(st.table->set_outbound(group_id, spi));
    const std::uint32_t ids[] = {9};
    REQUIRE(st.table->set_sender_ids(group_id, 8, ids));

    REQUIRE(rte_eal_remote_launch(worker_main, &st, worker_lcore) == 0);

    // Wait (without blocking in the table) until the worker has finished `n` more loops.
    auto wait_loops = [&st](std::uint64_t n) {
        const std::uint64_t target = st.loops.load(std::memory_order_acquire) + n;
        while (st.loops.load(std::memory_order_acquire) < target) {
            rte_pause();
        }
    };

    std::size_t max_retired = 0;
    for (int swap = 0; swap < 1000; ++swap) {
        if (swap % 2 == 0) {
            // Rekey: a new generation, then outbound moves to it (make-before-break);
            // the generation before the previous one is dropped and reclaimed later.
            const std::uint32_t next_spi = spi + 1;
            REQUIRE(st.table->install_sa(group_id, make_tek(x, next_spi, static_cast<std::uint8_t>(swap))));
            REQUIRE(st.table->set_outbound(group_id, next_spi));
            spi = next_spi;
        } else {
            // Same SAs, new snapshot (a policy-side change).
            st.table->set_df_policy(swap % 4 == 1 ? df_policy::set : df_policy::copy);
        }
        max_retired = std::max(max_retired, st.table->retired());
        st.table->reclaim(); // non-blocking
        // Let packets encrypted under the previous generation drain before the
        // next rekey drops it: one loop to finish, one more to decrypt.
        wait_loops(2);
    }
    wait_loops(4);
    st.stop.store(true, std::memory_order_release);
    REQUIRE(rte_eal_wait_lcore(worker_lcore) == 0);
    while (st.table->reclaim() != 0) {
        rte_pause(); // the worker is offline: everything is reclaimable now
    }

    INFO("sent " << st.sent << " received " << st.received << " not back " << st.not_back << " wrong "
                 << st.wrong << " alloc failures " << st.alloc_fail);
    CHECK(st.sent > 1000 * burst);
    CHECK(st.received == st.sent);
    CHECK(st.not_back == 0);
    CHECK(st.wrong == 0);
    CHECK(st.alloc_fail == 0);
    CHECK(st.gen_backwards == 0);
    CHECK(max_retired >= 1);
    CHECK(st.table->retired() == 0);
    CHECK(st.table->sa_count() == 2); // current and previous generation only
    CHECK(rte_mempool_in_use_count(st.pool) == 0); // no mbuf leaked

    t.value.reset();
    w.value.reset();
    rte_mempool_free(st.pool);
    rte_free(st.qs);
}

TEST_CASE("per-SA counts from two lcores at once add up exactly", "[eal][counts]")
{
    REQUIRE(eal_up());
    const unsigned worker_lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
    REQUIRE(worker_lcore < RTE_MAX_LCORE);
    const std::size_t qsz = rte_rcu_qsbr_get_memsize(2);
    auto* qs = static_cast<rte_rcu_qsbr*>(rte_zmalloc("esp_count_qs", qsz, RTE_CACHE_LINE_SIZE));
    REQUIRE(qs != nullptr);
    REQUIRE(rte_rcu_qsbr_init(qs, 2) == 0);
    rte_mempool* pool = rte_pktmbuf_pool_create("esp_count_pool", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    REQUIRE(pool != nullptr);
    auto drops = make_drop_counters();
    auto events = make_event_counters();
    auto w0 = make_worker_ctx(0, *drops, *events);
    auto w1 = make_worker_ctx(1, *drops, *events);
    REQUIRE(w0);
    REQUIRE(w1);
    auto t = sa_table::create(qs, [] { return tsc_ns(rte_get_tsc_cycles()); });
    REQUIRE(t);
    const std::uint32_t spi = 0xc0c0;
    REQUIRE(t.value->install_sa(group_id, make_tek(find_transform("gcm128"), spi, 3)));
    REQUIRE(t.value->set_outbound(group_id, spi));
    const std::uint32_t ids[] = {1, 2};
    REQUIRE(t.value->set_sender_ids(group_id, 8, ids));
    const std::uint16_t slot = *t.value->group_slot(group_id);

    count_worker c0, c1;
    for (auto [c, w] : {std::pair{&c0, w0.value.get()}, std::pair{&c1, w1.value.get()}}) {
        c->table = t.value.get();
        c->pool = pool;
        c->w = w;
        c->slot = slot;
        c->bursts = 20000;
    }
    // The control plane reads while lcore 1 writes: the sums never go back.
    sa_counts last;
    bool backwards = false;
    c1.between = [&] {
        const sa_counts now = *t.value->counts(spi);
        backwards |= now.enc_pkts < last.enc_pkts || now.dec_pkts < last.dec_pkts ||
                     now.enc_bytes < last.enc_bytes || now.dec_bytes < last.dec_bytes;
        last = now;
    };
    REQUIRE(rte_eal_remote_launch(count_main, &c0, worker_lcore) == 0);
    count_main(&c1);
    REQUIRE(rte_eal_wait_lcore(worker_lcore) == 0);

    const sa_counts got = *t.value->counts(spi);
    CHECK(c0.failed == 0);
    CHECK(c1.failed == 0);
    CHECK_FALSE(backwards);
    CHECK(got.enc_pkts == 2u * 20000 * burst);
    CHECK(got.enc_pkts == c0.enc + c1.enc);
    CHECK(got.enc_bytes == c0.enc_bytes + c1.enc_bytes);
    CHECK(got.dec_pkts == c0.dec + c1.dec);
    CHECK(got.dec_bytes == c0.dec_bytes + c1.dec_bytes);
    CHECK(got.dec_bytes == got.enc_bytes);

    t.value.reset();
    rte_mempool_free(pool);
    rte_free(qs);
}
