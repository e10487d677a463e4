// IPv4, ICMP and ARP helpers on plain bytes: header validation, the incremental
// checksum update for a TTL decrement, ICMP error and ARP frame construction.
// No EAL and no mbufs, so the unit tests drive them on byte buffers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace fastpath::pkt {

inline constexpr std::size_t eth_hdr_len = 14;
inline constexpr std::size_t ipv4_min_hdr = 20;
inline constexpr std::size_t icmp_hdr_len = 8;
inline constexpr std::size_t arp_len = 28;  // Ethernet/IPv4 ARP body
inline constexpr std::uint16_t ether_ipv4 = 0x0800;
inline constexpr std::uint16_t ether_arp = 0x0806;
inline constexpr std::uint8_t proto_icmp = 1;
inline constexpr std::uint8_t proto_esp = 50;
inline constexpr std::uint8_t default_ttl = 64;

using mac = std::array<std::uint8_t, 6>;

inline std::uint16_t get16(const std::uint8_t* p) noexcept
{
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
inline std::uint32_t get32(const std::uint8_t* p) noexcept
{
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
inline void put16(std::uint8_t* p, std::uint16_t v) noexcept
{
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
inline void put32(std::uint8_t* p, std::uint32_t v) noexcept
{
    put16(p, static_cast<std::uint16_t>(v >> 16));
    put16(p + 2, static_cast<std::uint16_t>(v));
}

// The Internet checksum (RFC 1071) of len bytes, ready to store big-endian.
std::uint16_t inet_checksum(const std::uint8_t* p, std::size_t len) noexcept;

enum class ipv4_verdict { ok, too_short, bad_version, bad_ihl, bad_length, bad_checksum };
// Checks the IPv4 header at ip, with avail bytes of L3 data present
// (RFC 1812 5.2.2): length, version, IHL, total length and header checksum.
ipv4_verdict check_ipv4(const std::uint8_t* ip, std::size_t avail) noexcept;

inline std::size_t ipv4_hdr_len(const std::uint8_t* ip) noexcept { return std::size_t{ip[0] & 0x0fu} * 4; }
inline std::uint16_t ipv4_total_len(const std::uint8_t* ip) noexcept { return get16(ip + 2); }
inline std::uint32_t ipv4_src(const std::uint8_t* ip) noexcept { return get32(ip + 12); }
inline std::uint32_t ipv4_dst(const std::uint8_t* ip) noexcept { return get32(ip + 16); }
inline bool ipv4_df(const std::uint8_t* ip) noexcept { return (ip[6] & 0x40) != 0; }
inline bool is_multicast(std::uint32_t a) noexcept { return (a >> 28) == 0xe; }
// 224.0.0.0/24 (RFC 5771): never forwarded, whatever the TTL.
inline bool is_link_local_multicast(std::uint32_t a) noexcept { return (a >> 8) == 0xe00000; }
// The Ethernet address of an IPv4 group (RFC 1112 6.4): 01:00:5e + its low 23 bits.
inline mac multicast_mac(std::uint32_t group) noexcept
{
    return {0x01, 0x00, 0x5e, static_cast<std::uint8_t>(group >> 16 & 0x7f), static_cast<std::uint8_t>(group >> 8),
            static_cast<std::uint8_t>(group)};
}

// TTL - 1 with the checksum patched as Linux's ip_decrease_ttl (RFC 1624).
void decrement_ttl(std::uint8_t* ip) noexcept;

// ICMP types and codes the router sends (RFC 792, RFC 1191).
inline constexpr std::uint8_t icmp_unreachable = 3;
inline constexpr std::uint8_t icmp_time_exceeded = 11;
inline constexpr std::uint8_t code_net_unreachable = 0;
inline constexpr std::uint8_t code_frag_needed = 4;
inline constexpr std::uint8_t code_ttl_in_transit = 0;

// RFC 1812 4.3.2.7: no error about an ICMP error, a non-first fragment, or a
// packet whose source is not a unicast host or whose destination is multicast
// or broadcast. ip must have passed check_ipv4.
bool may_send_icmp_error(const std::uint8_t* ip, std::size_t avail) noexcept;

// Bytes an ICMP error about this packet needs: IP + ICMP headers + the quote
// (the offending IP header and the first 8 bytes of its payload, RFC 792).
std::size_t icmp_error_len(const std::uint8_t* orig_ip, std::size_t avail) noexcept;

struct icmp_error {
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::uint16_t next_hop_mtu = 0;  // for fragmentation needed (RFC 1191)
    std::uint32_t src = 0;           // our address on the ingress interface
    std::uint16_t ip_id = 0;
};
// Writes an IPv4 packet carrying the ICMP error about orig_ip to out, which has
// room for icmp_error_len(orig_ip, avail) bytes; returns that length.
std::size_t build_icmp_error(std::uint8_t* out, const std::uint8_t* orig_ip, std::size_t avail,
                             const icmp_error& e) noexcept;

// Ethernet header: destination, source, EtherType.
void put_eth(std::uint8_t* frame, const mac& dst, const mac& src, std::uint16_t type) noexcept;

struct arp {
    std::uint16_t op = 0;  // 1 request, 2 reply
    mac sha{};
    std::uint32_t spa = 0;
    mac tha{};
    std::uint32_t tpa = 0;
};
inline constexpr std::uint16_t arp_request = 1;
inline constexpr std::uint16_t arp_reply = 2;
// Parses an Ethernet/IPv4 ARP body (after the Ethernet header).
std::optional<arp> parse_arp(const std::uint8_t* body, std::size_t avail) noexcept;
// Writes a broadcast ARP request frame (Ethernet + ARP, 42 bytes) and returns its length.
std::size_t build_arp_request(std::uint8_t* frame, const mac& src_mac, std::uint32_t spa, std::uint32_t tpa) noexcept;

} // namespace fastpath::pkt
