// esp_installer: gdoi::tek -> fastpath::esp::tek, make-before-break order.
#include "esp_installer.hpp"

namespace app {

std::uint32_t esp_installer::group_id(const std::string& group)
{
    auto [it, added] = groups_.emplace(group, static_cast<std::uint32_t>(groups_.size() + 1));
    return it->second;
}

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
    ++installed_;
    // Inbound is usable at once; outbound follows unless the group only receives.
    const auto dir = directions_.count(group) ? directions_[group] : gdoi::direction_mode::both;
    if (dir != gdoi::direction_mode::inbound_only && t.direction != gdoi::sa_direction::receiver_only) {
        report("outbound TEK " + std::to_string(t.spi), table_.set_outbound(g, t.spi));
    }
}

void esp_installer::remove_sa(std::uint32_t spi) { report("remove TEK " + std::to_string(spi), table_.remove_sa(spi)); }

void esp_installer::set_policy(const std::string& group, const std::vector<gdoi::policy_entry>& entries)
{
    // Kept for show commands; the crypto-map classification stage of the router data
    // plane (issue 4) is what will enforce it.
    group_id(group);
    policies_[group] = entries;
}

void esp_installer::set_direction(const std::string& group, gdoi::direction_mode mode) { directions_[group] = mode; }

void esp_installer::set_sender_ids(const std::string& group, const gdoi::sender_ids& sids)
{
    report("sender IDs", table_.set_sender_ids(group_id(group), sids.bits, sids.values));
}

void esp_installer::set_fail_close(const std::string& group, bool on)
{
    group_id(group);
    fail_close_[group] = on;
}

} // namespace app
