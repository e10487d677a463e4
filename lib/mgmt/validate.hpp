// Semantic checks on a parsed config: references resolve, limits hold, legacy
// algorithms are flagged, and (at startup) every GDOI interface has a DPDK port.
#pragma once

#include "mgmt/config.hpp"
#include "mgmt/diagnostic.hpp"

#include <vector>

namespace mgmt {

enum class validate_mode {
    check_only, // `--check`: what is missing to run is a warning
    startup,    // about to run this config: what is missing to run is an error
};

// At most this many `server address ipv4` lines per group (seed 003: up to 8 KSs).
inline constexpr std::size_t max_key_servers = 8;

std::vector<diagnostic> validate(const config& cfg, validate_mode m);

} // namespace mgmt
