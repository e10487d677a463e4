// SA table: control-plane registry, snapshot build and RCU publish/reclaim.
#include "fastpath/esp/sa_table.hpp"

#include "fastpath/esp/sa_install.hpp"

#include <rte_rcu_qsbr.h>

#include <algorithm>

namespace fastpath::esp {

made<std::unique_ptr<sa_table>> sa_table::create(rte_rcu_qsbr* qs, now_fn now, std::uint8_t tbar_nh)
{
    made<std::unique_ptr<sa_table>> r;
    if (qs == nullptr || !now) {
        r.error = "sa_table needs the workers' rte_rcu_qsbr and a clock";
        return r;
    }
    IMB_MGR* mgr = alloc_mb_mgr(0);
    if (mgr == nullptr) {
        r.error = "intel-ipsec-mb: alloc_mb_mgr failed";
        return r;
    }
    IMB_ARCH arch;
    init_mb_mgr_auto(mgr, &arch);
    r.value = std::make_unique<sa_table>(key{}, qs, std::move(now), tbar_nh, mgr);
    return r;
}

sa_table::sa_table(key, rte_rcu_qsbr* qs, now_fn now, std::uint8_t tbar_nh, IMB_MGR* mgr)
    : qs_(qs), now_(std::move(now)), tbar_nh_(tbar_nh), mgr_(mgr)
{
    publish(); // workers always find a snapshot, empty at first
}

sa_table::~sa_table()
{
    delete current_.load(std::memory_order_relaxed);
    retired_.clear();
    free_mb_mgr(mgr_);
}

sa_table::group_state* sa_table::group(std::uint32_t id)
{
    for (auto& g : groups_) {
        if (g.id == id) {
            return &g;
        }
    }
    if (groups_.size() >= max_groups) {
        return nullptr;
    }
    group_state g;
    g.id = id;
    g.slot = static_cast<std::uint16_t>(groups_.size()); // slots are never reused: sa_rt keeps its slot
    groups_.push_back(std::move(g));
    return &groups_.back();
}

std::optional<std::uint16_t> sa_table::ensure_group(std::uint32_t id)
{
    const group_state* g = group(id);
    return g != nullptr ? std::optional<std::uint16_t>{g->slot} : std::nullopt;
}

std::optional<std::uint16_t> sa_table::group_slot(std::uint32_t id) const
{
    for (const auto& g : groups_) {
        if (g.id == id) {
            return g.slot;
        }
    }
    return std::nullopt;
}

std::optional<sa_counts> sa_table::counts(std::uint32_t spi) const
{
    const auto it = sas_.find(spi);
    if (it == sas_.end()) {
        return std::nullopt;
    }
    sa_counts c;
    for (const sa_worker& w : it->second.sa->workers) {
        c.enc_pkts += w.enc_pkts.get();
        c.enc_bytes += w.enc_bytes.get();
        c.dec_pkts += w.dec_pkts.get();
        c.dec_bytes += w.dec_bytes.get();
    }
    return c;
}

std::vector<std::uint32_t> sa_table::spis_of(std::uint32_t group_id) const
{
    std::vector<std::uint32_t> out;
    for (const auto& [spi, e] : sas_) {
        if (e.group == group_id) {
            out.push_back(spi);
        }
    }
    return out;
}

result sa_table::install_sa(std::uint32_t group_id, const tek& t)
{
    if (sas_.count(t.spi) != 0) {
        return result::fail("SPI " + std::to_string(t.spi) + " is already installed");
    }
    group_state* gp = group(group_id);
    if (gp == nullptr) {
        return result::fail("too many groups");
    }
    group_state& g = *gp;
    built_sa b = build_sa_rt(mgr_, t, g.slot, tbar_nh_);
    if (!b.sa) {
        return result::fail(*b.error);
    }
    last_notice_ = b.notice;
    sas_[t.spi] = sa_entry{std::move(b.sa), group_id};
    g.generations.push_back(t.spi);
    // Inbound keeps the current and the previous generation; older ones go,
    // except the one outbound still uses (it leaves when outbound moves on).
    while (g.generations.size() > 2) {
        auto victim = std::find_if(g.generations.begin(), g.generations.end() - 1,
                                   [&g](std::uint32_t s) { return s != g.outbound_spi; });
        if (victim == g.generations.end() - 1) {
            break;
        }
        const std::uint32_t spi = *victim;
        g.generations.erase(victim);
        sas_.erase(spi);
    }
    publish();
    return result::ok();
}

void sa_table::drop_spi(std::uint32_t spi)
{
    auto it = sas_.find(spi);
    if (it == sas_.end()) {
        return;
    }
    for (auto& g : groups_) {
        if (g.id == it->second.group) {
            std::erase(g.generations, spi);
            if (g.outbound_spi == spi) {
                g.outbound_spi = 0;
            }
        }
    }
    sas_.erase(it);
}

result sa_table::remove_sa(std::uint32_t spi)
{
    if (sas_.count(spi) == 0) {
        return result::fail("no SA with SPI " + std::to_string(spi));
    }
    drop_spi(spi);
    publish();
    return result::ok();
}

result sa_table::set_outbound(std::uint32_t group_id, std::uint32_t spi)
{
    if (spi != 0) {
        auto it = sas_.find(spi);
        if (it == sas_.end() || it->second.group != group_id) {
            return result::fail("SPI " + std::to_string(spi) + " is not an SA of group " + std::to_string(group_id));
        }
    }
    group_state* g = group(group_id);
    if (g == nullptr) {
        return result::fail("too many groups");
    }
    g->outbound_spi = spi;
    publish();
    return result::ok();
}

result sa_table::set_sender_ids(std::uint32_t group_id, unsigned sid_bits,
                                std::span<const std::uint32_t> per_worker)
{
    if (sid_bits == 0 || sid_bits > 32 || per_worker.size() > max_workers) {
        return result::fail("sender ID bits must be 1..32 and at most one ID per worker");
    }
    for (std::uint32_t id : per_worker) {
        if (sid_bits < 32 && id >= (1u << sid_bits) && id != no_sender_id) {
            return result::fail("sender ID does not fit in the sender ID bits");
        }
    }
    group_state* g = group(group_id);
    if (g == nullptr) {
        return result::fail("too many groups");
    }
    g->sid_bits = sid_bits;
    g->sender_ids.assign(per_worker.begin(), per_worker.end());
    publish();
    return result::ok();
}

result sa_table::set_pseudotime(std::uint32_t group_id, std::uint64_t ticks, std::uint64_t tick_ns,
                                std::uint64_t window_ticks)
{
    if (tick_ns == 0) {
        return result::fail("TBAR tick must be positive");
    }
    group_state* g = group(group_id);
    if (g == nullptr) {
        return result::fail("too many groups");
    }
    g->clock = tbar::pseudotime_clock::set(ticks, now_(), tick_ns, window_ticks);
    publish();
    return result::ok();
}

void sa_table::set_df_policy(df_policy p)
{
    df_ = p;
    publish();
}

void sa_table::publish()
{
    auto s = std::make_unique<sa_snapshot>();
    s->generation_ = ++generation_;
    s->df_ = df_;
    std::uint32_t size = 16;
    while (size < 2 * sas_.size()) {
        size <<= 1;
    }
    s->slots_.resize(size);
    s->mask_ = size - 1;
    for (const auto& [spi, e] : sas_) {
        std::uint32_t i = (spi * 0x9e3779b1u) & s->mask_;
        while (s->slots_[i].sa != nullptr) {
            i = (i + 1) & s->mask_;
        }
        s->slots_[i] = {spi, e.sa.get()};
        s->owned_.push_back(e.sa);
    }
    for (const auto& g : groups_) {
        group_rt& r = s->groups_[g.slot];
        r.clock = g.clock;
        r.sid_bits = g.sid_bits;
        for (std::size_t i = 0; i < g.sender_ids.size(); ++i) {
            r.sender_id[i] = g.sender_ids[i];
        }
        if (g.outbound_spi != 0) {
            r.outbound = sas_.at(g.outbound_spi).sa.get();
        }
    }
    const sa_snapshot* old = current_.exchange(s.release(), std::memory_order_acq_rel);
    if (old != nullptr) {
        // Workers that loaded `old` report quiescence only after finishing with it.
        retired_.push_back({rte_rcu_qsbr_start(qs_), std::unique_ptr<const sa_snapshot>(old)});
    }
}

std::size_t sa_table::reclaim()
{
    while (!retired_.empty() && rte_rcu_qsbr_check(qs_, retired_.front().token, false) == 1) {
        retired_.pop_front();
    }
    return retired_.size();
}

} // namespace fastpath::esp
