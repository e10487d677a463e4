// Maps the configuration model onto the GDOI protocol objects' settings: one key
// server configuration for every group with `server local`, and one group member
// configuration for every group a gdoi crypto map uses.
#pragma once

#include "gdoi/gm.hpp"
#include "gdoi/ks.hpp"
#include "mgmt/config.hpp"
#include "mgmt/diagnostic.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mgmt {

// Loads or creates the KS rekey key named by `rekey authentication mypubkey rsa LABEL`.
using rsa_key_source =
    std::function<gdoi::result<std::shared_ptr<const gdoi::rsa_key>>(const std::string& label, unsigned modulus)>;

struct gdoi_setup {
    std::optional<gdoi::ks_config> ks; // set when some group has `server local`
    std::vector<gdoi::gm_config> gms;  // one per group used by a gdoi crypto map
    std::vector<diagnostic> problems;  // errors: what the protocol cannot carry
    bool ok() const { return !has_errors(problems); }
};

// sender_ids: how many sender IDs a GM asks for (one per worker lcore).
gdoi_setup build_gdoi_setup(const config& cfg, const rsa_key_source& keys, unsigned sender_ids);

} // namespace mgmt
