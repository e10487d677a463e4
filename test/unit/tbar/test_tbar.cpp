// Pseudotime clock and TBAR metadata codec.
#include "tbar/clock.hpp"
#include "tbar/metadata.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

using namespace tbar;

TEST_CASE("pseudotime ticks from the value the control plane set", "[tbar][clock]")
{
    auto c = pseudotime_clock::set(1000, 5'000'000'000ull, 1'000'000, 50); // 1 ms ticks
    CHECK(c.now(5'000'000'000ull) == 1000);
    CHECK(c.now(5'000'999'999ull) == 1000);
    CHECK(c.now(5'001'000'000ull) == 1001);
    CHECK(c.now(6'000'000'000ull) == 2000);
    CHECK(c.now(4'000'000'000ull) == 1000); // earlier local time never goes backwards
    auto zero = pseudotime_clock::set(7, 0, 0, 1);
    CHECK(zero.tick_ns == 1);
}

TEST_CASE("pseudotime window check both sides", "[tbar][clock]")
{
    auto c = pseudotime_clock::set(1000, 0, 1'000'000, 50);
    const std::uint64_t t = 0; // local pseudotime 1000
    CHECK(c.in_window(1000, t));
    CHECK(c.in_window(950, t));
    CHECK(c.in_window(1050, t));
    CHECK_FALSE(c.in_window(949, t));
    CHECK_FALSE(c.in_window(1051, t));
    CHECK_FALSE(c.in_window(0, t));
    CHECK_FALSE(c.in_window(UINT64_MAX, t));
}

TEST_CASE("KS pseudotime acceptance uses min(window, 30 s)", "[tbar][clock]")
{
    // 1 s ticks, window 100 s: skew is 30 ticks.
    auto c = pseudotime_clock::set(10'000, 0, 1'000'000'000ull, 100);
    CHECK(check_ks_pseudotime(c, 10'000, 0) == ks_time_verdict::accept);
    CHECK(check_ks_pseudotime(c, 10'030, 0) == ks_time_verdict::accept);
    CHECK(check_ks_pseudotime(c, 10'031, 0) == ks_time_verdict::accept_large);
    CHECK(check_ks_pseudotime(c, 9'970, 0) == ks_time_verdict::accept);
    CHECK(check_ks_pseudotime(c, 9'969, 0) == ks_time_verdict::too_old);
    // Window 10 s: skew is 10 ticks.
    auto n = pseudotime_clock::set(10'000, 0, 1'000'000'000ull, 10);
    CHECK(check_ks_pseudotime(n, 9'989, 0) == ks_time_verdict::too_old);
    CHECK(check_ks_pseudotime(n, 9'990, 0) == ks_time_verdict::accept);
}

TEST_CASE("TBAR metadata encodes to the documented bytes", "[tbar][metadata]")
{
    std::array<std::uint8_t, metadata_size> b{};
    encode({4, 0x0102030405060708ull}, b);
    const std::array<std::uint8_t, 12> want{1, 4, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(b == want);
    auto m = decode(b);
    REQUIRE(m);
    CHECK(m->inner_next_header == 4);
    CHECK(m->pseudotime == 0x0102030405060708ull);
    CHECK(consumed(b) == 12);
}

TEST_CASE("TBAR metadata decode rejects hostile input", "[tbar][metadata]")
{
    std::array<std::uint8_t, metadata_size> b{};
    encode({41, 99}, b);
    CHECK_FALSE(decode(std::span<const std::uint8_t>(b.data(), 11)));
    auto v = b;
    v[0] = 2;
    CHECK_FALSE(decode(v));
    auto l = b;
    l[2] = 2; // shorter than the fixed part
    CHECK_FALSE(decode(l));
    l[2] = 4; // longer than the buffer
    CHECK_FALSE(decode(l));
    std::vector<std::uint8_t> longer(b.begin(), b.end());
    longer.resize(16, 0xee);
    longer[2] = 4; // a version-1 block with an extension: skip all 16 bytes
    auto m = decode(longer);
    REQUIRE(m);
    CHECK(m->inner_next_header == 41);
    CHECK(consumed(longer) == 16);
    // Every truncation and every byte value at the front never crashes.
    for (std::size_t n = 0; n <= b.size(); ++n) {
        (void)decode(std::span<const std::uint8_t>(b.data(), n));
    }
}
