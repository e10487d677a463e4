// Compiled crypto-map policy for the workers: per GDOI group, the merged ACL as
// an outbound rte_acl classifier and its inbound mirror, plus the group's slot
// in the ESP SA snapshot. Built on the control thread, published by RCU like
// the routing snapshots; never changed once published.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "acl/classifier.hpp"
#include "acl/merge.hpp"

namespace fastpath {

// The group's direction (GDOI SA direction / `passive`):
//   both             encrypt permits out, require them encrypted in;
//   inbound_only     receive-only SAs: decrypt, never encrypt (permits leave in clear);
//   inbound_optional passive: encrypt out, accept permits in clear or encrypted.
enum class crypto_direction : std::uint8_t { both, inbound_only, inbound_optional };

// One group's policy. Classifiers are shared between generations (ctl-only
// refcounts, like sa_snapshot's SAs); a worker only reads through them.
struct crypto_group {
    std::uint16_t sa_slot = 0;                        // worker: ro. esp::sa_snapshot::group(slot)
    std::shared_ptr<const acl::classifier> outbound;  // worker: ro. Null: group has no policy yet
    std::shared_ptr<const acl::classifier> inbound;   // worker: ro. The mirror, for arriving traffic
    crypto_direction direction = crypto_direction::both;  // worker: ro
};

// One generation; index = group id (port_spec::crypto_group).
struct crypto_policy {
    std::uint64_t generation = 0;
    std::vector<crypto_group> groups;  // worker: ro, ctl: builds once

    // The group's policy, or null when it has none (its traffic passes in clear).
    const crypto_group* find(std::uint32_t group) const noexcept
    {
        return group < groups.size() && groups[group].outbound ? &groups[group] : nullptr;
    }
};

struct crypto_policy_result {
    std::unique_ptr<crypto_policy> policy;  // null on error
    std::string error;
    std::vector<acl::refused_ace> refused;  // local permits the merge left out (GM_ACL_PERMIT)
};

// A copy of `base` (may be null) with `group`'s policy replaced by the merge of
// `in`, compiled with classifier names unique to `generation`. Control thread only.
crypto_policy_result build_crypto_policy(const crypto_policy* base, std::uint32_t group, std::uint16_t sa_slot,
                                         const acl::merge_input& in, std::uint64_t generation, int socket,
                                         crypto_direction dir = crypto_direction::both);

} // namespace fastpath
