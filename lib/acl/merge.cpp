// acl: merging GM local deny lists, KS ACLs and fail-close into one ordered
// list, and the software first-match used as the classifier's reference.
#include "acl/merge.hpp"

namespace acl {

namespace {

void check(const ace& e, const std::string& list, std::size_t index)
{
    if (auto why = validate(e)) {
        throw policy_error("access-list " + list + " entry " + std::to_string(index + 1) + " (" +
                           to_string(e) + "): " + *why);
    }
}

} // namespace

merge_result merge(const merge_input& in)
{
    merge_result out;
    // 1. GM local lists: deny only. A permit would let the GM widen the
    //    group's policy on its own, so it is refused and reported.
    for (const access_list& l : in.local) {
        for (std::size_t i = 0; i < l.aces.size(); ++i) {
            const ace& e = l.aces[i];
            if (e.act == action::permit) {
                out.refused.push_back({l.name, i, e});
                continue;
            }
            check(e, l.name, i);
            out.entries.push_back({e, verdict::bypass, 0, origin::local, l.name, i});
        }
    }
    // 2. KS ACLs, appended after the local lines so that local denies win.
    for (const ks_acl& k : in.ks) {
        if (k.policy > userdata_value_max) {
            throw policy_error("policy index " + std::to_string(k.policy) + " of access-list " +
                               k.acl.name + " does not fit the classifier's userdata");
        }
        for (std::size_t i = 0; i < k.acl.aces.size(); ++i) {
            const ace& e = k.acl.aces[i];
            check(e, k.acl.name, i);
            const bool permit = e.act == action::permit;
            out.entries.push_back({e, permit ? verdict::protect : verdict::bypass,
                                   permit ? k.policy : 0, origin::ks, k.acl.name, i});
        }
    }
    // 3. Fail-close: whatever no deny let through is dropped.
    if (in.fail_close) {
        ace any;
        any.act = action::permit;
        out.entries.push_back({any, verdict::drop, 0, origin::fail_close, "", 0});
    }
    if (out.entries.size() > userdata_value_max) {
        throw policy_error("merged policy has " + std::to_string(out.entries.size()) +
                           " entries, more than the classifier can index");
    }
    return out;
}

std::uint32_t first_match(std::span<const merged_entry> entries, const five_tuple& t)
{
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (matches(entries[i].rule, t)) {
            return entries[i].userdata(static_cast<std::uint32_t>(i));
        }
    }
    return 0;
}

std::uint32_t first_match_inbound(std::span<const merged_entry> entries, const five_tuple& t)
{
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (matches(mirror(entries[i].rule), t)) {
            return entries[i].userdata(static_cast<std::uint32_t>(i));
        }
    }
    return 0;
}

} // namespace acl
