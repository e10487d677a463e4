// acl: the group member's merged policy, first match wins: GM local deny ACEs,
// then the KS-downloaded ACLs, then fail-close's implicit "permit ip any any".
// No DPDK here; lib/fastpath compiles the result with acl::classifier.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "acl/policy.hpp"

namespace acl {

// What the data plane does with a packet that matches a merged entry.
// none is what rte_acl reports when nothing matched (userdata 0).
enum class verdict : std::uint8_t {
    none = 0,    // no entry matched: the caller's default (clear, no policy)
    bypass = 1,  // a deny: forward in clear both ways
    protect = 2, // a KS permit: encrypt / must arrive encrypted
    drop = 3,    // fail-close: not registered yet, drop and count
};

// Where a merged entry came from, for counters and "show" output.
enum class origin : std::uint8_t { local, ks, fail_close };

// rte_acl userdata: verdict in the top two bits, a 30-bit value below it.
// The value is the policy index for protect and the merged entry index for
// bypass and drop. Never 0 for a real entry, since rte_acl uses 0 for no match.
inline constexpr unsigned userdata_shift = 30;
inline constexpr std::uint32_t userdata_value_max = (1u << userdata_shift) - 1;

constexpr std::uint32_t encode_userdata(verdict v, std::uint32_t value)
{
    return (static_cast<std::uint32_t>(v) << userdata_shift) | (value & userdata_value_max);
}

constexpr verdict verdict_of(std::uint32_t userdata)
{
    return static_cast<verdict>(userdata >> userdata_shift);
}

constexpr std::uint32_t value_of(std::uint32_t userdata)
{
    return userdata & userdata_value_max;
}

// A KS-downloaded ACL and the index of the policy (group / TEK set) its
// permits select. Deny lines bypass whatever the policy.
struct ks_acl {
    access_list acl;
    std::uint32_t policy = 0;
};

// One line of the merged list, in match order.
struct merged_entry {
    ace rule;              // as configured or downloaded; act is informational
    verdict result = verdict::none;
    std::uint32_t policy = 0; // meaningful for protect only
    origin from = origin::local;
    std::string list;         // source list name ("" for fail-close)
    std::size_t index = 0;    // position of rule in that list

    std::uint32_t userdata(std::uint32_t entry_index) const
    {
        return encode_userdata(result, result == verdict::protect ? policy : entry_index);
    }
};

// A local permit the merge left out; the caller raises GM_ACL_PERMIT.
struct refused_ace {
    std::string list;
    std::size_t index = 0;
    ace rule;
};

struct merge_result {
    std::vector<merged_entry> entries;
    std::vector<refused_ace> refused;
};

struct merge_input {
    // GM local lists in order: crypto map "match address", then the
    // fail-close ACL's deny lines when fail-close is active. Deny only.
    std::vector<access_list> local;
    std::vector<ks_acl> ks;
    bool fail_close = false;
};

// Builds the merged list. Throws policy_error for an ACE validate() rejects,
// a policy index over userdata_value_max or more entries than userdata holds.
merge_result merge(const merge_input& in);

// First match over the merged list in software; the reference that the
// rte_acl classifier must agree with. Returns the userdata or 0.
std::uint32_t first_match(std::span<const merged_entry> entries, const five_tuple& t);

// Same, for inbound traffic checked against the mirrored entries.
std::uint32_t first_match_inbound(std::span<const merged_entry> entries, const five_tuple& t);

} // namespace acl
