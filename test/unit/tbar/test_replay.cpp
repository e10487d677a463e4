// Counter replay window: sliding, duplicates, too-old, sizes, ESN inference, two phases.
#include "tbar/replay.hpp"
#include "tbar/seq.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <stdexcept>

using tbar::replay_window;

TEST_CASE("replay window rejects bad sizes", "[replay]")
{
    CHECK_THROWS_AS(replay_window(32), std::invalid_argument);
    CHECK_THROWS_AS(replay_window(100), std::invalid_argument);
    CHECK_THROWS_AS(replay_window(2048), std::invalid_argument);
    CHECK_NOTHROW(replay_window(64));
    CHECK_NOTHROW(replay_window(1024, true));
}

TEST_CASE("replay window accepts in order and rejects duplicates", "[replay]")
{
    replay_window w(64);
    CHECK_FALSE(w.check(0)); // sequence numbers start at 1
    for (std::uint32_t s = 1; s <= 200; ++s) {
        auto c = w.check(s);
        REQUIRE(c);
        CHECK(*c == s);
        CHECK(w.commit(*c));
        CHECK_FALSE(w.check(s));
    }
    CHECK(w.top() == 200);
}

TEST_CASE("replay window edges for every size", "[replay]")
{
    for (unsigned size : {64u, 128u, 192u, 256u, 512u, 1024u}) {
        replay_window w(size);
        REQUIRE(w.commit(5000));
        // Just inside the window: top - size + 1.
        CHECK(w.check(5000 - size + 1));
        // Just outside.
        CHECK_FALSE(w.check(5000 - size));
        CHECK(w.commit(5000 - size + 1));
        CHECK_FALSE(w.check(5000 - size + 1));
        // A big jump clears everything and old numbers become too old.
        CHECK(w.commit(5000 + 10 * size));
        CHECK_FALSE(w.check(5000 + 10 * size));
        CHECK(w.check(5000 + 10 * size - 1));
        CHECK_FALSE(w.check(5000));
    }
}

TEST_CASE("check does not move the window; commit detects a race duplicate", "[replay]")
{
    replay_window w(64);
    REQUIRE(w.commit(100));
    auto a = w.check(1000); // forged packet: checked but never committed
    REQUIRE(a);
    CHECK(w.top() == 100);
    CHECK(w.check(99)); // still inside the window
    auto b1 = w.check(101);
    auto b2 = w.check(101); // same number twice in one burst: both pass phase 1
    REQUIRE(b1);
    REQUIRE(b2);
    CHECK(w.commit(*b1));
    CHECK_FALSE(w.commit(*b2));
}

TEST_CASE("replay window matches a reference model on random input", "[replay]")
{
    for (unsigned size : {64u, 256u, 1024u}) {
        replay_window w(size);
        std::set<std::uint64_t> seen;
        std::uint64_t top = 0;
        std::mt19937 rng(size);
        for (int i = 0; i < 20000; ++i) {
            std::uint32_t s = static_cast<std::uint32_t>(
                std::max<std::int64_t>(1, static_cast<std::int64_t>(top) + static_cast<int>(rng() % (3 * size)) -
                                              static_cast<int>(2 * size)));
            const bool expect = s > top || (top - s < size && !seen.count(s));
            auto c = w.check(s);
            REQUIRE(static_cast<bool>(c) == expect);
            if (c) {
                REQUIRE(w.commit(*c));
                seen.insert(s);
                top = std::max<std::uint64_t>(top, s);
            }
        }
    }
}

TEST_CASE("ESN infers the high half across a 32-bit wrap", "[replay][esn]")
{
    replay_window w(128, true);
    const std::uint64_t near = 0xffffff00ull;
    REQUIRE(w.commit(near));
    // Low half wrapped: the sender moved to the next epoch.
    auto c = w.check(0x10);
    REQUIRE(c);
    CHECK(*c == 0x100000010ull);
    REQUIRE(w.commit(*c));
    // A late packet from before the wrap is still in the window, in the old epoch.
    auto late = w.check(0xffffffa0u);
    REQUIRE(late);
    CHECK(*late == 0xffffffa0ull);
    CHECK(w.commit(*late));
    CHECK_FALSE(w.check(0xffffffa0u));
    // Just below the window (top - 127 = 0xffffff91) the RFC infers the next
    // epoch instead; the ICV, computed with that high half, then fails.
    auto far = w.check(0xffffff80u);
    REQUIRE(far);
    CHECK(*far == 0x1ffffff80ull);
    // Duplicates after the wrap.
    CHECK_FALSE(w.check(0x10));
    CHECK(w.check(0x11));
}

TEST_CASE("32-bit window does not wrap", "[replay]")
{
    replay_window w(64, false);
    REQUIRE(w.commit(0xffffffffull));
    CHECK_FALSE(w.check(1)); // no epochs without ESN: a wrapped counter is too old
    CHECK_FALSE(w.check(0xffffffffu));
}

TEST_CASE("outbound sequence numbers are reserved per burst and stop before wrap", "[seq]")
{
    tbar::seq_counter s(false, 100);
    auto r = s.reserve(32);
    CHECK(r.first == 1);
    CHECK(r.count == 32);
    CHECK(s.reserve(8).first == 33);
    CHECK_FALSE(s.near_wrap());
    s.set_next(0xffffffffull - 50);
    CHECK(s.near_wrap());
    auto last = s.reserve(64);
    CHECK(last.first == 0xffffffffull - 50);
    CHECK(last.count == 51); // up to and including 2^32-1, never 0
    CHECK(s.reserve(1).count == 0);
    CHECK(s.reserve(32).count == 0);

    tbar::seq_counter e(true);
    e.set_next(0xffffffffull);
    auto x = e.reserve(4);
    CHECK(x.first == 0xffffffffull);
    CHECK(x.count == 4); // ESN carries on past 2^32
}
