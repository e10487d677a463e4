// Named reasons for the ESP engine to drop a packet; each is a per-lcore
// counter (core::counter_set), summed on read.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fastpath::esp {

enum class drop_reason : std::uint8_t {
    no_sa,           // inbound SPI unknown, or no outbound SA for the action
    bad_icv,         // integrity check failed
    bad_pad,         // padding bytes or pad length wrong after decryption
    replay,          // counter replay window: duplicate or too old
    tbar_window,     // TBAR pseudotime outside +-window
    tbar_missing,    // SA has TBAR on but the packet carries no metadata block
    truncated,       // shorter than the headers/IV/ICV it claims, or not block-aligned
    bad_next_header, // ESP next header is neither IPv4 nor the TBAR value
    seq_exhausted,   // outbound SA reached the end of its sequence space
    no_sender_id,    // counter-mode SA without a sender ID for this lcore (RFC 6054)
    no_headroom,     // no room in front of the packet for the outer headers
    no_tailroom,     // no room at the end for padding and ICV
    not_ipv4,        // (inner or outer) header is not a sane IPv4 header
    not_esp,         // inbound packet is not IP protocol 50
    fragment,        // inbound ESP fragment (reassembly is not ours)
    multi_segment,   // chained mbufs are not supported by this engine
    bad_inner,       // decrypted inner packet is not a sane IPv4 packet
    crypto_error,    // intel-ipsec-mb rejected the job
    burst_too_large, // more packets than esp::max_burst in one call
    outer_mismatch,  // outer IPv4 source/destination differ from the inner ones
    count_
};

inline constexpr std::size_t drop_reason_count = static_cast<std::size_t>(drop_reason::count_);

inline constexpr std::array<std::string_view, drop_reason_count> drop_reason_names{
    "no_sa",         "bad_icv",      "bad_pad",      "replay",         "tbar_window",
    "tbar_missing",  "truncated",    "bad_next_header", "seq_exhausted", "no_sender_id",
    "no_headroom",   "no_tailroom",  "not_ipv4",     "not_esp",        "fragment",
    "multi_segment", "bad_inner",    "crypto_error", "burst_too_large", "outer_mismatch",
};

// Non-drop events, counted the same way.
enum class esp_event : std::uint8_t {
    encrypted,
    decrypted,
    seq_near_wrap, // an outbound SA is close to its last sequence number: rekey now
    count_
};
inline constexpr std::size_t esp_event_count = static_cast<std::size_t>(esp_event::count_);
inline constexpr std::array<std::string_view, esp_event_count> esp_event_names{
    "encrypted", "decrypted", "seq_near_wrap"};

inline std::vector<std::string> drop_counter_names()
{
    return {drop_reason_names.begin(), drop_reason_names.end()};
}
inline std::vector<std::string> event_counter_names()
{
    return {esp_event_names.begin(), esp_event_names.end()};
}

} // namespace fastpath::esp
