// JSON codec for the config model: each struct lists its fields once (describe),
// and one generic writer and one generic reader walk those lists.
#include "mgmt/config_json.hpp"

#include "mgmt/ios_parser.hpp"
#include "mgmt/ios_printer.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <type_traits>

namespace mgmt {

namespace {

// ---- field lists (source_line members are deliberately absent) ----------------

template <class F> void describe(isakmp_policy& s, F& f) {
    f("priority", s.priority);
    f("encryption", s.encryption);
    f("key_bits", s.key_bits);
    f("hash", s.hash);
    f("authentication", s.authentication);
    f("dh_group", s.dh_group);
    f("lifetime", s.lifetime);
}
template <class F> void describe(isakmp_key& s, F& f) {
    f("key", s.key);
    f("address", s.address);
    f("mask", s.mask);
}
template <class F> void describe(isakmp_keepalive& s, F& f) {
    f("interval", s.interval);
    f("retry", s.retry);
    f("mode", s.mode);
}
template <class F> void describe(isakmp_cfg& s, F& f) {
    f("policies", s.policies);
    f("keys", s.keys);
    f("keepalive", s.keepalive);
}
template <class F> void describe(transform_set& s, F& f) {
    f("name", s.name);
    f("cipher", s.cipher);
    f("key_bits", s.key_bits);
    f("integrity", s.integrity);
    f("mode", s.mode);
}
template <class F> void describe(ipsec_profile& s, F& f) {
    f("name", s.name);
    f("transform_set", s.transform_set);
    f("sa_lifetime", s.sa_lifetime);
}
template <class F> void describe(ipsec_cfg& s, F& f) {
    f("transform_sets", s.transform_sets);
    f("profiles", s.profiles);
    f("df_bit", s.df_bit);
}
template <class F> void describe(rsa_key_cfg& s, F& f) {
    f("label", s.label);
    f("modulus", s.modulus);
    f("exportable", s.exportable);
}
template <class F> void describe(gdoi_sa_ipsec& s, F& f) {
    f("seq", s.seq);
    f("profile", s.profile);
    f("match_acl", s.match_acl);
    f("replay", s.replay);
    f("replay_window", s.replay_window);
}
template <class F> void describe(rekey_retransmit_cfg& s, F& f) {
    f("interval", s.interval);
    f("number", s.number);
    f("periodic", s.periodic);
}
template <class F> void describe(ks_redundancy& s, F& f) {
    f("local_priority", s.local_priority);
    f("peers", s.peers);
}
template <class F> void describe(gdoi_server_local& s, F& f) {
    f("rekey_algorithm", s.rekey_algorithm);
    f("rekey_lifetime", s.rekey_lifetime);
    f("rekey_retransmit", s.rekey_retransmit);
    f("rekey_rsa_key", s.rekey_rsa_key);
    f("rekey_unicast", s.rekey_unicast);
    f("rekey_address_acl", s.rekey_address_acl);
    f("authorization_address_acl", s.authorization_address_acl);
    f("authorization_identity", s.authorization_identity);
    f("address", s.address);
    f("sas", s.sas);
    f("sa_receive_only", s.sa_receive_only);
    f("redundancy", s.redundancy);
}
template <class F> void describe(gdoi_client& s, F& f) {
    f("rekey_encryption", s.rekey_encryption);
    f("rekey_hash", s.rekey_hash);
    f("transform_sets", s.transform_sets);
    f("registration_interface", s.registration_interface);
}
template <class F> void describe(gdoi_group& s, F& f) {
    f("name", s.name);
    f("identity_number", s.identity_number);
    f("identity_address", s.identity_address);
    f("servers", s.servers);
    f("server_local", s.server_local);
    f("passive", s.passive);
    f("client", s.client);
}
template <class F> void describe(crypto_map_entry& s, F& f) {
    f("seq", s.seq);
    f("group", s.group);
    f("match_acl", s.match_acl);
}
template <class F> void describe(manual_sa& s, F& f) {
    f("group", s.group);
    f("spi", s.spi);
    f("transform", s.cipher);
    f("key_bits", s.key_bits);
    f("key", s.key);
    f("sender_id", s.sender_id);
    f("match_acl", s.match_acl);
}
template <class F> void describe(fail_close_cfg& s, F& f) {
    f("match_acl", s.match_acl);
    f("activate", s.activate);
}
template <class F> void describe(crypto_map& s, F& f) {
    f("name", s.name);
    f("entries", s.entries);
    f("fail_close", s.fail_close);
    f("local_address", s.local_address);
}
template <class F> void describe(address_match& s, F& f) {
    f("address", s.address);
    f("wildcard", s.wildcard);
}
template <class F> void describe(port_match& s, F& f) {
    f("op", s.op);
    f("low", s.low);
    f("high", s.high);
}
template <class F> void describe(ace& s, F& f) {
    f("seq", s.seq);
    f("remark", s.remark);
    f("action", s.action);
    f("protocol", s.protocol);
    f("source", s.source);
    f("source_port", s.source_port);
    f("destination", s.destination);
    f("destination_port", s.destination_port);
    f("established", s.established);
    f("log", s.log);
}
template <class F> void describe(access_list& s, F& f) {
    f("name", s.name);
    f("extended", s.extended);
    f("entries", s.entries);
}
template <class F> void describe(dpdk_port& s, F& f) {
    f("bus", s.kind);
    f("spec", s.spec);
}
template <class F> void describe(ipv4_if_address& s, F& f) {
    f("addr", s.addr);
    f("prefix_len", s.prefix_len);
}
template <class F> void describe(igmp_join& s, F& f) {
    f("group", s.group);
    f("source", s.source);
}
template <class F> void describe(interface_cfg& s, F& f) {
    f("name", s.name);
    f("port", s.port);
    f("address", s.address);
    f("crypto_map", s.crypto_map);
    f("mtu", s.mtu);
    f("igmp_static_groups", s.igmp_static_groups);
    f("igmp_joins", s.igmp_joins);
    f("description", s.description);
    f("shutdown", s.shutdown);
    f("unsupported", s.unsupported);
}
template <class F> void describe(static_route& s, F& f) {
    f("prefix", s.prefix);
    f("prefix_len", s.prefix_len);
    f("next_hop", s.next_hop);
    f("interface", s.interface);
}
template <class F> void describe(dataplane_cfg& s, F& f) {
    f("workers", s.workers);
    f("mbufs", s.mbufs);
    f("burst", s.burst);
}
template <class F> void describe(unsupported_block& s, F& f) {
    f("text", s.text);
    f("children", s.children);
}
template <class F> void describe(config& s, F& f) {
    f("isakmp", s.isakmp);
    f("ipsec", s.ipsec);
    f("rsa_keys", s.rsa_keys);
    f("groups", s.groups);
    f("crypto_maps", s.crypto_maps);
    f("manual_sas", s.manual_sas);
    f("access_lists", s.access_lists);
    f("interfaces", s.interfaces);
    f("routes", s.routes);
    f("multicast_routing", s.multicast_routing);
    f("dataplane", s.dataplane);
    f("unsupported", s.unsupported);
}

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};

// ---- writing ----------------------------------------------------------------

template <class T> nlohmann::json encode(const T& v);

struct field_writer {
    nlohmann::json& out;
    template <class V> void operator()(const char* key, V& v) {
        out[key] = encode(v);
    }
};

template <class T> nlohmann::json encode(const T& v) {
    if constexpr (std::is_same_v<T, ipv4>) {
        return v.to_string();
    } else if constexpr (std::is_enum_v<T>) {
        return std::string(to_string(v));
    } else if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
        return v;
    } else if constexpr (is_optional<T>::value) {
        return v ? encode(*v) : nlohmann::json(nullptr);
    } else if constexpr (is_vector<T>::value) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& e : v) {
            arr.push_back(encode(e));
        }
        return arr;
    } else {
        nlohmann::json obj = nlohmann::json::object();
        field_writer w{obj};
        // describe() takes non-const references so one list serves both directions;
        // the writer only reads.
        describe(const_cast<T&>(v), w);
        return obj;
    }
}

// ---- reading ----------------------------------------------------------------

class reader {
public:
    std::vector<json_error> errors;

    template <class T> void decode(const nlohmann::json& j, T& v, const std::string& path) {
        if constexpr (std::is_same_v<T, ipv4>) {
            if (auto a = j.is_string() ? ipv4::parse(j.get<std::string>()) : std::nullopt) {
                v = *a;
            } else {
                fail(path, "expected an IPv4 address string");
            }
        } else if constexpr (std::is_enum_v<T>) {
            if (auto e = j.is_string() ? enum_from_string<T>(j.get<std::string>()) : std::nullopt) {
                v = *e;
            } else {
                std::string allowed;
                for (const auto& [value, name] : names(T{})) {
                    allowed += (allowed.empty() ? "" : ", ") + std::string(name);
                }
                fail(path, "expected one of: " + allowed);
            }
        } else if constexpr (std::is_same_v<T, bool>) {
            if (j.is_boolean()) {
                v = j.get<bool>();
            } else {
                fail(path, "expected a boolean");
            }
        } else if constexpr (std::is_integral_v<T>) {
            // Signed JSON integers are fine when not negative (nlohmann stores 3 as signed).
            const bool non_negative = j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0);
            if (non_negative && j.get<std::uint64_t>() <= std::numeric_limits<T>::max()) {
                v = static_cast<T>(j.get<std::uint64_t>());
            } else {
                fail(path, "expected an unsigned integer up to " + std::to_string(std::numeric_limits<T>::max()));
            }
        } else if constexpr (std::is_same_v<T, std::string>) {
            if (!j.is_string()) {
                fail(path, "expected a string");
                return;
            }
            v = j.get<std::string>();
            // A line break would smuggle extra lines into the printed config.
            if (std::any_of(v.begin(), v.end(), [](char c) { return c >= 0 && c < 0x20 && c != '\t'; })) {
                fail(path, "control characters are not allowed");
            }
        } else if constexpr (is_optional<T>::value) {
            if (j.is_null()) {
                v.reset();
            } else {
                typename T::value_type inner{};
                decode(j, inner, path);
                v = std::move(inner);
            }
        } else if constexpr (is_vector<T>::value) {
            if (!j.is_array()) {
                fail(path, "expected an array");
                return;
            }
            v.clear();
            for (std::size_t i = 0; i < j.size(); ++i) {
                typename T::value_type e{};
                decode(j[i], e, path + "/" + std::to_string(i));
                v.push_back(std::move(e));
            }
        } else {
            decode_object(j, v, path);
        }
    }

private:
    template <class T> void decode_object(const nlohmann::json& j, T& v, const std::string& path) {
        if (!j.is_object()) {
            fail(path, "expected an object");
            return;
        }
        std::set<std::string> known;
        auto field = [&](const char* key, auto& member) {
            known.insert(key);
            if (auto it = j.find(key); it != j.end()) {
                decode(*it, member, path + "/" + key);
            }
        };
        describe(v, field);
        for (const auto& [key, value] : j.items()) {
            if (!known.contains(key)) {
                fail(path + "/" + key, "unknown field");
            }
        }
    }

    void fail(const std::string& path, std::string message) {
        errors.push_back({path, std::move(message)});
    }
};

// The parser keeps these sorted; JSON may list them in any order.
void normalise(config& cfg) {
    auto by = [](auto key) { return [key](const auto& a, const auto& b) { return key(a) < key(b); }; };
    std::stable_sort(cfg.isakmp.policies.begin(), cfg.isakmp.policies.end(),
                     by([](const isakmp_policy& p) { return p.priority; }));
    for (gdoi_group& g : cfg.groups) {
        if (g.server_local) {
            std::stable_sort(g.server_local->sas.begin(), g.server_local->sas.end(),
                             by([](const gdoi_sa_ipsec& s) { return s.seq; }));
        }
    }
    for (crypto_map& m : cfg.crypto_maps) {
        std::stable_sort(m.entries.begin(), m.entries.end(), by([](const crypto_map_entry& e) { return e.seq; }));
    }
}

} // namespace

nlohmann::json to_json(const config& cfg) {
    return encode(cfg);
}

from_json_result from_json(const nlohmann::json& j) {
    reader r;
    config cfg;
    r.decode(j, cfg, "");
    from_json_result result;
    result.errors = std::move(r.errors);
    if (!result.errors.empty()) {
        return result;
    }
    normalise(cfg);
    // Values must be ones the IOS text can express (ranges, names, combinations):
    // the parser is the single place that knows them.
    const parse_result reparsed = parse_config(print_config(cfg));
    for (const diagnostic& d : reparsed.diagnostics) {
        if (d.lvl == diagnostic::level::error) {
            result.errors.push_back({"", d.message + ": " + d.text});
        }
    }
    // The text file is what persists: a model that does not survive printing
    // (unsorted sequence numbers, a name with a "!" in it) would change on reload.
    if (result.errors.empty() && !(reparsed.cfg == cfg)) {
        result.errors.push_back({"", "the config does not print as IOS text that reads back the same"});
    }
    if (result.errors.empty()) {
        result.cfg = std::move(cfg);
    }
    return result;
}

} // namespace mgmt
