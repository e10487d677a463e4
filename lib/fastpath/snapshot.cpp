// rte_lpm snapshot build and the RCU retire list.
#include "fastpath/snapshot.hpp"

#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_rcu_qsbr.h>

namespace fastpath {

route_table::~route_table()
{
    rte_lpm_free(lpm);
}

route_table_result build_route_table(const fib& f, std::vector<port_l3> ports, std::uint64_t generation, int socket)
{
    route_table_result r;
    auto t = std::make_unique<route_table>();
    t->generation = generation;
    t->ports = std::move(ports);
    t->multicast = f.multicast;
    const std::string name = "fp_lpm_" + std::to_string(generation);
    rte_lpm_config cfg{};
    cfg.max_rules = static_cast<std::uint32_t>(f.entries.size() + 64);
    cfg.number_tbl8s = 256;
    t->lpm = rte_lpm_create(name.c_str(), socket, &cfg);
    if (t->lpm == nullptr) {
        r.error = "rte_lpm_create " + name + ": " + rte_strerror(rte_errno);
        return r;
    }
    for (const fib_entry& e : f.entries) {
        std::uint32_t idx = 0;
        while (idx < t->next_hops.size() && !(t->next_hops[idx] == e.nh)) {
            ++idx;
        }
        if (idx == t->next_hops.size()) {
            t->next_hops.push_back(e.nh);
        }
        const int ret = rte_lpm_add(t->lpm, e.prefix.addr, e.prefix.len, idx);
        if (ret != 0) {
            r.error = "rte_lpm_add: " + std::string(rte_strerror(-ret));
            return r;
        }
    }
    r.table = std::move(t);
    return r;
}

void retire_list::retire(std::function<void()> free_fn)
{
    // The token is the grace period this object must wait out.
    items_.push_back({rte_rcu_qsbr_start(qsbr_), std::move(free_fn)});
}

unsigned retire_list::poll()
{
    unsigned freed = 0;
    // Tokens grow in retire order: stop at the first one still in its grace period.
    std::size_t i = 0;
    for (; i < items_.size(); ++i) {
        if (rte_rcu_qsbr_check(qsbr_, items_[i].token, false) != 1) {
            break;
        }
        items_[i].free_fn();
        ++freed;
    }
    items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(i));
    return freed;
}

void retire_list::free_all()
{
    for (item& it : items_) {
        it.free_fn();
    }
    items_.clear();
}

} // namespace fastpath
