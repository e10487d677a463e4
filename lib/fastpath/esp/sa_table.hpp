// The real SA installer: keeps the control-plane view of every group's SAs,
// rebuilds an immutable sa_snapshot on each change, publishes it with one
// release store and frees old snapshots (and the SAs only they still hold)
// once rte_rcu_qsbr says every worker has passed. Never blocks.
#pragma once

#include "fastpath/esp/installer.hpp"
#include "fastpath/esp/sa_snapshot.hpp"
#include "tbar/metadata.hpp"

#include <intel-ipsec-mb.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

struct rte_rcu_qsbr;

namespace fastpath::esp {

// What an SA has carried (as `show crypto ipsec sa` shows #pkts encaps/decaps):
// good packets out of the engine and the inner IPv4 bytes in them.
struct sa_counts {
    std::uint64_t enc_pkts = 0;
    std::uint64_t enc_bytes = 0;
    std::uint64_t dec_pkts = 0;
    std::uint64_t dec_bytes = 0;
};

class sa_table final : public sa_installer {
public:
    // Local monotonic nanoseconds; workers must put the same time base in worker_ctx::now_ns.
    using now_fn = std::function<std::uint64_t()>;

    // qs: the workers' QSBR variable (they report quiescence every loop).
    static made<std::unique_ptr<sa_table>> create(rte_rcu_qsbr* qs, now_fn now,
                                                  std::uint8_t tbar_nh = tbar::default_next_header);
    // Only create() can make the key, so only create() constructs.
    class key {
        friend class sa_table;
        key() = default;
    };
    sa_table(key, rte_rcu_qsbr* qs, now_fn now, std::uint8_t tbar_nh, IMB_MGR* mgr);
    // Workers must have stopped reading (or gone offline) before this runs.
    ~sa_table() override;
    sa_table(const sa_table&) = delete;
    sa_table& operator=(const sa_table&) = delete;

    result install_sa(std::uint32_t group, const tek& t) override;
    result remove_sa(std::uint32_t spi) override;
    result set_outbound(std::uint32_t group, std::uint32_t spi) override;
    result set_sender_ids(std::uint32_t group, unsigned sid_bits,
                          std::span<const std::uint32_t> per_worker) override;
    result set_pseudotime(std::uint32_t group, std::uint64_t ticks, std::uint64_t tick_ns,
                          std::uint64_t window_ticks) override;
    void set_df_policy(df_policy p) override;

    // Workers: once per burst (acquire). Never null.
    const sa_snapshot* current() const noexcept { return current_.load(std::memory_order_acquire); }

    // Control lcore, from a timer: frees every retired snapshot that all workers
    // have passed (rte_rcu_qsbr_check without waiting). Returns how many still wait.
    std::size_t reclaim();
    std::size_t retired() const { return retired_.size(); }

    std::optional<std::uint16_t> group_slot(std::uint32_t group) const;
    // The group's slot, creating the group (no SAs yet) if needed; nullopt when
    // max_groups are in use. Slots never change, so a policy can name one early.
    std::optional<std::uint16_t> ensure_group(std::uint32_t group);
    std::size_t sa_count() const { return sas_.size(); }
    // An installed SA's counts summed over the workers (at worst one burst
    // behind them); nullopt for an SPI that is not installed.
    std::optional<sa_counts> counts(std::uint32_t spi) const;
    // The SPIs installed for a group, ascending.
    std::vector<std::uint32_t> spis_of(std::uint32_t group) const;
    // The notice of the last install (e.g. a legacy transform), for the caller's log.
    const std::optional<std::string>& last_notice() const { return last_notice_; }

private:
    struct group_state {
        std::uint32_t id = 0;
        std::uint16_t slot = 0;
        std::vector<std::uint32_t> generations; // inbound SPIs, oldest first (at most 2)
        std::uint32_t outbound_spi = 0;
        tbar::pseudotime_clock clock;
        unsigned sid_bits = 0;
        std::vector<std::uint32_t> sender_ids;
    };
    struct sa_entry {
        std::shared_ptr<sa_rt> sa;
        std::uint32_t group = 0;
    };
    struct retired_snapshot {
        std::uint64_t token;
        std::unique_ptr<const sa_snapshot> snap;
    };

    group_state* group(std::uint32_t id); // creates it; null when max_groups are in use
    void drop_spi(std::uint32_t spi);
    void publish();

    rte_rcu_qsbr* qs_;
    now_fn now_;
    std::uint8_t tbar_nh_;
    IMB_MGR* mgr_ = nullptr; // key expansion only
    std::atomic<const sa_snapshot*> current_{nullptr};
    std::map<std::uint32_t, sa_entry> sas_;
    std::vector<group_state> groups_;
    std::deque<retired_snapshot> retired_;
    df_policy df_ = df_policy::copy;
    std::uint64_t generation_ = 0;
    std::optional<std::string> last_notice_;
};

} // namespace fastpath::esp
