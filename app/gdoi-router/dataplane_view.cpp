// Reads port stats (rte_eth_stats_get, link without waiting) and per-worker counters
// from the runtime on the control lcore.
#include "dataplane_view.hpp"

#include <rte_version.h>

namespace app {

std::vector<mgmt::port_state> runtime_view::ports() const
{
    std::vector<mgmt::port_state> out;
    for (const auto& s : rt_.stats()) {
        mgmt::port_state p;
        p.name = s.name;
        p.port_id = s.port_id;
        p.link_up = s.link_up;
        p.speed_mbps = s.link_speed_mbps;
        p.rx_packets = s.ipackets;
        p.rx_bytes = s.ibytes;
        p.rx_missed = s.imissed;
        p.rx_errors = s.ierrors;
        p.tx_packets = s.opackets;
        p.tx_bytes = s.obytes;
        p.tx_errors = s.oerrors;
        p.dropped = s.dropped;
        for (const auto& q : s.queues) {
            p.queues.push_back({q.ipackets, q.ibytes, q.opackets, q.obytes});
        }
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<mgmt::lcore_state> runtime_view::lcores() const
{
    std::vector<mgmt::lcore_state> out;
    const auto& counters = rt_.counters();
    const auto& lcores = rt_.worker_lcores();
    for (unsigned w = 0; w < rt_.workers(); ++w) {
        mgmt::lcore_state l;
        l.worker = w;
        l.lcore_id = w < lcores.size() ? lcores[w] : 0;
        for (std::size_t i = 0; i < counters.size(); ++i) {
            l.counters.emplace_back(counters.name(i), counters.get(w, i));
            if (i < static_cast<std::size_t>(fastpath::worker_counter::count) &&
                fastpath::is_drop(static_cast<fastpath::worker_counter>(i))) {
                l.dropped += counters.get(w, i);
            }
        }
        // The ESP engine's reasons behind the crypto drops above (not added to `dropped`
        // again: bad_icv, bad_pad, truncated, ...) and its events (seq_near_wrap, ...).
        for (const auto* esp : {rt_.esp_drops(), rt_.esp_events()}) {
            for (std::size_t i = 0; esp != nullptr && i < esp->size(); ++i) {
                l.counters.emplace_back("esp_" + esp->name(i), esp->get(w, i));
            }
        }
        out.push_back(std::move(l));
    }
    return out;
}

std::string runtime_view::version() const { return rte_version(); }

std::vector<mgmt::crypto_group_state> runtime_view::crypto_groups() const
{
    std::vector<mgmt::crypto_group_state> out;
    if (installer_ == nullptr) {
        return out;
    }
    const auto names = fastpath::worker_counter_names();
    for (auto& g : installer_->groups()) {
        mgmt::crypto_group_state s;
        s.group = g.name;
        s.fail_close = g.fail_close;
        s.has_policy = g.has_policy;
        s.passive = g.direction == fastpath::crypto_direction::inbound_optional;
        s.receive_only = g.direction == fastpath::crypto_direction::inbound_only;
        s.rules = std::move(g.rules);
        for (const auto c : fastpath::crypto_counters) {
            s.counters.emplace_back(names[static_cast<std::size_t>(c)], rt_.group_total(g.id, c));
        }
        if (const auto* table = rt_.sa_table()) {
            for (const std::uint32_t spi : table->spis_of(g.id)) {
                const auto n = table->counts(spi).value_or(fastpath::esp::sa_counts{});
                s.sas.push_back({spi, n.enc_pkts, n.enc_bytes, n.dec_pkts, n.dec_bytes});
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<std::pair<std::string, std::uint64_t>> runtime_view::control_counters() const
{
    const auto* c = rt_.control_counters();
    return c != nullptr ? c->totals() : std::vector<std::pair<std::string, std::uint64_t>>{};
}

} // namespace app
