// SA table: installer validation, generations, outbound choice, snapshots and
// non-blocking reclaim through rte_rcu_qsbr.
#include "engine_harness.hpp"

#include "fastpath/esp/recording_installer.hpp"

#include <catch2/catch.hpp>

using namespace esp_test;

TEST_CASE("installer refuses bad TEKs and says why", "[sa_table]")
{
    harness h;
    tek t = make_tek(find_transform("gcm128"), 0x100);
    t.cipher_key.pop_back();
    auto r = h.table->install_sa(1, t);
    REQUIRE_FALSE(r);
    CHECK(r.error->find("salt") != std::string::npos);

    t = make_tek(find_transform("cbc128-sha1"), 0x100);
    t.auth = auth_alg::none;
    CHECK_FALSE(h.table->install_sa(1, t));
    t = make_tek(find_transform("cbc128-sha1"), 0x100);
    t.esn = true; // ESN without a replay window
    CHECK_FALSE(h.table->install_sa(1, t));
    t = make_tek(find_transform("gmac128"), 0x100);
    t.esn = true;
    t.replay_window = 64;
    CHECK_FALSE(h.table->install_sa(1, t));
    t = make_tek(find_transform("gcm128"), 0x100);
    t.replay_window = 100;
    CHECK_FALSE(h.table->install_sa(1, t));
    t = make_tek(find_transform("gcm128"), 5); // reserved SPI
    CHECK_FALSE(h.table->install_sa(1, t));
    CHECK(h.table->sa_count() == 0);

    REQUIRE(h.table->install_sa(1, make_tek(find_transform("gcm128"), 0x100)));
    CHECK_FALSE(h.table->install_sa(1, make_tek(find_transform("gcm128"), 0x100))); // duplicate SPI
    CHECK_FALSE(h.table->set_outbound(2, 0x100));                                   // another group's SA
    const std::uint32_t too_big[] = {300};
    CHECK_FALSE(h.table->set_sender_ids(1, 8, too_big));
    CHECK_FALSE(h.table->set_pseudotime(1, 1, 0, 1));

    REQUIRE(h.table->install_sa(1, make_tek(find_transform("3des-sha1"), 0x200)));
    REQUIRE(h.table->last_notice());
    CHECK(h.table->last_notice()->find("legacy") != std::string::npos);
}

TEST_CASE("lookup covers the current and previous generation", "[sa_table]")
{
    harness h;
    const auto x = find_transform("gcm128");
    REQUIRE(h.table->install_sa(1, make_tek(x, 0x101)));
    REQUIRE(h.table->set_outbound(1, 0x101));
    REQUIRE(h.table->install_sa(1, make_tek(x, 0x102)));
    CHECK(h.snap().lookup(0x101) != nullptr);
    CHECK(h.snap().lookup(0x102) != nullptr);
    // Outbound moves to the new SA; a third generation pushes the first out.
    REQUIRE(h.table->set_outbound(1, 0x102));
    REQUIRE(h.table->install_sa(1, make_tek(x, 0x103)));
    CHECK(h.snap().lookup(0x101) == nullptr);
    CHECK(h.snap().lookup(0x102) != nullptr);
    CHECK(h.snap().lookup(0x103) != nullptr);
    CHECK(h.snap().group(*h.table->group_slot(1)).outbound == h.snap().lookup(0x102));
    // Another group lives beside it.
    REQUIRE(h.table->install_sa(2, make_tek(x, 0x201)));
    CHECK(h.snap().lookup(0x201) != nullptr);
    CHECK(*h.table->group_slot(2) != *h.table->group_slot(1));
    CHECK(h.snap().lookup(0x999) == nullptr);
    // Removing the outbound SA leaves the group without one.
    REQUIRE(h.table->remove_sa(0x102));
    CHECK(h.snap().lookup(0x102) == nullptr);
    CHECK(h.snap().group(*h.table->group_slot(1)).outbound == nullptr);
    CHECK_FALSE(h.table->remove_sa(0x102));
}

TEST_CASE("many SAs hash and look up correctly", "[sa_table]")
{
    harness h;
    const auto x = find_transform("cbc128-sha1");
    for (std::uint32_t g = 0; g < 40; ++g) {
        REQUIRE(h.table->install_sa(g, make_tek(x, 0x10000 + g * 7919)));
        REQUIRE(h.table->install_sa(g, make_tek(x, 0x20000 + g * 104729)));
    }
    for (std::uint32_t g = 0; g < 40; ++g) {
        const sa_rt* a = h.snap().lookup(0x10000 + g * 7919);
        REQUIRE(a != nullptr);
        CHECK(a->spi == 0x10000 + g * 7919);
        CHECK(a->group_slot == *h.table->group_slot(g));
        CHECK(h.snap().lookup(0x20000 + g * 104729) != nullptr);
    }
}

TEST_CASE("old snapshots wait for every worker to be quiescent", "[sa_table][rcu]")
{
    harness h;
    REQUIRE(rte_rcu_qsbr_thread_register(h.qs, 0) == 0);
    rte_rcu_qsbr_thread_online(h.qs, 0);
    const auto x = find_transform("gcm128");
    const sa_snapshot* seen = h.table->current(); // the worker holds this one
    REQUIRE(h.table->install_sa(1, make_tek(x, 0x301)));
    REQUIRE(h.table->install_sa(1, make_tek(x, 0x302)));
    CHECK(h.table->current() != seen);
    CHECK(h.table->reclaim() == 2); // the worker has not passed a quiescent state
    CHECK(h.table->retired() == 2);
    rte_rcu_qsbr_quiescent(h.qs, 0);
    CHECK(h.table->reclaim() == 0);
    // An SA removed while a worker may hold it stays alive with that snapshot.
    const sa_rt* held = h.table->current()->lookup(0x301);
    REQUIRE(held != nullptr);
    REQUIRE(h.table->remove_sa(0x301));
    CHECK(h.table->reclaim() == 1);
    CHECK(held->spi == 0x301); // still readable (ASan would flag a free)
    rte_rcu_qsbr_quiescent(h.qs, 0);
    CHECK(h.table->reclaim() == 0);
    rte_rcu_qsbr_thread_offline(h.qs, 0);
    rte_rcu_qsbr_thread_unregister(h.qs, 0);
}

TEST_CASE("the recording installer records what the protocol installed", "[installer]")
{
    recording_installer r;
    sa_installer& i = r;
    const auto x = find_transform("gcm128");
    REQUIRE(i.install_sa(3, make_tek(x, 0x500)));
    REQUIRE(i.set_outbound(3, 0x500));
    CHECK_FALSE(i.set_outbound(4, 0x500));
    const std::uint32_t ids[] = {7, 8};
    REQUIRE(i.set_sender_ids(3, 8, ids));
    REQUIRE(i.set_pseudotime(3, 100, 1'000'000, 50));
    REQUIRE(i.remove_sa(0x500));
    CHECK_FALSE(i.remove_sa(0x500));
    REQUIRE(r.calls().size() == 5);
    CHECK(r.calls()[0].op == "install_sa");
    CHECK(r.calls()[2].args == std::vector<std::uint64_t>{8, 7, 8});
    CHECK(r.calls()[3].args == std::vector<std::uint64_t>{100, 1'000'000, 50});
    CHECK(r.outbound(3) == 0);
    CHECK_FALSE(r.has_sa(0x500));
}
