// TBAR metadata block: our own versioned 12-byte header at the front of the ESP
// payload, carrying the sender's pseudotime (layout in docs/wire.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace tbar {

// ESP next-header value marking a TBAR block. 253 is "use for experimentation"
// (RFC 3692); configurable so a captured Cisco value can be adopted later.
inline constexpr std::uint8_t default_next_header = 253;
inline constexpr std::uint8_t metadata_version = 1;
inline constexpr std::size_t metadata_size = 12;

struct metadata {
    std::uint8_t inner_next_header = 4; // what follows the block: 4 IPv4, 41 IPv6
    std::uint64_t pseudotime = 0;
};

// Writes the block into out (at least metadata_size bytes).
void encode(const metadata& m, std::span<std::uint8_t> out) noexcept;

// Parses a block at the front of in. nullopt: too short, unknown version, or a
// length field that does not fit. consumed() tells how many bytes to strip.
std::optional<metadata> decode(std::span<const std::uint8_t> in) noexcept;
// Bytes the block at the front of in occupies (valid only after decode succeeded).
std::size_t consumed(std::span<const std::uint8_t> in) noexcept;

} // namespace tbar
