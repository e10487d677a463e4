// esp_installer: gdoi::tek -> fastpath::esp::tek, make-before-break order.
#include "esp_installer.hpp"

#include <algorithm>

namespace app {

std::uint32_t esp_installer::group_id(const std::string& group)
{
    // Ids of configured groups are fixed at start-up; others follow them.
    std::uint32_t next = 1;
    for (const auto& [name, id] : groups_) {
        next = std::max(next, id + 1);
    }
    auto [it, added] = groups_.emplace(group, next);
    return it->second;
}

namespace {

acl::prefix to_prefix(const gdoi::ipv4_prefix& p)
{
    return acl::prefix::make(p.addr, p.len);
}

acl::port_match to_ports(std::uint16_t port)
{
    return port == 0 ? acl::port_match::any() : acl::port_match::eq(port);
}

// The installer's list is already in match order (local denies, then the KS's
// lines): one list keeps that order, its denies bypass and its permits protect.
acl::ace to_ace(bool permit, const gdoi::traffic_selector& s)
{
    acl::ace a;
    a.act = permit ? acl::action::permit : acl::action::deny;
    a.protocol = s.protocol;
    a.src = to_prefix(s.src);
    a.dst = to_prefix(s.dst);
    if (acl::has_ports(a.protocol)) {
        a.sport = to_ports(s.src_port);
        a.dport = to_ports(s.dst_port);
    }
    return a;
}

acl::merge_input to_merge_input(const std::vector<gdoi::policy_entry>& entries)
{
    acl::ks_acl list;
    list.acl.name = "group-policy";
    list.policy = 1;
    for (const auto& e : entries) {
        list.acl.aces.push_back(to_ace(e.permit, e.sel));
    }
    acl::merge_input in;
    in.ks.push_back(std::move(list));
    return in;
}

} // namespace

void esp_installer::report(const std::string& what, const fastpath::esp::result& r)
{
    if (!r) {
        // The KS offered something our data plane refuses: say so under the seed's name.
        bus_.raise("GM_REJECTING_SA_PAYLOAD", what + ": " + *r.error);
    }
}

void esp_installer::install_sa(const std::string& group, const gdoi::tek& t)
{
    namespace esp = fastpath::esp;
    esp::tek out;
    out.spi = t.spi;
    switch (t.transform.transform) {
    case gdoi::esp_transform::aes_gcm_16: out.cipher = esp::cipher_alg::aes_gcm; break;
    case gdoi::esp_transform::aes_gmac: out.cipher = esp::cipher_alg::aes_gmac; break;
    case gdoi::esp_transform::aes_cbc: out.cipher = esp::cipher_alg::aes_cbc; break;
    case gdoi::esp_transform::des3: out.cipher = esp::cipher_alg::des3_cbc; break;
    default:
        report("TEK " + std::to_string(t.spi), esp::result::fail("transform not supported by the data plane"));
        return;
    }
    switch (t.transform.auth) {
    case gdoi::esp_auth::none: out.auth = esp::auth_alg::none; break;
    case gdoi::esp_auth::hmac_sha1: out.auth = esp::auth_alg::hmac_sha1_96; break;
    case gdoi::esp_auth::hmac_sha256: out.auth = esp::auth_alg::hmac_sha256_128; break;
    default:
        report("TEK " + std::to_string(t.spi), esp::result::fail("integrity not supported by the data plane"));
        return;
    }
    out.cipher_key.assign(t.enc_key.begin(), t.enc_key.end());
    out.cipher_key.insert(out.cipher_key.end(), t.salt.begin(), t.salt.end());
    out.auth_key.assign(t.auth_key.begin(), t.auth_key.end());
    out.replay_window = t.replay.mode == gdoi::replay_mode::counter ? t.replay.window : 0;
    out.tbar = t.replay.mode == gdoi::replay_mode::time;
    const std::uint32_t g = group_id(group);
    auto r = table_.install_sa(g, out);
    fastpath::esp::wipe(out);
    report("TEK " + std::to_string(t.spi), r);
    if (!r) {
        return;
    }
    if (out.tbar) {
        // The KS stamped its pseudotime into the TEK as it sent it; the group's data-plane
        // clock runs on from there, and the window is the TEK's (seconds) in ticks.
        const std::uint64_t tick_ms = std::max<std::uint64_t>(t.replay.tick_ms, 1);
        report("TBAR clock of TEK " + std::to_string(t.spi),
               table_.set_pseudotime(g, t.replay.pseudotime_ms / tick_ms, tick_ms * 1'000'000,
                                     std::uint64_t{t.replay.window} * 1000 / tick_ms));
    }
    // Inbound is usable at once; outbound follows unless the group only receives.
    const auto dir = directions_.count(group) ? directions_[group] : gdoi::direction_mode::both;
    if (dir != gdoi::direction_mode::inbound_only && t.direction != gdoi::sa_direction::receiver_only) {
        report("outbound TEK " + std::to_string(t.spi), table_.set_outbound(g, t.spi));
    }
}

void esp_installer::remove_sa(std::uint32_t spi) { report("remove TEK " + std::to_string(spi), table_.remove_sa(spi)); }

void esp_installer::publish(const std::string& group, acl::merge_input in)
{
    const std::uint32_t g = group_id(group);
    std::string err;
    try {
        err = rt_.set_crypto_policy(g, in, direction_of(group));
    } catch (const acl::policy_error& e) {
        err = e.what();
    }
    if (!err.empty()) {
        report("policy of group " + group, fastpath::esp::result::fail(err));
        return;
    }
    installed_[group] = std::move(in);
}

void esp_installer::set_policy(const std::string& group, const std::vector<gdoi::policy_entry>& entries)
{
    // Kept to republish on a direction change, and compiled for the crypto-map stage.
    // The group's own policy replaces fail-close's, which set_fail_close(off) then lifts.
    policies_[group] = entries;
    acl::merge_input in;
    try {
        in = to_merge_input(entries);
    } catch (const acl::policy_error& e) {
        report("policy of group " + group, fastpath::esp::result::fail(e.what()));
        return;
    }
    publish(group, std::move(in));
}

fastpath::crypto_direction esp_installer::direction_of(const std::string& group) const
{
    const auto it = directions_.find(group);
    if (it == directions_.end()) {
        return fastpath::crypto_direction::both;
    }
    switch (it->second) {
    case gdoi::direction_mode::inbound_only: return fastpath::crypto_direction::inbound_only;
    case gdoi::direction_mode::inbound_optional: return fastpath::crypto_direction::inbound_optional;
    case gdoi::direction_mode::both: break;
    }
    return fastpath::crypto_direction::both;
}

void esp_installer::set_direction(const std::string& group, gdoi::direction_mode mode)
{
    directions_[group] = mode;
    // The workers read the direction with the policy: republish it.
    if (const auto it = policies_.find(group); it != policies_.end()) {
        const auto entries = it->second;
        set_policy(group, entries);
    }
}

void esp_installer::set_sender_ids(const std::string& group, const gdoi::sender_ids& sids)
{
    report("sender IDs", table_.set_sender_ids(group_id(group), sids.bits, sids.values));
}

void esp_installer::set_fail_close(const std::string& group, bool on,
                                   const std::vector<gdoi::traffic_selector>& pass_in_clear)
{
    if (!on) {
        fail_close_.erase(group);
        if (policies_.count(group) == 0) {
            publish(group, {});  // lifted with no policy: the group's traffic passes in clear
        }
        return;
    }
    // Deny lines first (forward in clear both ways), then the implicit drop of everything else.
    acl::access_list clear;
    clear.name = "fail-close";
    try {
        for (const auto& s : pass_in_clear) {
            clear.aces.push_back(to_ace(false, s));
        }
    } catch (const acl::policy_error& e) {
        report("fail-close of group " + group, fastpath::esp::result::fail(e.what()));
        return;
    }
    acl::merge_input in;
    in.local.push_back(std::move(clear));
    in.fail_close = true;
    fail_close_[group] = true;
    publish(group, std::move(in));
}

std::vector<esp_installer::group_view> esp_installer::groups() const
{
    std::vector<group_view> out;
    for (const auto& [name, id] : groups_) {
        group_view v;
        v.name = name;
        v.id = id;
        v.fail_close = fail_close_.count(name) != 0;
        v.direction = direction_of(name);
        if (const auto it = installed_.find(name); it != installed_.end()) {
            v.has_policy = true;
            v.rules = acl::merge(it->second).entries;
        }
        out.push_back(std::move(v));
    }
    std::sort(out.begin(), out.end(), [](const group_view& a, const group_view& b) { return a.id < b.id; });
    return out;
}

} // namespace app
