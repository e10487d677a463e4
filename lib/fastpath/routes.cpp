// FIB construction with recursive next-hop resolution, and the flat neighbour table.
#include "fastpath/routes.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace fastpath {

namespace {

using prefix_key = std::pair<std::uint32_t, std::uint8_t>;  // masked address, length

std::string dotted(std::uint32_t a)
{
    return std::to_string(a >> 24) + "." + std::to_string(a >> 16 & 0xff) + "." + std::to_string(a >> 8 & 0xff) +
        "." + std::to_string(a & 0xff);
}

// Longest-prefix match over a build-time map (a linear scan: tables are small here).
template <typename T>
const T* longest_match(const std::map<prefix_key, T>& table, std::uint32_t ip)
{
    const T* best = nullptr;
    int best_len = -1;
    for (const auto& [key, value] : table) {
        if ((ip & prefix_mask(key.second)) == key.first && key.second > best_len) {
            best = &value;
            best_len = key.second;
        }
    }
    return best;
}

} // namespace

fib build_fib(const std::vector<port_spec>& ports, const std::vector<static_route>& routes)
{
    fib out;
    // Keyed by prefix: the first route for a prefix wins, connected ones first.
    std::map<prefix_key, next_hop> connected;
    std::map<prefix_key, next_hop> table;
    for (std::size_t i = 0; i < ports.size(); ++i) {
        if (!ports[i].address) {
            continue;
        }
        const ipv4_prefix a = *ports[i].address;
        const auto port = static_cast<std::uint16_t>(i);
        const std::uint32_t net = a.addr & prefix_mask(a.len);
        connected.emplace(prefix_key{net, a.len}, next_hop{next_hop::kind::forward, port, 0});
        table.emplace(prefix_key{net, a.len}, next_hop{next_hop::kind::forward, port, 0});
        table.emplace(prefix_key{a.addr, 32}, next_hop{next_hop::kind::local, port, 0});
        if (a.len <= 30) {
            table.emplace(prefix_key{net | ~prefix_mask(a.len), 32}, next_hop{next_hop::kind::local, port, 0});
        }
    }

    auto port_index = [&](const std::string& name) -> std::optional<std::uint16_t> {
        for (std::size_t i = 0; i < ports.size(); ++i) {
            if (ports[i].name == name) {
                return static_cast<std::uint16_t>(i);
            }
        }
        return std::nullopt;
    };

    // A next hop outside the connected subnets is looked up, longest match,
    // among all static routes, recursively and at most max_depth deep (so a
    // cycle ends), until it lands in a connected subnet or on an interface.
    constexpr int max_depth = 8;
    std::map<prefix_key, const static_route*> statics;
    for (const static_route& r : routes) {
        const std::uint8_t len = std::min<std::uint8_t>(r.prefix.len, 32);
        statics.emplace(prefix_key{r.prefix.addr & prefix_mask(len), len}, &r);
    }
    auto resolve = [&](std::uint32_t gateway) -> std::optional<next_hop> {
        std::uint32_t target = gateway;
        for (int depth = 0; depth < max_depth; ++depth) {
            if (const next_hop* c = longest_match(connected, target)) {
                return next_hop{next_hop::kind::forward, c->port, target};
            }
            const static_route* const* via = longest_match(statics, target);
            if (via == nullptr) {
                return std::nullopt;
            }
            const static_route& r = **via;
            if (!r.interface.empty()) {
                const auto p = port_index(r.interface);
                if (!p) {
                    return std::nullopt;
                }
                return next_hop{next_hop::kind::forward, *p, r.next_hop != 0 ? r.next_hop : target};
            }
            if (r.next_hop == 0) {
                return std::nullopt;
            }
            target = r.next_hop;
        }
        return std::nullopt;
    };

    for (const static_route& r : routes) {
        const std::uint8_t len = std::min<std::uint8_t>(r.prefix.len, 32);
        const prefix_key key{r.prefix.addr & prefix_mask(len), len};
        const std::string name = "route " + dotted(key.first) + "/" + std::to_string(len);
        std::optional<next_hop> nh;
        if (!r.interface.empty()) {
            const auto p = port_index(r.interface);
            if (!p) {
                out.errors.push_back(name + ": no DPDK port named " + r.interface);
                continue;
            }
            nh = next_hop{next_hop::kind::forward, *p, r.next_hop};
        } else if (r.next_hop == 0) {
            out.errors.push_back(name + ": needs a next hop or an interface");
            continue;
        } else {
            nh = resolve(r.next_hop);
            if (!nh) {
                out.errors.push_back(name + ": next hop " + dotted(r.next_hop) +
                                     " is not reachable through any interface");
                continue;
            }
        }
        table.emplace(key, *nh);
    }

    for (const auto& [key, nh] : table) {
        out.entries.push_back({{key.first, key.second}, nh});
    }
    return out;
}

std::vector<mcast_route> build_mfib(const std::vector<port_spec>& ports)
{
    std::map<std::uint32_t, mcast_route> groups;
    const auto add = [&](std::uint32_t g, std::uint32_t mcast_route::*mask, std::size_t port) {
        if (!pkt::is_multicast(g) || pkt::is_link_local_multicast(g) || port >= max_ports) {
            return;
        }
        mcast_route& r = groups[g];
        r.group = g;
        r.*mask |= std::uint32_t{1} << port;
    };
    for (std::size_t i = 0; i < ports.size(); ++i) {
        for (const std::uint32_t g : ports[i].igmp_static_groups) {
            add(g, &mcast_route::out_ports, i);
        }
        for (const std::uint32_t g : ports[i].igmp_joins) {
            add(g, &mcast_route::joined, i);
        }
    }
    std::vector<mcast_route> out;
    for (const auto& [g, r] : groups) {
        out.push_back(r);
    }
    return out;
}

neighbour_table::neighbour_table(const std::vector<entry>& entries)
{
    std::size_t cap = 64;
    while (cap < entries.size() * 2) {
        cap *= 2;
    }
    slots_.resize(cap);
    const std::size_t mask = cap - 1;
    for (const entry& e : entries) {
        std::size_t i = hash(e.port, e.ip) & mask;
        while (slots_[i].used && !(slots_[i].ip == e.ip && slots_[i].port == e.port)) {
            i = (i + 1) & mask;
        }
        if (!slots_[i].used) {
            ++count_;
        }
        slots_[i] = e;
        slots_[i].used = true;
    }
}

} // namespace fastpath
