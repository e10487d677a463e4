// Byte-level IPv4/ICMP/ARP helpers used by the worker and the control thread.
#include "fastpath/packet.hpp"

#include <cstring>

namespace fastpath::pkt {

std::uint16_t inet_checksum(const std::uint8_t* p, std::size_t len) noexcept
{
    std::uint32_t sum = 0;
    std::size_t i = 0;
    for (; i + 1 < len; i += 2) {
        sum += get16(p + i);
    }
    if (i < len) {
        sum += std::uint32_t{p[i]} << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum);
}

ipv4_verdict check_ipv4(const std::uint8_t* ip, std::size_t avail) noexcept
{
    if (avail < ipv4_min_hdr) {
        return ipv4_verdict::too_short;
    }
    if ((ip[0] >> 4) != 4) {
        return ipv4_verdict::bad_version;
    }
    const std::size_t ihl = ipv4_hdr_len(ip);
    if (ihl < ipv4_min_hdr || ihl > avail) {
        return ipv4_verdict::bad_ihl;
    }
    const std::size_t total = ipv4_total_len(ip);
    if (total < ihl || total > avail) {
        return ipv4_verdict::bad_length;
    }
    // A correct header sums to zero with its checksum included.
    if (inet_checksum(ip, ihl) != 0) {
        return ipv4_verdict::bad_checksum;
    }
    return ipv4_verdict::ok;
}

void decrement_ttl(std::uint8_t* ip) noexcept
{
    // TTL is the high byte of its 16-bit word: the sum drops by 0x0100, so the
    // stored complement rises by 0x0100 with end-around carry.
    std::uint32_t check = get16(ip + 10);
    check += 0x0100;
    check = check + (check >= 0xffff ? 1 : 0);
    put16(ip + 10, static_cast<std::uint16_t>(check));
    --ip[8];
}

bool may_send_icmp_error(const std::uint8_t* ip, std::size_t avail) noexcept
{
    const std::uint32_t src = ipv4_src(ip);
    const std::uint32_t dst = ipv4_dst(ip);
    if (src == 0 || src == 0xffffffff || is_multicast(src) || (src >> 24) == 127 || (src >> 28) >= 0xe) {
        return false;
    }
    if (dst == 0xffffffff || is_multicast(dst)) {
        return false;
    }
    if ((get16(ip + 6) & 0x1fff) != 0) {
        return false;  // only the first fragment may draw an error
    }
    if (ip[9] == proto_icmp) {
        const std::size_t ihl = ipv4_hdr_len(ip);
        if (avail < ihl + 1) {
            return false;
        }
        // Errors are 3, 4 (source quench), 5, 11 and 12; queries may draw errors.
        const std::uint8_t type = ip[ihl];
        if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12) {
            return false;
        }
    }
    return true;
}

std::size_t icmp_error_len(const std::uint8_t* orig_ip, std::size_t avail) noexcept
{
    const std::size_t total = ipv4_total_len(orig_ip);
    std::size_t quote = ipv4_hdr_len(orig_ip) + 8;
    quote = quote < total ? quote : total;
    quote = quote < avail ? quote : avail;
    return ipv4_min_hdr + icmp_hdr_len + quote;
}

std::size_t build_icmp_error(std::uint8_t* out, const std::uint8_t* orig_ip, std::size_t avail,
                             const icmp_error& e) noexcept
{
    const std::size_t len = icmp_error_len(orig_ip, avail);
    const std::size_t quote = len - ipv4_min_hdr - icmp_hdr_len;
    std::uint8_t* ip = out;
    ip[0] = 0x45;
    ip[1] = 0xc0;  // precedence internetwork control, as routers send errors (RFC 1812 4.3.2.5)
    put16(ip + 2, static_cast<std::uint16_t>(len));
    put16(ip + 4, e.ip_id);
    put16(ip + 6, 0);
    ip[8] = default_ttl;
    ip[9] = proto_icmp;
    put16(ip + 10, 0);
    put32(ip + 12, e.src);
    put32(ip + 16, ipv4_src(orig_ip));
    put16(ip + 10, inet_checksum(ip, ipv4_min_hdr));

    std::uint8_t* icmp = ip + ipv4_min_hdr;
    icmp[0] = e.type;
    icmp[1] = e.code;
    put16(icmp + 2, 0);
    put16(icmp + 4, 0);  // unused
    put16(icmp + 6, e.type == icmp_unreachable && e.code == code_frag_needed ? e.next_hop_mtu : 0);
    std::memcpy(icmp + icmp_hdr_len, orig_ip, quote);
    put16(icmp + 2, inet_checksum(icmp, icmp_hdr_len + quote));
    return len;
}

void put_eth(std::uint8_t* frame, const mac& dst, const mac& src, std::uint16_t type) noexcept
{
    std::memcpy(frame, dst.data(), 6);
    std::memcpy(frame + 6, src.data(), 6);
    put16(frame + 12, type);
}

std::optional<arp> parse_arp(const std::uint8_t* body, std::size_t avail) noexcept
{
    // htype Ethernet, ptype IPv4, hlen 6, plen 4.
    if (avail < arp_len || get16(body) != 1 || get16(body + 2) != ether_ipv4 || body[4] != 6 || body[5] != 4) {
        return std::nullopt;
    }
    arp a;
    a.op = get16(body + 6);
    std::memcpy(a.sha.data(), body + 8, 6);
    a.spa = get32(body + 14);
    std::memcpy(a.tha.data(), body + 18, 6);
    a.tpa = get32(body + 24);
    return a;
}

std::size_t build_arp_request(std::uint8_t* frame, const mac& src_mac, std::uint32_t spa, std::uint32_t tpa) noexcept
{
    const mac broadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    put_eth(frame, broadcast, src_mac, ether_arp);
    std::uint8_t* b = frame + eth_hdr_len;
    put16(b, 1);
    put16(b + 2, ether_ipv4);
    b[4] = 6;
    b[5] = 4;
    put16(b + 6, arp_request);
    std::memcpy(b + 8, src_mac.data(), 6);
    put32(b + 14, spa);
    std::memset(b + 18, 0, 6);
    put32(b + 24, tpa);
    return eth_hdr_len + arp_len;
}

} // namespace fastpath::pkt
