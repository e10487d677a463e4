// The crypto-map data-plane show commands: `show crypto gdoi gm dataplane counters`
// (seed 003), `show crypto map gdoi fail-close [MAP]` and `show crypto ruleset [detail]`
// (seed 000). Read from the service at call time: the running configuration for the
// crypto maps, the data plane for what is installed and counted.
#pragma once

#include "mgmt/commands.hpp"

#include <optional>
#include <string>

namespace mgmt {

command_output show_dataplane_counters(const service& svc);
// map: one crypto map only; unknown or without fail-close fails with a message.
command_output show_fail_close(const service& svc, const std::optional<std::string>& map);
command_output show_ruleset(const service& svc, bool detail);

// Replaces the "not in this build yet" entries of the commands above.
void register_dataplane_commands(command_registry& reg);

} // namespace mgmt
