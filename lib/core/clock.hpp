// Injectable control-plane time: every timer and timestamp of the control plane
// comes from a core::clock, so tests can run a day of lifetimes in milliseconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace core {

using steady_time = std::chrono::steady_clock::time_point;
using system_time = std::chrono::system_clock::time_point;
using duration = std::chrono::nanoseconds;
using timer_id = std::uint64_t;

class clock {
public:
    virtual ~clock() = default;

    // Monotonic time, for lifetimes and timers.
    virtual steady_time now() const = 0;
    // Calendar time, for event stamps and "registered at" columns.
    virtual system_time wall() const = 0;

    // Runs fn once, after d. Returns an id that cancel() takes; ids are never reused.
    virtual timer_id schedule(duration d, std::function<void()> fn) = 0;
    // Cancelling a timer that has fired or was never scheduled is harmless.
    virtual void cancel(timer_id id) = 0;
    virtual std::size_t pending() const = 0;
};

// Time stands still until the test advances it; due timers then run in time order.
class manual_clock final : public clock {
public:
    explicit manual_clock(system_time wall_start = system_time{std::chrono::seconds{1'700'000'000}});

    steady_time now() const override { return now_; }
    system_time wall() const override { return wall_start_ + (now_ - steady_time{}); }
    timer_id schedule(duration d, std::function<void()> fn) override;
    void cancel(timer_id id) override;
    std::size_t pending() const override { return timers_.size(); }

    // Moves time forward by d, firing every timer that falls due, including
    // timers scheduled by the callbacks themselves. Returns how many fired.
    std::size_t advance(duration d);
    // Jumps straight to the next timer, if any, and fires it.
    bool run_next();

private:
    struct entry {
        timer_id id;
        std::function<void()> fn;
    };
    steady_time now_{};
    system_time wall_start_;
    timer_id next_id_ = 1;
    std::multimap<steady_time, entry> timers_;
};

// The production clock: std::chrono time and Boost.Asio steady_timers on one io_context.
class asio_clock final : public clock {
public:
    explicit asio_clock(boost::asio::io_context& io);
    ~asio_clock() override;

    steady_time now() const override { return std::chrono::steady_clock::now(); }
    system_time wall() const override { return std::chrono::system_clock::now(); }
    timer_id schedule(duration d, std::function<void()> fn) override;
    void cancel(timer_id id) override;
    std::size_t pending() const override;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace core
