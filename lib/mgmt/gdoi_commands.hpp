// The GDOI show commands (`show crypto gdoi ...`, `show crypto isakmp sa`,
// `show crypto ipsec sa`): IOS-style text modelled on the seeds, plus the same
// state as JSON for REST. Everything is read from a gdoi_view at call time.
#pragma once

#include "core/clock.hpp"
#include "mgmt/commands.hpp"
#include "mgmt/gdoi_view.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mgmt {

// Which parts of `show crypto gdoi [group G] [ks | gm]` to print.
enum class gdoi_part { all, ks, gm };

// `show crypto gdoi [group G] [ks | gm]`. An unknown group fails with a message.
command_output show_crypto_gdoi(const gdoi_view& v, const core::clock& clk, const std::optional<std::string>& group,
                                gdoi_part part);
// `show crypto gdoi ks members [summary]`.
command_output show_ks_members(const gdoi_view& v, bool summary);
// `show crypto gdoi gm acl`: per group, the KS ACL as downloaded (in its order) and
// the crypto map's local denies.
command_output show_gm_acl(const gdoi_view& v);
// `show crypto isakmp sa`: the KS's sessions and each GM's SA to its key server.
command_output show_isakmp_sa(const gdoi_view& v);
// `show crypto ipsec sa`: the TEKs each group member holds.
// dataplane: the data plane's groups (service::crypto_groups()), for the SAs' packet counts.
command_output show_ipsec_sa(const gdoi_view& v, const core::clock& clk,
                             const std::vector<crypto_group_state>& dataplane = {});

// Replaces the "not in this build yet" entries of the commands above; `v` must outlive `reg`.
void register_gdoi_commands(command_registry& reg, const gdoi_view& v);

// ---- anti-replay, feature versions, and the commands that change GDOI state ------

// `show crypto gdoi [group G] ks replay`: each KS group's TEK replay settings and TBAR pseudotime.
command_output show_ks_replay(const gdoi_view& v, const core::clock& clk, const std::optional<std::string>& group);
// One group's data-plane replay drops: counter mode (replay_fail) and TBAR (tbar_fail).
struct replay_drops {
    std::uint64_t counter = 0;
    std::uint64_t tbar = 0;
};
// `show crypto gdoi gm replay`: each GM group's TEK replay settings, the pseudotime it
// learned and its replay drops since the last clear. `drops` by group name: nullopt
// without a data plane; a group not in it has no crypto map in the data plane.
command_output show_gm_replay(const gdoi_view& v, const core::clock& clk,
                              const std::optional<std::map<std::string, replay_drops>>& drops);

enum class gdoi_feature { gm_removal, policy_replace };
// `show crypto gdoi feature gm-removal | policy-replace` (seed 002): the version of each
// key server and member, and whether it supports the feature.
command_output show_feature(const gdoi_view& v, gdoi_feature f);

// The GDOI samples of GET /metrics (service::add_metrics_source): key server and
// group member registrations and failures, labelled by group and key server.
std::vector<metric_sample> gdoi_metrics(const gdoi_view& v);

// Replaces the "not in this build yet" entries of the replay and feature commands,
// `clear crypto gdoi [group G] ks members [now]`, `clear crypto gdoi [group G] replay`
// and `crypto gdoi gm group G ipsec direction ...`; `v` and `c` must outlive `reg`.
void register_gdoi_operator_commands(command_registry& reg, const gdoi_view& v, gdoi_control& c);

} // namespace mgmt
