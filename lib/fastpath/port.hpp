// Ethernet ports and their mbuf pools: find a configured port after EAL init,
// configure one RX/TX queue pair per worker, start it, read its stats, close it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fastpath/options.hpp"

struct rte_mempool;

namespace fastpath {

// The ethdev name EAL gives the device: the vdev name before the first comma,
// or the PCI address in full "0000:03:00.1" form.
std::string device_name(const port_spec& spec);

struct port_lookup {
    std::uint16_t id = 0;
    std::string error;  // names the interface when the device is missing
    bool ok() const { return error.empty(); }
};
port_lookup find_port(const port_spec& spec);

// NUMA socket to allocate a port's queues and mbufs on (vdevs report none).
int port_socket(std::uint16_t id);

// Name of the per-socket mbuf pool; rte_mempool_lookup(name) finds it.
std::string mempool_name(int socket);

struct mempool_result {
    rte_mempool* pool = nullptr;
    std::string error;
};
// One pktmbuf pool of `mbufs` default-size mbufs on `socket`.
mempool_result create_mempool(int socket, unsigned mbufs);

// Configures `queues` RX and TX queues (RSS when the device has it and there is
// more than one), the MTU if set, promiscuous mode, and starts the port.
// Returns an error naming the interface, or "".
std::string setup_port(std::uint16_t id, const port_spec& spec, unsigned queues, rte_mempool* pool);

// Stops and closes the port; its RX rings give their mbufs back to the pool.
void close_port(std::uint16_t id);

struct port_stats {
    std::string name;  // interface name
    std::uint16_t port_id = 0;
    std::uint64_t ipackets = 0;
    std::uint64_t opackets = 0;
    std::uint64_t ibytes = 0;
    std::uint64_t obytes = 0;
    std::uint64_t imissed = 0;
    std::uint64_t ierrors = 0;
    std::uint64_t oerrors = 0;
    bool link_up = false;
    std::uint32_t link_speed_mbps = 0;  // 0 when down or unknown
    std::uint64_t dropped = 0;          // packets it received that the workers dropped (runtime fills it)
    // Per queue (queue q is worker q's), as far as the PMD counts them
    // (RTE_ETHDEV_QUEUE_STAT_CNTRS at most).
    struct queue_stats {
        std::uint64_t ipackets = 0;
        std::uint64_t ibytes = 0;
        std::uint64_t opackets = 0;
        std::uint64_t obytes = 0;
    };
    std::vector<queue_stats> queues;
};
// Non-blocking: rte_eth_stats_get and rte_eth_link_get_nowait.
port_stats read_port_stats(const std::string& name, std::uint16_t id);

} // namespace fastpath
