// fastpath::runtime: start-up order EAL -> ports -> pools -> QSBR -> ports
// started -> TAP twins -> rings and snapshots -> workers -> service thread,
// and the reverse on stop.
#include "fastpath/runtime.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <algorithm>
#include <set>

#include "fastpath/eal.hpp"
#include "fastpath/esp/esp.hpp"
#include "fastpath/esp/lcore_crypto.hpp"
#include "fastpath/tap.hpp"

namespace fastpath {

std::string validate(const runtime_options& opts)
{
    if (opts.workers == 0) {
        return "at least one worker lcore is needed";
    }
    if (opts.workers > RTE_MAX_LCORE - 1 || opts.workers > UINT16_MAX) {
        return "too many workers: " + std::to_string(opts.workers);
    }
    if (opts.burst == 0 || opts.burst > max_burst) {
        return "burst must be 1.." + std::to_string(max_burst) + ", not " + std::to_string(opts.burst);
    }
    if (opts.mbufs < 1024) {
        return "mbufs must be at least 1024, not " + std::to_string(opts.mbufs);
    }
    if (opts.ports.size() > max_ports) {
        return "at most " + std::to_string(max_ports) + " ports, not " + std::to_string(opts.ports.size());
    }
    std::set<std::string> names;
    for (const port_spec& p : opts.ports) {
        if (p.name.empty() || p.spec.empty()) {
            return "every port needs an interface name and a device spec";
        }
        if (!names.insert(p.name).second) {
            return "interface " + p.name + " is configured twice";
        }
        if (p.address && (p.address->len > 32 || p.address->addr == 0)) {
            return "interface " + p.name + ": bad IPv4 address";
        }
    }
    for (const static_route& r : opts.routes) {
        if (r.prefix.len > 32) {
            return "route prefix length " + std::to_string(r.prefix.len) + " is over 32";
        }
    }
    return {};
}

runtime::runtime(unsigned workers)
    : counters_(worker_counter_names(), workers),
      group_counters_(crypto_counter_names(), workers),
      port_drops_(port_drop_names(), workers)
{
}

runtime::~runtime()
{
    stop();
}

start_result runtime::start(const runtime_options& opts)
{
    start_result r;
    r.error = validate(opts);
    if (!r.error.empty()) {
        return r;
    }
    const eal_status eal = eal_init(opts);
    r.notice = eal.notice;
    if (!eal.ok()) {
        r.error = eal.error;
        return r;
    }
    std::unique_ptr<runtime> rt(new runtime(opts.workers));
    rt->eal_up_ = true;
    r.error = rt->bring_up(opts, r.notice);
    if (!r.error.empty()) {
        rt->stop();
        return r;
    }
    r.rt = std::move(rt);
    return r;
}

std::string runtime::bring_up(const runtime_options& opts, std::string& notice)
{
    running_ = true;

    for (const port_spec& spec : opts.ports) {
        const port_lookup found = find_port(spec);
        if (!found.ok()) {
            return found.error;
        }
        port_info info;
        info.name = spec.name;
        info.port_id = found.id;
        info.socket = port_socket(found.id);
        ports_.push_back(info);
    }

    unsigned lcore = 0;
    RTE_LCORE_FOREACH_WORKER(lcore) {
        if (lcores_.size() < opts.workers) {
            lcores_.push_back(lcore);
        }
    }
    if (lcores_.size() < opts.workers) {
        return std::to_string(opts.workers) + " workers requested but EAL has only " +
            std::to_string(lcores_.size()) + " worker lcores";
    }

    // One pool per NUMA socket that has a port.
    for (const port_info& p : ports_) {
        if (mempool(static_cast<std::size_t>(&p - ports_.data())) != nullptr) {
            continue;
        }
        const mempool_result mp = create_mempool(p.socket, opts.mbufs);
        if (mp.pool == nullptr) {
            return mp.error;
        }
        pools_.emplace_back(p.socket, mp.pool);
    }

    const std::size_t qsbr_size = rte_rcu_qsbr_get_memsize(opts.workers);
    qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("fp_qsbr", qsbr_size, RTE_CACHE_LINE_SIZE));
    if (qsbr_ == nullptr) {
        return "cannot allocate the RCU QSBR variable for " + std::to_string(opts.workers) + " workers";
    }
    if (rte_rcu_qsbr_init(qsbr_, opts.workers) != 0) {
        return std::string("rte_rcu_qsbr_init: ") + rte_strerror(rte_errno);
    }

    // Crypto maps: the ESP SA table and one ESP engine state per worker.
    const bool crypto = std::any_of(opts.ports.begin(), opts.ports.end(),
                                    [](const port_spec& p) { return p.crypto_group != 0; });
    if (crypto) {
        auto made = esp::sa_table::create(qsbr_, [] { return esp::tsc_ns(rte_get_tsc_cycles()); });
        if (!made) {
            return "ESP SA table: " + *made.error;
        }
        sa_table_ = std::move(made.value);
        esp_drops_ = esp::make_drop_counters();
        esp_events_ = esp::make_event_counters();
        for (unsigned w = 0; w < opts.workers; ++w) {
            auto ctx = esp::make_worker_ctx(w, *esp_drops_, *esp_events_);
            if (!ctx) {
                return "ESP engine of worker " + std::to_string(w) + ": " + *ctx.error;
            }
            esp_ctx_.push_back(std::move(ctx.value));
        }
        crypto_retire_ = std::make_unique<retire_list>(qsbr_);
    }

    for (std::size_t i = 0; i < ports_.size(); ++i) {
        const std::string err = setup_port(ports_[i].port_id, opts.ports[i], opts.workers, mempool(i));
        if (!err.empty()) {
            return err;
        }
        worker_ports_.push_back({ports_[i].port_id, opts.ports[i].crypto_group});
        port_info& p = ports_[i];
        rte_ether_addr mac{};
        rte_eth_macaddr_get(p.port_id, &mac);
        std::copy(std::begin(mac.addr_bytes), std::end(mac.addr_bytes), p.mac.begin());
        std::uint16_t mtu = RTE_ETHER_MTU;
        rte_eth_dev_get_mtu(p.port_id, &mtu);
        p.mtu = opts.ports[i].mtu ? static_cast<std::uint16_t>(*opts.ports[i].mtu) : mtu;
    }

    port_specs_ = opts.ports;
    multicast_routing_ = opts.multicast_routing;
    exception_path_ = opts.exception_path;
    static_routes_ = opts.routes;
    fib routes = build_fib(opts.ports, opts.routes);
    if (opts.multicast_routing) {
        routes.multicast = build_mfib(opts.ports);
    }
    for (const std::string& e : routes.errors) {
        notice += (notice.empty() ? "" : "\n") + e + " (left out)";
    }

    // Exception path: a TAP twin per port, addressed like it, with the static
    // routes so that the kernel's own traffic leaves through the right port.
    if (opts.exception_path) {
        for (std::size_t i = 0; i < ports_.size(); ++i) {
            port_info& p = ports_[i];
            p.tap_name = tap_name(p.name, i);
            const tap_result tap = create_tap(p.tap_name, p.mac, p.mtu, mempool(i));
            if (!tap.devname.empty()) {
                tap_devs_.push_back(tap.devname);
            }
            if (!tap.ok()) {
                return tap.error;
            }
            p.tap_id = tap.port_id;
            std::string err = run_ip({"link", "set", "dev", p.tap_name, "up"});
            if (err.empty() && opts.ports[i].address) {
                const ipv4_prefix a = *opts.ports[i].address;
                err = run_ip({"-4", "addr", "replace", format_ipv4(a.addr) + "/" + std::to_string(a.len), "dev",
                              p.tap_name});
            }
            if (!err.empty()) {
                return "TAP twin " + p.tap_name + " of " + p.name + ": " + err;
            }
        }
        if (std::string err = mirror_kernel_routes(routes, opts.routes); !err.empty()) {
            notice += (notice.empty() ? "" : "\n") + err;
        }
    }

    // Exception rings: single producer, single consumer each.
    const auto make_ring = [this](const std::string& name) -> rte_ring* {
        rte_ring* r = rte_ring_create(name.c_str(), 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (r != nullptr) {
            rings_.push_back(r);
        }
        return r;
    };
    control_config cc;
    for (unsigned w = 0; w < opts.workers; ++w) {
        rte_ring* punt = make_ring("fp_punt_" + std::to_string(w));
        rte_ring* resolve = make_ring("fp_resolve_" + std::to_string(w));
        if (punt == nullptr || resolve == nullptr) {
            return std::string("cannot create the exception rings: ") + rte_strerror(rte_errno);
        }
        cc.punt.push_back(punt);
        cc.resolve.push_back(resolve);
    }
    cc.inject = make_ring("fp_inject");
    if (cc.inject == nullptr) {
        return std::string("cannot create the inject ring: ") + rte_strerror(rte_errno);
    }
    for (std::size_t i = 0; i < ports_.size(); ++i) {
        port_l3 l3;
        l3.port_id = ports_[i].port_id;
        l3.mac = ports_[i].mac;
        l3.mtu = ports_[i].mtu;
        l3.addr = opts.ports[i].address ? opts.ports[i].address->addr : 0;
        cc.ports.push_back(l3);
        cc.taps.push_back(ports_[i].tap_id);
    }
    cc.pool = mempool(0);
    cc.qsbr = qsbr_;
    cc.tables = &tables_;
    cc.reachable = std::chrono::seconds{opts.neighbour_reachable_s};
    cc.socket = ports_.empty() ? 0 : ports_[0].socket;
    control_ = std::make_unique<control_plane>(cc);
    if (std::string err = control_->publish_routes(routes); !err.empty()) {
        return err;
    }

    states_.resize(opts.workers);
    ctx_.resize(opts.workers);
    const reassembly_limits reasm = reassembly_limits_for(opts.mbufs, opts.workers);
    for (unsigned w = 0; w < opts.workers; ++w) {
        worker_ctx& c = ctx_[w];
        c.index = w;
        c.burst = static_cast<std::uint16_t>(opts.burst);
        c.ports = worker_ports_.data();
        c.nb_ports = static_cast<std::uint16_t>(worker_ports_.size());
        c.stop = &stop_;
        c.counters = &counters_;
        c.group_counters = &group_counters_;
        c.port_drops = &port_drops_;
        c.qsbr = qsbr_;
        c.tables = &tables_;
        c.punt = cc.punt[w];
        c.resolve = cc.resolve[w];
        c.inject = w == 0 ? cc.inject : nullptr;
        c.pool = mempool(0);
        c.icmp_per_s = opts.icmp_errors_per_s;
        c.tsc_hz = rte_get_tsc_hz();
        c.state = &states_[w];
        if (crypto) {
            c.sas = sa_table_.get();
            c.esp = esp_ctx_[w].get();
            // ESP fragments on crypto-map ports are reassembled before decryption.
            const auto socket = static_cast<int>(rte_lcore_to_socket_id(lcores_[w]));
            if (std::string err = create_reassembly(c, reasm, socket); !err.empty()) {
                return "worker " + std::to_string(w) + ": " + err;
            }
        }
    }
    // Fail-close holds from the first packet: before the workers start, a group
    // whose member arms it gets a policy that drops everything (ARP still passes),
    // until the member publishes its fail-close lines.
    for (const port_spec& p : opts.ports) {
        if (p.fail_close && p.crypto_group != 0) {
            acl::merge_input closed;
            closed.fail_close = true;
            if (std::string err = set_crypto_policy(p.crypto_group, closed); !err.empty()) {
                return "fail-close of " + p.name + ": " + err;
            }
        }
    }
    for (unsigned w = 0; w < opts.workers; ++w) {
        const int ret = rte_eal_remote_launch(worker_main, &ctx_[w], lcores_[w]);
        if (ret != 0) {
            return "cannot launch worker " + std::to_string(w) + " on lcore " + std::to_string(lcores_[w]) +
                ": " + rte_strerror(-ret);
        }
        launched_ = true;
    }
    service_ = std::thread([this] { service_loop(); });
    return {};
}

std::string runtime::mirror_kernel_routes(const fib& f, const std::vector<static_route>& routes)
{
    // The kernel already has the connected routes of the TAP addresses; a static
    // route leaving through a port goes to that port's twin, so the kernel's own
    // traffic takes the same way as forwarded traffic.
    std::string problems;
    for (const static_route& r : routes) {
        const std::uint8_t len = r.prefix.len;
        const std::uint32_t net = r.prefix.addr & prefix_mask(len);
        const auto e = std::find_if(f.entries.begin(), f.entries.end(), [&](const fib_entry& x) {
            return x.prefix.addr == net && x.prefix.len == len;
        });
        const bool connected = std::any_of(port_specs_.begin(), port_specs_.end(), [&](const port_spec& p) {
            return p.address && p.address->len == len && (p.address->addr & prefix_mask(len)) == net;
        });
        if (connected || e == f.entries.end() || e->nh.what != next_hop::kind::forward ||
            ports_[e->nh.port].tap_id == no_tap_port) {
            continue;  // shadowed by a connected or local route, or left out
        }
        std::vector<std::string> args{"-4", "route", "replace", format_ipv4(net) + "/" + std::to_string(len)};
        if (e->nh.gateway != 0) {
            args.insert(args.end(), {"via", format_ipv4(e->nh.gateway)});
        }
        args.insert(args.end(), {"dev", ports_[e->nh.port].tap_name});
        if (const std::string err = run_ip(args); !err.empty()) {
            problems += (problems.empty() ? "" : "\n") + ("kernel route: " + err);
        }
    }
    return problems;
}

std::string runtime::set_static_routes(const std::vector<static_route>& routes)
{
    if (!running_ || control_ == nullptr) {
        return "the data plane is not running";
    }
    fib f = build_fib(port_specs_, routes);
    if (multicast_routing_) {
        f.multicast = build_mfib(port_specs_);
    }
    std::string problems;
    for (const std::string& e : f.errors) {
        problems += (problems.empty() ? "" : "\n") + e + " (left out)";
    }
    // A routing table holds a 64 MiB rte_lpm: let the one retired last be freed
    // (the workers pass a quiescent state every loop, so this takes microseconds)
    // before building the next, so that changes in quick succession do not run
    // the memory out.
    for (int i = 0; i < 1000; ++i) {
        {
            const std::lock_guard<std::mutex> lock(control_mu_);
            control_->poll_reclaim();
            if (control_->pending_reclaim() == 0) {
                break;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    {
        const std::lock_guard<std::mutex> lock(control_mu_);
        if (std::string err = control_->publish_routes(f); !err.empty()) {
            return err;  // the previous table stays
        }
    }
    if (exception_path_) {
        for (const static_route& old : static_routes_) {
            if (std::find(routes.begin(), routes.end(), old) == routes.end()) {
                // Gone from the configuration: gone from the kernel too (absent is fine).
                run_ip({"-4", "route", "del",
                        format_ipv4(old.prefix.addr & prefix_mask(old.prefix.len)) + "/" + std::to_string(old.prefix.len)});
            }
        }
        if (std::string err = mirror_kernel_routes(f, routes); !err.empty()) {
            problems += (problems.empty() ? "" : "\n") + err;
        }
    }
    static_routes_ = routes;
    return problems;
}

void runtime::service_loop()
{
    // The control side of the data plane runs here so that the app's
    // io_context never blocks on it; idle passes sleep for a millisecond.
    while (!service_stop_.load(std::memory_order_relaxed)) {
        unsigned moved = 0;
        {
            const std::lock_guard<std::mutex> lock(control_mu_);
            moved = control_->poll(control_plane::clock::now());
        }
        if (moved == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
}

std::string runtime::set_crypto_policy(std::uint32_t group, const acl::merge_input& in, crypto_direction dir)
{
    if (!running_ || sa_table_ == nullptr) {
        return "no port carries a crypto map";
    }
    const auto slot = sa_table_->ensure_group(group);
    if (!slot) {
        return "too many groups";
    }
    const crypto_policy* old = tables_.crypto.load(std::memory_order_relaxed);
    const int socket = ports_.empty() ? 0 : ports_[0].socket;
    crypto_policy_result built = build_crypto_policy(old, group, *slot, in, ++crypto_generation_, socket, dir);
    if (!built.policy) {
        return built.error;
    }
    tables_.crypto.store(built.policy.release(), std::memory_order_release);
    if (old != nullptr) {
        crypto_retire_->retire([old] { delete old; });
    }
    return {};
}

void runtime::reclaim_crypto()
{
    if (!running_ || sa_table_ == nullptr) {
        return;
    }
    sa_table_->reclaim();
    crypto_retire_->poll();
}

unsigned runtime::poll_reclaim()
{
    const std::lock_guard<std::mutex> lock(control_mu_);
    return control_ && qsbr_ != nullptr ? control_->poll_reclaim() : 0;
}

std::uint64_t runtime::route_generation() const
{
    const std::lock_guard<std::mutex> lock(control_mu_);
    return control_ ? control_->generation() : 0;
}

std::vector<neighbour_info> runtime::neighbours() const
{
    const std::lock_guard<std::mutex> lock(control_mu_);
    return control_ ? control_->neighbours() : std::vector<neighbour_info>{};
}

const core::counter_set* runtime::control_counters() const
{
    return control_ ? &control_->counters() : nullptr;
}

rte_mempool* runtime::mempool(std::size_t port_index) const
{
    if (port_index >= ports_.size()) {
        return nullptr;
    }
    for (const auto& [socket, pool] : pools_) {
        if (socket == ports_[port_index].socket) {
            return pool;
        }
    }
    return nullptr;
}

void runtime::stop_dataplane()
{
    if (!running_) {
        return;
    }
    running_ = false;
    stop_.store(true, std::memory_order_relaxed);
    if (launched_) {
        rte_eal_mp_wait_lcore();
        launched_ = false;
    }
    service_stop_.store(true, std::memory_order_relaxed);
    if (service_.joinable()) {
        service_.join();
    }
    final_stats_.clear();
    for (const port_info& p : ports_) {
        final_stats_.push_back(read_port_stats(p.name, p.port_id));
    }
    // Workers and service thread are gone: free queued mbufs and every table.
    for (worker_ctx& c : ctx_) {
        destroy_reassembly(c);  // fragments still waiting go back to the pool
    }
    if (control_) {
        control_->shutdown();
    }
    if (crypto_retire_) {
        crypto_retire_->free_all();
    }
    delete tables_.crypto.exchange(nullptr);
    for (rte_ring* r : rings_) {
        rte_ring_free(r);
    }
    rings_.clear();
    for (const port_info& p : ports_) {
        if (p.tap_id != no_tap_port) {
            destroy_tap(p.tap_id, "net_tap_" + p.tap_name);
        }
    }
    // A TAP whose set-up failed half way still has its vdev.
    for (const std::string& dev : tap_devs_) {
        (void)rte_eal_hotplug_remove("vdev", dev.c_str());
    }
    tap_devs_.clear();
    // Closing the ports first returns the mbufs their rings hold to the pools.
    for (const port_info& p : ports_) {
        close_port(p.port_id);
    }
    for (auto& [socket, pool] : pools_) {
        rte_mempool_free(pool);
    }
    pools_.clear();
    rte_free(qsbr_);
    qsbr_ = nullptr;
    for (worker_ctx& c : ctx_) {
        c.qsbr = nullptr;
    }
}

void runtime::stop()
{
    stop_dataplane();
    if (eal_up_) {
        eal_up_ = false;
        rte_eal_cleanup();
    }
}

std::vector<port_stats> runtime::stats() const
{
    std::vector<port_stats> out = final_stats_;
    if (running_) {
        out.clear();
        for (const port_info& p : ports_) {
            out.push_back(read_port_stats(p.name, p.port_id));
        }
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i].dropped = port_dropped(i);
    }
    return out;
}

std::uint64_t runtime::group_total(std::uint32_t group, worker_counter c) const
{
    const std::size_t col = crypto_column(c);
    if (group >= max_crypto_groups || col == crypto_counter_count) {
        return 0;
    }
    return group_counters_.sum(group * crypto_counter_count + col);
}

std::uint64_t runtime::port_dropped(std::size_t port_index) const
{
    return port_index < port_drops_.size() ? port_drops_.sum(port_index) : 0;
}

std::string runtime::stats_line() const
{
    std::string s;
    for (const port_stats& p : stats()) {
        s += p.name + (p.link_up ? " up" : " down") + " rx " + std::to_string(p.ipackets) + " tx " +
            std::to_string(p.opackets) + " | ";
    }
    auto get = [this](unsigned w, std::size_t c) { return counters_.get(w, c); };
    const auto nb = static_cast<std::size_t>(worker_counter::count);
    for (unsigned w = 0; w < counters_.lcores(); ++w) {
        std::uint64_t drops = 0;
        std::string reasons;
        for (std::size_t c = 0; c < nb; ++c) {
            if (is_drop(static_cast<worker_counter>(c)) && get(w, c) != 0) {
                drops += get(w, c);
                reasons += " " + counters_.name(c) + " " + std::to_string(get(w, c));
            }
        }
        s += "w" + std::to_string(w) + (w < lcores_.size() ? "@lcore" + std::to_string(lcores_[w]) : "") + " rx " +
            std::to_string(get(w, static_cast<std::size_t>(worker_counter::rx_packets))) + " tx " +
            std::to_string(get(w, static_cast<std::size_t>(worker_counter::tx_packets))) + " drop " +
            std::to_string(drops) + (reasons.empty() ? "" : " (" + reasons.substr(1) + ")");
        for (const worker_counter c : {worker_counter::fragmented, worker_counter::reassembled,
                                       worker_counter::mcast_forwarded, worker_counter::encrypt,
                                       worker_counter::decrypt, worker_counter::bypass}) {
            const auto ci = static_cast<std::size_t>(c);
            if (get(w, ci) != 0) {
                s += " " + counters_.name(ci) + " " + std::to_string(get(w, ci));
            }
        }
        if (w + 1 < counters_.lcores()) {
            s += " | ";
        }
    }
    if (control_) {
        const core::counter_set& cc = control_->counters();
        const auto cget = [&cc](control_counter c) { return std::to_string(cc.get(0, static_cast<std::size_t>(c))); };
        s += " | ctl to-kernel " + cget(control_counter::tap_tx) + " from-kernel " + cget(control_counter::tap_rx) +
            " arp-req " + cget(control_counter::arp_requests) + " neighbours " +
            std::to_string(neighbours().size());
    }
    return s;
}

} // namespace fastpath
