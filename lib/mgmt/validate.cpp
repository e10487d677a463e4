// Semantic checks run after parsing (and after a JSON PUT): the parser only knows
// one line at a time, these rules see the whole config.
#include "mgmt/validate.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace mgmt {

namespace {

class checker {
public:
    checker(const config& cfg, validate_mode m) : cfg_(cfg), mode_(m) {}

    std::vector<diagnostic> run() {
        check_isakmp();
        check_ipsec();
        for (const gdoi_group& g : cfg_.groups) {
            check_group(g);
        }
        for (const crypto_map& m : cfg_.crypto_maps) {
            check_crypto_map(m);
        }
        for (const manual_sa& m : cfg_.manual_sas) {
            check_manual_sa(m);
        }
        check_interfaces();
        for (const static_route& r : cfg_.routes) {
            if (!r.interface.empty() && cfg_.find_interface(r.interface) == nullptr) {
                warn(r.line, "ip route " + r.prefix.to_string() + " uses interface " + r.interface +
                                 " which is not configured");
            }
        }
        return std::move(out_);
    }

private:
    void add(diagnostic::level l, source_line line, std::string message) {
        out_.push_back({l, line.value, std::move(message), {}});
    }
    void error(source_line line, std::string message) { add(diagnostic::level::error, line, std::move(message)); }
    void warn(source_line line, std::string message) { add(diagnostic::level::warning, line, std::move(message)); }
    // Missing pieces and unresolved references: IOS accepts them (a pasted excerpt
    // often lacks the ACL or group it names), so --check-config warns; start-up refuses.
    void needed_to_run(source_line line, std::string message) {
        add(mode_ == validate_mode::startup ? diagnostic::level::error : diagnostic::level::warning, line,
            std::move(message));
    }

    // An ACL reference: it must exist, and be extended where a 5-tuple is matched.
    void check_acl(source_line line, const std::string& what, const std::string& name, bool must_be_extended) {
        const access_list* acl = cfg_.find_access_list(name);
        if (acl == nullptr) {
            needed_to_run(line, what + " refers to access list " + name + " which is not configured");
        } else if (must_be_extended && !acl->extended) {
            error(line, what + " needs an extended access list, " + name + " is standard");
        }
    }

    void check_isakmp() {
        for (const isakmp_policy& p : cfg_.isakmp.policies) {
            const std::string what = "crypto isakmp policy " + std::to_string(p.priority);
            if (p.encryption == ike_cipher::tdes) {
                warn(p.line, what + " uses legacy encryption 3des; use aes");
            }
            if (p.hash == ike_hash::md5) {
                warn(p.line, what + " uses legacy hash md5; use sha256");
            }
            if (p.dh_group == 2 || p.dh_group == 5) {
                warn(p.line, what + " uses legacy DH group " + std::to_string(p.dh_group) + "; use 14 or higher");
            }
        }
    }

    void check_ipsec() {
        for (const transform_set& t : cfg_.ipsec.transform_sets) {
            const std::string what = "crypto ipsec transform-set " + t.name;
            if (t.cipher == esp_cipher::tdes) {
                warn(t.line, what + " uses legacy esp-3des; use esp-aes or esp-gcm");
            }
            if (t.cipher == esp_cipher::null) {
                warn(t.line, what + " uses esp-null: traffic is not encrypted");
            }
            if (t.integrity == esp_integrity::md5) {
                warn(t.line, what + " uses legacy esp-md5-hmac");
            }
            if ((t.cipher == esp_cipher::aes_cbc || t.cipher == esp_cipher::tdes || t.cipher == esp_cipher::null) &&
                t.integrity == esp_integrity::none) {
                warn(t.line, what + " has no integrity transform");
            }
        }
        for (const ipsec_profile& p : cfg_.ipsec.profiles) {
            if (p.transform_set.empty()) {
                needed_to_run(p.line, "crypto ipsec profile " + p.name + " has no set transform-set");
            } else if (cfg_.find_transform_set(p.transform_set) == nullptr) {
                needed_to_run(p.line, "crypto ipsec profile " + p.name + " refers to transform set " + p.transform_set +
                                  " which is not configured");
            }
        }
    }

    void check_group(const gdoi_group& g) {
        const std::string what = "crypto gdoi group " + g.name;
        if (!g.identity_number && !g.identity_address) {
            needed_to_run(g.line, what + " has no identity number or identity address ipv4");
        }
        for (const gdoi_group& other : cfg_.groups) {
            if (&other < &g && other.server_local && g.server_local && other.identity_number &&
                other.identity_number == g.identity_number) {
                error(g.line, what + " has the same identity number as group " + other.name);
            }
        }
        if (g.servers.size() > max_key_servers) {
            error(g.line, what + " lists " + std::to_string(g.servers.size()) + " key servers; at most " +
                              std::to_string(max_key_servers) + " are allowed");
        }
        if (!g.server_local && g.servers.empty() && cfg_.find_manual_sa(g.name) == nullptr) {
            needed_to_run(g.line, what + " has neither server local nor server address ipv4");
        }
        if (!g.client.registration_interface.empty() &&
            cfg_.find_interface(g.client.registration_interface) == nullptr) {
            error(g.line, what + " client registration interface " + g.client.registration_interface +
                              " is not configured");
        }
        for (const std::string& t : g.client.transform_sets) {
            if (cfg_.find_transform_set(t) == nullptr) {
                needed_to_run(g.line, what + " client transform-sets refers to " + t + " which is not configured");
            }
        }
        if (g.server_local) {
            check_server_local(g, *g.server_local);
        }
    }

    void check_server_local(const gdoi_group& g, const gdoi_server_local& s) {
        const std::string what = "crypto gdoi group " + g.name + " server local";
        if (s.rekey_algorithm == kek_cipher::tdes) {
            warn(g.line, what + " uses legacy rekey algorithm 3des; use aes");
        }
        if (s.sas.empty()) {
            needed_to_run(g.line, what + " has no sa ipsec");
        }
        if (s.rekey_rsa_key.empty()) {
            warn(g.line, what + " has no rekey authentication mypubkey rsa: group members cannot be rekeyed");
        }
        if (s.rekey_unicast && !s.address) {
            warn(g.line, what + " sends unicast rekeys but has no address ipv4 to send them from");
        }
        if (!s.rekey_address_acl.empty()) {
            check_acl(g.line, what + " rekey address", s.rekey_address_acl, true);
        }
        if (!s.authorization_address_acl.empty()) {
            check_acl(g.line, what + " authorization address", s.authorization_address_acl, false);
        }
        if (s.redundancy && s.redundancy->peers.empty()) {
            warn(g.line, what + " redundancy has no peer address ipv4");
        }
        if (s.redundancy && s.address) {
            // Seed 000 KS1 lists its own address as a peer: COOP would talk to itself.
            const auto& peers = s.redundancy->peers;
            if (std::find(peers.begin(), peers.end(), *s.address) != peers.end()) {
                warn(g.line, what + " redundancy peer " + s.address->to_string() +
                                 " is this key server's own address ipv4");
            }
        }
        for (const gdoi_sa_ipsec& sa : s.sas) {
            const std::string sa_what = what + " sa ipsec " + std::to_string(sa.seq);
            if (sa.profile.empty()) {
                needed_to_run(sa.line, sa_what + " has no profile");
            } else if (cfg_.find_profile(sa.profile) == nullptr) {
                needed_to_run(sa.line, sa_what + " refers to ipsec profile " + sa.profile + " which is not configured");
            }
            if (sa.match_acl.empty()) {
                needed_to_run(sa.line, sa_what + " has no match address ipv4");
            } else {
                check_acl(sa.line, sa_what, sa.match_acl, true);
            }
        }
    }

    void check_manual_sa(const manual_sa& m) {
        const std::string what = "crypto gdoi manual-sa group " + m.group;
        warn(m.line, what + " installs a TEK by hand: a test and benchmark aid, not for production");
        const gdoi_group* g = cfg_.find_group(m.group);
        if (g == nullptr) {
            needed_to_run(m.line, what + " refers to gdoi group " + m.group + " which is not configured");
        } else if (g->server_local || !g->servers.empty()) {
            error(m.line, what + ": the group also gets keys from a key server; use one or the other");
        }
        check_acl(m.line, what + " match address", m.match_acl, true);
    }

    void check_crypto_map(const crypto_map& m) {
        const std::string what = "crypto map " + m.name;
        for (const crypto_map_entry& e : m.entries) {
            const std::string e_what = what + " " + std::to_string(e.seq);
            if (e.group.empty()) {
                needed_to_run(e.line, e_what + " has no set group");
            } else if (cfg_.find_group(e.group) == nullptr) {
                needed_to_run(e.line, e_what + " refers to gdoi group " + e.group + " which is not configured");
            }
            if (!e.match_acl.empty()) {
                check_acl(e.line, e_what + " match address", e.match_acl, true);
            }
        }
        if (m.fail_close) {
            if (!m.fail_close->match_acl.empty()) {
                check_acl(m.line, what + " gdoi fail-close", m.fail_close->match_acl, true);
            }
            if (!m.fail_close->activate) {
                warn(m.line, what + " gdoi fail-close is not active until `activate` is configured");
            }
        }
        if (!m.local_address.empty() && cfg_.find_interface(m.local_address) == nullptr) {
            needed_to_run(m.line, what + " local-address " + m.local_address + " is not a configured interface");
        }
    }

    // IOS takes static groups without multicast routing and simply forwards nothing.
    void check_igmp(const interface_cfg& i, const std::string& what) {
        for (const ipv4& g : i.igmp_static_groups) {
            if (!cfg_.multicast_routing) {
                warn(i.line, what + " ip igmp static-group " + g.to_string() +
                                 " has no effect without `ip multicast-routing`");
            } else if (!i.port) {
                warn(i.line, what + " ip igmp static-group " + g.to_string() +
                                 " has no effect: the interface is bound to no DPDK port");
            }
        }
    }

    void check_interfaces() {
        // group -> the registration identities applying it (a map with a
        // local-address registers once for all its interfaces).
        std::map<std::string, std::set<std::string>> group_users;
        std::map<std::string, std::string> port_owner;
        for (const interface_cfg& i : cfg_.interfaces) {
            const std::string what = "interface " + i.name;
            if (i.port) {
                const std::string key = std::string(to_string(i.port->kind)) + " " + i.port->spec;
                auto [it, fresh] = port_owner.emplace(key, i.name);
                if (!fresh) {
                    error(i.line, what + " uses dpdk-port " + key + " already bound to interface " + it->second);
                }
            }
            check_igmp(i, what);
            if (i.crypto_map.empty()) {
                continue;
            }
            const crypto_map* m = cfg_.find_crypto_map(i.crypto_map);
            if (m == nullptr) {
                needed_to_run(i.line, what + " refers to crypto map " + i.crypto_map + " which is not configured");
                continue;
            }
            if (m->entries.empty()) {
                needed_to_run(i.line, what + " crypto map " + m->name + " has no gdoi entry (crypto map " + m->name +
                                  " 10 gdoi)");
                continue;
            }
            if (!i.port) {
                needed_to_run(i.line, what + " carries gdoi crypto map " + m->name +
                                          " but is bound to no DPDK port; add `dpdk-port vdev net_af_packet0,iface=IF`"
                                          " or `dpdk-port pci 0000:03:00.1` under interface " + i.name);
            }
            const std::string user = m->local_address.empty() ? "interface " + i.name : "map " + m->name;
            for (const crypto_map_entry& e : m->entries) {
                if (!e.group.empty()) {
                    group_users[e.group].insert(user);
                }
            }
        }
        for (const auto& [group, users] : group_users) {
            if (users.size() > 1) {
                const gdoi_group* g = cfg_.find_group(group);
                error(g ? g->line : source_line{},
                      "the same GDOI group " + group + " cannot be applied to multiple interfaces (" +
                          std::to_string(users.size()) + " uses); use one crypto map with local-address");
            }
        }
    }

    const config& cfg_;
    validate_mode mode_;
    std::vector<diagnostic> out_;
};

} // namespace

std::vector<diagnostic> validate(const config& cfg, validate_mode m) { return checker(cfg, m).run(); }

} // namespace mgmt
