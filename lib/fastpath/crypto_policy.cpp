// build_crypto_policy: merge, compile both directions, copy the other groups.
#include "fastpath/crypto_policy.hpp"

namespace fastpath {

crypto_policy_result build_crypto_policy(const crypto_policy* base, std::uint32_t group, std::uint16_t sa_slot,
                                         const acl::merge_input& in, std::uint64_t generation, int socket,
                                         crypto_direction dir)
{
    crypto_policy_result r;
    auto p = std::make_unique<crypto_policy>();
    p->generation = generation;
    if (base != nullptr) {
        p->groups = base->groups;
    }
    if (group >= p->groups.size()) {
        p->groups.resize(group + 1);
    }
    try {
        acl::merge_result merged = acl::merge(in);
        r.refused = std::move(merged.refused);
        crypto_group g;
        g.sa_slot = sa_slot;
        g.direction = dir;
        g.outbound = std::make_shared<const acl::classifier>(
            acl::classifier::build(merged.entries, acl::direction::outbound, generation, socket));
        g.inbound = std::make_shared<const acl::classifier>(
            acl::classifier::build(merged.entries, acl::direction::inbound, generation, socket));
        p->groups[group] = std::move(g);
    } catch (const std::exception& e) {
        // policy_error or build_error: the old generation stays in force.
        r.error = std::string("crypto policy of group ") + std::to_string(group) + ": " + e.what();
        return r;
    }
    r.policy = std::move(p);
    return r;
}

} // namespace fastpath
