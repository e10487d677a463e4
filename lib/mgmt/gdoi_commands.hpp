// The GDOI show commands (`show crypto gdoi ...`, `show crypto isakmp sa`,
// `show crypto ipsec sa`): IOS-style text modelled on the seeds, plus the same
// state as JSON for REST. Everything is read from a gdoi_view at call time.
#pragma once

#include "core/clock.hpp"
#include "mgmt/commands.hpp"
#include "mgmt/gdoi_view.hpp"

#include <optional>
#include <string>

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
command_output show_ipsec_sa(const gdoi_view& v, const core::clock& clk);

// Replaces the "not in this build yet" entries of the commands above; `v` must outlive `reg`.
void register_gdoi_commands(command_registry& reg, const gdoi_view& v);

} // namespace mgmt
