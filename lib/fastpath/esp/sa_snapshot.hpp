// One immutable generation of the ESP tables that workers read: SPI -> SA over
// the current and previous SAs of every group, the outbound SA per group
// (policy action), and per-group TBAR clock and sender IDs. Built and
// published by sa_table; workers load it once per burst.
#pragma once

#include "fastpath/esp/installer.hpp"
#include "fastpath/esp/sa.hpp"
#include "tbar/clock.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace fastpath::esp {

inline constexpr unsigned max_groups = 64;
inline constexpr std::uint32_t no_sender_id = UINT32_MAX;

struct group_rt {
    const sa_rt* outbound = nullptr;
    tbar::pseudotime_clock clock;
    unsigned sid_bits = 0;
    std::array<std::uint32_t, max_workers> sender_id = [] {
        std::array<std::uint32_t, max_workers> a{};
        a.fill(no_sender_id);
        return a;
    }();
};

class sa_snapshot {
public:
    // Open addressing, linear probing; the table is at most half full.
    const sa_rt* lookup(std::uint32_t spi) const noexcept
    {
        std::uint32_t i = (spi * 0x9e3779b1u) & mask_;
        for (;;) {
            const slot& s = slots_[i];
            if (s.sa == nullptr) {
                return nullptr;
            }
            if (s.spi == spi) {
                return s.sa;
            }
            i = (i + 1) & mask_;
        }
    }
    const group_rt& group(std::uint16_t slot) const noexcept { return groups_[slot]; }
    df_policy df() const noexcept { return df_; }
    std::uint64_t generation() const noexcept { return generation_; }

private:
    friend class sa_table;
    struct slot {
        std::uint32_t spi = 0;
        const sa_rt* sa = nullptr;
    };
    std::vector<slot> slots_;
    std::uint32_t mask_ = 0;
    std::array<group_rt, max_groups> groups_{};
    df_policy df_ = df_policy::copy;
    std::uint64_t generation_ = 0;
    // ctl only: keeps every SA this generation points at alive until the
    // snapshot itself is reclaimed. Workers never touch the refcounts.
    std::vector<std::shared_ptr<const sa_rt>> owned_;
};

} // namespace fastpath::esp
