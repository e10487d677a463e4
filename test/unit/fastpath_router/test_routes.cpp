// FIB construction (connected, local, static with recursive next hops), the
// neighbour table, and TAP twin naming.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>

#include "fastpath/routes.hpp"
#include "fastpath/tap.hpp"

using fastpath::fib_entry;
using fastpath::ipv4_prefix;
using fastpath::next_hop;
using kind = fastpath::next_hop::kind;

namespace {

std::vector<fastpath::port_spec> two_ports()
{
    std::vector<fastpath::port_spec> p(2);
    p[0].name = "lan0";
    p[0].spec = "net_ring0";
    p[0].address = ipv4_prefix{0x0a4d01fe, 24};  // 10.77.1.254/24
    p[1].name = "wan0";
    p[1].spec = "net_ring1";
    p[1].address = ipv4_prefix{0x0a4d02fe, 24};  // 10.77.2.254/24
    return p;
}

std::optional<next_hop> find(const fastpath::fib& f, std::uint32_t prefix, std::uint8_t len)
{
    for (const fib_entry& e : f.entries) {
        if (e.prefix.addr == prefix && e.prefix.len == len) {
            return e.nh;
        }
    }
    return std::nullopt;
}

} // namespace

TEST_CASE("interface addresses give connected, local and broadcast routes")
{
    const auto f = fastpath::build_fib(two_ports(), {});
    CHECK(f.errors.empty());
    CHECK(f.entries.size() == 6);
    CHECK(find(f, 0x0a4d0100, 24) == next_hop{kind::forward, 0, 0});
    CHECK(find(f, 0x0a4d0200, 24) == next_hop{kind::forward, 1, 0});
    CHECK(find(f, 0x0a4d01fe, 32) == next_hop{kind::local, 0, 0});
    CHECK(find(f, 0x0a4d02fe, 32) == next_hop{kind::local, 1, 0});
    CHECK(find(f, 0x0a4d01ff, 32) == next_hop{kind::local, 0, 0});
}

TEST_CASE("a port without an address contributes no routes")
{
    auto ports = two_ports();
    ports[1].address.reset();
    const auto f = fastpath::build_fib(ports, {});
    CHECK(f.entries.size() == 3);
    CHECK_FALSE(find(f, 0x0a4d0200, 24));
}

TEST_CASE("static next hops resolve through connected subnets and recursively through other statics")
{
    std::vector<fastpath::static_route> routes;
    // 0/0 via 10.77.2.1 (on wan0); 172.16/16 via 192.168.9.1, which 192.168.9/24 reaches via 10.77.1.1.
    routes.push_back({{0, 0}, 0x0a4d0201, ""});
    routes.push_back({{0xac100000, 16}, 0xc0a80901, ""});
    routes.push_back({{0xc0a80900, 24}, 0x0a4d0101, ""});
    const auto f = fastpath::build_fib(two_ports(), routes);
    CHECK(f.errors.empty());
    CHECK(find(f, 0, 0) == next_hop{kind::forward, 1, 0x0a4d0201});
    CHECK(find(f, 0xc0a80900, 24) == next_hop{kind::forward, 0, 0x0a4d0101});
    // Recursive: the packet goes to the gateway that reaches 192.168.9.1.
    CHECK(find(f, 0xac100000, 16) == next_hop{kind::forward, 0, 0x0a4d0101});
}

TEST_CASE("interface routes and unresolvable next hops")
{
    std::vector<fastpath::static_route> routes;
    routes.push_back({{0x0a630000, 16}, 0, "wan0"});            // on-link out of wan0
    routes.push_back({{0x0a640000, 16}, 0x0a4d0205, "wan0"});   // gateway pinned to wan0
    routes.push_back({{0x0a650000, 16}, 0x08080808, ""});       // nothing reaches 8.8.8.8
    routes.push_back({{0x0a660000, 16}, 0, "eth9"});            // no such port
    routes.push_back({{0x0a670001, 16}, 0x0a4d0101, ""});       // host bits are masked off
    const auto f = fastpath::build_fib(two_ports(), routes);
    CHECK(find(f, 0x0a630000, 16) == next_hop{kind::forward, 1, 0});
    CHECK(find(f, 0x0a640000, 16) == next_hop{kind::forward, 1, 0x0a4d0205});
    CHECK_FALSE(find(f, 0x0a650000, 16));
    CHECK_FALSE(find(f, 0x0a660000, 16));
    CHECK(find(f, 0x0a670000, 16) == next_hop{kind::forward, 0, 0x0a4d0101});
    REQUIRE(f.errors.size() == 2);
    CHECK(std::any_of(f.errors.begin(), f.errors.end(),
                      [](const std::string& e) { return e.find("8.8.8.8") != std::string::npos; }));
    CHECK(std::any_of(f.errors.begin(), f.errors.end(),
                      [](const std::string& e) { return e.find("eth9") != std::string::npos; }));
}

TEST_CASE("a cycle of static routes resolves to nothing instead of looping")
{
    std::vector<fastpath::static_route> routes;
    routes.push_back({{0xc0a80100, 24}, 0xc0a80201, ""});
    routes.push_back({{0xc0a80200, 24}, 0xc0a80101, ""});
    const auto f = fastpath::build_fib(two_ports(), routes);
    CHECK(f.errors.size() == 2);
    CHECK_FALSE(find(f, 0xc0a80100, 24));
}

TEST_CASE("the neighbour table finds entries by port and address, and only those")
{
    std::vector<fastpath::neighbour_table::entry> in;
    for (std::uint32_t i = 0; i < 300; ++i) {
        fastpath::neighbour_table::entry e;
        e.port = static_cast<std::uint16_t>(i % 3);
        e.ip = 0x0a000000 + i;
        e.mac[5] = static_cast<std::uint8_t>(i);
        in.push_back(e);
    }
    const fastpath::neighbour_table t(in);
    CHECK(t.size() == 300);
    for (std::uint32_t i = 0; i < 300; ++i) {
        const auto* e = t.find(static_cast<std::uint16_t>(i % 3), 0x0a000000 + i);
        REQUIRE(e != nullptr);
        CHECK(e->mac[5] == static_cast<std::uint8_t>(i));
        CHECK(t.find(static_cast<std::uint16_t>((i + 1) % 3), 0x0a000000 + i) == nullptr);
    }
    CHECK(t.find(0, 0x0b000000) == nullptr);
    const fastpath::neighbour_table empty;
    CHECK(empty.find(0, 1) == nullptr);
}

TEST_CASE("TAP twin names are the interface names where Linux accepts them")
{
    CHECK(fastpath::tap_name("lan0", 0) == "lan0");
    CHECK(fastpath::tap_name("Ethernet0/1", 1) == "Ethernet0_1");
    CHECK(fastpath::tap_name("GigabitEthernet0/0", 2) == "fptap2");  // over 15 characters
    CHECK(fastpath::tap_name("", 3) == "fptap3");
}

TEST_CASE("the multicast table: one entry per group, sorted, with its out and joined ports; link-local left out")
{
    auto p = two_ports();
    p.push_back({});
    p[2].name = "lan2";
    p[0].igmp_static_groups = {0xef010102, 0xef010101};  // 239.1.1.2, 239.1.1.1
    p[1].igmp_static_groups = {0xef010101};
    p[2].igmp_joins = {0xef010101, 0xe0000005};           // 224.0.0.5 is link-local
    p[1].igmp_joins = {0x0a000001};                        // not a group at all
    const auto m = fastpath::build_mfib(p);
    REQUIRE(m.size() == 2);
    CHECK(m[0] == fastpath::mcast_route{0xef010101, 0b011, 0b100});
    CHECK(m[1] == fastpath::mcast_route{0xef010102, 0b001, 0});
    CHECK(fastpath::build_mfib(two_ports()).empty());
    // build_fib alone never fills it: `ip multicast-routing` is the caller's switch.
    CHECK(fastpath::build_fib(p, {}).multicast.empty());
}
