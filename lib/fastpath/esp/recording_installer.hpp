// An sa_installer that only records what it was told, for the GDOI and KS/GM
// tests (no EAL, no DPDK): they drive the protocol and then assert which SAs,
// sender IDs and pseudotimes were installed, in order (strongSwan's mock
// kernel_ipsec plays the same role).
#pragma once

#include "fastpath/esp/installer.hpp"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace fastpath::esp {

class recording_installer final : public sa_installer {
public:
    struct call {
        std::string op; // "install_sa", "remove_sa", "set_outbound", "set_sender_ids", "set_pseudotime", "set_df_policy"
        std::uint32_t group = 0;
        std::uint32_t spi = 0;
        std::vector<std::uint64_t> args; // sender IDs, or ticks/tick_ns/window, or the DF policy
    };

    result install_sa(std::uint32_t group, const tek& t) override
    {
        if (installed_.count(t.spi) != 0) {
            return result::fail("SPI already installed");
        }
        installed_[t.spi] = {group, t};
        calls_.push_back({"install_sa", group, t.spi, {}});
        return result::ok();
    }
    result remove_sa(std::uint32_t spi) override
    {
        if (installed_.erase(spi) == 0) {
            return result::fail("no such SPI");
        }
        for (auto& [g, s] : outbound_) {
            if (s == spi) {
                s = 0;
            }
        }
        calls_.push_back({"remove_sa", 0, spi, {}});
        return result::ok();
    }
    result set_outbound(std::uint32_t group, std::uint32_t spi) override
    {
        if (spi != 0 && (installed_.count(spi) == 0 || installed_.at(spi).group != group)) {
            return result::fail("not an SA of this group");
        }
        outbound_[group] = spi;
        calls_.push_back({"set_outbound", group, spi, {}});
        return result::ok();
    }
    result set_sender_ids(std::uint32_t group, unsigned sid_bits, std::span<const std::uint32_t> ids) override
    {
        call c{"set_sender_ids", group, 0, {sid_bits}};
        c.args.insert(c.args.end(), ids.begin(), ids.end());
        calls_.push_back(std::move(c));
        return result::ok();
    }
    result set_pseudotime(std::uint32_t group, std::uint64_t ticks, std::uint64_t tick_ns,
                          std::uint64_t window_ticks) override
    {
        calls_.push_back({"set_pseudotime", group, 0, {ticks, tick_ns, window_ticks}});
        return result::ok();
    }
    void set_df_policy(df_policy p) override
    {
        calls_.push_back({"set_df_policy", 0, 0, {static_cast<std::uint64_t>(p)}});
    }

    const std::vector<call>& calls() const { return calls_; }
    bool has_sa(std::uint32_t spi) const { return installed_.count(spi) != 0; }
    const tek* sa(std::uint32_t spi) const
    {
        auto it = installed_.find(spi);
        return it == installed_.end() ? nullptr : &it->second.t;
    }
    std::uint32_t outbound(std::uint32_t group) const
    {
        auto it = outbound_.find(group);
        return it == outbound_.end() ? 0 : it->second;
    }
    void clear_calls() { calls_.clear(); }

private:
    struct entry {
        std::uint32_t group = 0;
        tek t;
    };
    std::map<std::uint32_t, entry> installed_;
    std::map<std::uint32_t, std::uint32_t> outbound_;
    std::vector<call> calls_;
};

} // namespace fastpath::esp
