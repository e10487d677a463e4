// acl EAL tests: the rte_acl classifier must agree with the software first
// match (acl::first_match) on random policies and packets, honour every port
// operator, the merge order and the inbound mirror, build 10,000 ACEs, and
// keep two generations apart. EAL starts once per process, on first use.
#include <catch2/catch.hpp>

#include <rte_eal.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "acl/classifier.hpp"

using namespace acl;

namespace {

void start_eal()
{
    static const bool started = [] {
        // No hugepages on the test machines, no files shared with other
        // DPDK processes; -m because a 10k-ACE context outgrows the 64 MB default.
        const char* args[] = {"eal_acl_test", "--no-huge",     "--no-shconf", "--no-pci",
                              "--no-telemetry", "-m",          "512",         "-l",
                              "0",              "--log-level", "lib.eal:error"};
        std::vector<char*> argv;
        for (const char* a : args) {
            argv.push_back(const_cast<char*>(a));
        }
        return rte_eal_init(static_cast<int>(argv.size()), argv.data()) >= 0;
    }();
    REQUIRE(started);
}

// A packet buffer: an option-less IPv4 header and the first L4 bytes, in
// network byte order, as the classifier reads it from an mbuf.
struct packet {
    alignas(8) std::array<std::uint8_t, 64> bytes{};
};

void put16(std::uint8_t* p, std::uint16_t v)
{
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

void put32(std::uint8_t* p, std::uint32_t v)
{
    put16(p, static_cast<std::uint16_t>(v >> 16));
    put16(p + 2, static_cast<std::uint16_t>(v));
}

packet make_packet(const five_tuple& t, unsigned ihl = 5)
{
    packet p;
    std::uint8_t* h = p.bytes.data();
    h[0] = static_cast<std::uint8_t>(0x40 | ihl);
    put16(h + 2, 40);
    h[8] = 64;
    h[9] = t.protocol;
    put32(h + 12, t.src);
    put32(h + 16, t.dst);
    // Options (if any) are NOPs, so they look like ports if misread.
    std::memset(h + 20, 0x01, (ihl - 5) * 4);
    put16(h + ihl * 4, t.sport);
    put16(h + ihl * 4 + 2, t.dport);
    return p;
}

std::vector<packet> make_packets(const std::vector<five_tuple>& tuples)
{
    std::vector<packet> pkts;
    pkts.reserve(tuples.size());
    for (const five_tuple& t : tuples) {
        pkts.push_back(make_packet(t));
    }
    return pkts;
}

// Classifies packets in bursts of 32, one rte_acl call per burst.
std::vector<std::uint32_t> classify_packets(const classifier& c, const std::vector<packet>& pkts)
{
    std::vector<std::uint32_t> out(pkts.size(), 0xdeadbeef);
    constexpr std::size_t burst = 32;
    for (std::size_t i = 0; i < pkts.size(); i += burst) {
        const std::size_t n = std::min(burst, pkts.size() - i);
        std::array<const std::uint8_t*, burst> data{};
        for (std::size_t j = 0; j < n; ++j) {
            data[j] = pkts[i + j].bytes.data();
        }
        c.classify(data.data(), out.data() + i, static_cast<std::uint32_t>(n));
    }
    return out;
}

std::vector<std::uint32_t> classify_all(const classifier& c, const std::vector<five_tuple>& tuples)
{
    return classify_packets(c, make_packets(tuples));
}

std::uint32_t classify_one(const classifier& c, const five_tuple& t)
{
    return classify_all(c, {t}).front();
}

// Random policies with many overlaps: addresses from a /14 so prefixes nest
// and collide, ports from a pool around interesting boundaries.
struct generator {
    std::mt19937 rng;

    explicit generator(std::uint32_t seed) : rng(seed) {}

    std::uint32_t uniform(std::uint32_t lo, std::uint32_t hi)
    {
        return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng);
    }

    std::uint32_t addr() { return 0x0a000000u | uniform(0, 0x3ffff); }

    prefix pfx()
    {
        static constexpr std::array<unsigned, 8> lens = {0, 8, 14, 16, 20, 24, 30, 32};
        const unsigned len = uniform(0, 3) == 0 ? uniform(0, 32) : lens[uniform(0, lens.size() - 1)];
        return prefix::make(addr(), len);
    }

    std::uint16_t port()
    {
        static constexpr std::array<std::uint16_t, 12> pool = {0,    1,    22,   23,   53,    80,
                                                               443,  1023, 1024, 5000, 65534, 65535};
        return uniform(0, 2) == 0 ? static_cast<std::uint16_t>(uniform(0, 65535))
                                  : pool[uniform(0, pool.size() - 1)];
    }

    port_match ports()
    {
        switch (uniform(0, 6)) {
        case 0:
            return port_match::eq(port());
        case 1:
            return port_match::neq(port());
        case 2:
            return port_match::lt(static_cast<std::uint16_t>(std::max<std::uint16_t>(1, port())));
        case 3:
            return port_match::gt(static_cast<std::uint16_t>(std::min<std::uint16_t>(65534, port())));
        case 4: {
            std::uint16_t a = port(), b = port();
            return port_match::range(std::min(a, b), std::max(a, b));
        }
        default:
            return port_match::any();
        }
    }

    ace random_ace()
    {
        static constexpr std::array<std::uint8_t, 7> protos = {proto_ip,  proto_icmp, proto_tcp, proto_udp,
                                                               proto_tcp, proto_udp,  proto_sctp};
        ace e;
        e.act = uniform(0, 2) == 0 ? action::deny : action::permit;
        e.protocol = protos[uniform(0, protos.size() - 1)];
        e.src = pfx();
        e.dst = pfx();
        if (has_ports(e.protocol)) {
            e.sport = ports();
            e.dport = ports();
        }
        return e;
    }

    access_list random_list(const std::string& name, std::size_t n)
    {
        access_list l{name, {}};
        for (std::size_t i = 0; i < n; ++i) {
            l.aces.push_back(random_ace());
        }
        return l;
    }

    std::uint32_t addr_in(const prefix& p) { return p.addr | (static_cast<std::uint32_t>(rng()) & p.wildcard()); }

    std::uint16_t port_in(const port_match& m)
    {
        const port_range& r = m.ranges[uniform(0, m.count - 1u)];
        // Favour the edges, where off-by-one errors live.
        switch (uniform(0, 3)) {
        case 0:
            return r.lo;
        case 1:
            return r.hi;
        default:
            return static_cast<std::uint16_t>(uniform(r.lo, r.hi));
        }
    }

    // Half the packets aim inside an entry, the rest are anywhere nearby.
    five_tuple packet_for(const std::vector<merged_entry>& entries)
    {
        static constexpr std::array<std::uint8_t, 6> protos = {proto_icmp, proto_tcp, proto_udp,
                                                               proto_sctp, 47,        proto_tcp};
        five_tuple t;
        t.protocol = protos[uniform(0, protos.size() - 1)];
        t.src = addr();
        t.dst = addr();
        t.sport = port();
        t.dport = port();
        if (!entries.empty() && uniform(0, 1) == 0) {
            const ace& e = entries[uniform(0, static_cast<std::uint32_t>(entries.size() - 1))].rule;
            if (e.protocol != proto_ip) {
                t.protocol = e.protocol;
            }
            t.src = addr_in(e.src);
            t.dst = addr_in(e.dst);
            if (e.sport.count > 0) {
                t.sport = port_in(e.sport);
            }
            if (e.dport.count > 0) {
                t.dport = port_in(e.dport);
            }
        }
        return t;
    }
};

five_tuple swapped(const five_tuple& t)
{
    return {t.protocol, t.dst, t.src, t.dport, t.sport};
}

ace tcp_any(action act, port_match sport, port_match dport)
{
    ace e;
    e.act = act;
    e.protocol = proto_tcp;
    e.sport = sport;
    e.dport = dport;
    return e;
}

std::uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (a << 24) | (b << 16) | (c << 8) | d;
}

// The seed's shape: a local telnet exception, a KS ACL protecting site1 ->
// site2 with GDOI in clear, policy index 7.
merge_input seed_like(bool fail_close)
{
    merge_input in;
    ace telnet = tcp_any(action::deny, port_match::any(), port_match::eq(23));
    telnet.src = prefix::make(ip(10, 1, 0, 0), 16);
    telnet.dst = prefix::make(ip(10, 2, 0, 0), 16);
    in.local.push_back({"102", {telnet}});
    ace gdoi;
    gdoi.act = action::deny;
    gdoi.protocol = proto_udp;
    gdoi.sport = port_match::eq(848);
    gdoi.dport = port_match::eq(848);
    ace site;
    site.act = action::permit;
    site.src = prefix::make(ip(10, 1, 0, 0), 16);
    site.dst = prefix::make(ip(10, 2, 0, 0), 16);
    in.ks.push_back({{"ks-101", {gdoi, site}}, 7});
    in.fail_close = fail_close;
    return in;
}

} // namespace

TEST_CASE("random policies: rte_acl agrees with the reference first match", "[eal][acl]")
{
    start_eal();
    std::size_t matched = 0, total = 0, mismatches = 0;
    for (std::uint32_t seed = 1; seed <= 12; ++seed) {
        generator g(seed);
        merge_input in;
        in.local.push_back(g.random_list("local", g.uniform(0, 20)));
        const std::uint32_t lists = g.uniform(1, 3);
        for (std::uint32_t l = 0; l < lists; ++l) {
            in.ks.push_back({g.random_list("ks" + std::to_string(l), g.uniform(20, 300)), l + 1});
        }
        in.fail_close = seed % 2 == 0;
        const merge_result m = merge(in);

        std::vector<five_tuple> tuples;
        for (int i = 0; i < 3000; ++i) {
            tuples.push_back(g.packet_for(m.entries));
        }
        const classifier out = classifier::build(m.entries, direction::outbound, seed);
        const classifier inb = classifier::build(m.entries, direction::inbound, seed);
        const std::vector<std::uint32_t> got_out = classify_all(out, tuples);
        const std::vector<std::uint32_t> got_in = classify_all(inb, tuples);
        for (std::size_t i = 0; i < tuples.size(); ++i) {
            const std::uint32_t want_out = first_match(m.entries, tuples[i]);
            const std::uint32_t want_in = first_match_inbound(m.entries, tuples[i]);
            if (got_out[i] != want_out || got_in[i] != want_in) {
                // Detail the first few; a broken build would flood the report.
                if (++mismatches <= 5) {
                    INFO("seed " << seed << " packet " << i << " proto " << int(tuples[i].protocol)
                                 << " " << format_ipv4(tuples[i].src) << ":" << tuples[i].sport
                                 << " -> " << format_ipv4(tuples[i].dst) << ":" << tuples[i].dport);
                    CHECK(got_out[i] == want_out);
                    CHECK(got_in[i] == want_in);
                }
            }
            matched += want_out != 0 ? 1 : 0;
            ++total;
        }
    }
    CHECK(mismatches == 0);
    // The generator must actually exercise matches, not just misses.
    CHECK(matched > total / 3);
}

TEST_CASE("every port operator, on both ports, at its boundaries", "[eal][acl]")
{
    start_eal();
    const std::vector<port_match> ops = {
        port_match::any(),         port_match::eq(80),         port_match::neq(80),
        port_match::neq(0),        port_match::neq(65535),     port_match::lt(1024),
        port_match::gt(1023),      port_match::range(5000, 5010), port_match::eq(0),
        port_match::eq(65535),     port_match::lt(1),          port_match::gt(65534),
    };
    const std::vector<std::uint16_t> probes = {0,    1,    2,    79,   80,   81,    1022,  1023,
                                               1024, 1025, 4999, 5000, 5005, 5010, 5011, 65534,
                                               65535};
    std::uint64_t generation = 100;
    for (const port_match& op : ops) {
        for (const bool on_dport : {false, true}) {
            merge_input in;
            const ace e = on_dport ? tcp_any(action::permit, port_match::any(), op)
                                   : tcp_any(action::permit, op, port_match::any());
            in.ks.push_back({{"ops", {e}}, 3});
            const merge_result m = merge(in);
            const classifier c = classifier::build(m.entries, direction::outbound, ++generation);
            CHECK(c.rule_count() == op.count);
            for (std::uint16_t p : probes) {
                const five_tuple t{proto_tcp, ip(10, 0, 0, 1), ip(10, 0, 0, 2),
                                   on_dport ? std::uint16_t{12345} : p, on_dport ? p : std::uint16_t{12345}};
                INFO(to_string(e) << " port " << p);
                const std::uint32_t want = op.contains(p) ? encode_userdata(verdict::protect, 3) : 0;
                CHECK(classify_one(c, t) == want);
                CHECK(first_match(m.entries, t) == want);
            }
        }
    }
    // neq on both ports is four rte_acl rules for one entry.
    merge_input in;
    in.ks.push_back({{"neq", {tcp_any(action::permit, port_match::neq(1), port_match::neq(2))}}, 0});
    const merge_result m = merge(in);
    const classifier c = classifier::build(m.entries, direction::outbound, 99);
    CHECK(c.entry_count() == 1);
    CHECK(c.rule_count() == 4);
    CHECK(classify_one(c, {proto_tcp, 1, 2, 0, 0}) != 0);
    CHECK(classify_one(c, {proto_tcp, 1, 2, 1, 0}) == 0);
    CHECK(classify_one(c, {proto_tcp, 1, 2, 0, 2}) == 0);
    CHECK(classify_one(c, {proto_udp, 1, 2, 0, 0}) == 0);
}

TEST_CASE("merge order with fail-close on and off", "[eal][acl]")
{
    start_eal();
    const five_tuple telnet{proto_tcp, ip(10, 1, 0, 5), ip(10, 2, 0, 9), 40000, 23};
    const five_tuple ssh{proto_tcp, ip(10, 1, 0, 5), ip(10, 2, 0, 9), 40000, 22};
    const five_tuple gdoi{proto_udp, ip(10, 1, 0, 1), ip(10, 2, 0, 1), 848, 848};
    const five_tuple other{proto_icmp, ip(192, 0, 2, 1), ip(198, 51, 100, 1), 0x0800, 0};

    const merge_result on = merge(seed_like(true));
    const classifier con = classifier::build(on.entries, direction::outbound, 1);
    CHECK(classify_one(con, telnet) == encode_userdata(verdict::bypass, 0));
    CHECK(classify_one(con, ssh) == encode_userdata(verdict::protect, 7));
    CHECK(classify_one(con, gdoi) == encode_userdata(verdict::bypass, 1));
    CHECK(classify_one(con, other) == encode_userdata(verdict::drop, 3));

    const merge_result off = merge(seed_like(false));
    const classifier coff = classifier::build(off.entries, direction::outbound, 2);
    CHECK(classify_one(coff, telnet) == encode_userdata(verdict::bypass, 0));
    CHECK(classify_one(coff, ssh) == encode_userdata(verdict::protect, 7));
    CHECK(classify_one(coff, gdoi) == encode_userdata(verdict::bypass, 1));
    CHECK(classify_one(coff, other) == 0);

    // A refused local permit changes nothing in the compiled policy.
    merge_input bad = seed_like(false);
    bad.local.front().aces.push_back(tcp_any(action::permit, port_match::any(), port_match::any()));
    const merge_result mb = merge(bad);
    CHECK(mb.refused.size() == 1);
    const classifier cb = classifier::build(mb.entries, direction::outbound, 3);
    CHECK(classify_one(cb, {proto_tcp, ip(192, 0, 2, 1), ip(192, 0, 2, 2), 1, 2}) == 0);
}

TEST_CASE("inbound classifier matches the mirror of the outbound policy", "[eal][acl]")
{
    start_eal();
    const merge_result m = merge(seed_like(true));
    const classifier out = classifier::build(m.entries, direction::outbound, 5);
    const classifier in = classifier::build(m.entries, direction::inbound, 5);
    CHECK(out.dir() == direction::outbound);
    CHECK(in.dir() == direction::inbound);
    CHECK(std::string(out.name()) != std::string(in.name()));

    // Replies site2 -> site1 arrive with ports swapped.
    const five_tuple ssh_back{proto_tcp, ip(10, 2, 0, 9), ip(10, 1, 0, 5), 22, 40000};
    const five_tuple telnet_back{proto_tcp, ip(10, 2, 0, 9), ip(10, 1, 0, 5), 23, 40000};
    CHECK(classify_one(in, ssh_back) == encode_userdata(verdict::protect, 7));
    CHECK(classify_one(in, telnet_back) == encode_userdata(verdict::bypass, 0));
    // Outbound does not know the reverse direction: fail-close drops it.
    CHECK(classify_one(out, ssh_back) == encode_userdata(verdict::drop, 3));
    // The same packet seen both ways gives the same answer.
    generator g(77);
    std::vector<five_tuple> tuples;
    for (int i = 0; i < 500; ++i) {
        tuples.push_back(g.packet_for(m.entries));
    }
    std::vector<five_tuple> back;
    for (const five_tuple& t : tuples) {
        back.push_back(swapped(t));
    }
    CHECK(classify_all(out, tuples) == classify_all(in, back));
}

TEST_CASE("packets with IP options are classified through make_key", "[eal][acl]")
{
    start_eal();
    merge_input in;
    in.ks.push_back({{"web", {tcp_any(action::permit, port_match::any(), port_match::eq(80))}}, 4});
    const merge_result m = merge(in);
    const classifier c = classifier::build(m.entries, direction::outbound, 6);
    const five_tuple t{proto_tcp, ip(10, 0, 0, 1), ip(10, 0, 0, 2), 1234, 80};
    const packet with_options = make_packet(t, 7);
    const ipv4_key key = make_key(with_options.bytes.data());
    const packet plain = make_packet(t);
    // The key holds what rte_acl reads from an option-less header.
    CHECK(key.bytes[9] == plain.bytes[9]);
    CHECK(std::memcmp(key.bytes + 12, plain.bytes.data() + 12, key_size - 12) == 0);
    const std::uint8_t* data[2] = {with_options.bytes.data(), key.bytes};
    std::uint32_t results[2] = {};
    c.classify(data, results, 2);
    CHECK(results[0] == 0); // the options were read as ports
    CHECK(results[1] == encode_userdata(verdict::protect, 4));
}

TEST_CASE("an empty policy builds and matches nothing", "[eal][acl]")
{
    start_eal();
    const classifier c = classifier::build({}, direction::outbound, 8);
    CHECK(c.rule_count() == 0);
    CHECK(classify_one(c, {proto_udp, 1, 2, 3, 4}) == 0);
}

TEST_CASE("two generations live at once under distinct names", "[eal][acl]")
{
    start_eal();
    const merge_result g1 = merge(seed_like(true));
    const merge_result g2 = merge(seed_like(false));
    classifier c1 = classifier::build(g1.entries, direction::outbound, 41);
    classifier c2 = classifier::build(g2.entries, direction::outbound, 42);
    // Even a rebuild of the same generation must not alias a live context.
    classifier c1b = classifier::build(g2.entries, direction::outbound, 41);
    CHECK(std::string(c1.name()) != std::string(c2.name()));
    CHECK(std::string(c1.name()) != std::string(c1b.name()));
    CHECK(std::string(c1.name()).find("29") != std::string::npos); // 41 = 0x29
    CHECK(c1.generation() == 41);
    CHECK(c2.generation() == 42);

    const five_tuple other{proto_icmp, ip(192, 0, 2, 1), ip(198, 51, 100, 1), 0, 0};
    CHECK(classify_one(c1, other) == encode_userdata(verdict::drop, 3));
    CHECK(classify_one(c2, other) == 0);
    CHECK(classify_one(c1b, other) == 0);

    // Moving transfers the context; the old generation goes when its owner does.
    classifier moved = std::move(c1);
    CHECK(classify_one(moved, other) == encode_userdata(verdict::drop, 3));
    moved = std::move(c2);
    CHECK(moved.generation() == 42);
    CHECK(classify_one(moved, other) == 0);
    CHECK(classify_one(c1b, other) == 0);
}

TEST_CASE("10,000 ACEs: build time and agreement with the reference", "[eal][acl][scale]")
{
    start_eal();
    // A large KS ACL of the usual shape: site-to-site /24 pairs, some per
    // service, a few denies for routing and management, behind a local list.
    generator g(2026);
    merge_input in;
    access_list local{"local", {}};
    for (int i = 0; i < 100; ++i) {
        ace e;
        e.act = action::deny;
        e.protocol = g.uniform(0, 1) == 0 ? proto_tcp : proto_udp;
        e.src = prefix::make(g.addr(), 24);
        e.dst = prefix::any();
        e.dport = port_match::eq(g.port());
        local.aces.push_back(e);
    }
    in.local.push_back(local);
    access_list ks{"ks", {}};
    for (int i = 0; i < 9900; ++i) {
        ace e;
        e.act = g.uniform(0, 9) == 0 ? action::deny : action::permit;
        const std::uint32_t kind = g.uniform(0, 3);
        e.protocol = kind == 0 ? proto_ip : kind == 1 ? proto_udp : proto_tcp;
        e.src = prefix::make(g.addr(), g.uniform(0, 3) == 0 ? 16 : 24);
        e.dst = prefix::make(g.addr(), g.uniform(0, 3) == 0 ? 16 : 24);
        if (has_ports(e.protocol)) {
            e.dport = g.uniform(0, 4) == 0 ? port_match::range(1024, static_cast<std::uint16_t>(g.uniform(1024, 65535)))
                                           : port_match::eq(g.port());
        }
        ks.aces.push_back(e);
    }
    in.ks.push_back({ks, 1});
    in.fail_close = true;
    const merge_result m = merge(in);
    REQUIRE(m.entries.size() == 10001);

    using clock = std::chrono::steady_clock;
    const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    // Three builds of each direction, so one slow run on a shared VM shows.
    std::vector<classifier> outs, ins;
    std::vector<double> out_ms, in_ms;
    for (std::uint64_t rep = 0; rep < 3; ++rep) {
        auto t0 = clock::now();
        outs.push_back(classifier::build(m.entries, direction::outbound, 1000 + rep));
        auto t1 = clock::now();
        ins.push_back(classifier::build(m.entries, direction::inbound, 1000 + rep));
        auto t2 = clock::now();
        out_ms.push_back(ms(t1 - t0));
        in_ms.push_back(ms(t2 - t1));
    }
    const classifier& out = outs.back();
    const classifier& inb = ins.back();

    std::vector<five_tuple> tuples;
    for (int i = 0; i < 10000; ++i) {
        tuples.push_back(g.packet_for(m.entries));
    }
    const std::vector<packet> pkts = make_packets(tuples);
    const auto t3 = clock::now();
    const std::vector<std::uint32_t> got = classify_packets(out, pkts);
    const auto t4 = clock::now();
    const std::vector<std::uint32_t> got_in = classify_packets(inb, pkts);
    std::size_t mismatches = 0, protect = 0;
    for (std::size_t i = 0; i < tuples.size(); ++i) {
        mismatches += got[i] != first_match(m.entries, tuples[i]) ? 1 : 0;
        mismatches += got_in[i] != first_match_inbound(m.entries, tuples[i]) ? 1 : 0;
        protect += verdict_of(got[i]) == verdict::protect ? 1 : 0;
    }
    std::printf("acl scale (site ACL): %zu merged entries -> %zu rte_acl rules\n"
                "  build outbound ms: %.1f %.1f %.1f; inbound ms: %.1f %.1f %.1f\n"
                "  classify %zu packets, bursts of 32: %.1f ns/packet\n",
                out.entry_count(), out.rule_count(), out_ms[0], out_ms[1], out_ms[2], in_ms[0],
                in_ms[1], in_ms[2], pkts.size(), ms(t4 - t3) * 1e6 / static_cast<double>(pkts.size()));
    CHECK(mismatches == 0);
    CHECK(protect > 1000);
}

TEST_CASE("10,000 random ACEs with every operator: build and agreement", "[eal][acl][scale]")
{
    start_eal();
    // The worst shape for rte_acl: overlapping prefixes and port ranges
    // (neq, lt, gt, range) on both ports.
    generator g(4242);
    merge_input in;
    in.ks.push_back({g.random_list("ks", 10000), 2});
    const merge_result m = merge(in);
    REQUIRE(m.entries.size() == 10000);

    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    const classifier c = classifier::build(m.entries, direction::outbound, 2000);
    const auto t1 = clock::now();
    std::vector<five_tuple> tuples;
    for (int i = 0; i < 5000; ++i) {
        tuples.push_back(g.packet_for(m.entries));
    }
    const std::vector<std::uint32_t> got = classify_all(c, tuples);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < tuples.size(); ++i) {
        mismatches += got[i] != first_match(m.entries, tuples[i]) ? 1 : 0;
    }
    std::printf("acl scale (random, all operators): %zu entries -> %zu rte_acl rules; build %.1f ms\n",
                c.entry_count(), c.rule_count(),
                std::chrono::duration<double, std::milli>(t1 - t0).count());
    CHECK(mismatches == 0);
}
