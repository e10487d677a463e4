// acl: the policy model shared by config, GDOI and the data plane: extended
// ACEs with prefixes and port ranges, named lists, IOS wildcard conversion.
// No DPDK here, so lib/gdoi and lib/mgmt can use it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace acl {

// Raised by the model's factories on input that cannot be represented
// (a non-contiguous wildcard, an empty port operator, a bad prefix length).
class policy_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

enum class action : std::uint8_t { permit, deny };

// IP protocol numbers the model names; any other number is allowed too.
inline constexpr std::uint8_t proto_ip = 0; // "ip": any protocol
inline constexpr std::uint8_t proto_icmp = 1;
inline constexpr std::uint8_t proto_tcp = 6;
inline constexpr std::uint8_t proto_udp = 17;
inline constexpr std::uint8_t proto_sctp = 132;

// True for the protocols whose first four L4 bytes are source and
// destination ports, the only ones an ACE may match ports for.
constexpr bool has_ports(std::uint8_t protocol)
{
    return protocol == proto_tcp || protocol == proto_udp || protocol == proto_sctp;
}

// An IPv4 prefix, address in host byte order with the host bits cleared.
struct prefix {
    std::uint32_t addr = 0;
    std::uint8_t len = 0; // 0 = any, 32 = host

    static prefix any() { return {}; }
    static prefix host(std::uint32_t a) { return {a, 32}; }
    // Clears the host bits; throws policy_error when len > 32.
    static prefix make(std::uint32_t a, unsigned len);
    // IOS "10.1.0.0 0.0.255.255": the wildcard must be contiguous low bits,
    // because rte_acl (and this model) match prefixes only.
    static prefix from_wildcard(std::uint32_t a, std::uint32_t wildcard);

    std::uint32_t mask() const { return len == 0 ? 0u : ~0u << (32u - len); }
    std::uint32_t wildcard() const { return ~mask(); }
    bool contains(std::uint32_t a) const { return (a & mask()) == addr; }
    bool operator==(const prefix&) const = default;
};

// The IOS port operators; each becomes one or two inclusive ranges.
enum class port_op : std::uint8_t { any, eq, neq, lt, gt, range };

struct port_range {
    std::uint16_t lo = 0;
    std::uint16_t hi = 0xffff;
    bool operator==(const port_range&) const = default;
};

// A port match as inclusive ranges: one for any/eq/lt/gt/range, two for neq
// (one when neq names 0 or 65535). The operator is kept for printing.
struct port_match {
    port_op op = port_op::any;
    std::uint8_t count = 1;
    std::array<port_range, 2> ranges{};

    static port_match any() { return {}; }
    static port_match eq(std::uint16_t p);
    static port_match neq(std::uint16_t p);
    static port_match lt(std::uint16_t p); // throws policy_error for lt 0
    static port_match gt(std::uint16_t p); // throws policy_error for gt 65535
    static port_match range(std::uint16_t lo, std::uint16_t hi); // lo <= hi

    bool is_any() const { return op == port_op::any; }
    bool contains(std::uint16_t p) const;
    bool operator==(const port_match&) const = default;
};

// One extended access-control entry.
struct ace {
    std::optional<std::uint32_t> seq; // IOS sequence number, when given
    action act = action::permit;
    std::uint8_t protocol = proto_ip;
    prefix src;
    prefix dst;
    port_match sport;
    port_match dport;
    bool operator==(const ace&) const = default;
};

// A named or numbered list ("101" for numbered ones), in match order.
struct access_list {
    std::string name;
    std::vector<ace> aces;
    bool operator==(const access_list&) const = default;
};

// The five fields an ACE looks at, host byte order.
struct five_tuple {
    std::uint8_t protocol = 0;
    std::uint32_t src = 0;
    std::uint32_t dst = 0;
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
};

// Why an ACE is not usable, or nullopt when it is: ports given for a
// protocol without ports.
std::optional<std::string> validate(const ace& e);

// Software match; the reference the rte_acl classifier is tested against.
bool matches(const ace& e, const five_tuple& t);

// The same ACE seen from the other direction (src <-> dst, sport <-> dport),
// used to check inbound traffic against an outbound policy. An ACE whose
// destination lies within 224.0.0.0/4 is its own mirror: receivers of a group
// see the same (S, G).
ace mirror(const ace& e);

// IOS-style text, e.g. "deny tcp 10.1.0.0 0.0.255.255 any eq 22".
std::string to_string(const ace& e);
std::string to_string(const prefix& p);
std::string to_string(const port_match& m);
std::string format_ipv4(std::uint32_t host_order_addr);

} // namespace acl
