// acl merge tests: local deny before KS ACL before fail-close, refused local
// permits, verdict/userdata encoding and the software first match.
#include <catch2/catch.hpp>

#include <cstdio>

#include "acl/merge.hpp"

using namespace acl;

namespace {

std::uint32_t ip(const char* s)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    REQUIRE(std::sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) == 4);
    return (a << 24) | (b << 16) | (c << 8) | d;
}

ace make_ace(action act, std::uint8_t proto, prefix src, prefix dst,
             port_match dport = port_match::any())
{
    ace e;
    e.act = act;
    e.protocol = proto;
    e.src = src;
    e.dst = dst;
    e.dport = dport;
    return e;
}

const prefix site1 = prefix::make(0x0a010000, 16); // 10.1.0.0/16
const prefix site2 = prefix::make(0x0a020000, 16); // 10.2.0.0/16

// The seeds' shapes: a local "deny tcp any eq telnet"-style exception, a
// KS ACL that protects site to site but lets GDOI through in clear.
merge_input seed_like(bool fail_close)
{
    merge_input in;
    in.local.push_back({"102", {make_ace(action::deny, proto_tcp, site1, site2, port_match::eq(23))}});
    in.ks.push_back({{"ks-101",
                      {make_ace(action::deny, proto_udp, prefix::any(), prefix::any(),
                                port_match::eq(848)),
                       make_ace(action::permit, proto_ip, site1, site2)}},
                     7});
    in.fail_close = fail_close;
    return in;
}

} // namespace

TEST_CASE("userdata encoding round-trips and is never 0 for an entry", "[acl][merge]")
{
    for (verdict v : {verdict::bypass, verdict::protect, verdict::drop}) {
        for (std::uint32_t value : {0u, 1u, 12345u, userdata_value_max}) {
            const std::uint32_t u = encode_userdata(v, value);
            CHECK(u != 0);
            CHECK(verdict_of(u) == v);
            CHECK(value_of(u) == value);
        }
    }
    CHECK(verdict_of(0) == verdict::none);
}

TEST_CASE("merge orders local denies, then KS ACLs, then fail-close", "[acl][merge]")
{
    const merge_result r = merge(seed_like(true));
    REQUIRE(r.entries.size() == 4);
    CHECK(r.refused.empty());

    CHECK(r.entries[0].from == origin::local);
    CHECK(r.entries[0].result == verdict::bypass);
    CHECK(r.entries[0].list == "102");

    CHECK(r.entries[1].from == origin::ks);
    CHECK(r.entries[1].result == verdict::bypass);
    CHECK(r.entries[1].index == 0);

    CHECK(r.entries[2].from == origin::ks);
    CHECK(r.entries[2].result == verdict::protect);
    CHECK(r.entries[2].policy == 7);
    CHECK(r.entries[2].index == 1);

    CHECK(r.entries[3].from == origin::fail_close);
    CHECK(r.entries[3].result == verdict::drop);
    CHECK(r.entries[3].rule.protocol == proto_ip);
    CHECK(r.entries[3].rule.src == prefix::any());
    CHECK(r.entries[3].rule.dst == prefix::any());
}

TEST_CASE("first match wins over the merged list", "[acl][merge]")
{
    const merge_result on = merge(seed_like(true));
    const merge_result off = merge(seed_like(false));
    REQUIRE(off.entries.size() == 3);

    // Telnet site1 -> site2: the local deny beats the KS permit.
    const five_tuple telnet{proto_tcp, ip("10.1.0.5"), ip("10.2.0.9"), 40000, 23};
    CHECK(first_match(on.entries, telnet) == encode_userdata(verdict::bypass, 0));
    // Other TCP site1 -> site2: KS permit, policy 7.
    const five_tuple ssh{proto_tcp, ip("10.1.0.5"), ip("10.2.0.9"), 40000, 22};
    CHECK(first_match(on.entries, ssh) == encode_userdata(verdict::protect, 7));
    // GDOI: the KS deny (entry 1) beats its own permit below it.
    const five_tuple gdoi{proto_udp, ip("10.1.0.1"), ip("10.2.0.1"), 848, 848};
    CHECK(first_match(on.entries, gdoi) == encode_userdata(verdict::bypass, 1));
    // Outside the policy: fail-close drops, without fail-close nothing matches.
    const five_tuple other{proto_icmp, ip("192.0.2.1"), ip("198.51.100.1"), 0, 0};
    CHECK(first_match(on.entries, other) == encode_userdata(verdict::drop, 3));
    CHECK(first_match(off.entries, other) == 0);
    CHECK(first_match(off.entries, ssh) == encode_userdata(verdict::protect, 7));
}

TEST_CASE("inbound first match uses the mirrored entries", "[acl][merge]")
{
    const merge_result r = merge(seed_like(false));
    // The reply to a protected flow arrives site2 -> site1.
    const five_tuple back{proto_tcp, ip("10.2.0.9"), ip("10.1.0.5"), 22, 40000};
    CHECK(first_match_inbound(r.entries, back) == encode_userdata(verdict::protect, 7));
    CHECK(first_match(r.entries, back) == 0);
    // The telnet reply comes from port 23: the mirrored local deny passes it in clear.
    const five_tuple telnet_back{proto_tcp, ip("10.2.0.9"), ip("10.1.0.5"), 23, 40000};
    CHECK(first_match_inbound(r.entries, telnet_back) == encode_userdata(verdict::bypass, 0));
}

TEST_CASE("a permit in a GM local list is refused and reported", "[acl][merge]")
{
    merge_input in = seed_like(false);
    in.local.push_back({"local-bad",
                        {make_ace(action::deny, proto_icmp, prefix::any(), prefix::any()),
                         make_ace(action::permit, proto_ip, site2, site1)}});
    const merge_result r = merge(in);
    REQUIRE(r.refused.size() == 1);
    CHECK(r.refused[0].list == "local-bad");
    CHECK(r.refused[0].index == 1);
    CHECK(r.refused[0].rule.src == site2);
    // The deny of the same list stays, after list 102 and before the KS ACL.
    REQUIRE(r.entries.size() == 4);
    CHECK(r.entries[1].list == "local-bad");
    CHECK(r.entries[1].rule.protocol == proto_icmp);
    CHECK(r.entries[2].from == origin::ks);
    for (const merged_entry& e : r.entries) {
        CHECK_FALSE((e.from == origin::local && e.result != verdict::bypass));
    }
    // The refused permit does not protect anything: site2 -> site1 stays unmatched.
    const five_tuple t{proto_tcp, ip("10.2.0.1"), ip("10.1.0.1"), 1, 2};
    CHECK(first_match(r.entries, t) == 0);
}

TEST_CASE("several KS ACLs keep their order and policy indexes", "[acl][merge]")
{
    merge_input in;
    in.ks.push_back({{"g1", {make_ace(action::permit, proto_udp, site1, site2)}}, 1});
    in.ks.push_back({{"g2", {make_ace(action::permit, proto_ip, site1, site2)}}, 2});
    const merge_result r = merge(in);
    REQUIRE(r.entries.size() == 2);
    const five_tuple udp{proto_udp, ip("10.1.0.1"), ip("10.2.0.1"), 1, 2};
    const five_tuple tcp{proto_tcp, ip("10.1.0.1"), ip("10.2.0.1"), 1, 2};
    CHECK(first_match(r.entries, udp) == encode_userdata(verdict::protect, 1));
    CHECK(first_match(r.entries, tcp) == encode_userdata(verdict::protect, 2));
}

TEST_CASE("fail-close alone drops everything; an empty merge matches nothing", "[acl][merge]")
{
    merge_input in;
    in.fail_close = true;
    const merge_result r = merge(in);
    REQUIRE(r.entries.size() == 1);
    const five_tuple t{proto_udp, ip("1.2.3.4"), ip("5.6.7.8"), 9, 10};
    CHECK(verdict_of(first_match(r.entries, t)) == verdict::drop);
    CHECK(merge(merge_input{}).entries.empty());
    CHECK(first_match(merge(merge_input{}).entries, t) == 0);
}

TEST_CASE("merge refuses invalid ACEs and oversized policy indexes", "[acl][merge]")
{
    merge_input in;
    in.ks.push_back({{"bad", {make_ace(action::permit, proto_icmp, site1, site2, port_match::eq(1))}}, 0});
    CHECK_THROWS_WITH(merge(in), Catch::Contains("bad") && Catch::Contains("tcp, udp or sctp"));

    merge_input big;
    big.ks.push_back({{"ok", {make_ace(action::permit, proto_ip, site1, site2)}}, userdata_value_max + 1});
    CHECK_THROWS_AS(merge(big), policy_error);
}
