// Per-lcore counters: lcore isolation, sums and cache-line layout.
#include "core/counters.hpp"

#include <catch2/catch.hpp>

#include <thread>

enum class drop { no_sa, bad_icv, replay };

TEST_CASE("counters sum over lcores and look up by name", "[counters]")
{
    core::counter_set c({"no_sa", "bad_icv", "replay"}, 4);
    c.add(0, drop::no_sa);
    c.add(3, drop::no_sa, 5);
    c.add(1, drop::replay, 2);
    CHECK(c.sum(0) == 6);
    CHECK(c.get(3, 0) == 5);
    CHECK(c.sum(*c.index("replay")) == 2);
    CHECK_FALSE(c.index("nope").has_value());
    const auto t = c.totals();
    REQUIRE(t.size() == 3);
    CHECK(t[1] == std::pair<std::string, std::uint64_t>{"bad_icv", 0});
    c.reset();
    CHECK(c.sum(0) == 0);
}

TEST_CASE("each lcore writes only its own cache lines", "[counters]")
{
    core::counter_set c({"a", "b", "c", "d", "e", "f", "g", "h", "i"}, 2); // 9 counters: two lines per row
    std::thread t1([&] { for (int i = 0; i < 100000; ++i) c.add(0, std::size_t{8}); });
    std::thread t2([&] { for (int i = 0; i < 100000; ++i) c.add(1, std::size_t{8}); });
    t1.join();
    t2.join();
    CHECK(c.get(0, 8) == 100000);
    CHECK(c.get(1, 8) == 100000);
    CHECK(c.sum(8) == 200000);
}

TEST_CASE("a counter set needs counters and lcores", "[counters]")
{
    CHECK_THROWS(core::counter_set({}, 1));
    CHECK_THROWS(core::counter_set({"a"}, 0));
}
