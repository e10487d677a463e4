// Shared state of the GDOI command tests: a real key server and group member
// registered in-process on the manual clock (../gdoi/fixture.hpp), behind the
// management service with every GDOI command registered.
#pragma once

#include "../gdoi/fixture.hpp"

#include "mgmt/gdoi_commands.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mgmt_gdoi_test {

// The app's gdoi_node stand-in: what the commands read and change.
class fixed_node final : public mgmt::gdoi_view, public mgmt::gdoi_control {
public:
    const gdoi::ks* key_server() const override { return ks; }
    std::vector<const gdoi::gm*> members() const override { return {gms.begin(), gms.end()}; }
    gdoi::ks* writable_key_server() override { return ks; }
    gdoi::gm* writable_member(std::string_view group) override
    {
        for (auto* g : gms) {
            if (g->config().group == group) {
                return g;
            }
        }
        return nullptr;
    }
    // The protocol objects here are configured by hand, not from `running`: the
    // key server starts its groups again with the fixture's settings.
    mgmt::clear_outcome clear_groups(const mgmt::config&, std::string_view group) override
    {
        mgmt::clear_outcome out;
        if (!group.empty() && ks->group(group) == nullptr && writable_member(group) == nullptr) {
            out.error = "Group " + std::string(group) + " not found";
            return out;
        }
        out.ks_groups = ks->reload(ks->config(), group);
        for (auto* g : gms) {
            if (group.empty() || g->config().group == group) {
                g->clear_registration();
                out.gm_groups.push_back(g->config().group);
            }
        }
        return out;
    }

    gdoi::ks* ks = nullptr;
    std::vector<gdoi::gm*> gms;
};

// A data plane with only the crypto-map groups' counters (the replay commands read
// replay_fail and tbar_fail): GETVPN and OTHER, each with drops of both kinds.
class crypto_dataplane final : public mgmt::dataplane_view {
public:
    crypto_dataplane()
    {
        set("GETVPN", "replay_fail", 5);
        set("GETVPN", "tbar_fail", 2);
        set("OTHER", "replay_fail", 7);
        set("OTHER", "tbar_fail", 1);
    }

    std::vector<mgmt::port_state> ports() const override { return {}; }
    std::vector<mgmt::lcore_state> lcores() const override { return {}; }
    std::string version() const override { return "DPDK 22.11.1"; }
    std::vector<mgmt::crypto_group_state> crypto_groups() const override { return groups; }

    // Sets a group's counter, adding the group when it is new.
    void set(const std::string& group, const std::string& counter, std::uint64_t value)
    {
        auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.group == group; });
        if (g == groups.end()) {
            g = groups.insert(groups.end(), mgmt::crypto_group_state{});
            g->group = group;
        }
        auto c = std::find_if(g->counters.begin(), g->counters.end(), [&](const auto& x) { return x.first == counter; });
        if (c == g->counters.end()) {
            g->counters.emplace_back(counter, value);
        } else {
            c->second = value;
        }
    }

    std::vector<mgmt::crypto_group_state> groups;
};

inline gdoi::gm_config member_cfg()
{
    auto c = gdoi_test::gm_cfg();
    c.reregister_jitter = std::chrono::seconds{0}; // "Re-registers in" must be exact
    return c;
}

// A KS with groups GETVPN and OTHER, one GM registered to GETVPN, and 100 s gone by.
struct registered {
    gdoi_test::testbed tb{gdoi_test::ks_cfg(), member_cfg()};
    fixed_node node;
    crypto_dataplane dataplane;
    mgmt::service svc{tb.bus, tb.clock, mgmt::config{}, &dataplane, {"0.1.0", {}}};
    mgmt::command_registry commands;

    registered()
    {
        tb.register_all();
        tb.clock.advance(std::chrono::seconds{100});
        node.ks = tb.server.get();
        node.gms = {tb.member.get()};
        mgmt::register_builtin_commands(commands);
        mgmt::register_gdoi_commands(commands, node);
        mgmt::register_gdoi_operator_commands(commands, node, node);
    }

    mgmt::command_output run(const std::string& line, bool confirmed = false)
    {
        return commands.run(svc, line, confirmed);
    }
    const gdoi::group_keys& keys(const std::string& g = "GETVPN") const { return *tb.server->group(g); }
    const gdoi::registration& reg() const { return *tb.member->registered(); }
};

} // namespace mgmt_gdoi_test
