// Counter-mode anti-replay window (RFC 4303 §3.4.3, Appendix A for ESN),
// checked in two phases: check() before decryption, commit() after the ICV verifies.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace tbar {

class replay_window {
public:
    static constexpr unsigned min_size = 64;
    static constexpr unsigned max_size = 1024;

    // size: 64..1024, a multiple of 64. esn: 64-bit extended sequence numbers
    // (only the low 32 bits travel in the packet). Throws std::invalid_argument.
    explicit replay_window(unsigned size = min_size, bool esn = false);

    // Phase 1: is seq_lo acceptable? Returns the full (ESN-inferred) sequence
    // number to authenticate with, or nullopt for a replay or a too-old packet.
    // Does not change the window, so a forged packet cannot move it.
    std::optional<std::uint64_t> check(std::uint32_t seq_lo) const noexcept;

    // Phase 2, after the ICV verified: marks seq as seen. Returns false if it
    // was seen in the meantime (a duplicate inside the same burst).
    bool commit(std::uint64_t seq) noexcept;

    unsigned size() const noexcept { return size_; }
    bool esn() const noexcept { return esn_; }
    std::uint64_t top() const noexcept { return top_; }

private:
    static constexpr unsigned max_words = 32; // power of two >= 1024/64 + 1
    bool seen(std::uint64_t seq) const noexcept;

    std::uint64_t top_ = 0; // highest committed sequence number
    unsigned size_;
    unsigned words_mask_; // words used - 1 (power of two)
    bool esn_;
    std::array<std::uint64_t, max_words> bits_{};
};

} // namespace tbar
