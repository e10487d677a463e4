// Configuration model -> gdoi::ks_config / gdoi::gm_config. Anything the
// configuration says that GDOI cannot carry is an error here, never dropped.
#include "mgmt/gdoi_setup.hpp"

#include <bit>

namespace mgmt {

namespace {

struct builder {
    const config& cfg;
    std::vector<diagnostic>& problems;

    void problem(source_line line, std::string msg)
    {
        problems.push_back({diagnostic::level::error, line.value, std::move(msg), {}});
    }

    std::optional<gdoi::ike_proposal> proposal(const isakmp_policy& p)
    {
        gdoi::ike_proposal out;
        out.cipher.alg = p.encryption == ike_cipher::tdes ? gdoi::cipher_alg::des3_cbc : gdoi::cipher_alg::aes_cbc;
        out.cipher.key_bits = p.encryption == ike_cipher::tdes ? 192 : p.key_bits;
        switch (p.hash) {
        case ike_hash::sha: out.hash = gdoi::hash_alg::sha1; break;
        case ike_hash::sha256: out.hash = gdoi::hash_alg::sha256; break;
        case ike_hash::sha384: out.hash = gdoi::hash_alg::sha384; break;
        case ike_hash::sha512: out.hash = gdoi::hash_alg::sha512; break;
        case ike_hash::md5:
            problem(p.line, "crypto isakmp policy " + std::to_string(p.priority) + ": hash md5 is not supported");
            return std::nullopt;
        }
        if (p.authentication != ike_auth::pre_share) {
            problem(p.line, "crypto isakmp policy " + std::to_string(p.priority) +
                                ": authentication rsa-sig is not in this build yet; use pre-share");
            return std::nullopt;
        }
        out.auth = gdoi::auth_method::psk;
        out.group = static_cast<gdoi::dh_group>(p.dh_group);
        if (!gdoi::is_supported(out.group)) {
            problem(p.line, "crypto isakmp policy " + std::to_string(p.priority) + ": DH group " +
                                std::to_string(p.dh_group) + " is not supported (2, 5, 14, 15, 19, 20)");
            return std::nullopt;
        }
        out.lifetime = std::chrono::seconds{p.lifetime};
        return out;
    }

    gdoi::phase1_config phase1()
    {
        gdoi::phase1_config out;
        for (const auto& p : cfg.isakmp.policies) {
            if (auto prop = proposal(p)) {
                out.proposals.push_back(*prop);
            }
        }
        return out;
    }

    gdoi::psk_table psks()
    {
        gdoi::psk_table out;
        for (const auto& k : cfg.isakmp.keys) {
            // psk_table matches exact addresses and the 0.0.0.0 wildcard, as the seeds use.
            if (k.address.value != 0 && k.mask.value != 0xffffffffu) {
                problem(k.line, "crypto isakmp key for " + k.address.to_string() +
                                    ": only host addresses and 0.0.0.0 are supported");
                continue;
            }
            out.add(k.address.value, k.key);
        }
        return out;
    }

    // IOS wildcard (0.0.0.255) -> prefix length; nullopt when not contiguous.
    static std::optional<gdoi::ipv4_prefix> prefix(const address_match& m)
    {
        const std::uint32_t wc = m.wildcard.value;
        if ((wc & (wc + 1)) != 0) {
            return std::nullopt;
        }
        const auto len = static_cast<std::uint8_t>(32 - std::popcount(wc));
        gdoi::ipv4_prefix p{m.address.value, len};
        p.addr &= p.mask();
        return p;
    }

    // One ACE -> a GDOI selector, which carries a protocol, prefixes and single ports.
    std::optional<gdoi::traffic_selector> selector(const access_list& acl, const ace& a)
    {
        const std::string what = "access list " + acl.name + " entry '" + std::string(a.action == acl_action::permit ? "permit" : "deny") + " ...'";
        auto src = prefix(a.source);
        auto dst = prefix(a.destination);
        if (!src || !dst) {
            problem(acl.line, what + ": a non-contiguous wildcard cannot be sent in a GDOI TEK");
            return std::nullopt;
        }
        auto port = [&](const port_match& pm) -> std::optional<std::uint16_t> {
            if (pm.op == port_op::any) {
                return std::uint16_t{0};
            }
            if (pm.op == port_op::eq) {
                return pm.low;
            }
            problem(acl.line, what + ": GDOI selectors carry one port; use eq");
            return std::nullopt;
        };
        auto sp = port(a.source_port);
        auto dp = port(a.destination_port);
        if (!sp || !dp) {
            return std::nullopt;
        }
        return gdoi::traffic_selector{static_cast<std::uint8_t>(a.protocol), *src, *sp, *dst, *dp};
    }

    std::vector<gdoi::traffic_selector> selectors(const std::string& acl_name, acl_action wanted)
    {
        std::vector<gdoi::traffic_selector> out;
        const access_list* acl = cfg.find_access_list(acl_name);
        if (acl == nullptr) {
            return out; // validation already reported the missing list
        }
        for (const auto& a : acl->entries) {
            if (!a.remark.empty() || a.action != wanted) {
                continue;
            }
            if (auto s = selector(*acl, a)) {
                out.push_back(*s);
            }
        }
        return out;
    }

    // The whole list in configured order, permits and denies (the KS ACL members receive).
    std::vector<gdoi::policy_entry> entries(const std::string& acl_name)
    {
        std::vector<gdoi::policy_entry> out;
        const access_list* acl = cfg.find_access_list(acl_name);
        if (acl == nullptr) {
            return out; // validation already reported the missing list
        }
        for (const auto& a : acl->entries) {
            if (!a.remark.empty()) {
                continue;
            }
            if (auto s = selector(*acl, a)) {
                out.push_back({a.action == acl_action::permit, *s});
            }
        }
        return out;
    }

    std::optional<gdoi::transform_set> tek_transform(const gdoi_sa_ipsec& sa)
    {
        const ipsec_profile* prof = cfg.find_profile(sa.profile);
        const transform_set* ts = prof ? cfg.find_transform_set(prof->transform_set) : nullptr;
        if (ts == nullptr) {
            return std::nullopt; // validation reported it
        }
        return esp_transform_of(*ts);
    }

    std::optional<gdoi::transform_set> esp_transform_of(const transform_set& t)
    {
        const transform_set* ts = &t; // the diagnostics below name it
        gdoi::transform_set out;
        out.key_bits = ts->key_bits;
        switch (ts->cipher) {
        case esp_cipher::aes_cbc: out.transform = gdoi::esp_transform::aes_cbc; break;
        case esp_cipher::aes_gcm: out.transform = gdoi::esp_transform::aes_gcm_16; break;
        case esp_cipher::aes_gmac: out.transform = gdoi::esp_transform::aes_gmac; break;
        case esp_cipher::tdes: out.transform = gdoi::esp_transform::des3; out.key_bits = 192; break;
        case esp_cipher::null:
            problem(ts->line, "transform set " + ts->name + ": esp-null is not offered to a group");
            return std::nullopt;
        }
        switch (ts->integrity) {
        case esp_integrity::none: out.auth = gdoi::esp_auth::none; break;
        case esp_integrity::sha1: out.auth = gdoi::esp_auth::hmac_sha1; break;
        case esp_integrity::sha256: out.auth = gdoi::esp_auth::hmac_sha256; break;
        case esp_integrity::sha384: out.auth = gdoi::esp_auth::hmac_sha384; break;
        case esp_integrity::sha512: out.auth = gdoi::esp_auth::hmac_sha512; break;
        case esp_integrity::md5:
            problem(ts->line, "transform set " + ts->name + ": esp-md5-hmac is not supported");
            return std::nullopt;
        }
        if (!gdoi::is_counter_mode(out.transform) && out.auth == gdoi::esp_auth::none) {
            problem(ts->line, "transform set " + ts->name + ": a CBC transform needs an integrity transform");
            return std::nullopt;
        }
        return out;
    }

    static gdoi::kek_algorithm kek_alg(kek_cipher c, unsigned& bits)
    {
        switch (c) {
        case kek_cipher::tdes: bits = 192; return gdoi::kek_algorithm::des3;
        case kek_cipher::aes128: bits = 128; break;
        case kek_cipher::aes192: bits = 192; break;
        case kek_cipher::aes256: bits = 256; break;
        }
        return gdoi::kek_algorithm::aes;
    }

    gdoi::group_policy ks_group(const gdoi_group& g, const rsa_key_source& keys)
    {
        const gdoi_server_local& sl = *g.server_local;
        gdoi::group_policy p;
        p.name = g.name;
        p.identity_number = g.identity_number;
        if (g.identity_address) {
            p.identity_address = g.identity_address->value;
        }
        for (const auto& sa : sl.sas) {
            auto ts = tek_transform(sa);
            if (!ts) {
                continue;
            }
            gdoi::tek_policy t;
            t.number = sa.seq;
            t.transform = *ts;
            if (const ipsec_profile* prof = cfg.find_profile(sa.profile)) {
                t.lifetime = std::chrono::seconds{prof->sa_lifetime};
            }
            t.acl = entries(sa.match_acl);
            const access_list* acl = cfg.find_access_list(sa.match_acl);
            if (acl != nullptr && !t.acl.empty() &&
                std::none_of(t.acl.begin(), t.acl.end(), [](const gdoi::policy_entry& e) { return e.permit; })) {
                // A TEK rides in SA TEK payloads that name what it protects: with only deny
                // lines there is nothing to name, and "everything else" is not what IOS means.
                problem(sa.line, "group " + g.name + " sa ipsec " + std::to_string(sa.seq) + ": access-list " +
                                     sa.match_acl + " has no permit line, so its TEK would protect nothing; "
                                     "add the traffic to encrypt as permit lines");
            }
            t.replay.mode = sa.replay == replay_kind::counter ? gdoi::replay_mode::counter
                            : sa.replay == replay_kind::time  ? gdoi::replay_mode::time
                                                              : gdoi::replay_mode::none;
            t.replay.window = sa.replay == replay_kind::none ? 0 : sa.replay_window;
            t.receive_only = sl.sa_receive_only;
            p.teks.push_back(std::move(t));
        }
        gdoi::kek_policy kek;
        kek.algorithm = kek_alg(sl.rekey_algorithm, kek.key_bits);
        kek.lifetime = std::chrono::seconds{sl.rekey_lifetime};
        if (!sl.rekey_rsa_key.empty()) {
            unsigned modulus = 2048;
            for (const auto& k : cfg.rsa_keys) {
                if (k.label == sl.rekey_rsa_key) {
                    modulus = k.modulus;
                }
            }
            auto key = keys(sl.rekey_rsa_key, modulus);
            if (!key) {
                problem(g.line, "crypto gdoi group " + g.name + ": rekey key " + sl.rekey_rsa_key + ": " +
                                    key.err().detail);
            } else {
                kek.rekey_key = *key;
            }
        }
        p.kek = kek;
        if (!sl.authorization_address_acl.empty()) {
            for (const auto& s : selectors(sl.authorization_address_acl, acl_action::permit)) {
                p.authorized.push_back(s.src);
            }
        }
        return p;
    }

    // The address a GM registers from: the crypto map's local-address interface,
    // else the interface that carries the map.
    std::uint32_t gm_address(const crypto_map& m)
    {
        const interface_cfg* src = m.local_address.empty() ? nullptr : cfg.find_interface(m.local_address);
        for (const auto& ifc : cfg.interfaces) {
            if (src == nullptr && ifc.crypto_map == m.name) {
                src = &ifc;
            }
        }
        return src && src->address ? src->address->addr.value : 0;
    }

    manual_group manual(const manual_sa& m, unsigned workers)
    {
        manual_group out;
        out.group = m.group;
        out.tek.spi = m.spi;
        out.tek.transform.transform =
            m.cipher == manual_cipher::esp_gcm ? gdoi::esp_transform::aes_gcm_16 : gdoi::esp_transform::aes_gmac;
        out.tek.transform.key_bits = m.key_bits;
        const std::size_t key_bytes = m.key_bits / 8;
        for (std::size_t i = 0; i + 1 < m.key.size(); i += 2) {
            const auto byte = static_cast<std::uint8_t>(std::stoul(m.key.substr(i, 2), nullptr, 16));
            (i / 2 < key_bytes ? out.tek.enc_key : out.tek.salt).push_back(byte);
        }
        out.sids.bits = manual_sender_id_bits;
        for (unsigned w = 0; w < workers; ++w) {
            out.sids.values.push_back(m.sender_id + w);
        }
        for (const auto& map : cfg.crypto_maps) {
            for (const auto& e : map.entries) {
                if (e.group == m.group && !e.match_acl.empty()) {
                    for (const auto& s : selectors(e.match_acl, acl_action::deny)) {
                        out.policy.push_back({false, s});
                    }
                }
            }
        }
        for (const auto& s : selectors(m.match_acl, acl_action::permit)) {
            out.policy.push_back({true, s});
        }
        return out;
    }

    std::optional<gdoi::gm_config> gm_group(const crypto_map& m, const crypto_map_entry& e, unsigned sender_ids,
                                            const gdoi::phase1_config& p1, const gdoi::psk_table& keys)
    {
        const gdoi_group* g = cfg.find_group(e.group);
        if (g == nullptr || g->server_local || cfg.find_manual_sa(g->name) != nullptr) {
            return std::nullopt; // a KS's own group, or manual SAs: no registration
        }
        gdoi::gm_config gm;
        gm.group = g->name;
        gm.identity.number = g->identity_number;
        if (g->identity_address) {
            gm.identity.address = g->identity_address->value;
        }
        for (const auto& s : g->servers) {
            gm.servers.push_back({s.value, 848});
        }
        gm.local_addr = gm_address(m);
        if (gm.local_addr == 0) {
            problem(m.line, "crypto map " + m.name + ": the interface carrying it has no ip address to register from");
        }
        gm.phase1 = p1;
        gm.psks = keys;
        for (const auto& name : g->client.transform_sets) {
            if (const transform_set* ts = cfg.find_transform_set(name)) {
                if (auto t = esp_transform_of(*ts)) {
                    gm.accept.transforms.push_back(*t);
                }
            }
        }
        for (auto c : g->client.rekey_encryption) {
            unsigned bits = 0;
            gm.accept.rekey_algorithms.push_back(kek_alg(c, bits));
        }
        if (g->client.rekey_hash) {
            switch (*g->client.rekey_hash) {
            case kek_hash::sha: gm.accept.rekey_hashes.push_back(gdoi::hash_alg::sha1); break;
            case kek_hash::sha256: gm.accept.rekey_hashes.push_back(gdoi::hash_alg::sha256); break;
            case kek_hash::sha384: gm.accept.rekey_hashes.push_back(gdoi::hash_alg::sha384); break;
            case kek_hash::sha512: gm.accept.rekey_hashes.push_back(gdoi::hash_alg::sha512); break;
            }
        }
        gm.crypto_map = m.name;
        if (!e.match_acl.empty()) {
            gm.local_deny = selectors(e.match_acl, acl_action::deny);
            gm.local_acl = e.match_acl;
        }
        if (m.fail_close && m.fail_close->activate) {
            // Permit lines of the fail-close ACL add nothing: whatever no deny passes is dropped.
            gm.fail_close = true;
            gm.fail_close_deny = selectors(m.fail_close->match_acl, acl_action::deny);
        }
        gm.sender_ids = sender_ids;
        gm.direction = g->passive ? gdoi::direction_mode::inbound_optional : gdoi::direction_mode::both;
        return gm;
    }
};

} // namespace

gdoi_setup build_gdoi_setup(const config& cfg, const rsa_key_source& keys, unsigned sender_ids)
{
    gdoi_setup out;
    builder b{cfg, out.problems};
    for (const manual_sa& m : cfg.manual_sas) {
        out.manual.push_back(b.manual(m, sender_ids));
    }
    const auto p1 = b.phase1();
    const auto psks = b.psks();

    for (const auto& g : cfg.groups) {
        if (!g.server_local) {
            continue;
        }
        if (!out.ks) {
            out.ks.emplace();
            out.ks->phase1 = p1;
            out.ks->psks = psks;
        }
        if (g.server_local->address && out.ks->local_addr == 0) {
            out.ks->local_addr = g.server_local->address->value;
        }
        out.ks->groups.push_back(b.ks_group(g, keys));
    }
    for (const auto& m : cfg.crypto_maps) {
        for (const auto& e : m.entries) {
            if (auto gm = b.gm_group(m, e, sender_ids, p1, psks)) {
                out.gms.push_back(std::move(*gm));
            }
        }
    }
    return out;
}

} // namespace mgmt
