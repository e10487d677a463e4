// The commands of this build and the text/JSON of their outputs. Commands of features
// that have not landed are registered as entries that say "not in this build yet"; each feature
// replaces its "not in this build yet" entries with command_registry::add().
#include "mgmt/commands.hpp"

#include "mgmt/config_json.hpp"
#include "mgmt/dataplane_commands.hpp"
#include "mgmt/ios_printer.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace mgmt {

namespace {

unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }

constexpr std::size_t default_events = 20;

} // namespace

nlohmann::json interfaces_json(const service& svc)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : svc.ports()) {
        nlohmann::json queues = nlohmann::json::array();
        for (const auto& q : p.queues) {
            queues.push_back({{"rx_packets", q.rx_packets},
                              {"rx_bytes", q.rx_bytes},
                              {"tx_packets", q.tx_packets},
                              {"tx_bytes", q.tx_bytes}});
        }
        list.push_back({{"name", p.name},
                        {"port_id", p.port_id},
                        {"link_up", p.link_up},
                        {"speed_mbps", p.speed_mbps},
                        {"rx_packets", p.rx_packets},
                        {"rx_bytes", p.rx_bytes},
                        {"rx_missed", p.rx_missed},
                        {"rx_errors", p.rx_errors},
                        {"tx_packets", p.tx_packets},
                        {"tx_bytes", p.tx_bytes},
                        {"tx_errors", p.tx_errors},
                        {"dropped", p.dropped},
                        {"queues", queues}});
    }
    return {{"dataplane", svc.has_dataplane()}, {"interfaces", list}};
}

std::string show_interfaces_text(const service& svc)
{
    if (!svc.has_dataplane()) {
        return "No DPDK ports: this configuration runs the control plane only.\n";
    }
    std::string out;
    for (const auto& p : svc.ports()) {
        const char* state = p.link_up ? "up" : "down";
        out += p.name + " is " + state + ", line protocol is " + state + " (DPDK port " + std::to_string(p.port_id);
        out += p.speed_mbps > 0 ? ", " + std::to_string(p.speed_mbps) + " Mbps)\n" : std::string(")\n");
        out += printf_line("  %llu packets input, %llu bytes, %llu missed, %llu input errors\n", ull(p.rx_packets),
                           ull(p.rx_bytes), ull(p.rx_missed), ull(p.rx_errors));
        out += printf_line("  %llu packets output, %llu bytes, %llu output errors\n", ull(p.tx_packets),
                           ull(p.tx_bytes), ull(p.tx_errors));
        out += printf_line("  %llu received packets dropped by the data plane\n", ull(p.dropped));
        for (std::size_t q = 0; q < p.queues.size(); ++q) {
            const auto& c = p.queues[q];
            out += printf_line("  queue %zu: %llu packets input, %llu bytes; %llu packets output, %llu bytes\n", q,
                               ull(c.rx_packets), ull(c.rx_bytes), ull(c.tx_packets), ull(c.tx_bytes));
        }
    }
    return out;
}

nlohmann::json lcores_json(const service& svc)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto& l : svc.lcores()) {
        nlohmann::json counters = nlohmann::json::object();
        for (const auto& [name, value] : l.counters) {
            counters[name] = value;
        }
        list.push_back({{"worker", l.worker},
                        {"lcore_id", l.lcore_id},
                        {"rx_packets", l.counter("rx_packets")},
                        {"tx_packets", l.counter("tx_packets")},
                        {"drops", l.dropped},
                        {"loops", l.counter("loops")},
                        {"counters", counters}});
    }
    return {{"dataplane", svc.has_dataplane()}, {"lcores", list}};
}

std::string show_lcores_text(const service& svc)
{
    if (!svc.has_dataplane()) {
        return "No worker lcores: this configuration runs the control plane only.\n";
    }
    std::string out = printf_line("%-6s %-5s %14s %14s %12s %16s\n", "Worker", "Lcore", "RX packets", "TX packets",
                                  "Drops", "Loops");
    for (const auto& l : svc.lcores()) {
        out += printf_line("%-6u %-5u %14llu %14llu %12llu %16llu\n", l.worker, l.lcore_id,
                           ull(l.counter("rx_packets")), ull(l.counter("tx_packets")), ull(l.dropped),
                           ull(l.counter("loops")));
    }
    return out;
}

nlohmann::json version_json(const service& svc)
{
    const auto cfg = svc.running();
    nlohmann::json j = {{"version", svc.info().version},
                        {"roles", roles(cfg)},
                        {"uptime_seconds", svc.uptime().count()},
                        {"generation", svc.generation()},
                        {"ports", svc.ports().size()},
                        {"workers", svc.lcores().size()}};
    j["dataplane"] = svc.has_dataplane() ? nlohmann::json(svc.dataplane_version()) : nlohmann::json(nullptr);
    return j;
}

std::string show_version_text(const service& svc)
{
    const auto cfg = svc.running();
    std::string out = "gdoi-router version " + svc.info().version + "\n";
    if (svc.has_dataplane()) {
        out += "Data plane: " + svc.dataplane_version() + ", " + std::to_string(svc.ports().size()) +
               " port(s), " + std::to_string(svc.lcores().size()) + " worker lcore(s)\n";
    } else {
        out += "Data plane: none (control plane only)\n";
    }
    out += "Roles: " + roles(cfg) + "\n";
    const auto up = svc.uptime().count();
    out += printf_line("Uptime: %lld days, %02lld:%02lld:%02lld\n", static_cast<long long>(up / 86400),
                       static_cast<long long>(up / 3600 % 24), static_cast<long long>(up / 60 % 60),
                       static_cast<long long>(up % 60));
    out += "Configuration generation: " + std::to_string(svc.generation()) + "\n";
    return out;
}

nlohmann::json events_json(const std::vector<core::event>& events)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : events) {
        list.push_back(nlohmann::json::parse(core::format_json(e)));
    }
    return list;
}

void register_builtin_commands(command_registry& reg)
{
    reg.add({"show running-config", "Current operating configuration"}, [](service& svc, const auto&) {
        const auto cfg = svc.running();
        return ok(print_config(cfg), {{"generation", svc.generation()}, {"config", to_json(cfg)}});
    });
    auto write_memory = [](service& svc, const auto&) {
        const auto saved = svc.write_startup_config();
        if (!saved.error.empty()) {
            return failed("Building configuration...\n% " + saved.error + "\n");
        }
        return ok("Building configuration...\n[OK]\n", {{"path", svc.info().startup_config},
                                                         {"generation", saved.generation},
                                                         {"bytes", saved.bytes}});
    };
    reg.add({"write memory", "Save the running configuration to the startup configuration file"}, write_memory);
    reg.add({"copy running-config startup-config", "Save the running configuration (as write memory)"},
            write_memory);
    reg.add({"show startup-config", "The configuration file gdoi-router starts from"}, [](service& svc, const auto&) {
        const std::string& path = svc.info().startup_config;
        std::ifstream in(path);
        if (path.empty() || !in) {
            return failed("% Cannot read the startup configuration" + (path.empty() ? std::string() : " " + path) +
                          "\n");
        }
        std::stringstream text;
        text << in.rdbuf();
        return ok(text.str(), {{"path", path}, {"text", text.str()}});
    });
    reg.add({"configure terminal", "Enter configuration mode; lines apply together on `end`"},
            [](service&, const auto&) {
                command_output out;
                out.result = command_output::status::interactive;
                out.text = "% configure terminal is a console mode: use the console or gdoictl, or PUT/PATCH "
                           "/config over REST\n";
                return out;
            });
    reg.add({"show interfaces", "DPDK ports: link and counters"}, [](service& svc, const auto&) {
        return ok(show_interfaces_text(svc), interfaces_json(svc));
    });
    reg.add({"show lcores", "Worker lcores and their counters"}, [](service& svc, const auto&) {
        return ok(show_lcores_text(svc), lcores_json(svc));
    });
    reg.add({"show version", "Version, data plane and uptime"}, [](service& svc, const auto&) {
        return ok(show_version_text(svc), version_json(svc));
    });
    auto show_events = [](service& svc, std::size_t n) {
        auto events = svc.recent_events(n);
        std::string text;
        for (const auto& e : events) {
            text += core::format_text(e) + "\n";
        }
        if (events.empty()) {
            text = "No events.\n";
        }
        return ok(std::move(text), {{"events", events_json(events)}});
    };
    reg.add({"show events", "The last 20 events"}, [show_events](service& svc, const auto&) {
        return show_events(svc, default_events);
    });
    reg.add({"show events <n>", "The last N events"}, [show_events](service& svc, const auto& params) {
        return show_events(svc, std::stoul(params.at(0)));
    });

    register_dataplane_commands(reg);

    // ---- features being written elsewhere: they say so -----------------------------
    const std::string gdoi = "GDOI registration";
    const std::string ks = "the GDOI key server";
    const std::string coop = "COOP key-server redundancy";
    const std::string rekey = "GDOI rekeys (GROUPKEY-PUSH)";
    for (const std::string group : {"", " group <word>"}) {
        reg.add_not_built("show crypto gdoi" + group, "GDOI groups, key servers and members", gdoi);
        reg.add_not_built("show crypto gdoi" + group + " gm", "Group member state", gdoi);
        reg.add_not_built("show crypto gdoi" + group + " ks", "Key server state", ks);
        reg.add_not_built("show crypto gdoi" + group + " ks replay", "Key server anti-replay", "GDOI anti-replay");
        reg.add_not_built("clear crypto gdoi" + group, "Start the GDOI groups again from the running configuration",
                          gdoi, true);
        reg.add_not_built("clear crypto gdoi" + group + " ks members", "Remove the group members", ks, true);
        reg.add_not_built("clear crypto gdoi" + group + " ks members now", "Remove the group members now", ks, true);
        reg.add_not_built("clear crypto gdoi" + group + " replay", "Clear anti-replay counters", "GDOI anti-replay",
                          true);
        reg.add_not_built("crypto gdoi ks" + group + " rekey", "Send a rekey with the current policy", rekey, true);
        reg.add_not_built("crypto gdoi ks" + group + " rekey replace-now",
                          "Rekey and replace the old TEK/KEK immediately", rekey, true);
    }
    reg.add_not_built("show crypto gdoi ks members", "Group members registered to this key server", ks);
    reg.add_not_built("show crypto gdoi ks members summary", "Summary of the group members", ks);
    reg.add_not_built("show crypto gdoi ks rekey", "Rekey state of the key server", rekey);
    reg.add_not_built("show crypto gdoi ks coop", "COOP key servers", coop);
    reg.add_not_built("show crypto gdoi ks coop version", "COOP protocol versions", coop);
    reg.add_not_built("show crypto gdoi gm replay", "Group member anti-replay", "GDOI anti-replay");
    reg.add_not_built("show crypto gdoi gm acl", "Downloaded and local ACLs", "GDOI policy download");
    reg.add_not_built("show crypto gdoi feature gm-removal", "Group members supporting GM removal",
                      "GDOI feature versioning");
    reg.add_not_built("show crypto gdoi feature policy-replace", "Group members supporting policy replacement",
                      "GDOI feature versioning");
    reg.add_not_built("show crypto ipsec sa", "IPsec security associations", "the ESP SA tables");
    reg.add_not_built("show crypto isakmp sa", "ISAKMP security associations", "ISAKMP (GDOI phase 1)");
    reg.add_not_built("clear crypto gdoi ks coop role", "Re-run the COOP election", coop, true);
    for (const std::string dir : {"inbound optional", "inbound only", "both"}) {
        reg.add_not_built("crypto gdoi gm group <word> ipsec direction " + dir, "Direction of the group's IPsec SAs",
                          "GDOI SA direction control");
    }
}

} // namespace mgmt
