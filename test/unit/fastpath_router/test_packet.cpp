// IPv4 validation, TTL checksum update, ICMP error and ARP construction on plain buffers.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "fastpath/packet.hpp"

namespace pkt = fastpath::pkt;

namespace {

// A 20-byte-header IPv4/UDP packet with `payload` bytes, checksum filled in.
std::vector<std::uint8_t> ipv4_udp(std::uint32_t src, std::uint32_t dst, std::size_t payload, std::uint8_t ttl = 64,
                                   std::uint16_t frag = 0)
{
    std::vector<std::uint8_t> p(20 + 8 + payload, 0);
    p[0] = 0x45;
    pkt::put16(&p[2], static_cast<std::uint16_t>(p.size()));
    pkt::put16(&p[4], 0x1234);
    pkt::put16(&p[6], frag);
    p[8] = ttl;
    p[9] = 17;
    pkt::put32(&p[12], src);
    pkt::put32(&p[16], dst);
    pkt::put16(&p[10], pkt::inet_checksum(p.data(), 20));
    for (std::size_t i = 28; i < p.size(); ++i) {
        p[i] = static_cast<std::uint8_t>(i);
    }
    return p;
}

constexpr std::uint32_t host_a = 0x0a4d0101;  // 10.77.1.1
constexpr std::uint32_t host_b = 0x0a4d0201;  // 10.77.2.1
constexpr std::uint32_t router = 0x0a4d01fe;  // 10.77.1.254

} // namespace

TEST_CASE("the Internet checksum matches RFC 1071's example and verifies to zero")
{
    // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d.
    const std::uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK(pkt::inet_checksum(data, sizeof data) == 0x220d);
    auto p = ipv4_udp(host_a, host_b, 10);
    CHECK(pkt::inet_checksum(p.data(), 20) == 0);
}

TEST_CASE("check_ipv4 accepts a good header and names each kind of bad one")
{
    auto good = ipv4_udp(host_a, host_b, 10);
    CHECK(pkt::check_ipv4(good.data(), good.size()) == pkt::ipv4_verdict::ok);
    // Ethernet padding after the packet is fine.
    good.resize(good.size() + 10);
    CHECK(pkt::check_ipv4(good.data(), good.size()) == pkt::ipv4_verdict::ok);

    auto p = ipv4_udp(host_a, host_b, 10);
    CHECK(pkt::check_ipv4(p.data(), 19) == pkt::ipv4_verdict::too_short);

    p = ipv4_udp(host_a, host_b, 10);
    p[0] = 0x65;
    CHECK(pkt::check_ipv4(p.data(), p.size()) == pkt::ipv4_verdict::bad_version);

    p = ipv4_udp(host_a, host_b, 10);
    p[0] = 0x44;
    CHECK(pkt::check_ipv4(p.data(), p.size()) == pkt::ipv4_verdict::bad_ihl);

    p = ipv4_udp(host_a, host_b, 10);
    pkt::put16(&p[2], static_cast<std::uint16_t>(p.size() + 1));  // longer than what arrived
    CHECK(pkt::check_ipv4(p.data(), p.size()) == pkt::ipv4_verdict::bad_length);
    pkt::put16(&p[2], 19);  // shorter than its own header
    CHECK(pkt::check_ipv4(p.data(), p.size()) == pkt::ipv4_verdict::bad_length);

    p = ipv4_udp(host_a, host_b, 10);
    p[11] ^= 0x01;
    CHECK(pkt::check_ipv4(p.data(), p.size()) == pkt::ipv4_verdict::bad_checksum);
}

TEST_CASE("decrement_ttl patches the checksum exactly as a full recomputation")
{
    std::mt19937 rng(4);  // seeded: the same headers every run
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::uint8_t> h(20);
        for (auto& b : h) {
            b = static_cast<std::uint8_t>(rng());
        }
        h[0] = 0x45;
        h[8] = static_cast<std::uint8_t>(1 + rng() % 255);  // TTL >= 1
        pkt::put16(&h[10], 0);
        pkt::put16(&h[10], pkt::inet_checksum(h.data(), 20));
        const std::uint8_t ttl = h[8];

        pkt::decrement_ttl(h.data());
        REQUIRE(h[8] == ttl - 1);
        // The header still verifies: the ones' complement sum is all ones.
        INFO("header " << i);
        REQUIRE(pkt::inet_checksum(h.data(), 20) == 0);
    }
}

TEST_CASE("an ICMP time exceeded quotes the IP header and 8 bytes, from the ingress address")
{
    auto orig = ipv4_udp(host_a, host_b, 100, 1);
    REQUIRE(pkt::may_send_icmp_error(orig.data(), orig.size()));
    const std::size_t len = pkt::icmp_error_len(orig.data(), orig.size());
    CHECK(len == 20 + 8 + 20 + 8);
    std::vector<std::uint8_t> out(len, 0xee);
    pkt::icmp_error e;
    e.type = pkt::icmp_time_exceeded;
    e.code = pkt::code_ttl_in_transit;
    e.src = router;
    e.ip_id = 7;
    REQUIRE(pkt::build_icmp_error(out.data(), orig.data(), orig.size(), e) == len);

    CHECK(pkt::check_ipv4(out.data(), out.size()) == pkt::ipv4_verdict::ok);
    CHECK(pkt::ipv4_total_len(out.data()) == len);
    CHECK(out[9] == pkt::proto_icmp);
    CHECK(out[8] == pkt::default_ttl);
    CHECK(pkt::ipv4_src(out.data()) == router);
    CHECK(pkt::ipv4_dst(out.data()) == host_a);
    const std::uint8_t* icmp = out.data() + 20;
    CHECK(icmp[0] == 11);
    CHECK(icmp[1] == 0);
    CHECK(pkt::inet_checksum(icmp, len - 20) == 0);
    CHECK(pkt::get32(icmp + 4) == 0);
    CHECK(std::memcmp(icmp + 8, orig.data(), 28) == 0);
}

TEST_CASE("fragmentation needed carries the next-hop MTU (RFC 1191)")
{
    auto orig = ipv4_udp(host_a, host_b, 1400);
    pkt::put16(&orig[6], 0x4000);  // DF
    pkt::put16(&orig[10], 0);
    pkt::put16(&orig[10], pkt::inet_checksum(orig.data(), 20));
    std::vector<std::uint8_t> out(pkt::icmp_error_len(orig.data(), orig.size()));
    pkt::icmp_error e;
    e.type = pkt::icmp_unreachable;
    e.code = pkt::code_frag_needed;
    e.next_hop_mtu = 1280;
    e.src = router;
    pkt::build_icmp_error(out.data(), orig.data(), orig.size(), e);
    const std::uint8_t* icmp = out.data() + 20;
    CHECK(icmp[0] == 3);
    CHECK(icmp[1] == 4);
    CHECK(pkt::get16(icmp + 4) == 0);
    CHECK(pkt::get16(icmp + 6) == 1280);
    CHECK(pkt::inet_checksum(icmp, out.size() - 20) == 0);
}

TEST_CASE("the quote is shorter when the offending packet is")
{
    auto orig = ipv4_udp(host_a, host_b, 0);
    orig.resize(24);
    pkt::put16(&orig[2], 24);
    pkt::put16(&orig[10], 0);
    pkt::put16(&orig[10], pkt::inet_checksum(orig.data(), 20));
    CHECK(pkt::icmp_error_len(orig.data(), orig.size()) == 20 + 8 + 24);
}

TEST_CASE("no ICMP error about an ICMP error, a later fragment, or a non-unicast source or destination")
{
    auto icmp_err = ipv4_udp(host_a, host_b, 20);
    icmp_err[9] = pkt::proto_icmp;
    icmp_err[20] = 3;  // destination unreachable
    CHECK_FALSE(pkt::may_send_icmp_error(icmp_err.data(), icmp_err.size()));
    icmp_err[20] = 11;
    CHECK_FALSE(pkt::may_send_icmp_error(icmp_err.data(), icmp_err.size()));
    icmp_err[20] = 8;  // an echo request may draw an error
    CHECK(pkt::may_send_icmp_error(icmp_err.data(), icmp_err.size()));

    auto later = ipv4_udp(host_a, host_b, 20, 64, 0x0010);  // offset 128
    CHECK_FALSE(pkt::may_send_icmp_error(later.data(), later.size()));
    auto first = ipv4_udp(host_a, host_b, 20, 64, 0x2000);  // MF, offset 0
    CHECK(pkt::may_send_icmp_error(first.data(), first.size()));

    auto mcast = ipv4_udp(host_a, 0xe0000005, 20);
    CHECK_FALSE(pkt::may_send_icmp_error(mcast.data(), mcast.size()));
    auto bcast = ipv4_udp(host_a, 0xffffffff, 20);
    CHECK_FALSE(pkt::may_send_icmp_error(bcast.data(), bcast.size()));
    auto zero = ipv4_udp(0, host_b, 20);
    CHECK_FALSE(pkt::may_send_icmp_error(zero.data(), zero.size()));
    auto msrc = ipv4_udp(0xe0000001, host_b, 20);
    CHECK_FALSE(pkt::may_send_icmp_error(msrc.data(), msrc.size()));
}

TEST_CASE("a group's Ethernet address keeps its low 23 bits (RFC 1112); 224.0.0.0/24 is link-local")
{
    CHECK(pkt::multicast_mac(0xef010101) == pkt::mac{0x01, 0x00, 0x5e, 0x01, 0x01, 0x01});
    // 239.129.2.3 and 224.1.2.3 share 01:00:5e:01:02:03: bit 24 is not mapped.
    CHECK(pkt::multicast_mac(0xef810203) == pkt::mac{0x01, 0x00, 0x5e, 0x01, 0x02, 0x03});
    CHECK(pkt::multicast_mac(0xe0010203) == pkt::multicast_mac(0xef810203));
    CHECK(pkt::is_link_local_multicast(0xe0000005));
    CHECK(pkt::is_link_local_multicast(0xe00000fb));
    CHECK_FALSE(pkt::is_link_local_multicast(0xe0000105));
    CHECK_FALSE(pkt::is_link_local_multicast(0xef000005));
}

TEST_CASE("an ARP request round-trips through build and parse")
{
    const pkt::mac me{0x02, 0, 0, 0, 0, 0x01};
    std::uint8_t frame[60] = {};
    REQUIRE(pkt::build_arp_request(frame, me, router, host_a) == 42);
    CHECK(pkt::get16(frame + 12) == pkt::ether_arp);
    for (int i = 0; i < 6; ++i) {
        CHECK(frame[i] == 0xff);
        CHECK(frame[6 + i] == me[static_cast<std::size_t>(i)]);
    }
    const auto a = pkt::parse_arp(frame + 14, 46);
    REQUIRE(a);
    CHECK(a->op == pkt::arp_request);
    CHECK(a->sha == me);
    CHECK(a->spa == router);
    CHECK(a->tpa == host_a);
    CHECK(a->tha == pkt::mac{});

    CHECK_FALSE(pkt::parse_arp(frame + 14, 27));
    frame[14 + 5] = 16;  // IPv6-sized protocol addresses
    CHECK_FALSE(pkt::parse_arp(frame + 14, 46));
}
