// gdoi-ks-load: simulates many group members from one process against a real key
// server over UDP 848, to measure registrations per second and check that every
// member registers. Each simulated member has its own source address (add them
// to an interface first, e.g. with scripts/bench-ks.sh) and runs the real
// gdoi::gm protocol object; the TEKs it receives are counted, not installed.
#include "core/clock.hpp"
#include "core/events.hpp"
#include "gdoi/gm.hpp"
#include "gdoi/transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

// A simulated member's data plane: it keeps the count of what it was given.
class counting_installer final : public gdoi::sa_installer {
public:
    void install_sa(const std::string&, const gdoi::tek&) override { ++teks; }
    void remove_sa(std::uint32_t) override {}
    void set_policy(const std::string&, const std::vector<gdoi::policy_entry>&) override {}
    void set_direction(const std::string&, gdoi::direction_mode) override {}
    void set_sender_ids(const std::string&, const gdoi::sender_ids&) override {}
    void set_fail_close(const std::string&, bool, const std::vector<gdoi::traffic_selector>&) override {}
    unsigned teks = 0;
};

struct options {
    std::uint32_t ks = 0;
    std::uint32_t base = 0;
    unsigned members = 100;
    unsigned concurrency = 64;
    unsigned dh = 14;
    std::uint32_t group_id = 1;
    std::string psk;
    unsigned timeout_s = 120;
    std::string label;
};

std::uint32_t parse_addr(std::string_view s)
{
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address_v4(std::string(s), ec);
    if (ec) {
        throw std::invalid_argument("not an IPv4 address: " + std::string(s));
    }
    return a.to_uint();
}

unsigned parse_uint(std::string_view s, const char* what)
{
    unsigned v = 0;
    if (std::from_chars(s.data(), s.data() + s.size(), v).ec != std::errc{}) {
        throw std::invalid_argument(std::string(what) + " needs a number");
    }
    return v;
}

options parse(int argc, char** argv)
{
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (i + 1 >= argc) {
            throw std::invalid_argument("missing value after " + std::string(a));
        }
        const std::string_view v = argv[++i];
        if (a == "--ks") o.ks = parse_addr(v);
        else if (a == "--local-base") o.base = parse_addr(v);
        else if (a == "--members") o.members = parse_uint(v, "--members");
        else if (a == "--concurrency") o.concurrency = parse_uint(v, "--concurrency");
        else if (a == "--dh") o.dh = parse_uint(v, "--dh");
        else if (a == "--group-id") o.group_id = parse_uint(v, "--group-id");
        else if (a == "--psk") o.psk = v;
        else if (a == "--timeout") o.timeout_s = parse_uint(v, "--timeout");
        else if (a == "--label") o.label = v;
        else throw std::invalid_argument("unknown option " + std::string(a));
    }
    if (o.ks == 0 || o.base == 0 || o.psk.empty() || o.members == 0 || o.concurrency == 0) {
        throw std::invalid_argument("need --ks ADDR --local-base ADDR --psk KEY and --members N > 0");
    }
    return o;
}

struct member {
    std::unique_ptr<counting_installer> installer;
    std::unique_ptr<gdoi::gm> gm;
    std::unique_ptr<gdoi::udp_transport> transport;
    bool finished = false;
};

} // namespace

int main(int argc, char** argv)
{
    options o;
    try {
        o = parse(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "gdoi-ks-load: " << e.what() << "\nusage: gdoi-ks-load --ks ADDR --local-base ADDR --psk KEY "
                     "[--members N] [--concurrency C] [--dh 14|19|20] [--group-id N] [--timeout S] [--label L]\n";
        return 2;
    }
    // One socket per simulated member.
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, o.members + 256);
    setrlimit(RLIMIT_NOFILE, &rl);

    boost::asio::io_context io;
    core::asio_clock clock(io);
    core::event_bus bus(clock);

    gdoi::ike_proposal prop;
    prop.group = static_cast<gdoi::dh_group>(o.dh);
    prop.cipher = {gdoi::cipher_alg::aes_cbc, 128};
    prop.hash = gdoi::hash_alg::sha256;

    std::vector<member> members(o.members);
    unsigned started = 0, succeeded = 0, failed = 0, done = 0;
    auto t0 = std::chrono::steady_clock::now();
    auto t_end = t0;

    std::function<void()> start_next;
    auto finish = [&](member& m, bool ok) {
        if (m.finished) {
            return;
        }
        m.finished = true;
        ++done;
        ok ? ++succeeded : ++failed;
        if (done == o.members) {
            t_end = std::chrono::steady_clock::now();
            io.stop();
            return;
        }
        start_next();
    };
    auto check = [&](member& m) {
        if (m.gm->state() == gdoi::gm_state::registered) {
            finish(m, true);
        } else if (m.gm->state() == gdoi::gm_state::failed) {
            finish(m, false);
        }
    };

    start_next = [&] {
        if (started >= o.members) {
            return;
        }
        member& m = members[started];
        const std::uint32_t local = o.base + started;
        ++started;
        gdoi::gm_config cfg;
        cfg.group = "load";
        cfg.identity.number = o.group_id;
        cfg.servers = {{o.ks, 848}};
        cfg.local_addr = local;
        cfg.phase1.proposals = {prop};
        cfg.psks.add(o.ks, o.psk);
        m.installer = std::make_unique<counting_installer>();
        m.gm = std::make_unique<gdoi::gm>(cfg, clock, bus, *m.installer);
        try {
            m.transport = std::make_unique<gdoi::udp_transport>(
                io, gdoi::endpoint{local, 848}, [&m, &check](const gdoi::endpoint& from, gdoi::byte_view d) {
                    if (auto out = m.gm->handle(from, d)) {
                        m.transport->send(out->to, out->data);
                    }
                    check(m);
                });
        } catch (const std::exception& e) {
            std::cerr << "gdoi-ks-load: " << e.what() << " (add the member addresses to an interface first)\n";
            std::exit(2);
        }
        m.gm->set_sender([&m, &check](const gdoi::outbound& out) {
            m.transport->send(out.to, out.data);
            check(m);
        });
        auto first = m.gm->start();
        m.transport->send(first.to, first.data);
    };

    for (unsigned i = 0; i < std::min(o.concurrency, o.members); ++i) {
        start_next();
    }
    // A member can also fail from a timer (retransmissions exhausted) without sending
    // anything: look at every started member's state periodically.
    std::function<void()> sweep = [&] {
        for (unsigned i = 0; i < started; ++i) {
            if (!members[i].finished) {
                check(members[i]);
            }
        }
        clock.schedule(std::chrono::milliseconds{200}, sweep);
    };
    clock.schedule(std::chrono::milliseconds{200}, sweep);
    clock.schedule(std::chrono::seconds{o.timeout_s}, [&] { io.stop(); });
    io.run();
    if (done < o.members) {
        t_end = std::chrono::steady_clock::now();
        failed += o.members - done;
    }
    std::map<std::string, unsigned> reasons;
    for (unsigned i = 0; i < started; ++i) {
        if (members[i].gm->state() != gdoi::gm_state::registered) {
            ++reasons[members[i].gm->last_error().empty() ? "no answer before --timeout" : members[i].gm->last_error()];
        }
    }
    for (const auto& [why, n] : reasons) {
        std::cerr << "gdoi-ks-load: " << n << " member(s) failed: " << why << '\n';
    }
    const double secs = std::chrono::duration<double>(t_end - t0).count();
    nlohmann::json j;
    j["case"] = o.label.empty() ? "register-dh" + std::to_string(o.dh) + "-" + std::to_string(o.members) : o.label;
    j["dh_group"] = o.dh;
    j["members"] = o.members;
    j["concurrency"] = o.concurrency;
    j["succeeded"] = succeeded;
    j["failed"] = failed;
    j["seconds"] = secs;
    j["registrations_per_s"] = secs > 0 ? succeeded / secs : 0.0;
    std::cout << j.dump() << std::endl;
    return failed == 0 ? 0 : 1;
}
