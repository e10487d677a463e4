// Control-plane acceptance of a KS pseudotime update (PSEUDO_TIME_LARGE / _TOO_OLD).
#include "tbar/clock.hpp"

#include <algorithm>

namespace tbar {

ks_time_verdict check_ks_pseudotime(const pseudotime_clock& local, std::uint64_t received_ticks,
                                    std::uint64_t now_ns) noexcept
{
    const std::uint64_t skew =
        std::min<std::uint64_t>(local.window_ticks, 30'000'000'000ull / local.tick_ns);
    const std::uint64_t ours = local.now(now_ns);
    if (received_ticks >= ours) {
        return received_ticks - ours > skew ? ks_time_verdict::accept_large : ks_time_verdict::accept;
    }
    return ours - received_ticks > skew ? ks_time_verdict::too_old : ks_time_verdict::accept;
}

} // namespace tbar
