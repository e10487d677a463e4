// net_tap twins and the iproute2 calls that give the kernel side its address.
#include "fastpath/tap.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <cstdio>

extern char** environ;

namespace fastpath {

std::string format_ipv4(std::uint32_t a)
{
    return std::to_string(a >> 24) + "." + std::to_string(a >> 16 & 0xff) + "." + std::to_string(a >> 8 & 0xff) +
        "." + std::to_string(a & 0xff);
}

std::string tap_name(const std::string& port_name, std::size_t index)
{
    std::string n = port_name;
    for (char& c : n) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.';
        c = ok ? c : '_';
    }
    if (n.empty() || n.size() > 15 || n == "." || n == "..") {
        return "fptap" + std::to_string(index);
    }
    return n;
}

tap_result create_tap(const std::string& ifname, const pkt::mac& mac, std::uint16_t mtu, rte_mempool* pool)
{
    tap_result r;
    r.devname = "net_tap_" + ifname;
    char macs[18];
    std::snprintf(macs, sizeof macs, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                  mac[5]);
    const std::string args = "iface=" + ifname + ",mac=" + macs;
    int ret = rte_eal_hotplug_add("vdev", r.devname.c_str(), args.c_str());
    if (ret != 0) {
        r.error = "TAP twin " + ifname + ": cannot create " + r.devname + "," + args + ": " + rte_strerror(-ret);
        return r;
    }
    if (rte_eth_dev_get_port_by_name(r.devname.c_str(), &r.port_id) != 0) {
        r.error = "TAP twin " + ifname + ": no ethdev after probing " + r.devname;
        return r;
    }
    const auto fail = [&](const std::string& what, int err) {
        r.error = "TAP twin " + ifname + ": " + what + ": " + rte_strerror(err < 0 ? -err : err);
        return r;
    };
    rte_eth_conf conf{};
    if ((ret = rte_eth_dev_configure(r.port_id, 1, 1, &conf)) != 0) {
        return fail("configure", ret);
    }
    if ((ret = rte_eth_dev_set_mtu(r.port_id, mtu)) != 0) {
        return fail("MTU " + std::to_string(mtu), ret);
    }
    const auto socket = static_cast<unsigned>(rte_socket_id());
    if ((ret = rte_eth_rx_queue_setup(r.port_id, 0, 512, socket, nullptr, pool)) != 0) {
        return fail("RX queue", ret);
    }
    if ((ret = rte_eth_tx_queue_setup(r.port_id, 0, 512, socket, nullptr)) != 0) {
        return fail("TX queue", ret);
    }
    if ((ret = rte_eth_dev_start(r.port_id)) != 0) {
        return fail("start", ret);
    }
    return r;
}

void destroy_tap(std::uint16_t port_id, const std::string& devname)
{
    // Each fails only for a device already gone: nothing to undo.
    (void)rte_eth_dev_stop(port_id);
    (void)rte_eth_dev_close(port_id);
    (void)rte_eal_hotplug_remove("vdev", devname.c_str());
}

std::string run_ip(const std::vector<std::string>& args)
{
    std::vector<std::string> owned{"ip"};
    owned.insert(owned.end(), args.begin(), args.end());
    std::vector<char*> argv;
    std::string line;
    for (std::string& a : owned) {
        argv.push_back(a.data());
        line += (line.empty() ? "" : " ") + a;
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int err = posix_spawnp(&pid, "ip", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) {
        return "cannot run `" + line + "`: iproute2 missing?";
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return "`" + line + "` failed";
    }
    return {};
}

} // namespace fastpath
