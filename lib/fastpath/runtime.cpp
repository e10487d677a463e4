// fastpath::runtime: start-up order EAL -> ports -> pools -> QSBR -> workers,
// and the reverse on stop.
#include "fastpath/runtime.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include <set>

#include "fastpath/eal.hpp"

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
    if (opts.ports.size() >= no_peer) {
        return "too many ports";
    }
    std::set<std::string> names;
    for (const port_spec& p : opts.ports) {
        if (p.name.empty() || p.spec.empty()) {
            return "every port needs an interface name and a device spec";
        }
        if (!names.insert(p.name).second) {
            return "interface " + p.name + " is configured twice";
        }
    }
    return {};
}

runtime::runtime(unsigned workers)
    : counters_(worker_counter_names(), workers)
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
    r.error = rt->bring_up(opts);
    if (!r.error.empty()) {
        rt->stop();
        return r;
    }
    r.rt = std::move(rt);
    return r;
}

std::string runtime::bring_up(const runtime_options& opts)
{
    running_ = true;

    for (const port_spec& spec : opts.ports) {
        const port_lookup found = find_port(spec);
        if (!found.ok()) {
            return found.error;
        }
        ports_.push_back({spec.name, found.id, port_socket(found.id), no_peer});
    }
    // io mode pairs 0<->1, 2<->3, ...; an odd last port has no peer.
    for (std::size_t i = 0; i + 1 < ports_.size(); i += 2) {
        ports_[i].peer_id = ports_[i + 1].port_id;
        ports_[i + 1].peer_id = ports_[i].port_id;
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

    for (std::size_t i = 0; i < ports_.size(); ++i) {
        const std::string err = setup_port(ports_[i].port_id, opts.ports[i], opts.workers, mempool(i));
        if (!err.empty()) {
            return err;
        }
        worker_ports_.push_back({ports_[i].port_id, ports_[i].peer_id});
    }

    ctx_.resize(opts.workers);
    for (unsigned w = 0; w < opts.workers; ++w) {
        worker_ctx& c = ctx_[w];
        c.index = w;
        c.burst = static_cast<std::uint16_t>(opts.burst);
        c.ports = worker_ports_.data();
        c.nb_ports = static_cast<std::uint16_t>(worker_ports_.size());
        c.stop = &stop_;
        c.counters = &counters_;
        c.qsbr = qsbr_;
    }
    for (unsigned w = 0; w < opts.workers; ++w) {
        const int ret = rte_eal_remote_launch(worker_main, &ctx_[w], lcores_[w]);
        if (ret != 0) {
            return "cannot launch worker " + std::to_string(w) + " on lcore " + std::to_string(lcores_[w]) +
                ": " + rte_strerror(-ret);
        }
        launched_ = true;
    }
    return {};
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
    final_stats_.clear();
    for (const port_info& p : ports_) {
        final_stats_.push_back(read_port_stats(p.name, p.port_id));
    }
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
    if (!running_) {
        return final_stats_;
    }
    std::vector<port_stats> out;
    out.reserve(ports_.size());
    for (const port_info& p : ports_) {
        out.push_back(read_port_stats(p.name, p.port_id));
    }
    return out;
}

std::string runtime::stats_line() const
{
    std::string s;
    for (const port_stats& p : stats()) {
        s += p.name + (p.link_up ? " up" : " down") + " rx " + std::to_string(p.ipackets) + " tx " +
            std::to_string(p.opackets) + " | ";
    }
    auto get = [this](unsigned w, worker_counter c) { return counters_.get(w, static_cast<std::size_t>(c)); };
    for (unsigned w = 0; w < counters_.lcores(); ++w) {
        const std::uint64_t drops = get(w, worker_counter::tx_dropped) + get(w, worker_counter::no_peer_drop);
        s += "w" + std::to_string(w) + (w < lcores_.size() ? "@lcore" + std::to_string(lcores_[w]) : "") + " rx " +
            std::to_string(get(w, worker_counter::rx_packets)) + " tx " +
            std::to_string(get(w, worker_counter::tx_packets)) + " drop " + std::to_string(drops);
        if (w + 1 < counters_.lcores()) {
            s += " | ";
        }
    }
    return s;
}

} // namespace fastpath
