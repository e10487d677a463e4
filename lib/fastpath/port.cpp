// Ethernet port set-up and tear-down on top of rte_ethdev.
#include "fastpath/port.hpp"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>

namespace fastpath {

namespace {

constexpr std::uint16_t rx_desc = 1024;
constexpr std::uint16_t tx_desc = 1024;
// 802.1Q/QinQ tags plus Ethernet header and CRC around the MTU.
constexpr unsigned l2_overhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN;

std::string port_error(const port_spec& spec, const std::string& what, int ret)
{
    return "interface " + spec.name + " (" + spec.spec + "): " + what + ": " + rte_strerror(ret < 0 ? -ret : ret);
}

} // namespace

std::string device_name(const port_spec& spec)
{
    if (spec.pci) {
        // EAL accepts "03:00.1" but names the device with its PCI domain.
        const auto colons = std::count(spec.spec.begin(), spec.spec.end(), ':');
        return colons == 1 ? "0000:" + spec.spec : spec.spec;
    }
    return spec.spec.substr(0, spec.spec.find(','));
}

port_lookup find_port(const port_spec& spec)
{
    port_lookup r;
    const std::string dev = device_name(spec);
    if (rte_eth_dev_get_port_by_name(dev.c_str(), &r.id) != 0) {
        r.error = "interface " + spec.name + ": no DPDK port named " + dev + " (from \"" + spec.spec +
            "\"); check the " + (spec.pci ? "PCI address and driver binding" : "vdev arguments");
    }
    return r;
}

int port_socket(std::uint16_t id)
{
    const int s = rte_eth_dev_socket_id(id);
    return s >= 0 ? s : static_cast<int>(rte_socket_id());
}

std::string mempool_name(int socket)
{
    return "fp_mbuf_s" + std::to_string(socket);
}

mempool_result create_mempool(int socket, unsigned mbufs)
{
    mempool_result r;
    // Per-lcore cache, kept well below mbufs / 1.5 as the mempool requires.
    const unsigned cache = std::min(256u, mbufs / 4);
    const std::string name = mempool_name(socket);
    r.pool = rte_pktmbuf_pool_create(name.c_str(), mbufs, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (r.pool == nullptr) {
        r.error = "cannot create mbuf pool " + name + " of " + std::to_string(mbufs) +
            " mbufs: " + rte_strerror(rte_errno);
    }
    return r;
}

std::string setup_port(std::uint16_t id, const port_spec& spec, unsigned queues, rte_mempool* pool)
{
    rte_eth_dev_info info{};
    int ret = rte_eth_dev_info_get(id, &info);
    if (ret != 0) {
        return port_error(spec, "cannot read device info", ret);
    }
    if (queues > info.max_rx_queues || queues > info.max_tx_queues) {
        return "interface " + spec.name + " (" + spec.spec + "): " + std::to_string(queues) +
            " workers need as many RX and TX queues, the device has " + std::to_string(info.max_rx_queues) +
            " RX and " + std::to_string(info.max_tx_queues) + " TX";
    }
    if (spec.mtu && (*spec.mtu < info.min_mtu || *spec.mtu > info.max_mtu)) {
        return "interface " + spec.name + ": MTU " + std::to_string(*spec.mtu) + " outside the device range " +
            std::to_string(info.min_mtu) + ".." + std::to_string(info.max_mtu);
    }
    // Single-segment mbufs only: the frame must fit one default data room.
    if (spec.mtu && *spec.mtu + l2_overhead > RTE_MBUF_DEFAULT_DATAROOM) {
        return "interface " + spec.name + ": MTU " + std::to_string(*spec.mtu) + " does not fit a " +
            std::to_string(RTE_MBUF_DEFAULT_DATAROOM) + "-byte mbuf";
    }

    rte_eth_conf conf{};
    // Spread flows over the workers' queues; one queue needs no hashing.
    const std::uint64_t rss_hf = info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
    if (queues > 1 && rss_hf != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_key = nullptr;
        conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
    }
    const auto nq = static_cast<std::uint16_t>(queues);
    ret = rte_eth_dev_configure(id, nq, nq, &conf);
    if (ret != 0) {
        return port_error(spec, "rte_eth_dev_configure", ret);
    }
    if (spec.mtu) {
        ret = rte_eth_dev_set_mtu(id, static_cast<std::uint16_t>(*spec.mtu));
        // A device that cannot change its MTU is fine if it already has this one.
        std::uint16_t current = 0;
        if (ret == -ENOTSUP && rte_eth_dev_get_mtu(id, &current) == 0 && current == *spec.mtu) {
            ret = 0;
        }
        if (ret != 0) {
            return port_error(spec, "cannot set MTU " + std::to_string(*spec.mtu), ret);
        }
    }
    std::uint16_t nb_rx = rx_desc;
    std::uint16_t nb_tx = tx_desc;
    ret = rte_eth_dev_adjust_nb_rx_tx_desc(id, &nb_rx, &nb_tx);
    if (ret != 0) {
        return port_error(spec, "rte_eth_dev_adjust_nb_rx_tx_desc", ret);
    }
    const int socket = port_socket(id);
    for (std::uint16_t q = 0; q < nq; ++q) {
        ret = rte_eth_rx_queue_setup(id, q, nb_rx, static_cast<unsigned>(socket), nullptr, pool);
        if (ret != 0) {
            return port_error(spec, "RX queue " + std::to_string(q) + " setup", ret);
        }
        ret = rte_eth_tx_queue_setup(id, q, nb_tx, static_cast<unsigned>(socket), nullptr);
        if (ret != 0) {
            return port_error(spec, "TX queue " + std::to_string(q) + " setup", ret);
        }
    }
    // Some virtual devices have no promiscuous mode; they receive everything anyway.
    ret = rte_eth_promiscuous_enable(id);
    if (ret != 0 && ret != -ENOTSUP) {
        return port_error(spec, "cannot enable promiscuous mode", ret);
    }
    ret = rte_eth_dev_start(id);
    if (ret != 0) {
        return port_error(spec, "rte_eth_dev_start", ret);
    }
    return {};
}

void close_port(std::uint16_t id)
{
    // Both fail only for an invalid or already closed port: nothing to undo.
    (void)rte_eth_dev_stop(id);
    (void)rte_eth_dev_close(id);
}

port_stats read_port_stats(const std::string& name, std::uint16_t id)
{
    port_stats s;
    s.name = name;
    s.port_id = id;
    rte_eth_stats st{};
    if (rte_eth_stats_get(id, &st) == 0) {
        s.ipackets = st.ipackets;
        s.opackets = st.opackets;
        s.ibytes = st.ibytes;
        s.obytes = st.obytes;
        s.imissed = st.imissed;
        s.ierrors = st.ierrors;
        s.oerrors = st.oerrors;
        rte_eth_dev_info info{};
        if (rte_eth_dev_info_get(id, &info) == 0) {
            const unsigned n = std::min<unsigned>(std::max(info.nb_rx_queues, info.nb_tx_queues),
                                                  RTE_ETHDEV_QUEUE_STAT_CNTRS);
            for (unsigned q = 0; q < n; ++q) {
                s.queues.push_back({st.q_ipackets[q], st.q_ibytes[q], st.q_opackets[q], st.q_obytes[q]});
            }
        }
    }
    rte_eth_link link{};
    if (rte_eth_link_get_nowait(id, &link) == 0) {
        s.link_up = link.link_status == RTE_ETH_LINK_UP;
        s.link_speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
    }
    return s;
}

} // namespace fastpath
