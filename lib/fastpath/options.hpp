// Plain start-up options for the fastpath runtime, filled by the app from the
// configuration so that fastpath does not depend on lib/mgmt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fastpath {

// An IPv4 address with its prefix length; addr in host byte order.
struct ipv4_prefix {
    std::uint32_t addr = 0;
    std::uint8_t len = 32;
    bool operator==(const ipv4_prefix&) const = default;
};

struct port_spec {
    std::string name;                     // interface name, e.g. "wan0"; also the TAP twin's kernel name
    bool pci = false;                     // else a vdev
    std::string spec;                     // "0000:03:00.1" or "net_af_packet0,iface=veth1"
    std::optional<unsigned> mtu;          // left at the device default when empty
    std::optional<ipv4_prefix> address = std::nullopt;  // "ip address"; none = routes but owns no address
    std::uint32_t crypto_group = 0;       // crypto map: the group id its traffic is classified by; 0 = none
    bool fail_close = false;              // the group's member arms fail-close: the runtime starts the
                                          // group on a drop-everything policy (no start-up gap)
    std::vector<std::uint32_t> igmp_static_groups = {};  // host order: forward these groups out of this port
    std::vector<std::uint32_t> igmp_joins = {};          // host order: the kernel is a member here
};

// "ip route prefix mask [next_hop] [interface]": at least one of the two.
struct static_route {
    ipv4_prefix prefix;           // addr is masked to len when the table is built
    std::uint32_t next_hop = 0;   // host order; 0 = none (an interface route: on-link)
    std::string interface;        // egress port name, "" = resolve next_hop recursively
    bool operator==(const static_route&) const = default;
};

struct runtime_options {
    std::vector<port_spec> ports;
    std::vector<static_route> routes;
    unsigned workers = 1;                     // worker lcores, one RX/TX queue each per port
    unsigned mbufs = 8191;                    // mbufs per socket pool
    unsigned burst = 64;                      // packets per rx_burst, at most max_burst
    std::vector<std::string> extra_eal_args;  // user args after --, appended last
    std::string file_prefix;                  // unique per instance; "" = no shared files
    bool exception_path = true;               // a net_tap twin per port for the kernel
    unsigned neighbour_reachable_s = 300;     // ARP cache lifetime before re-resolving
    unsigned icmp_errors_per_s = 100;         // per worker token rate for ICMP errors
    bool multicast_routing = false;           // forward groups to ports' igmp_static_groups; else all to the kernel
};

// Size of the worker's on-stack mbuf array.
inline constexpr unsigned max_burst = 256;
// Ports the router handles (rte_lpm next hops and the worker's TX staging).
inline constexpr unsigned max_ports = 16;

} // namespace fastpath
