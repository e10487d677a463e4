// TAP twins for the exception path: a net_tap vdev per DPDK port, carrying the
// port's MAC, MTU and IPv4 address on the kernel side. Control thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fastpath/options.hpp"
#include "fastpath/packet.hpp"

struct rte_mempool;

namespace fastpath {

struct tap_result {
    std::uint16_t port_id = 0;
    std::string devname;  // "net_tap_<name>", for hot-unplug
    std::string error;
    bool ok() const { return error.empty(); }
};

// The kernel name of port `index`'s TAP twin: the interface name with every
// character Linux refuses ('/', ':', blanks...) turned into '_', or
// "fptap<index>" when that does not fit IFNAMSIZ - 1 (15) characters.
std::string tap_name(const std::string& port_name, std::size_t index);

// Creates "net_tap_<ifname>,iface=<ifname>,mac=<mac>", one RX and one TX
// queue fed from pool, sets the MTU and starts it (the kernel link goes up).
tap_result create_tap(const std::string& ifname, const pkt::mac& mac, std::uint16_t mtu, rte_mempool* pool);
// Stops, closes and hot-unplugs it; the kernel interface disappears.
void destroy_tap(std::uint16_t port_id, const std::string& devname);

// Runs `ip ARGS...` (iproute2) and waits; returns "" or an error naming the command.
std::string run_ip(const std::vector<std::string>& args);

std::string format_ipv4(std::uint32_t addr);

} // namespace fastpath
