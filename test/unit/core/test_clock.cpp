// manual_clock and asio_clock: ordering, cancellation and nested scheduling.
#include "core/clock.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <vector>

using namespace std::chrono_literals;

TEST_CASE("manual clock fires timers in due order as time advances", "[clock]")
{
    core::manual_clock clk;
    std::vector<int> fired;
    clk.schedule(30s, [&] { fired.push_back(3); });
    clk.schedule(10s, [&] { fired.push_back(1); });
    clk.schedule(20s, [&] { fired.push_back(2); });

    CHECK(clk.advance(15s) == 1);
    CHECK(fired == std::vector<int>{1});
    CHECK(clk.advance(15s) == 2);
    CHECK(fired == std::vector<int>{1, 2, 3});
    CHECK(clk.pending() == 0);
}

TEST_CASE("manual clock runs a day of timers without sleeping", "[clock]")
{
    core::manual_clock clk;
    int rekeys = 0;
    // A periodic timer re-arming itself, like a KS rekey every 3600 s.
    std::function<void()> rekey = [&] {
        ++rekeys;
        clk.schedule(3600s, rekey);
    };
    clk.schedule(3600s, rekey);
    clk.advance(24h);
    CHECK(rekeys == 24);
    CHECK(clk.now() - core::steady_time{} == 24h);
}

TEST_CASE("manual clock cancel and wall time", "[clock]")
{
    core::manual_clock clk;
    bool ran = false;
    auto id = clk.schedule(5s, [&] { ran = true; });
    clk.cancel(id);
    clk.cancel(id); // harmless twice
    clk.advance(10s);
    CHECK_FALSE(ran);
    const auto w0 = core::manual_clock{}.wall();
    CHECK(clk.wall() - w0 == 10s);
}

TEST_CASE("manual clock fires a timer scheduled by a callback within the same advance", "[clock]")
{
    core::manual_clock clk;
    std::vector<std::chrono::seconds> at;
    clk.schedule(1s, [&] {
        at.push_back(std::chrono::duration_cast<std::chrono::seconds>(clk.now() - core::steady_time{}));
        clk.schedule(2s, [&] {
            at.push_back(std::chrono::duration_cast<std::chrono::seconds>(clk.now() - core::steady_time{}));
        });
    });
    clk.advance(5s);
    CHECK(at == std::vector<std::chrono::seconds>{1s, 3s});
}

TEST_CASE("asio clock runs and cancels timers on an io_context", "[clock]")
{
    boost::asio::io_context io;
    core::asio_clock clk(io);
    int fired = 0;
    clk.schedule(1ms, [&] { ++fired; });
    auto id = clk.schedule(2ms, [&] { fired += 100; });
    clk.cancel(id);
    CHECK(clk.pending() == 1);
    io.run();
    CHECK(fired == 1);
    CHECK(clk.pending() == 0);
}
