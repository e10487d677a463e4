// Configuration model helpers: IPv4 text, lookups, and the keyword tables that
// the parser, the printer and the JSON codec share so that they cannot disagree.
#include "mgmt/config.hpp"

#include <algorithm>
#include <charconv>

namespace mgmt {

std::optional<ipv4> ipv4::parse(std::string_view text) {
    std::uint32_t value = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (p == end || *p != '.') {
                return std::nullopt;
            }
            ++p;
        }
        // One to three digits, no sign, no leading '+'.
        unsigned part = 0;
        auto [next, ec] = std::from_chars(p, end, part);
        if (ec != std::errc{} || next == p || next - p > 3 || part > 255) {
            return std::nullopt;
        }
        value = (value << 8) | part;
        p = next;
    }
    if (p != end) {
        return std::nullopt;
    }
    return ipv4{value};
}

std::string ipv4::to_string() const {
    return std::to_string(value >> 24) + '.' + std::to_string((value >> 16) & 0xff) + '.' +
           std::to_string((value >> 8) & 0xff) + '.' + std::to_string(value & 0xff);
}

std::optional<unsigned> mask_to_prefix(ipv4 mask) {
    const std::uint32_t inverted = ~mask.value;
    // A contiguous mask inverted is 2^k - 1.
    if ((inverted & (inverted + 1)) != 0) {
        return std::nullopt;
    }
    unsigned len = 0;
    for (std::uint32_t m = mask.value; m != 0; m <<= 1) {
        ++len;
    }
    return len;
}

ipv4 prefix_to_mask(unsigned prefix_len) {
    if (prefix_len == 0) {
        return ipv4{0};
    }
    return ipv4{~std::uint32_t{0} << (32 - std::min(prefix_len, 32u))};
}

namespace {

template <class T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
    auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
    return it == items.end() ? nullptr : &*it;
}

} // namespace

bool config::is_key_server() const {
    return std::any_of(groups.begin(), groups.end(), [](const gdoi_group& g) { return g.server_local.has_value(); });
}

bool config::is_group_member() const {
    return std::any_of(interfaces.begin(), interfaces.end(), [this](const interface_cfg& i) {
        const crypto_map* map = i.crypto_map.empty() ? nullptr : find_crypto_map(i.crypto_map);
        return map != nullptr && !map->entries.empty();
    });
}

const interface_cfg* config::find_interface(std::string_view name) const { return find_named(interfaces, name); }
const gdoi_group* config::find_group(std::string_view name) const { return find_named(groups, name); }
const crypto_map* config::find_crypto_map(std::string_view name) const { return find_named(crypto_maps, name); }
const manual_sa* config::find_manual_sa(std::string_view group) const {
    for (const manual_sa& m : manual_sas) {
        if (m.group == group) {
            return &m;
        }
    }
    return nullptr;
}
const access_list* config::find_access_list(std::string_view name) const { return find_named(access_lists, name); }
const ipsec_profile* config::find_profile(std::string_view name) const { return find_named(ipsec.profiles, name); }
const transform_set* config::find_transform_set(std::string_view name) const {
    return find_named(ipsec.transform_sets, name);
}

// The names are the IOS keywords where IOS has one, and the JSON values.
#define MGMT_NAMES(E, ...)                                                      \
    name_table<E> names(E) {                                                    \
        static constexpr std::pair<E, std::string_view> table[] = {__VA_ARGS__}; \
        return table;                                                           \
    }

MGMT_NAMES(ike_cipher, {ike_cipher::tdes, "3des"}, {ike_cipher::aes, "aes"})
MGMT_NAMES(ike_hash, {ike_hash::md5, "md5"}, {ike_hash::sha, "sha"}, {ike_hash::sha256, "sha256"},
           {ike_hash::sha384, "sha384"}, {ike_hash::sha512, "sha512"})
MGMT_NAMES(ike_auth, {ike_auth::pre_share, "pre-share"}, {ike_auth::rsa_sig, "rsa-sig"})
MGMT_NAMES(keepalive_mode, {keepalive_mode::on_demand, "on-demand"}, {keepalive_mode::periodic, "periodic"})
MGMT_NAMES(esp_cipher, {esp_cipher::null, "esp-null"}, {esp_cipher::tdes, "esp-3des"},
           {esp_cipher::aes_cbc, "esp-aes"}, {esp_cipher::aes_gcm, "esp-gcm"}, {esp_cipher::aes_gmac, "esp-gmac"})
MGMT_NAMES(esp_integrity, {esp_integrity::none, "none"}, {esp_integrity::md5, "esp-md5-hmac"},
           {esp_integrity::sha1, "esp-sha-hmac"}, {esp_integrity::sha256, "esp-sha256-hmac"},
           {esp_integrity::sha384, "esp-sha384-hmac"}, {esp_integrity::sha512, "esp-sha512-hmac"})
MGMT_NAMES(ipsec_mode, {ipsec_mode::tunnel, "tunnel"}, {ipsec_mode::transport, "transport"})
MGMT_NAMES(df_bit_policy, {df_bit_policy::copy, "copy"}, {df_bit_policy::set, "set"},
           {df_bit_policy::clear, "clear"})
MGMT_NAMES(manual_cipher, {manual_cipher::esp_gcm, "esp-gcm"}, {manual_cipher::esp_gmac, "esp-gmac"})
MGMT_NAMES(replay_kind, {replay_kind::counter, "counter"}, {replay_kind::time, "time"},
           {replay_kind::none, "none"})
MGMT_NAMES(kek_cipher, {kek_cipher::tdes, "3des"}, {kek_cipher::aes128, "aes 128"},
           {kek_cipher::aes192, "aes 192"}, {kek_cipher::aes256, "aes 256"})
MGMT_NAMES(kek_hash, {kek_hash::sha, "sha"}, {kek_hash::sha256, "sha256"}, {kek_hash::sha384, "sha384"},
           {kek_hash::sha512, "sha512"})
MGMT_NAMES(acl_action, {acl_action::permit, "permit"}, {acl_action::deny, "deny"})
MGMT_NAMES(port_op, {port_op::any, "any"}, {port_op::eq, "eq"}, {port_op::neq, "neq"}, {port_op::lt, "lt"},
           {port_op::gt, "gt"}, {port_op::range, "range"})
MGMT_NAMES(dpdk_port::bus, {dpdk_port::bus::pci, "pci"}, {dpdk_port::bus::vdev, "vdev"})

#undef MGMT_NAMES

namespace {

constexpr std::pair<std::string_view, unsigned> protocol_table[] = {
    {"ip", 0},    {"icmp", 1},   {"igmp", 2}, {"ipinip", 4}, {"tcp", 6},   {"udp", 17},
    {"gre", 47},  {"esp", 50},   {"ahp", 51}, {"eigrp", 88}, {"ospf", 89}, {"nos", 94},
    {"pim", 103}, {"pcp", 108},
};

// The IOS ACL port keywords (TCP and UDP share one number space here).
constexpr std::pair<std::string_view, std::uint16_t> port_table[] = {
    {"echo", 7},        {"discard", 9},     {"daytime", 13},     {"chargen", 19},  {"ftp-data", 20},
    {"ftp", 21},        {"ssh", 22},        {"telnet", 23},      {"smtp", 25},     {"time", 37},
    {"nameserver", 42}, {"whois", 43},      {"tacacs", 49},      {"domain", 53},   {"bootps", 67},
    {"bootpc", 68},     {"tftp", 69},       {"gopher", 70},      {"finger", 79},   {"www", 80},
    {"pop2", 109},      {"pop3", 110},      {"sunrpc", 111},     {"ident", 113},   {"nntp", 119},
    {"ntp", 123},       {"netbios-ns", 137}, {"netbios-dgm", 138}, {"netbios-ss", 139}, {"snmp", 161},
    {"snmptrap", 162},  {"bgp", 179},       {"irc", 194},        {"https", 443},   {"isakmp", 500},
    {"biff", 512},      {"exec", 512},      {"login", 513},      {"who", 513},     {"cmd", 514},
    {"syslog", 514},    {"lpd", 515},       {"talk", 517},       {"rip", 520},     {"uucp", 540},
    {"klogin", 543},    {"kshell", 544},    {"non500-isakmp", 4500},
};

} // namespace

std::optional<unsigned> protocol_from_name(std::string_view name) {
    for (const auto& [n, v] : protocol_table) {
        if (n == name) {
            return v;
        }
    }
    return std::nullopt;
}

std::string protocol_name(unsigned protocol) {
    for (const auto& [n, v] : protocol_table) {
        if (v == protocol) {
            return std::string(n);
        }
    }
    return std::to_string(protocol);
}

std::optional<std::uint16_t> port_from_name(std::string_view name) {
    for (const auto& [n, v] : port_table) {
        if (n == name) {
            return v;
        }
    }
    return std::nullopt;
}

} // namespace mgmt
