// Outbound ESP sequence numbers, reserved per burst with one atomic add (DPDK
// ipsec_sqn.h), and stopping before the 32-bit or 64-bit (ESN) space wraps.
#pragma once

#include <atomic>
#include <cstdint>

namespace tbar {

struct seq_reservation {
    std::uint64_t first = 0; // first reserved sequence number (0: none)
    std::uint32_t count = 0; // how many, starting at first; fewer than asked near the end
};

class seq_counter {
public:
    // esn: 64-bit space. margin: how many numbers before the end count as "near wrap".
    explicit seq_counter(bool esn = false, std::uint64_t margin = 1u << 20)
        : limit_(esn ? UINT64_MAX - 1 : UINT32_MAX), margin_(margin)
    {
    }

    // Re-initialises a counter built in place (it holds an atomic, so it does not copy).
    void init(bool esn, std::uint64_t margin = 1u << 20) noexcept
    {
        limit_ = esn ? UINT64_MAX - 1 : UINT32_MAX;
        margin_ = margin;
        next_.store(1, std::memory_order_relaxed);
    }

    // Reserves up to n consecutive numbers. Never hands out a number past the
    // limit: once exhausted, count is 0 for ever and the SA must stop sending.
    seq_reservation reserve(std::uint32_t n) noexcept
    {
        const std::uint64_t first = next_.fetch_add(n, std::memory_order_relaxed);
        if (first > limit_) {
            return {};
        }
        const std::uint64_t avail = limit_ - first + 1;
        return {first, static_cast<std::uint32_t>(avail < n ? avail : n)};
    }

    // True once the numbers handed out come within margin of the limit.
    bool near_wrap() const noexcept
    {
        return next_.load(std::memory_order_relaxed) + margin_ > limit_;
    }
    std::uint64_t limit() const noexcept { return limit_; }
    std::uint64_t next() const noexcept { return next_.load(std::memory_order_relaxed); }
    // Control plane / tests only: start from a given number.
    void set_next(std::uint64_t v) noexcept { next_.store(v, std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> next_{1};
    std::uint64_t limit_;
    std::uint64_t margin_;
};

} // namespace tbar
