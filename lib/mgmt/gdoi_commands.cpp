// The GDOI show commands. Field names and layout follow the seeds' IOS outputs;
// values come only from the key server and group member objects. Fields IOS shows
// that we do not track (rekey counters, vrfs, tag method) are left out.
#include "mgmt/gdoi_commands.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace mgmt {

namespace {

using nlohmann::json;

std::string addr(std::uint32_t a) { return gdoi::to_string_addr(a); }

// "    Name                     : value" as IOS aligns it: the colons line up in column 30
// whatever the indent (seed 003 `show crypto gdoi gm`).
std::string field(int indent, const std::string& label, const std::string& value)
{
    return std::string(static_cast<std::size_t>(indent), ' ') + printf_line("%-*s: ", 29 - indent, label.c_str()) +
           value + "\n";
}

std::string hex(const std::uint8_t* p, std::size_t n)
{
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += printf_line("%02X", p[i]);
    }
    return out;
}

std::string utc(core::system_time t)
{
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Whole seconds until `end`, rounded up (a started second still counts), never
// below zero.
long long seconds_left(core::steady_time end, const core::clock& clk)
{
    return std::max<long long>(0, std::chrono::ceil<std::chrono::seconds>(end - clk.now()).count());
}

// Seconds left of `lifetime` counted from `since`, never below zero.
long long remaining(std::chrono::seconds lifetime, core::steady_time since, const core::clock& clk)
{
    return seconds_left(since + lifetime, clk);
}

std::string identity_text(std::optional<std::uint32_t> number, std::optional<std::uint32_t> address)
{
    if (number) {
        return std::to_string(*number);
    }
    if (address) {
        return addr(*address);
    }
    return "n/a";
}

json identity_json(std::optional<std::uint32_t> number, std::optional<std::uint32_t> address)
{
    json j = json::object();
    if (number) {
        j["number"] = *number;
    }
    if (address) {
        j["address"] = addr(*address);
    }
    return j;
}

// IOS transform-set names: esp-aes esp-sha-hmac, esp-gcm, esp-gmac, esp-3des.
std::string transform_text(const gdoi::transform_set& t)
{
    std::string out;
    switch (t.transform) {
    case gdoi::esp_transform::des3: out = "esp-3des"; break;
    case gdoi::esp_transform::aes_cbc: out = "esp-aes"; break;
    case gdoi::esp_transform::aes_gcm_8:
    case gdoi::esp_transform::aes_gcm_12:
    case gdoi::esp_transform::aes_gcm_16: out = "esp-gcm"; break;
    case gdoi::esp_transform::aes_gmac: out = "esp-gmac"; break;
    }
    switch (t.auth) {
    case gdoi::esp_auth::none: break;
    case gdoi::esp_auth::hmac_sha1: out += " esp-sha-hmac"; break;
    case gdoi::esp_auth::hmac_sha256: out += " esp-sha256-hmac"; break;
    case gdoi::esp_auth::hmac_sha384: out += " esp-sha384-hmac"; break;
    case gdoi::esp_auth::hmac_sha512: out += " esp-sha512-hmac"; break;
    }
    return out;
}

std::string sig_hash_text(gdoi::hash_alg h)
{
    switch (h) {
    case gdoi::hash_alg::sha1: return "HMAC_AUTH_SHA";
    case gdoi::hash_alg::sha256: return "HMAC_AUTH_SHA256";
    case gdoi::hash_alg::sha384: return "HMAC_AUTH_SHA384";
    case gdoi::hash_alg::sha512: return "HMAC_AUTH_SHA512";
    }
    return "?";
}

std::string direction_text(gdoi::direction_mode d)
{
    switch (d) {
    case gdoi::direction_mode::both: return "Both";
    case gdoi::direction_mode::inbound_only: return "Inbound Only";
    case gdoi::direction_mode::inbound_optional: return "Inbound Optional";
    }
    return "?";
}

std::string protocol_text(std::uint8_t p)
{
    switch (p) {
    case 0: return "ip";
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    default: return std::to_string(p);
    }
}

std::string prefix_text(const gdoi::ipv4_prefix& p)
{
    if (p.len == 0) {
        return "any";
    }
    if (p.len == 32) {
        return "host " + addr(p.addr);
    }
    return addr(p.addr & p.mask()) + " " + addr(~p.mask());
}

// One TEK selector as an IOS access-list line (seed 000: "access-list permit ip host A host B").
std::string selector_text(const gdoi::traffic_selector& s)
{
    std::string out = "access-list permit " + protocol_text(s.protocol) + " " + prefix_text(s.src);
    if (s.src_port != 0) {
        out += " eq " + std::to_string(s.src_port);
    }
    out += " " + prefix_text(s.dst);
    if (s.dst_port != 0) {
        out += " eq " + std::to_string(s.dst_port);
    }
    return out;
}

std::string replay_text(const gdoi::replay_params& r)
{
    switch (r.mode) {
    case gdoi::replay_mode::none: return "Anti-Replay : Disabled";
    case gdoi::replay_mode::counter: return "Anti-Replay(Counter Based) : " + std::to_string(r.window);
    case gdoi::replay_mode::time: return "Anti-Replay(Time Based) : " + std::to_string(r.window) + " sec interval";
    }
    return "?";
}

std::string spi_text(std::uint32_t spi) { return printf_line("0x%08X(%u)", spi, spi); }

json tek_json(const gdoi::tek& t, long long left)
{
    json sel = json::array();
    for (const auto& s : t.selectors) {
        sel.push_back(selector_text(s));
    }
    static const char* const replay_modes[] = {"none", "counter", "time"};
    static const char* const directions[] = {"", "sender-only", "receiver-only", "symmetric"};
    return {{"spi", t.spi},
            {"spi_hex", printf_line("0x%08X", t.spi)},
            {"transform", transform_text(t.transform)},
            {"key_bits", t.transform.key_bits},
            {"alg_key_bytes", t.enc_key.size()},
            {"sig_key_bytes", t.auth_key.size()},
            {"lifetime_seconds", t.lifetime.count()},
            {"remaining_seconds", left},
            {"direction", directions[static_cast<int>(t.direction) & 3]},
            {"replay", {{"mode", replay_modes[static_cast<int>(t.replay.mode) % 3]}, {"window", t.replay.window}}},
            {"acl", sel}};
}

std::string tek_text(const gdoi::tek& t, long long left)
{
    std::string out = "    IPsec SA:\n";
    out += "        spi: " + spi_text(t.spi) + "\n";
    out += "        transform: " + transform_text(t.transform) + "\n";
    out += "        sa timing:remaining key lifetime (sec): (" + std::to_string(left) + ")\n";
    out += "        " + replay_text(t.replay) + "\n";
    out += "        alg key size: " + std::to_string(t.enc_key.size()) + " (bytes)\n";
    if (!t.auth_key.empty()) {
        out += "        sig key size: " + std::to_string(t.auth_key.size()) + " (bytes)\n";
    }
    // Our ESP engine runs header-preserving tunnel mode (GET VPN address preservation).
    out += "        encaps: ENCAPS_TUNNEL\n";
    return out;
}

json kek_json(const gdoi::kek_sa& k, long long left)
{
    return {{"spi", hex(k.spi.data(), k.spi.size())},
            {"rekey_transport", "unicast"},
            {"encrypt_algorithm", k.algorithm == gdoi::kek_algorithm::aes ? "AES" : "3DES"},
            {"key_bits", k.key_bits},
            {"lifetime_seconds", k.lifetime.count()},
            {"remaining_seconds", left},
            {"sig_hash_algorithm", sig_hash_text(k.sig_hash)},
            {"sig_key_bits", k.sig_key_bits}};
}

std::string kek_text(const gdoi::kek_sa& k, long long left)
{
    std::string out = "  KEK POLICY:\n";
    out += field(4, "Rekey Transport Type", "Unicast");
    out += field(4, "Lifetime (secs)", std::to_string(left));
    out += field(4, "Encrypt Algorithm", k.algorithm == gdoi::kek_algorithm::aes ? "AES" : "3DES");
    out += field(4, "Key Size", std::to_string(k.key_bits));
    out += field(4, "Sig Hash Algorithm", sig_hash_text(k.sig_hash));
    out += field(4, "Sig Key Length (bits)", std::to_string(k.sig_key_bits));
    out += field(4, "spi", "0x" + hex(k.spi.data(), k.spi.size()));
    return out;
}

std::size_t member_count(const gdoi::ks& ks, const std::string& group)
{
    const auto& m = ks.members();
    return static_cast<std::size_t>(
        std::count_if(m.begin(), m.end(), [&](const gdoi::member& x) { return x.group == group; }));
}

const gdoi::group_policy* ks_policy(const gdoi::ks& ks, const std::string& group)
{
    for (const auto& p : ks.config().groups) {
        if (p.name == group) {
            return &p;
        }
    }
    return nullptr;
}

// The key server's side of one group.
void render_ks_group(const gdoi::ks& ks, const gdoi::group_policy& p, const core::clock& clk, std::string& text,
                     json& data)
{
    const gdoi::group_keys* keys = ks.group(p.name);
    const auto created = ks.keys_created(p.name).value_or(clk.now());
    const auto members = member_count(ks, p.name);
    text += "Key Server Information For Group " + p.name + ":\n";
    text += field(4, "Group Name", p.name);
    text += field(4, "Group Identity", identity_text(p.identity_number, p.identity_address));
    text += field(4, "Group Members", std::to_string(members));
    text += field(4, "Rekey Transport Type", keys && keys->kek ? "Unicast" : "None");
    text += field(4, "Key Server ID", addr(ks.config().local_addr));
    json j = {{"key_server_id", addr(ks.config().local_addr)},
              {"members", members},
              {"rekey_transport", keys && keys->kek ? json("unicast") : json(nullptr)}};
    if (keys == nullptr) {
        data["ks"] = j;
        return;
    }
    text += field(4, "Sequence Number", std::to_string(keys->seq));
    j["seq"] = keys->seq;
    text += "\n";
    if (keys->kek) {
        const auto left = remaining(keys->kek->lifetime, created, clk);
        text += kek_text(*keys->kek, left) + "\n";
        j["kek"] = kek_json(*keys->kek, left);
    } else {
        j["kek"] = nullptr;
    }
    text += "  TEK POLICY:\n";
    json teks = json::array();
    for (const auto& t : keys->teks) {
        const auto left = remaining(t.lifetime, created, clk);
        text += tek_text(t, left);
        for (const auto& s : t.selectors) {
            text += "        " + selector_text(s) + "\n";
        }
        teks.push_back(tek_json(t, left));
    }
    j["teks"] = teks;
    data["ks"] = j;
}

std::string gm_status_text(gdoi::gm_state s)
{
    switch (s) {
    case gdoi::gm_state::idle: return "Not registered";
    case gdoi::gm_state::main_mode:
    case gdoi::gm_state::pull: return "Registering";
    case gdoi::gm_state::registered: return "Registered";
    case gdoi::gm_state::failed: return "Registration failed";
    }
    return "?";
}

std::string sids_text(const gdoi::sender_ids& s)
{
    std::string out;
    for (auto v : s.values) {
        out += (out.empty() ? "" : ",") + std::to_string(v);
    }
    return out.empty() ? "none" : out;
}

// The group member's side of one group (seed 003 `show crypto gdoi gm`).
void render_gm_group(const gdoi::gm& gm, const core::clock& clk, bool with_policy, std::string& text, json& data)
{
    const auto& c = gm.config();
    const auto* reg = gm.registered();
    text += "Group Member Information For Group " + c.group + ":\n";
    text += field(4, "IPSec SA Direction", direction_text(gm.direction()));
    std::string servers;
    json server_list = json::array();
    for (const auto& s : c.servers) {
        servers += (servers.empty() ? "" : ", ") + addr(s.addr);
        server_list.push_back(addr(s.addr));
    }
    text += field(4, "Group Server list", servers);
    text += "\n";
    text += field(4, "Group member", addr(c.local_addr));
    text += field(7, "Local addr/port", addr(c.local_addr) + "/848");
    text += field(7, "Remote addr/port", addr(gm.server().addr) + "/" + std::to_string(gm.server().port));
    text += field(7, "Version", c.phase1.version.str());
    text += field(7, "Registration status", gm_status_text(gm.state()));
    json j = {{"group_member", addr(c.local_addr)},
              {"server_list", server_list},
              {"direction", direction_text(gm.direction())},
              {"remote", addr(gm.server().addr)},
              {"version", c.phase1.version.str()},
              {"state", gdoi::to_string(gm.state())},
              {"attempted_registrations", gm.attempted_registrations()},
              {"succeeded_registrations", gm.succeeded_registrations()}};
    if (gm.state() == gdoi::gm_state::registered) {
        text += field(7, "Registered with", addr(gm.server().addr));
        j["registered_with"] = addr(gm.server().addr);
    }
    if (auto at = gm.reregister_at()) {
        const auto in = std::max<long long>(
            0, std::chrono::duration_cast<std::chrono::seconds>(*at - clk.now()).count());
        text += field(7, "Re-registers in", std::to_string(in) + " sec");
        j["reregisters_in_seconds"] = in;
    }
    text += field(7, "Succeeded registration", std::to_string(gm.succeeded_registrations()));
    text += field(7, "Attempted registration", std::to_string(gm.attempted_registrations()));
    if (!gm.last_error().empty() && gm.state() == gdoi::gm_state::failed) {
        text += field(7, "Last error", gm.last_error());
        j["last_error"] = gm.last_error();
    }
    if (reg == nullptr) {
        data["gm"] = j;
        return;
    }
    if (reg->seq) {
        text += field(7, "Last rekey seq num", std::to_string(*reg->seq));
        j["seq"] = *reg->seq;
    }
    text += field(7, "Sender IDs", sids_text(reg->sids));
    j["sender_ids"] = reg->sids.values;
    const auto since = gm.registered_at().value_or(clk.now());
    json teks = json::array();
    std::string acl;
    std::string tek_lines;
    for (const auto& t : reg->teks) {
        const auto left = remaining(t.lifetime, since, clk);
        teks.push_back(tek_json(t, left));
        tek_lines += tek_text(t, left);
        for (const auto& s : t.selectors) {
            acl += selector_text(s) + "\n";
        }
    }
    j["teks"] = teks;
    j["kek"] = reg->kek ? kek_json(*reg->kek, remaining(reg->kek->lifetime, since, clk)) : json(nullptr);
    data["gm"] = j;
    if (!with_policy) {
        return;
    }
    text += "\nACL Downloaded From KS " + addr(gm.server().addr) + ":\n" + acl + "\n";
    if (reg->kek) {
        text += kek_text(*reg->kek, remaining(reg->kek->lifetime, since, clk)) + "\n";
    }
    text += "  TEK POLICY for the current KS-Policy ACEs Downloaded:\n" + tek_lines;
}

json ks_members_json(const gdoi::ks& ks)
{
    json list = json::array();
    for (const auto& m : ks.members()) {
        const auto* p = ks_policy(ks, m.group);
        list.push_back({{"address", addr(m.addr)},
                        {"group", m.group},
                        {"group_id", p ? identity_json(p->identity_number, p->identity_address) : json::object()},
                        {"version", m.version},
                        {"state", m.state},
                        {"key_server_id", addr(ks.config().local_addr)},
                        {"registered_at", utc(m.registered_at)}});
    }
    return list;
}

std::string capitalized(std::string s)
{
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') {
        s[0] = static_cast<char>(s[0] - 'a' + 'A');
    }
    return s;
}

// One ACL line as `show crypto gdoi gm acl` prints it (seed 003): "deny udp any port = 848 any".
std::string gm_acl_text(const gdoi::policy_entry& e)
{
    const auto& s = e.sel;
    std::string out = std::string(e.permit ? "permit " : "deny ") + protocol_text(s.protocol) + " " +
                      prefix_text(s.src);
    if (s.src_port != 0) {
        out += " port = " + std::to_string(s.src_port);
    }
    out += " " + prefix_text(s.dst);
    if (s.dst_port != 0) {
        out += " port = " + std::to_string(s.dst_port);
    }
    return out;
}

json gm_acl_json(const gdoi::policy_entry& e)
{
    return {{"action", e.permit ? "permit" : "deny"},
            {"protocol", e.sel.protocol},
            {"source", prefix_text(e.sel.src)},
            {"source_port", e.sel.src_port},
            {"destination", prefix_text(e.sel.dst)},
            {"destination_port", e.sel.dst_port},
            {"text", gm_acl_text(e)}};
}

} // namespace

command_output show_gm_acl(const gdoi_view& v)
{
    std::string text;
    json groups = json::array();
    for (const auto* gm : v.members()) {
        const auto& c = gm->config();
        const auto* reg = gm->registered();
        text += (text.empty() ? "" : "\n") + std::string("Group Name: ") + c.group + "\n";
        json g = {{"group", c.group}};
        json downloaded = json::array();
        if (reg != nullptr) {
            text += " ACL Downloaded From KS " + addr(gm->server().addr) + ":\n";
            for (const auto& e : reg->ks_acl) {
                text += "   access-list   " + gm_acl_text(e) + "\n";
                downloaded.push_back(gm_acl_json(e));
            }
            g["key_server"] = addr(gm->server().addr);
        } else {
            text += " ACL Downloaded From KS: none, " + gm_status_text(gm->state()) + "\n";
            g["key_server"] = nullptr;
        }
        g["downloaded"] = downloaded;
        // Only the configured denies: the implicit bypass of GDOI to the key servers is not an ACL.
        text += " ACL Configured Locally:\n";
        json local = json::array();
        if (!c.local_deny.empty()) {
            text += "  Map Name: " + c.crypto_map + "\n";
            for (const auto& d : c.local_deny) {
                const gdoi::policy_entry e{false, d};
                text += "   access-list " + c.local_acl + "  " + gm_acl_text(e) + "\n";
                local.push_back(gm_acl_json(e));
            }
        }
        g["local"] = {{"map", c.crypto_map}, {"acl", c.local_acl}, {"entries", local}};
        groups.push_back(g);
    }
    if (groups.empty()) {
        text = "This box is not a GDOI group member.\n";
    }
    return ok(std::move(text), {{"groups", groups}});
}

command_output show_crypto_gdoi(const gdoi_view& v, const core::clock& clk, const std::optional<std::string>& group,
                                gdoi_part part)
{
    const auto* ks = v.key_server();
    const auto gms = v.members();
    // Groups in configuration order: the KS's first, then GM-only groups.
    std::vector<std::string> names;
    if (ks != nullptr) {
        for (const auto& p : ks->config().groups) {
            names.push_back(p.name);
        }
    }
    for (const auto* gm : gms) {
        if (std::find(names.begin(), names.end(), gm->config().group) == names.end()) {
            names.push_back(gm->config().group);
        }
    }
    if (group && std::find(names.begin(), names.end(), *group) == names.end()) {
        return failed("% Group " + *group + " not found\n");
    }
    std::string text;
    json groups = json::array();
    if (part == gdoi_part::ks && ks != nullptr && !group) {
        text += "Total group members registered to this box: " + std::to_string(ks->members().size()) + "\n\n";
    }
    for (const auto& name : names) {
        if (group && name != *group) {
            continue;
        }
        const auto* policy = ks != nullptr ? ks_policy(*ks, name) : nullptr;
        const gdoi::gm* member = nullptr;
        for (const auto* gm : gms) {
            if (gm->config().group == name) {
                member = gm;
            }
        }
        const bool show_ks = policy != nullptr && part != gdoi_part::gm;
        const bool show_gm = member != nullptr && part != gdoi_part::ks;
        if (!show_ks && !show_gm) {
            continue;
        }
        json g = {{"name", name}};
        if (part == gdoi_part::all) {
            text += "GROUP INFORMATION\n\n";
            text += field(4, "Group Name", name);
            const auto id = policy ? identity_text(policy->identity_number, policy->identity_address)
                                   : identity_text(member->config().identity.number,
                                                   member->config().identity.address);
            text += field(4, "Group Identity", id);
            text += "\n";
        }
        g["identity"] = policy ? identity_json(policy->identity_number, policy->identity_address)
                               : identity_json(member->config().identity.number, member->config().identity.address);
        if (show_ks) {
            render_ks_group(*ks, *policy, clk, text, g);
            text += "\n";
        }
        if (show_gm) {
            render_gm_group(*member, clk, part == gdoi_part::all, text, g);
            text += "\n";
        }
        groups.push_back(g);
    }
    if (groups.empty()) {
        text = part == gdoi_part::ks   ? "This box is not a GDOI key server.\n"
               : part == gdoi_part::gm ? "This box is not a GDOI group member.\n"
                                       : "No GDOI groups are configured.\n";
    } else {
        // One blank line between groups, none after the last.
        while (text.size() >= 2 && text.ends_with("\n\n")) {
            text.pop_back();
        }
    }
    return ok(std::move(text), {{"key_server", ks != nullptr}, {"groups", groups}});
}

command_output show_ks_members(const gdoi_view& v, bool summary)
{
    const auto* ks = v.key_server();
    if (ks == nullptr) {
        return ok("This box is not a GDOI key server.\n", {{"key_server", false}, {"members", json::array()}});
    }
    std::string text;
    if (!summary) {
        text += "Group Member Information :\n\n";
    }
    for (const auto& m : ks->members()) {
        const auto* p = ks_policy(*ks, m.group);
        text += printf_line("Group Member ID    : %-19s GM Version: %s\n", addr(m.addr).c_str(), m.version.c_str());
        text += " Group ID          : " + (p ? identity_text(p->identity_number, p->identity_address) : "n/a") + "\n";
        text += " Group Name        : " + m.group + "\n";
        text += " GM State          : " + capitalized(m.state) + "\n";
        text += " Key Server ID     : " + addr(ks->config().local_addr) + "\n";
        if (!summary) {
            text += " Registered at     : " + utc(m.registered_at) + "\n";
        }
        text += "\n";
    }
    if (ks->members().empty()) {
        text += "No group members are registered.\n";
    } else {
        text.pop_back();
    }
    return ok(std::move(text), {{"key_server", true}, {"members", ks_members_json(*ks)}});
}

command_output show_isakmp_sa(const gdoi_view& v)
{
    struct row {
        std::string dst;
        std::string src;
        std::string state;
        std::uint32_t conn_id;
        std::string status;
        json detail;
    };
    auto state_of = [](bool established, bool keys_ready) {
        // GDOI_IDLE once Main Mode is done (seed 003); the Main Mode states before.
        return established ? "GDOI_IDLE" : keys_ready ? "MM_KEY_EXCH" : "MM_NO_STATE";
    };
    auto proposal_json = [](const gdoi::ike_sa& sa) {
        return json{{"encryption", std::string(gdoi::to_string(sa.prop.cipher.alg))},
                    {"key_bits", sa.prop.cipher.key_bits},
                    {"hash", std::string(gdoi::to_string(sa.prop.hash))},
                    {"auth", sa.prop.auth == gdoi::auth_method::psk ? "psk" : "rsig"},
                    {"dh_group", static_cast<int>(sa.prop.group)},
                    {"lifetime_seconds", sa.prop.lifetime.count()}};
    };
    std::vector<row> rows;
    if (const auto* ks = v.key_server()) {
        for (const auto& s : ks->session_list()) {
            // dst is the responder, src the initiator, on both ends (seed 003).
            rows.push_back({addr(s.local_addr), addr(s.peer_addr), state_of(s.established, s.keys_ready), s.conn_id,
                            "ACTIVE",
                            {{"role", "ks"},
                             {"icookie", hex(s.icookie.data(), s.icookie.size())},
                             {"rcookie", hex(s.rcookie.data(), s.rcookie.size())},
                             {"peer_version", s.peer_version ? json(s.peer_version->str()) : json(nullptr)}}});
        }
    }
    for (const auto* gm : v.members()) {
        const auto* sa = gm->sa();
        if (sa == nullptr) {
            continue;
        }
        const bool dead = gm->state() == gdoi::gm_state::failed;
        json d = {{"role", "gm"},
                  {"group", gm->config().group},
                  {"icookie", hex(sa->icookie.data(), sa->icookie.size())},
                  {"rcookie", hex(sa->rcookie.data(), sa->rcookie.size())}};
        if (sa->established) {
            d["proposal"] = proposal_json(*sa);
        }
        rows.push_back({addr(sa->peer_addr), addr(sa->local_addr), state_of(sa->established, sa->keys_ready),
                        gm->conn_id(), dead ? "DELETED" : "ACTIVE", d});
    }
    std::string text = "IPv4 Crypto ISAKMP SA\n";
    text += printf_line("%-15s %-15s %-14s%8s %s\n", "dst", "src", "state", "conn-id", "status");
    json list = json::array();
    for (const auto& r : rows) {
        text += printf_line("%-15s %-15s %-14s%8u %s\n", r.dst.c_str(), r.src.c_str(), r.state.c_str(), r.conn_id,
                            r.status.c_str());
        json j = {{"dst", r.dst}, {"src", r.src}, {"state", r.state}, {"conn_id", r.conn_id}, {"status", r.status}};
        j.update(r.detail);
        list.push_back(j);
    }
    return ok(std::move(text), {{"sessions", list}});
}

command_output show_ipsec_sa(const gdoi_view& v, const core::clock& clk,
                             const std::vector<crypto_group_state>& dataplane)
{
    // What the data plane counted for an SPI, when it has the SA.
    const auto traffic = [&](std::uint32_t spi) -> const crypto_group_state::sa_traffic* {
        for (const auto& g : dataplane) {
            for (const auto& sa : g.sas) {
                if (sa.spi == spi) {
                    return &sa;
                }
            }
        }
        return nullptr;
    };
    // One SA's lines and JSON, with `left` seconds of its lifetime.
    const auto sa_entry = [&](const gdoi::tek& t, long long left, std::string& text) {
        text += "     spi: " + spi_text(t.spi) + "\n";
        text += "       transform: " + transform_text(t.transform) + " ,\n";
        text += "       sa timing: remaining key lifetime (sec): (" + std::to_string(left) + ")\n";
        text += "       " + replay_text(t.replay) + "\n";
        json tj = tek_json(t, left);
        if (const auto* n = traffic(t.spi)) {
            text += "       #pkts encaps: " + std::to_string(n->enc_pkts) + ", #pkts encrypt: " +
                    std::to_string(n->enc_pkts) + ", #bytes encaps: " + std::to_string(n->enc_bytes) + "\n";
            text += "       #pkts decaps: " + std::to_string(n->dec_pkts) + ", #pkts decrypt: " +
                    std::to_string(n->dec_pkts) + ", #bytes decaps: " + std::to_string(n->dec_bytes) + "\n";
            tj["encaps_pkts"] = n->enc_pkts;
            tj["encaps_bytes"] = n->enc_bytes;
            tj["decaps_pkts"] = n->dec_pkts;
            tj["decaps_bytes"] = n->dec_bytes;
        }
        return tj;
    };
    std::string text;
    json groups = json::array();
    for (const auto* gm : v.members()) {
        const auto& c = gm->config();
        const auto* reg = gm->registered();
        text += "group: " + c.group + "\n";
        text += "    local addr " + addr(c.local_addr) + ", key server " + addr(gm->server().addr) + "\n";
        json teks = json::array();
        if (reg == nullptr) {
            text += "    no SAs: " + gm_status_text(gm->state()) + "\n";
        } else {
            const auto since = gm->registered_at().value_or(clk.now());
            // Group SAs are symmetric: the same SPI protects both directions.
            text += "\n    inbound/outbound esp sas:\n";
            for (const auto& t : reg->teks) {
                teks.push_back(sa_entry(t, remaining(t.lifetime, since, clk), text));
            }
        }
        // An earlier registration's SAs stay in the data plane until their
        // lifetime ends (seed 000), for what other members still send with them.
        // Listed soonest to expire first.
        std::vector<const gdoi::gm::installed_tek*> earlier;
        for (const auto& [spi, inst] : gm->installed()) {
            const bool current = reg != nullptr && std::any_of(reg->teks.begin(), reg->teks.end(),
                                                               [&](const gdoi::tek& t) { return t.spi == spi; });
            if (!current) {
                earlier.push_back(&inst);
            }
        }
        std::sort(earlier.begin(), earlier.end(), [](const auto* a, const auto* b) { return a->expires < b->expires; });
        json previous = json::array();
        if (!earlier.empty()) {
            text += "\n    earlier registration's esp sas, until they expire:\n";
        }
        for (const auto* inst : earlier) {
            previous.push_back(sa_entry(inst->t, seconds_left(inst->expires, clk), text));
        }
        text += "\n";
        groups.push_back({{"group", c.group},
                          {"local_addr", addr(c.local_addr)},
                          {"key_server", addr(gm->server().addr)},
                          {"teks", teks},
                          {"previous_teks", previous}});
    }
    if (groups.empty()) {
        text = "No IPsec SAs: this box is not a GDOI group member.\n";
    } else {
        text.pop_back();
    }
    return ok(std::move(text), {{"groups", groups}});
}

void register_gdoi_commands(command_registry& reg, const gdoi_view& v)
{
    const gdoi_view* view = &v;
    struct variant {
        std::string suffix;
        gdoi_part part;
        std::string help;
    };
    const std::vector<variant> parts = {{"", gdoi_part::all, "GDOI groups, key servers and members"},
                                        {" gm", gdoi_part::gm, "Group member state"},
                                        {" ks", gdoi_part::ks, "Key server state"}};
    for (const auto& p : parts) {
        const auto part = p.part;
        reg.add({"show crypto gdoi" + p.suffix, p.help}, [view, part](service& svc, const auto&) {
            return show_crypto_gdoi(*view, svc.clock(), std::nullopt, part);
        });
        reg.add({"show crypto gdoi group <word>" + p.suffix, p.help}, [view, part](service& svc, const auto& params) {
            return show_crypto_gdoi(*view, svc.clock(), params.at(0), part);
        });
    }
    reg.add({"show crypto gdoi ks members", "Group members registered to this key server"},
            [view](service&, const auto&) { return show_ks_members(*view, false); });
    reg.add({"show crypto gdoi ks members summary", "Summary of the group members"},
            [view](service&, const auto&) { return show_ks_members(*view, true); });
    reg.add({"show crypto gdoi gm acl", "Downloaded and local ACLs"},
            [view](service&, const auto&) { return show_gm_acl(*view); });
    reg.add({"show crypto isakmp sa", "ISAKMP security associations"},
            [view](service&, const auto&) { return show_isakmp_sa(*view); });
    reg.add({"show crypto ipsec sa", "IPsec security associations"},
            [view](service& svc, const auto&) { return show_ipsec_sa(*view, svc.clock(), svc.crypto_groups()); });
}

} // namespace mgmt

// ---- anti-replay, feature versions, and the commands that change GDOI state ------

namespace mgmt {

namespace {

std::string replay_setting(const gdoi::replay_params& r)
{
    switch (r.mode) {
    case gdoi::replay_mode::none: return "Disabled";
    case gdoi::replay_mode::counter: return "Counter Based, window " + std::to_string(r.window) + " packets";
    case gdoi::replay_mode::time: return "Time Based, window " + std::to_string(r.window) + " sec";
    }
    return "?";
}

json replay_tek_json(const gdoi::tek& t)
{
    static const char* const modes[] = {"none", "counter", "time"};
    return {{"spi", t.spi}, {"mode", modes[static_cast<int>(t.replay.mode) % 3]}, {"window", t.replay.window}};
}

// The TEK replay lines of one group; the first TBAR TEK, if any.
const gdoi::tek* replay_teks(const std::vector<gdoi::tek>& teks, std::string& text, json& list)
{
    const gdoi::tek* tbar = nullptr;
    for (const auto& t : teks) {
        text += field(4, printf_line("TEK 0x%08X", t.spi), replay_setting(t.replay));
        list.push_back(replay_tek_json(t));
        if (t.replay.mode == gdoi::replay_mode::time && tbar == nullptr) {
            tbar = &t;
        }
    }
    return tbar;
}

std::string pseudotime_text(std::uint64_t ms) { return printf_line("%llu.%03llu sec", ms / 1000ULL, ms % 1000ULL); }

std::uint64_t ms_since(core::steady_time since, const core::clock& clk)
{
    return static_cast<std::uint64_t>(
        std::max<long long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(clk.now() - since).count()));
}

// A group's replay drops in the data plane, monotonic.
replay_drops replay_totals(const crypto_group_state& g)
{
    return {g.counter("replay_fail"), g.counter("tbar_fail")};
}

// What changed since `base`; all of `now` if the counters went back (a new data plane).
replay_drops since(const replay_drops& now, const replay_drops& base)
{
    const auto diff = [](std::uint64_t n, std::uint64_t b) { return n >= b ? n - b : n; };
    return {diff(now.counter, base.counter), diff(now.tbar, base.tbar)};
}

// "1.0.2" -> {1, 0, 2}; nullopt when it is not a version ("unknown").
std::optional<std::array<unsigned, 3>> parse_version(const std::string& v)
{
    std::array<unsigned, 3> out{};
    char tail = 0;
    if (std::sscanf(v.c_str(), "%u.%u.%u%c", &out[0], &out[1], &out[2], &tail) != 3) {
        return std::nullopt;
    }
    return out;
}

// GM removal and policy replacement both arrived in GET VPN 1.0.2 (seed 002).
bool version_supports(const std::string& v)
{
    const auto p = parse_version(v);
    return p && *p >= std::array<unsigned, 3>{1, 0, 2};
}

struct feature_row {
    std::string id;
    std::string version;
    bool supported = false;
    std::string note; // why, when this build decides
};

std::string feature_rows(const std::string& title, const std::vector<feature_row>& rows, json& list)
{
    std::string text = printf_line("%-19s%-9s%s\n", title.c_str(), "Version", "Feature Supported") + "-----\n";
    for (const auto& r : rows) {
        text += printf_line("%-19s%-9s%s\n", r.id.c_str(), r.version.c_str(), r.supported ? "Yes" : "No");
        json j = {{"id", r.id}, {"version", r.version}, {"supported", r.supported}};
        if (!r.note.empty()) {
            j["note"] = r.note;
        }
        list.push_back(j);
    }
    return text;
}

// A KS group or GM group by name, for the commands that take `group G`.
bool has_group(const gdoi_view& v, const std::string& name)
{
    if (const auto* ks = v.key_server(); ks != nullptr && ks_policy(*ks, name) != nullptr) {
        return true;
    }
    const auto gms = v.members();
    return std::any_of(gms.begin(), gms.end(), [&](const gdoi::gm* g) { return g->config().group == name; });
}

metric_sample metric(std::string name, std::string help, std::string type,
                     std::vector<std::pair<std::string, std::string>> labels, std::uint64_t value)
{
    return {std::move(name), std::move(help), std::move(type), std::move(labels), value};
}

} // namespace

command_output show_ks_replay(const gdoi_view& v, const core::clock& clk, const std::optional<std::string>& group)
{
    const auto* ks = v.key_server();
    if (ks == nullptr) {
        return ok("This box is not a GDOI key server.\n", {{"key_server", false}, {"groups", json::array()}});
    }
    if (group && ks_policy(*ks, *group) == nullptr) {
        return failed("% Group " + *group + " not found\n");
    }
    std::string text;
    json groups = json::array();
    for (const auto& p : ks->config().groups) {
        if (group && p.name != *group) {
            continue;
        }
        text += "Anti-Replay Information For Group " + p.name + ":\n";
        json g = {{"name", p.name}, {"teks", json::array()}};
        const gdoi::group_keys* keys = ks->group(p.name);
        const gdoi::tek* tbar = keys != nullptr ? replay_teks(keys->teks, text, g["teks"]) : nullptr;
        if (tbar != nullptr) {
            // The group's pseudotime runs from its first registration (seed 000).
            const auto start = ks->pseudotime_start(p.name);
            text += field(4, "Pseudotime", start ? pseudotime_text(ms_since(*start, clk))
                                                 : std::string("not started (no member has registered)"));
            text += field(4, "Pseudotime Tick", std::to_string(tbar->replay.tick_ms) + " msec");
            g["pseudotime_ms"] = start ? json(ms_since(*start, clk)) : json(nullptr);
            g["tick_ms"] = tbar->replay.tick_ms;
        }
        text += "\n";
        groups.push_back(g);
    }
    if (!text.empty()) {
        text.pop_back(); // no blank line after the last group
    }
    return ok(std::move(text), {{"key_server", true}, {"groups", groups}});
}

command_output show_gm_replay(const gdoi_view& v, const core::clock& clk,
                              const std::optional<std::map<std::string, replay_drops>>& drops)
{
    std::string text;
    json groups = json::array();
    for (const auto* gm : v.members()) {
        const auto& name = gm->config().group;
        text += "Anti-Replay Information For Group " + name + ":\n";
        json g = {{"name", name}, {"registered", gm->registered() != nullptr}, {"teks", json::array()}};
        if (const auto* reg = gm->registered()) {
            if (const auto* tbar = replay_teks(reg->teks, text, g["teks"])) {
                // What the KS said at registration, run forward on our clock.
                const auto pt = tbar->replay.pseudotime_ms +
                                ms_since(gm->registered_at().value_or(clk.now()), clk);
                text += field(4, "Pseudotime", pseudotime_text(pt));
                text += field(4, "Pseudotime Tick", std::to_string(tbar->replay.tick_ms) + " msec");
                g["pseudotime_ms"] = pt;
                g["tick_ms"] = tbar->replay.tick_ms;
            }
        } else {
            text += "    No TEKs: " + gm_status_text(gm->state()) + "\n";
        }
        g["dataplane_drops"] = nullptr;
        if (drops) {
            const auto it = drops->find(name);
            if (it != drops->end()) {
                text += field(4, "Counter replay drops", std::to_string(it->second.counter));
                text += field(4, "TBAR replay drops", std::to_string(it->second.tbar));
                g["dataplane_drops"] = {{"replay_fail", it->second.counter}, {"tbar_fail", it->second.tbar}};
            } else {
                text += field(4, "Replay drops", "none counted (no crypto map uses this group)");
            }
        }
        text += "\n";
        groups.push_back(g);
    }
    if (groups.empty()) {
        return ok("This box is not a GDOI group member.\n", {{"groups", groups}});
    }
    text.pop_back();
    return ok(std::move(text), {{"groups", groups}});
}

command_output show_feature(const gdoi_view& v, gdoi_feature f)
{
    // This build sends no GROUPKEY-PUSH, so neither its key server nor its members can
    // take part in GM removal or policy replacement, whatever version they announce.
    const std::string own_note = "this build has no GDOI rekeys (GROUPKEY-PUSH)";
    std::string text;
    json groups = json::array();
    if (const auto* ks = v.key_server()) {
        for (const auto& p : ks->config().groups) {
            json g = {{"name", p.name}, {"key_servers", json::array()}, {"members", json::array()}};
            text += "\nGroup Name: " + p.name + "\n";
            text += feature_rows("Key Server ID",
                                 {{addr(ks->config().local_addr), ks->config().phase1.version.str(), false, own_note}},
                                 g["key_servers"]);
            std::vector<feature_row> members;
            for (const auto& m : ks->members()) {
                if (m.group == p.name) {
                    members.push_back({addr(m.addr), m.version, version_supports(m.version), {}});
                }
            }
            text += feature_rows("Group Member ID", members, g["members"]);
            groups.push_back(g);
        }
    }
    for (const auto* gm : v.members()) {
        const auto& c = gm->config();
        json g = {{"name", c.group}, {"key_servers", json::array()}, {"members", json::array()}};
        // What the key server announced in its vendor ID during Main Mode.
        const auto* sa = gm->sa();
        const std::string ks_version = sa != nullptr && sa->peer_version ? sa->peer_version->str() : "unknown";
        text += "\nGroup Name: " + c.group + "\n";
        text += feature_rows("Key Server ID", {{addr(gm->server().addr), ks_version, version_supports(ks_version), {}}},
                             g["key_servers"]);
        text += feature_rows("Group Member ID", {{addr(c.local_addr), c.phase1.version.str(), false, own_note}},
                             g["members"]);
        groups.push_back(g);
    }
    if (groups.empty()) {
        text = "No GDOI groups are configured.\n";
    }
    return ok(std::move(text),
              {{"feature", f == gdoi_feature::gm_removal ? "gm-removal" : "policy-replace"}, {"groups", groups}});
}

std::vector<metric_sample> gdoi_metrics(const gdoi_view& v)
{
    std::vector<metric_sample> out;
    if (const auto* ks = v.key_server()) {
        const std::string id = addr(ks->config().local_addr);
        const auto& c = ks->counters();
        const std::vector<std::pair<std::string, std::string>> l = {{"key_server", id}};
        out.push_back(metric("gdoi_ks_received_total", "GDOI messages the key server received.", "counter", l,
                             c.received));
        out.push_back(metric("gdoi_ks_registrations_total", "Registrations the key server completed.", "counter", l,
                             c.registrations));
        out.push_back(metric("gdoi_ks_refused_total",
                             "Messages refused: state, replay, unauthorized or no acceptable proposal.", "counter",
                             l, c.refused));
        out.push_back(metric("gdoi_ks_malformed_total", "Messages that did not parse.", "counter", l, c.malformed));
        out.push_back(metric("gdoi_ks_hash_failures_total", "Messages with a bad or missing hash.", "counter", l,
                             c.hash_failures));
        out.push_back(metric("gdoi_ks_retransmits_total", "Duplicates answered from the reply cache.", "counter", l,
                             c.retransmits));
        out.push_back(metric("gdoi_ks_dpd_answered_total", "Dead peer detection probes answered.", "counter", l,
                             c.dpd_answered));
        out.push_back(metric("gdoi_ks_sessions", "ISAKMP sessions, half-open and established.", "gauge", l,
                             ks->sessions()));
        for (const auto& p : ks->config().groups) {
            out.push_back(metric("gdoi_ks_members", "Members registered to this key server.", "gauge",
                                 {{"group", p.name}, {"key_server", id}}, member_count(*ks, p.name)));
        }
    }
    for (const auto* gm : v.members()) {
        const std::vector<std::pair<std::string, std::string>> l = {{"group", gm->config().group},
                                                                    {"key_server", addr(gm->server().addr)}};
        const bool in_progress = gm->state() == gdoi::gm_state::main_mode || gm->state() == gdoi::gm_state::pull;
        const std::uint64_t ended = gm->attempted_registrations() - (in_progress ? 1 : 0);
        out.push_back(metric("gdoi_gm_registrations_attempted_total", "Registrations the group member started.",
                             "counter", l, gm->attempted_registrations()));
        out.push_back(metric("gdoi_gm_registrations_succeeded_total", "Registrations that completed.", "counter", l,
                             gm->succeeded_registrations()));
        out.push_back(metric("gdoi_gm_registrations_failed_total",
                             "Registrations that ended without success (refused or timed out).", "counter", l,
                             ended - std::min<std::uint64_t>(ended, gm->succeeded_registrations())));
        out.push_back(metric("gdoi_gm_registered", "1 while the group member holds the group's keys.", "gauge", l,
                             gm->registered() != nullptr ? 1 : 0));
    }
    return out;
}

void register_gdoi_operator_commands(command_registry& reg, const gdoi_view& v, gdoi_control& c)
{
    const gdoi_view* view = &v;
    gdoi_control* control = &c;
    for (const bool grouped : {false, true}) {
        const std::string g = grouped ? " group <word>" : "";
        reg.add({"show crypto gdoi" + g + " ks replay", "Key server anti-replay and TBAR pseudotime"},
                [view, grouped](service& svc, const auto& params) {
                    return show_ks_replay(*view, svc.clock(),
                                          grouped ? std::optional<std::string>(params.at(0)) : std::nullopt);
                });
    }
    // `clear crypto gdoi [group G] replay` moves a group's baseline: the data plane's
    // counters stay monotonic (GET /metrics) and the show command prints the difference.
    auto baseline = std::make_shared<std::map<std::string, replay_drops>>();
    reg.add({"show crypto gdoi gm replay", "Group member anti-replay, TBAR pseudotime and replay drops"},
            [view, baseline](service& svc, const auto&) {
                std::optional<std::map<std::string, replay_drops>> drops;
                if (svc.has_dataplane()) {
                    drops.emplace();
                    for (const auto& g : svc.crypto_groups()) {
                        const auto base = baseline->find(g.group);
                        (*drops)[g.group] =
                            since(replay_totals(g), base != baseline->end() ? base->second : replay_drops{});
                    }
                }
                return show_gm_replay(*view, svc.clock(), drops);
            });
    reg.add({"show crypto gdoi feature gm-removal", "Key servers and members supporting GM removal"},
            [view](service&, const auto&) { return show_feature(*view, gdoi_feature::gm_removal); });
    reg.add({"show crypto gdoi feature policy-replace", "Key servers and members supporting policy replacement"},
            [view](service&, const auto&) { return show_feature(*view, gdoi_feature::policy_replace); });

    for (const bool grouped : {false, true}) {
        const std::string g = grouped ? " group <word>" : "";
        for (const bool now : {false, true}) {
            reg.add({"clear crypto gdoi" + g + " ks members" + (now ? " now" : ""),
                     now ? "Remove the group members now" : "Remove the group members", true},
                    [control, grouped, now](service& svc, const auto& params) {
                        auto* ks = control->writable_key_server();
                        if (ks == nullptr) {
                            return failed("% This box is not a GDOI key server.\n");
                        }
                        const std::string only = grouped ? params.at(0) : std::string{};
                        if (grouped && ks_policy(*ks, only) == nullptr) {
                            return failed("% Group " + only + " not found\n");
                        }
                        std::string text;
                        json list = json::array();
                        for (const auto& p : ks->config().groups) {
                            if (grouped && p.name != only) {
                                continue;
                            }
                            const auto n = ks->clear_members(p.name);
                            text += "Removed " + std::to_string(n) + " member(s) of group " + p.name +
                                    " from the key server's member table.\n";
                            list.push_back({{"group", p.name}, {"removed", n}});
                            svc.events().raise("KS_CLEAR_REGISTER",
                                               "clear crypto gdoi ks members" + std::string(now ? " now" : "") +
                                                   ": the key server forgot " + std::to_string(n) +
                                                   " member(s) of group " + p.name,
                                               {{"group", p.name}});
                        }
                        text += "% No GM-Removal message was sent: GDOI rekeys are not in this build. The members "
                                "keep their keys and re-register on their own schedule.\n";
                        return ok(std::move(text), {{"groups", list}, {"now", now}, {"gm_removal_sent", false}});
                    });
        }
        reg.add({"clear crypto gdoi" + g, "Start the GDOI groups again from the running configuration", true},
                [control, grouped](service& svc, const auto& params) {
                    const std::string only = grouped ? params.at(0) : std::string{};
                    const auto done = control->clear_groups(svc.running(), only);
                    if (!done.error.empty()) {
                        return failed("% " + done.error + "\n");
                    }
                    std::string text;
                    for (const auto& name : done.ks_groups) {
                        text += "Key server: group " + name + " starts again from the running configuration: new "
                                "TEK and KEK, no members.\n";
                        svc.events().raise("KS_CLEAR_REGISTER", "clear crypto gdoi: group " + name +
                                                                    " started again with new keys",
                                           {{"group", name}});
                    }
                    for (const auto& name : done.gm_groups) {
                        text += "Group member: group " + name + " dropped its SAs and registers again with the "
                                "running configuration.\n";
                        svc.events().raise("GM_CLEAR_REGISTER", "clear crypto gdoi: group " + name +
                                                                    " dropped its SAs and registers again",
                                           {{"group", name}});
                    }
                    for (const auto& name : done.gm_stopped) {
                        text += "Group member: group " + name + " is no longer configured: its SAs are removed.\n";
                    }
                    if (text.empty()) {
                        text = "No GDOI groups are configured.\n";
                    }
                    return ok(std::move(text), {{"key_server_groups", done.ks_groups},
                                                {"member_groups", done.gm_groups},
                                                {"stopped_member_groups", done.gm_stopped}});
                });
        reg.add({"clear crypto gdoi" + g + " replay", "Clear the anti-replay drop counters", true},
                [view, grouped, baseline](service& svc, const auto& params) {
                    const std::string only = grouped ? params.at(0) : std::string{};
                    if (grouped && !has_group(*view, only)) {
                        return failed("% Group " + only + " not found\n");
                    }
                    if (!svc.has_dataplane()) {
                        return ok("No data plane: there are no replay counters to clear.\n",
                                  {{"cleared", false}, {"groups", json::array()}});
                    }
                    json list = json::array();
                    for (const auto& cg : svc.crypto_groups()) {
                        if (!grouped || cg.group == only) {
                            (*baseline)[cg.group] = replay_totals(cg);
                            list.push_back(cg.group);
                        }
                    }
                    if (list.empty()) {
                        return ok(grouped ? "No crypto map uses group " + only + ": it has no replay counters.\n"
                                          : std::string("No crypto map uses a GDOI group: there are no replay "
                                                        "counters to clear.\n"),
                                  {{"cleared", false}, {"groups", list}});
                    }
                    return ok(grouped ? "Replay drop counters of group " + only + " cleared.\n"
                                      : std::string("Replay drop counters cleared.\n"),
                              {{"cleared", true}, {"groups", list}});
                });
    }

    const std::vector<std::pair<std::string, gdoi::direction_mode>> directions = {
        {"inbound optional", gdoi::direction_mode::inbound_optional},
        {"inbound only", gdoi::direction_mode::inbound_only},
        {"both", gdoi::direction_mode::both}};
    for (const auto& d : directions) {
        const auto mode = d.second;
        reg.add({"crypto gdoi gm group <word> ipsec direction " + d.first, "Direction of the group's IPsec SAs"},
                [control, mode](service&, const auto& params) {
                    const auto& name = params.at(0);
                    auto* gm = control->writable_member(name);
                    if (gm == nullptr) {
                        return failed("% Group " + name + " has no group member on this box\n");
                    }
                    if (gm->registered() == nullptr) {
                        return failed("% Group " + name +
                                      " is not registered: its SAs get their direction at registration\n");
                    }
                    gm->set_direction(mode);
                    return ok("IPSec SA direction of group " + name + ": " + direction_text(mode) +
                                  " (until the next registration)\n",
                              {{"group", name}, {"direction", direction_text(mode)}});
                });
    }
}

} // namespace mgmt
