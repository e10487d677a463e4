// TBAR pseudotime: a group-wide clock that the KS distributes (pseudotime,
// tick, window); senders stamp packets with it and receivers drop packets
// outside +-window of their own pseudotime.
#pragma once

#include <cstdint>

namespace tbar {

// An immutable snapshot of the clock as the control plane last set it; workers
// get a copy through the SA table snapshot and only ever call now()/in_window().
struct pseudotime_clock {
    std::uint64_t base_ticks = 0; // pseudotime at base_ns
    std::uint64_t base_ns = 0;    // local monotonic time when it was set
    std::uint64_t tick_ns = 1'000'000; // length of one pseudotime tick
    std::uint64_t window_ticks = 0;    // accepted distance either side

    // Set from the control plane: the KS says "pseudotime is `ticks` now".
    static pseudotime_clock set(std::uint64_t ticks, std::uint64_t now_ns, std::uint64_t tick_ns,
                                std::uint64_t window_ticks) noexcept
    {
        return {ticks, now_ns, tick_ns == 0 ? 1 : tick_ns, window_ticks};
    }

    std::uint64_t now(std::uint64_t now_ns) const noexcept
    {
        const std::uint64_t d = now_ns > base_ns ? now_ns - base_ns : 0;
        return base_ticks + d / tick_ns;
    }

    // Inbound check: is a sender's stamp within +-window of our pseudotime?
    bool in_window(std::uint64_t stamp, std::uint64_t now_ns) const noexcept
    {
        const std::uint64_t local = now(now_ns);
        const std::uint64_t diff = stamp > local ? stamp - local : local - stamp;
        return diff <= window_ticks;
    }
};

// Control-plane check of a pseudotime received from the KS (seed 000): the
// allowed skew is min(window, 30 s).
enum class ks_time_verdict { accept, accept_large, too_old };
ks_time_verdict check_ks_pseudotime(const pseudotime_clock& local, std::uint64_t received_ticks,
                                    std::uint64_t now_ns) noexcept;

} // namespace tbar
