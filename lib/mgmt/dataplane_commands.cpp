// The crypto-map data-plane show commands. Layouts follow seed 003 (dataplane
// counters) and seed 000 (fail-close, ruleset); counters IOS lacks are added in
// the same style.
#include "mgmt/dataplane_commands.hpp"

#include "acl/policy.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace mgmt {

namespace {

using nlohmann::json;

// The group whose policy classifies an interface: its crypto map's first gdoi
// entry, as the data plane binds it.
const crypto_map_entry* map_entry_of(const config& cfg, const interface_cfg& ifc)
{
    const crypto_map* m = ifc.crypto_map.empty() ? nullptr : cfg.find_crypto_map(ifc.crypto_map);
    return m == nullptr || m->entries.empty() ? nullptr : &m->entries.front();
}

const crypto_group_state* find_group(const std::vector<crypto_group_state>& groups, const std::string& name)
{
    for (const auto& g : groups) {
        if (g.group == name) {
            return &g;
        }
    }
    return nullptr;
}

// ---- show crypto gdoi gm dataplane counters ---------------------------------------

// Seed 003's labels, in its order, then ours.
struct counter_label {
    const char* name; // fastpath counter
    const char* label;
};
constexpr counter_label counter_labels[] = {
    {"encrypt", "#pkts encrypt"},
    {"decrypt", "#pkts decrypt"},
    {"no_sa", "#pkts no sa (send)"},
    {"invalid_sa", "#pkts invalid sa (rcv)"},
    {"encaps_fail", "#pkts encaps fail (send)"},
    {"decap_fail", "#pkts decap fail (rcv)"},
    {"invalid_prot", "#pkts invalid prot (rcv)"},
    {"verify_fail", "#pkts verify fail (rcv)"},
    {"replay_fail", "#pkts replay fail (rcv)"},
    {"tbar_fail", "#pkts TBAR fail (rcv)"},
    {"policy_drop", "#pkts policy drop"},
    {"fail_close_drop", "#pkts fail-close drop"},
    {"bypass", "#pkts bypass"},
};

// Groups a crypto map on a DPDK port uses, in configuration order.
std::vector<std::string> crypto_map_groups(const config& cfg)
{
    std::vector<std::string> out;
    for (const auto& ifc : cfg.interfaces) {
        const crypto_map_entry* e = ifc.port ? map_entry_of(cfg, ifc) : nullptr;
        if (e != nullptr && std::find(out.begin(), out.end(), e->group) == out.end()) {
            out.push_back(e->group);
        }
    }
    return out;
}

// ---- show crypto map gdoi fail-close ----------------------------------------------

std::string port_show(const port_match& p)
{
    switch (p.op) {
    case port_op::any: return "";
    case port_op::eq: return " port = " + std::to_string(p.low);
    case port_op::neq: return " port != " + std::to_string(p.low);
    case port_op::lt: return " port < " + std::to_string(p.low);
    case port_op::gt: return " port > " + std::to_string(p.low);
    case port_op::range: return " port range " + std::to_string(p.low) + " " + std::to_string(p.high);
    }
    return "";
}

std::string address_show(const address_match& a)
{
    if (a.wildcard.value == 0xffffffffu) {
        return "any";
    }
    if (a.wildcard.value == 0) {
        return "host " + a.address.to_string();
    }
    return a.address.to_string() + " " + a.wildcard.to_string();
}

// Seed 000: "access-list 105 deny tcp any port = 23 any".
std::string ace_show(const std::string& list, const ace& e)
{
    return "access-list " + list + " " + (e.action == acl_action::deny ? "deny " : "permit ") +
           protocol_name(e.protocol) + " " + address_show(e.source) + port_show(e.source_port) + " " +
           address_show(e.destination) + port_show(e.destination_port);
}

// ---- show crypto ruleset -----------------------------------------------------------

// Seed 000: "ANY", "ANY/848"; a host is its address, a prefix address/length.
std::string endpoint_rule(const acl::prefix& p, const acl::port_match& ports)
{
    std::string out = p.len == 0 ? "ANY" : acl::format_ipv4(p.addr) + (p.len == 32 ? "" : "/" + std::to_string(p.len));
    if (ports.is_any()) {
        return out;
    }
    const acl::port_range& r = ports.ranges[0];
    if (ports.op == acl::port_op::neq) {
        // neq p is [0, p-1] and [p+1, 65535], either of which may be missing.
        return out + "/!" + std::to_string(r.lo == 0 ? r.hi + 1u : r.lo - 1u);
    }
    return out + "/" + std::to_string(r.lo) + (r.lo == r.hi ? "" : "-" + std::to_string(r.hi));
}

std::string action_rule(const acl::merged_entry& e, const crypto_group_state& g)
{
    switch (e.result) {
    case acl::verdict::bypass: return "DENY";
    case acl::verdict::drop: return "DROP Fail-Close";
    case acl::verdict::protect:
        return g.passive ? "IPsec SA Passive" : g.receive_only ? "IPsec SA Receive-Only" : "IPsec Cryptomap";
    case acl::verdict::none: break;
    }
    return "?";
}

std::string rule_text(const acl::merged_entry& e, const crypto_group_state& g)
{
    const std::string proto = e.rule.protocol == acl::proto_ip ? "IP" : std::to_string(e.rule.protocol);
    return proto + " " + endpoint_rule(e.rule.src, e.rule.sport) + " " + endpoint_rule(e.rule.dst, e.rule.dport) +
           " " + action_rule(e, g);
}

std::string origin_text(const acl::merged_entry& e)
{
    switch (e.from) {
    case acl::origin::local: return "local " + e.list + " line " + std::to_string(e.index + 1);
    case acl::origin::ks: return "group policy line " + std::to_string(e.index + 1);
    case acl::origin::fail_close: return "fail-close implicit";
    }
    return "?";
}

} // namespace

command_output show_dataplane_counters(const service& svc)
{
    if (!svc.has_dataplane()) {
        return ok("No data plane: this configuration runs the control plane only.\n",
                  {{"dataplane", false}, {"groups", json::array()}});
    }
    const auto groups = svc.crypto_groups();
    std::string text;
    json list = json::array();
    for (const auto& name : crypto_map_groups(svc.running())) {
        const crypto_group_state* g = find_group(groups, name);
        if (g == nullptr) {
            continue;
        }
        text += (text.empty() ? "" : "\n") + std::string("Data-plane statistics for group ") + name + ":\n";
        json counters = json::object();
        // Two per line, as the seed; an odd last one alone.
        constexpr std::size_t n = std::size(counter_labels);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& c = counter_labels[i];
            const char* fmt = i % 2 == 1 ? "%-25s: %llu\n" : i + 1 < n ? "    %-25s: %-9llu" : "    %-25s: %llu\n";
            text += printf_line(fmt, c.label, static_cast<unsigned long long>(g->counter(c.name)));
            counters[c.name] = g->counter(c.name);
        }
        list.push_back({{"group", name}, {"counters", counters}});
    }
    if (text.empty()) {
        text = "No group uses a crypto map on a DPDK port.\n";
    }
    return ok(std::move(text), {{"dataplane", true}, {"groups", list}});
}

command_output show_fail_close(const service& svc, const std::optional<std::string>& map)
{
    const config cfg = svc.running();
    const auto groups = svc.crypto_groups();
    std::string text;
    json list = json::array();
    for (const auto& m : cfg.crypto_maps) {
        if (!m.fail_close || (map && *map != m.name)) {
            continue;
        }
        const fail_close_cfg& fc = *m.fail_close;
        text += (text.empty() ? "" : "\n") + std::string("Crypto Map: \"") + m.name + "\"\n";
        text += std::string("  Activate: ") + (fc.activate ? "yes" : "no") + "\n";
        text += "  Fail-Close Access-List: (Deny = Forward In Clear, Permit = Drop)\n";
        json lines = json::array();
        if (const access_list* acl = fc.match_acl.empty() ? nullptr : cfg.find_access_list(fc.match_acl)) {
            for (const auto& e : acl->entries) {
                if (e.remark.empty()) {
                    text += "    " + ace_show(acl->name, e) + "\n";
                    lines.push_back(ace_show(acl->name, e));
                }
            }
        }
        // In force until the map's group registers; only the data plane knows.
        json in_force = json::object();
        for (const auto& e : m.entries) {
            const crypto_group_state* g = find_group(groups, e.group);
            std::string state;
            if (!fc.activate) {
                state = "no (not activated)";
            } else if (!svc.has_dataplane() || g == nullptr) {
                state = "unknown (no data plane for this map)";
            } else {
                state = g->fail_close ? "yes (not registered yet)" : "no (registered)";
            }
            text += "  Fail-Close In Force for group " + e.group + ": " + state + "\n";
            in_force[e.group] = fc.activate && g != nullptr ? json(g->fail_close) : json(nullptr);
        }
        list.push_back({{"crypto_map", m.name},
                        {"activate", fc.activate},
                        {"access_list", fc.match_acl},
                        {"entries", lines},
                        {"in_force", in_force}});
    }
    if (map && list.empty()) {
        return failed("% Crypto map " + *map + " has no gdoi fail-close.\n");
    }
    if (text.empty()) {
        text = "No crypto map has gdoi fail-close.\n";
    }
    return ok(std::move(text), {{"crypto_maps", list}});
}

command_output show_ruleset(const service& svc, bool detail)
{
    if (!svc.has_dataplane()) {
        return ok("No data plane: this configuration runs the control plane only.\n",
                  {{"dataplane", false}, {"interfaces", json::array()}});
    }
    const config cfg = svc.running();
    const auto groups = svc.crypto_groups();
    std::string text;
    json list = json::array();
    for (const auto& ifc : cfg.interfaces) {
        const crypto_map_entry* me = ifc.port ? map_entry_of(cfg, ifc) : nullptr;
        const crypto_group_state* g = me != nullptr ? find_group(groups, me->group) : nullptr;
        if (g == nullptr) {
            continue;
        }
        text += ifc.name + ":\n";
        json rules = json::array();
        if (!g->has_policy) {
            text += "  (nothing installed: traffic passes in clear)\n";
        }
        for (std::size_t i = 0; i < g->rules.size(); ++i) {
            const acl::merged_entry& e = g->rules[i];
            const std::string rule = rule_text(e, *g);
            text += detail ? printf_line("  %-6zu %s (%s)\n", i + 1, rule.c_str(), origin_text(e).c_str())
                           : "  " + rule + "\n";
            rules.push_back({{"id", i + 1},
                             {"rule", rule},
                             {"action", action_rule(e, *g)},
                             {"origin", e.from == acl::origin::local ? "local"
                                        : e.from == acl::origin::ks  ? "ks"
                                                                     : "fail-close"},
                             {"list", e.list},
                             {"line", e.index + 1}});
        }
        list.push_back({{"interface", ifc.name},
                        {"crypto_map", ifc.crypto_map},
                        {"group", g->group},
                        {"installed", g->has_policy},
                        {"fail_close", g->fail_close},
                        {"rules", rules}});
    }
    if (text.empty()) {
        text = "No crypto map on a DPDK port.\n";
    }
    return ok(std::move(text), {{"dataplane", true}, {"interfaces", list}});
}

void register_dataplane_commands(command_registry& reg)
{
    reg.add({"show crypto gdoi gm dataplane counters", "Data plane counters of the group member"},
            [](service& svc, const auto&) { return show_dataplane_counters(svc); });
    reg.add({"show crypto map gdoi fail-close", "Fail-close state of the crypto maps"},
            [](service& svc, const auto&) { return show_fail_close(svc, std::nullopt); });
    reg.add({"show crypto map gdoi fail-close <word>", "Fail-close state of one crypto map"},
            [](service& svc, const auto& params) { return show_fail_close(svc, params.at(0)); });
    reg.add({"show crypto ruleset", "Crypto rules the data plane classifies with, per interface"},
            [](service& svc, const auto&) { return show_ruleset(svc, false); });
    reg.add({"show crypto ruleset detail", "Crypto rules with their ids and origin"},
            [](service& svc, const auto&) { return show_ruleset(svc, true); });
}

} // namespace mgmt
