// The routing information the control thread turns into rte_lpm: connected and
// local routes from interface addresses plus static routes, with next hops
// resolved recursively to a connected interface. Pure, so unit-testable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fastpath/options.hpp"
#include "fastpath/packet.hpp"

namespace fastpath {

// Where a route sends a packet.
struct next_hop {
    enum class kind : std::uint8_t { forward, local } what = kind::forward;  // local = punt to the kernel
    std::uint16_t port = 0;       // port index (runtime_options::ports order)
    std::uint32_t gateway = 0;    // host order; 0 = on-link, the destination is the neighbour
    bool operator==(const next_hop&) const = default;
};

struct fib_entry {
    ipv4_prefix prefix;  // masked
    next_hop nh;
    bool operator==(const fib_entry&) const = default;
};

// Where one multicast group goes. Bit i of a mask is port index i.
struct mcast_route {
    std::uint32_t group = 0;      // host order
    std::uint32_t out_ports = 0;  // ports with `ip igmp static-group` for it
    std::uint32_t joined = 0;     // ports whose kernel twin is a member (`ip igmp join-group`)
    bool operator==(const mcast_route&) const = default;
};
static_assert(max_ports <= 32, "mcast_route port masks are 32 bits");

struct fib {
    std::vector<fib_entry> entries;     // at most one per prefix
    std::vector<mcast_route> multicast;  // sorted by group; empty: every group goes to the kernel
    std::vector<std::string> errors;    // routes left out, one line each
};

inline std::uint32_t prefix_mask(std::uint8_t len) noexcept
{
    return len == 0 ? 0 : ~std::uint32_t{0} << (32 - len);
}

// Connected routes (one per addressed port), local /32s for our addresses and
// the subnets' broadcast addresses, then static routes. A static route's next
// hop resolves through the connected subnets or, recursively, through other
// static routes; a route whose next hop resolves to nothing is left out.
fib build_fib(const std::vector<port_spec>& ports, const std::vector<static_route>& routes);

// The multicast forwarding table (`ip multicast-routing`): one entry per group
// some port forwards or joins, sorted by group. Link-local groups are left out:
// they always go to the kernel.
std::vector<mcast_route> build_mfib(const std::vector<port_spec>& ports);

// IPv4 neighbours of the current snapshot: (port, address) -> MAC. Open
// addressing over a power-of-two array, so a worker lookup is a few probes
// with no allocation; built on the control thread and then never changed.
class neighbour_table {
public:
    struct entry {
        std::uint32_t ip = 0;
        std::uint16_t port = 0;
        bool used = false;
        std::uint8_t mac[6] = {};
    };

    neighbour_table() = default;
    explicit neighbour_table(const std::vector<entry>& entries);

    const entry* find(std::uint16_t port, std::uint32_t ip) const noexcept
    {
        if (slots_.empty()) {
            return nullptr;
        }
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = hash(port, ip) & mask;; i = (i + 1) & mask) {
            const entry& e = slots_[i];
            if (!e.used) {
                return nullptr;
            }
            if (e.ip == ip && e.port == port) {
                return &e;
            }
        }
    }
    std::size_t size() const { return count_; }

private:
    static std::size_t hash(std::uint16_t port, std::uint32_t ip) noexcept
    {
        return static_cast<std::size_t>((ip ^ (std::uint32_t{port} << 24)) * 2654435761u);
    }

    std::vector<entry> slots_;
    std::size_t count_ = 0;
};

} // namespace fastpath
