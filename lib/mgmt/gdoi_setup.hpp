// Maps the configuration model onto the GDOI protocol objects' settings: one key
// server configuration for every group with `server local`, and one group member
// configuration for every group a gdoi crypto map uses.
#pragma once

#include "gdoi/gm.hpp"
#include "gdoi/installer.hpp"
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

// A hand-installed TEK (crypto gdoi manual-sa), ready for the sa_installer.
struct manual_group {
    std::string group;
    gdoi::tek tek;
    gdoi::sender_ids sids;                    // one per worker
    std::vector<gdoi::policy_entry> policy;   // crypto map local denies, then the manual ACL's permits
};

struct gdoi_setup {
    std::optional<gdoi::ks_config> ks; // set when some group has `server local`
    std::vector<gdoi::gm_config> gms;  // one per group used by a gdoi crypto map
    std::vector<manual_group> manual;  // groups keyed by crypto gdoi manual-sa (test aid)
    std::vector<diagnostic> problems;  // errors: what the protocol cannot carry
    bool ok() const { return !has_errors(problems); }
};

// sender_ids: how many sender IDs a GM asks for (one per worker lcore).
gdoi_setup build_gdoi_setup(const config& cfg, const rsa_key_source& keys, unsigned sender_ids);

} // namespace mgmt
