// acl: policy model factories, the reference matcher and IOS-style printing.
#include "acl/policy.hpp"

#include <bit>
#include <cstdio>

namespace acl {

prefix prefix::make(std::uint32_t a, unsigned len)
{
    if (len > 32) {
        throw policy_error("prefix length " + std::to_string(len) + " is over 32");
    }
    prefix p;
    p.len = static_cast<std::uint8_t>(len);
    p.addr = a & p.mask();
    return p;
}

prefix prefix::from_wildcard(std::uint32_t a, std::uint32_t wildcard)
{
    // Contiguous means wildcard + 1 is a power of two (or wraps to 0 for any).
    if ((wildcard & (wildcard + 1u)) != 0) {
        throw policy_error("wildcard " + format_ipv4(wildcard) +
                           " is not contiguous: only prefix wildcards such as 0.0.255.255 "
                           "are supported");
    }
    return make(a, 32u - static_cast<unsigned>(std::popcount(wildcard)));
}

namespace {

port_match one_range(port_op op, std::uint16_t lo, std::uint16_t hi)
{
    port_match m;
    m.op = op;
    m.count = 1;
    m.ranges[0] = {lo, hi};
    return m;
}

} // namespace

port_match port_match::eq(std::uint16_t p)
{
    return one_range(port_op::eq, p, p);
}

port_match port_match::neq(std::uint16_t p)
{
    port_match m;
    m.op = port_op::neq;
    m.count = 0;
    if (p > 0) {
        m.ranges[m.count++] = {0, static_cast<std::uint16_t>(p - 1)};
    }
    if (p < 0xffff) {
        m.ranges[m.count++] = {static_cast<std::uint16_t>(p + 1), 0xffff};
    }
    return m;
}

port_match port_match::lt(std::uint16_t p)
{
    if (p == 0) {
        throw policy_error("port operator 'lt 0' matches no port");
    }
    return one_range(port_op::lt, 0, static_cast<std::uint16_t>(p - 1));
}

port_match port_match::gt(std::uint16_t p)
{
    if (p == 0xffff) {
        throw policy_error("port operator 'gt 65535' matches no port");
    }
    return one_range(port_op::gt, static_cast<std::uint16_t>(p + 1), 0xffff);
}

port_match port_match::range(std::uint16_t lo, std::uint16_t hi)
{
    if (lo > hi) {
        throw policy_error("port range " + std::to_string(lo) + " " + std::to_string(hi) +
                           " is empty");
    }
    return one_range(port_op::range, lo, hi);
}

bool port_match::contains(std::uint16_t p) const
{
    for (unsigned i = 0; i < count; ++i) {
        if (p >= ranges[i].lo && p <= ranges[i].hi) {
            return true;
        }
    }
    return false;
}

std::optional<std::string> validate(const ace& e)
{
    if (!has_ports(e.protocol) && (!e.sport.is_any() || !e.dport.is_any())) {
        return "port operators need protocol tcp, udp or sctp, not " +
               std::to_string(e.protocol);
    }
    if (e.src.len > 32 || e.dst.len > 32) {
        return std::string("prefix length over 32");
    }
    if ((e.src.addr & ~e.src.mask()) != 0 || (e.dst.addr & ~e.dst.mask()) != 0) {
        return std::string("prefix has host bits set");
    }
    for (const port_match* m : {&e.sport, &e.dport}) {
        if (m->count > 2) {
            return std::string("more than two port ranges");
        }
        for (unsigned i = 0; i < m->count; ++i) {
            if (m->ranges[i].lo > m->ranges[i].hi) {
                return std::string("empty port range");
            }
        }
    }
    return std::nullopt;
}

bool matches(const ace& e, const five_tuple& t)
{
    if (e.protocol != proto_ip && e.protocol != t.protocol) {
        return false;
    }
    if (!e.src.contains(t.src) || !e.dst.contains(t.dst)) {
        return false;
    }
    return e.sport.contains(t.sport) && e.dport.contains(t.dport);
}

ace mirror(const ace& e)
{
    // Every receiver of a group sees the (S, G) the sender matched: a multicast
    // destination is not turned into a source.
    if (e.dst.len >= 4 && (e.dst.addr >> 28) == 0xeu) {
        return e;
    }
    ace m = e;
    m.src = e.dst;
    m.dst = e.src;
    m.sport = e.dport;
    m.dport = e.sport;
    return m;
}

std::string format_ipv4(std::uint32_t a)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xffu, (a >> 8) & 0xffu,
                  a & 0xffu);
    return buf;
}

std::string to_string(const prefix& p)
{
    if (p.len == 0) {
        return "any";
    }
    if (p.len == 32) {
        return "host " + format_ipv4(p.addr);
    }
    return format_ipv4(p.addr) + " " + format_ipv4(p.wildcard());
}

std::string to_string(const port_match& m)
{
    switch (m.op) {
    case port_op::any:
        return "";
    case port_op::eq:
        return "eq " + std::to_string(m.ranges[0].lo);
    case port_op::neq:
        // The excluded port is the gap between the ranges, or an end.
        if (m.count == 2) {
            return "neq " + std::to_string(m.ranges[0].hi + 1);
        }
        return "neq " + std::to_string(m.count == 1 && m.ranges[0].lo == 0 ? 0xffff : 0);
    case port_op::lt:
        return "lt " + std::to_string(m.ranges[0].hi + 1);
    case port_op::gt:
        return "gt " + std::to_string(m.ranges[0].lo - 1);
    case port_op::range:
        return "range " + std::to_string(m.ranges[0].lo) + " " + std::to_string(m.ranges[0].hi);
    }
    return "";
}

namespace {

std::string protocol_text(std::uint8_t p)
{
    switch (p) {
    case proto_ip:
        return "ip";
    case proto_icmp:
        return "icmp";
    case proto_tcp:
        return "tcp";
    case proto_udp:
        return "udp";
    default:
        return std::to_string(p);
    }
}

} // namespace

std::string to_string(const ace& e)
{
    std::string s;
    if (e.seq) {
        s = std::to_string(*e.seq) + " ";
    }
    s += e.act == action::permit ? "permit " : "deny ";
    s += protocol_text(e.protocol) + " " + to_string(e.src);
    if (!e.sport.is_any()) {
        s += " " + to_string(e.sport);
    }
    s += " " + to_string(e.dst);
    if (!e.dport.is_any()) {
        s += " " + to_string(e.dport);
    }
    return s;
}

} // namespace acl
