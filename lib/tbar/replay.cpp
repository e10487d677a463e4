// Counter-mode anti-replay window: a ring of 64-bit words, one bit per
// sequence number, with one spare word so a slide clears whole words (as DPDK's
// ipsec_sqn.h does).
#include "tbar/replay.hpp"

#include <stdexcept>

namespace tbar {

replay_window::replay_window(unsigned size, bool esn) : size_(size), esn_(esn)
{
    if (size < min_size || size > max_size || size % 64 != 0) {
        throw std::invalid_argument("replay window size must be a multiple of 64 in 64..1024");
    }
    unsigned words = 1;
    while (words < size / 64 + 1) {
        words <<= 1;
    }
    words_mask_ = words - 1;
}

bool replay_window::seen(std::uint64_t seq) const noexcept
{
    return (bits_[(seq >> 6) & words_mask_] >> (seq & 63)) & 1;
}

std::optional<std::uint64_t> replay_window::check(std::uint32_t seq_lo) const noexcept
{
    std::uint64_t seq = seq_lo;
    if (esn_) {
        // RFC 4303 Appendix A.2: pick the high half that puts seq nearest the window.
        const std::uint32_t tl = static_cast<std::uint32_t>(top_);
        std::uint32_t th = static_cast<std::uint32_t>(top_ >> 32);
        const std::uint32_t bottom = tl - (size_ - 1); // wraps when tl < size - 1
        if (tl >= size_ - 1) {
            if (seq_lo < bottom) {
                ++th;
                if (th == 0) {
                    return std::nullopt; // the 64-bit space is exhausted
                }
            }
        } else if (seq_lo >= bottom && th > 0) {
            --th;
        }
        seq = (static_cast<std::uint64_t>(th) << 32) | seq_lo;
    }
    if (seq == 0) {
        return std::nullopt; // sequence numbers start at 1
    }
    if (seq > top_) {
        return seq;
    }
    if (top_ - seq >= size_ || seen(seq)) {
        return std::nullopt;
    }
    return seq;
}

bool replay_window::commit(std::uint64_t seq) noexcept
{
    if (seq == 0) {
        return false;
    }
    if (seq > top_) {
        // Clear the words the window slides over, then mark.
        std::uint64_t from = (top_ >> 6) + 1;
        const std::uint64_t to = seq >> 6;
        if (to - (top_ >> 6) > words_mask_) {
            from = to - words_mask_;
        }
        for (std::uint64_t w = from; w <= to; ++w) {
            bits_[w & words_mask_] = 0;
        }
        top_ = seq;
    } else if (top_ - seq >= size_ || seen(seq)) {
        return false;
    }
    bits_[(seq >> 6) & words_mask_] |= std::uint64_t{1} << (seq & 63);
    return true;
}

} // namespace tbar
