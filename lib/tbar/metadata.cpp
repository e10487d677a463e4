// TBAR metadata codec (see docs/wire.md):
//   0       1       2       3
//   +-------+-------+-------+-------+
//   |version| next  | len/4 | flags |
//   +-------+-------+-------+-------+
//   |     pseudotime (64 bits, big endian)
//   +-------+-------+-------+-------+
#include "tbar/metadata.hpp"

namespace tbar {

void encode(const metadata& m, std::span<std::uint8_t> out) noexcept
{
    out[0] = metadata_version;
    out[1] = m.inner_next_header;
    out[2] = metadata_size / 4;
    out[3] = 0;
    for (int i = 0; i < 8; ++i) {
        out[4 + i] = static_cast<std::uint8_t>(m.pseudotime >> (56 - 8 * i));
    }
}

std::optional<metadata> decode(std::span<const std::uint8_t> in) noexcept
{
    if (in.size() < metadata_size || in[0] != metadata_version) {
        return std::nullopt;
    }
    // Version 1 may append fields later; len says how much to skip, at least 12.
    const std::size_t len = std::size_t{in[2]} * 4;
    if (len < metadata_size || len > in.size()) {
        return std::nullopt;
    }
    metadata m;
    m.inner_next_header = in[1];
    for (int i = 0; i < 8; ++i) {
        m.pseudotime = (m.pseudotime << 8) | in[4 + i];
    }
    return m;
}

std::size_t consumed(std::span<const std::uint8_t> in) noexcept
{
    return std::size_t{in[2]} * 4;
}

} // namespace tbar
