// Plain start-up options for the fastpath runtime, filled by the app from the
// configuration so that fastpath does not depend on lib/mgmt.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fastpath {

struct port_spec {
    std::string name;             // interface name, e.g. "wan0"
    bool pci = false;             // else a vdev
    std::string spec;             // "0000:03:00.1" or "net_af_packet0,iface=veth1"
    std::optional<unsigned> mtu;  // left at the device default when empty
};

struct runtime_options {
    std::vector<port_spec> ports;
    unsigned workers = 1;                     // worker lcores, one RX/TX queue each per port
    unsigned mbufs = 8191;                    // mbufs per socket pool
    unsigned burst = 32;                      // packets per rx_burst, at most max_burst
    std::vector<std::string> extra_eal_args;  // user args after --, appended last
    std::string file_prefix;                  // unique per instance; "" = no shared files
};

// Size of the worker's on-stack mbuf array.
inline constexpr unsigned max_burst = 256;

} // namespace fastpath
