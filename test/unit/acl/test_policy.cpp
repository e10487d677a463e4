// acl model tests: prefixes and IOS wildcards, port operators, the reference
// matcher, mirroring and IOS-style printing.
#include <catch2/catch.hpp>

#include <cstdio>

#include "acl/policy.hpp"

using namespace acl;

namespace {

std::uint32_t ip(const char* s)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    REQUIRE(std::sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) == 4);
    return (a << 24) | (b << 16) | (c << 8) | d;
}

five_tuple tuple(std::uint8_t proto, const char* src, std::uint16_t sport, const char* dst,
                 std::uint16_t dport)
{
    return {proto, ip(src), ip(dst), sport, dport};
}

} // namespace

TEST_CASE("prefix::make clears host bits and refuses lengths over 32", "[acl][model]")
{
    const prefix p = prefix::make(ip("10.1.2.3"), 16);
    CHECK(p.addr == ip("10.1.0.0"));
    CHECK(p.len == 16);
    CHECK(p.mask() == ip("255.255.0.0"));
    CHECK(p.wildcard() == ip("0.0.255.255"));
    CHECK(p.contains(ip("10.1.200.9")));
    CHECK_FALSE(p.contains(ip("10.2.0.0")));
    CHECK(prefix::any().contains(ip("1.2.3.4")));
    CHECK(prefix::host(ip("1.2.3.4")).contains(ip("1.2.3.4")));
    CHECK_FALSE(prefix::host(ip("1.2.3.4")).contains(ip("1.2.3.5")));
    CHECK_THROWS_AS(prefix::make(0, 33), policy_error);
}

TEST_CASE("contiguous IOS wildcards become prefixes", "[acl][model]")
{
    CHECK(prefix::from_wildcard(ip("10.1.0.0"), ip("0.0.255.255")) == prefix::make(ip("10.1.0.0"), 16));
    CHECK(prefix::from_wildcard(ip("10.0.1.0"), ip("0.0.0.255")) == prefix::make(ip("10.0.1.0"), 24));
    CHECK(prefix::from_wildcard(ip("209.165.200.225"), ip("0.0.0.0")) ==
          prefix::host(ip("209.165.200.225")));
    CHECK(prefix::from_wildcard(ip("0.0.0.0"), ip("255.255.255.255")) == prefix::any());
    CHECK(prefix::from_wildcard(ip("10.0.0.0"), ip("0.0.0.1")).len == 31);
    // IOS ignores address bits under the wildcard; so do we.
    CHECK(prefix::from_wildcard(ip("10.1.2.3"), ip("0.0.255.255")).addr == ip("10.1.0.0"));
}

TEST_CASE("non-contiguous wildcards are refused with a clear error", "[acl][model]")
{
    CHECK_THROWS_WITH(prefix::from_wildcard(ip("10.0.0.0"), ip("0.0.255.0")),
                      Catch::Contains("0.0.255.0") && Catch::Contains("not contiguous"));
    // A netmask where a wildcard belongs is the usual mistake.
    CHECK_THROWS_AS(prefix::from_wildcard(ip("10.0.0.0"), ip("255.255.255.0")), policy_error);
    CHECK_THROWS_AS(prefix::from_wildcard(ip("10.0.0.0"), ip("0.255.0.255")), policy_error);
}

TEST_CASE("port operators become inclusive ranges", "[acl][model]")
{
    const port_match eq = port_match::eq(80);
    CHECK(eq.count == 1);
    CHECK(eq.ranges[0] == port_range{80, 80});
    CHECK(eq.contains(80));
    CHECK_FALSE(eq.contains(81));

    const port_match neq = port_match::neq(23);
    REQUIRE(neq.count == 2);
    CHECK(neq.ranges[0] == port_range{0, 22});
    CHECK(neq.ranges[1] == port_range{24, 65535});
    CHECK_FALSE(neq.contains(23));
    CHECK(neq.contains(0));
    CHECK(neq.contains(65535));

    // neq at either end needs one range only.
    CHECK(port_match::neq(0).count == 1);
    CHECK(port_match::neq(0).ranges[0] == port_range{1, 65535});
    CHECK(port_match::neq(65535).count == 1);
    CHECK(port_match::neq(65535).ranges[0] == port_range{0, 65534});

    CHECK(port_match::lt(1024).ranges[0] == port_range{0, 1023});
    CHECK(port_match::gt(1023).ranges[0] == port_range{1024, 65535});
    CHECK(port_match::range(5000, 5010).ranges[0] == port_range{5000, 5010});
    CHECK(port_match::range(7, 7).contains(7));
    CHECK(port_match::any().contains(0));
    CHECK(port_match::any().contains(65535));

    CHECK_THROWS_AS(port_match::lt(0), policy_error);
    CHECK_THROWS_AS(port_match::gt(65535), policy_error);
    CHECK_THROWS_AS(port_match::range(10, 9), policy_error);
}

TEST_CASE("matches() checks protocol, prefixes and ports", "[acl][model]")
{
    ace e;
    e.act = action::deny;
    e.protocol = proto_tcp;
    e.src = prefix::from_wildcard(ip("10.1.0.0"), ip("0.0.255.255"));
    e.dst = prefix::any();
    e.dport = port_match::eq(22);

    CHECK(matches(e, tuple(proto_tcp, "10.1.5.5", 40000, "192.0.2.1", 22)));
    CHECK_FALSE(matches(e, tuple(proto_udp, "10.1.5.5", 40000, "192.0.2.1", 22)));
    CHECK_FALSE(matches(e, tuple(proto_tcp, "10.2.5.5", 40000, "192.0.2.1", 22)));
    CHECK_FALSE(matches(e, tuple(proto_tcp, "10.1.5.5", 40000, "192.0.2.1", 23)));

    ace ip_any;
    ip_any.protocol = proto_ip;
    CHECK(matches(ip_any, tuple(proto_icmp, "1.1.1.1", 0, "2.2.2.2", 0)));
    CHECK(matches(ip_any, tuple(89, "1.1.1.1", 0, "2.2.2.2", 0)));

    ace icmp;
    icmp.protocol = proto_icmp;
    icmp.dst = prefix::host(ip("2.2.2.2"));
    CHECK(matches(icmp, tuple(proto_icmp, "1.1.1.1", 0x0800, "2.2.2.2", 0)));
    CHECK_FALSE(matches(icmp, tuple(proto_tcp, "1.1.1.1", 0, "2.2.2.2", 0)));
}

TEST_CASE("mirror() swaps addresses and ports", "[acl][model]")
{
    ace e;
    e.protocol = proto_udp;
    e.src = prefix::make(ip("10.1.0.0"), 16);
    e.dst = prefix::host(ip("10.2.0.1"));
    e.sport = port_match::gt(1023);
    e.dport = port_match::eq(53);
    const ace m = mirror(e);
    CHECK(m.src == e.dst);
    CHECK(m.dst == e.src);
    CHECK(m.sport == e.dport);
    CHECK(m.dport == e.sport);
    CHECK(mirror(m) == e);
    CHECK(matches(e, tuple(proto_udp, "10.1.1.1", 5000, "10.2.0.1", 53)));
    CHECK(matches(m, tuple(proto_udp, "10.2.0.1", 53, "10.1.1.1", 5000)));
    CHECK_FALSE(matches(m, tuple(proto_udp, "10.1.1.1", 5000, "10.2.0.1", 53)));

    // Seed 000's downloaded "permit ip host 10.0.1.1 host 239.0.1.1": a member
    // receiving the group sees the same (S, G), so it is not swapped.
    ace group;
    group.src = prefix::host(ip("10.0.1.1"));
    group.dst = prefix::host(ip("239.0.1.1"));
    CHECK(mirror(group) == group);
    ace groups = group;
    groups.dst = prefix::make(ip("239.0.0.0"), 8);
    CHECK(mirror(groups) == groups);
    ace wide = group;
    wide.dst = prefix::make(ip("192.0.0.0"), 2);  // also unicast: mirrored as usual
    CHECK(mirror(wide).src == wide.dst);
}

TEST_CASE("validate() refuses ports on protocols without ports", "[acl][model]")
{
    ace e;
    e.protocol = proto_icmp;
    CHECK_FALSE(validate(e).has_value());
    e.dport = port_match::eq(80);
    REQUIRE(validate(e).has_value());
    CHECK_THAT(*validate(e), Catch::Contains("tcp, udp or sctp"));
    e.protocol = proto_tcp;
    CHECK_FALSE(validate(e).has_value());
    e.protocol = proto_sctp;
    CHECK_FALSE(validate(e).has_value());
    e.src.addr = ip("10.0.0.1");
    e.src.len = 8; // host bits set behind the factories' back
    CHECK(validate(e).has_value());
}

TEST_CASE("to_string() prints IOS syntax", "[acl][model]")
{
    ace e;
    e.seq = 20;
    e.act = action::deny;
    e.protocol = proto_tcp;
    e.src = prefix::make(ip("10.1.0.0"), 16);
    e.dst = prefix::host(ip("192.0.2.7"));
    e.sport = port_match::neq(23);
    e.dport = port_match::range(5000, 5010);
    CHECK(to_string(e) == "20 deny tcp 10.1.0.0 0.0.255.255 neq 23 host 192.0.2.7 range 5000 5010");

    ace p;
    p.protocol = proto_udp;
    p.sport = port_match::lt(1024);
    p.dport = port_match::gt(1023);
    CHECK(to_string(p) == "permit udp any lt 1024 any gt 1023");
    p.sport = port_match::neq(0);
    p.dport = port_match::neq(65535);
    CHECK(to_string(p) == "permit udp any neq 0 any neq 65535");
    p.protocol = 89;
    p.sport = port_match::any();
    p.dport = port_match::any();
    CHECK(to_string(p) == "permit 89 any any");
}
