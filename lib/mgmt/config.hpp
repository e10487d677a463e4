// The whole appliance configuration as one value type: the GET VPN subset of IOS
// seen in the seeds plus our appliance lines (dpdk-port, dataplane).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mgmt {

// IPv4 address in host byte order.
struct ipv4 {
    std::uint32_t value = 0;

    static std::optional<ipv4> parse(std::string_view text);
    std::string to_string() const;
    auto operator<=>(const ipv4&) const = default;
};

// Length of a contiguous netmask (255.255.255.0 -> 24); nullopt when not contiguous.
std::optional<unsigned> mask_to_prefix(ipv4 mask);
ipv4 prefix_to_mask(unsigned prefix_len);

// The config line an object was defined on, for diagnostics. It never takes part in
// comparisons: two configs that differ only in layout are the same config.
struct source_line {
    int value = 0;
    bool operator==(const source_line&) const { return true; }
};

// ---- crypto isakmp ---------------------------------------------------------

enum class ike_cipher { tdes, aes };
enum class ike_hash { md5, sha, sha256, sha384, sha512 };
enum class ike_auth { pre_share, rsa_sig };

struct isakmp_policy {
    unsigned priority = 0;
    ike_cipher encryption = ike_cipher::aes;
    unsigned key_bits = 128; // aes: 128|192|256; 3des: 192
    ike_hash hash = ike_hash::sha;
    ike_auth authentication = ike_auth::rsa_sig;
    unsigned dh_group = 14;
    unsigned lifetime = 86400; // seconds
    source_line line;
    bool operator==(const isakmp_policy&) const = default;
};

// crypto isakmp key KEY address A [MASK]; address 0.0.0.0 matches every peer.
struct isakmp_key {
    std::string key;
    ipv4 address;
    ipv4 mask{0xffffffffu};
    source_line line;
    bool operator==(const isakmp_key&) const = default;
};

enum class keepalive_mode { on_demand, periodic };

struct isakmp_keepalive {
    unsigned interval = 10; // seconds
    std::optional<unsigned> retry;
    keepalive_mode mode = keepalive_mode::on_demand;
    bool operator==(const isakmp_keepalive&) const = default;
};

struct isakmp_cfg {
    std::vector<isakmp_policy> policies; // sorted by priority
    std::vector<isakmp_key> keys;
    std::optional<isakmp_keepalive> keepalive;
    bool operator==(const isakmp_cfg&) const = default;
};

// ---- crypto ipsec ----------------------------------------------------------

enum class esp_cipher { null, tdes, aes_cbc, aes_gcm, aes_gmac };
enum class esp_integrity { none, md5, sha1, sha256, sha384, sha512 };
enum class ipsec_mode { tunnel, transport };
// What the outer header's DF bit becomes on encapsulation (crypto ipsec df-bit).
enum class df_bit_policy { copy, set, clear };

struct transform_set {
    std::string name;
    esp_cipher cipher = esp_cipher::aes_cbc;
    unsigned key_bits = 128; // 0 for null, 192 for 3des
    esp_integrity integrity = esp_integrity::none;
    ipsec_mode mode = ipsec_mode::tunnel;
    source_line line;
    bool operator==(const transform_set&) const = default;
};

struct ipsec_profile {
    std::string name;
    std::string transform_set;
    unsigned sa_lifetime = 3600; // seconds
    source_line line;
    bool operator==(const ipsec_profile&) const = default;
};

struct ipsec_cfg {
    std::vector<transform_set> transform_sets;
    std::vector<ipsec_profile> profiles;
    df_bit_policy df_bit = df_bit_policy::copy;
    bool operator==(const ipsec_cfg&) const = default;
};

// crypto key generate rsa [general-keys] label L [modulus N] [exportable]
struct rsa_key_cfg {
    std::string label;
    unsigned modulus = 2048;
    bool exportable = false;
    source_line line;
    bool operator==(const rsa_key_cfg&) const = default;
};

// ---- crypto gdoi -----------------------------------------------------------

enum class replay_kind { counter, time, none };
// KEK cipher (rekey algorithm, client rekey encryption).
enum class kek_cipher { tdes, aes128, aes192, aes256 };
enum class kek_hash { sha, sha256, sha384, sha512 };

struct gdoi_sa_ipsec {
    unsigned seq = 1;
    std::string profile;
    std::string match_acl;
    replay_kind replay = replay_kind::counter; // the IOS default
    unsigned replay_window = 64; // packets for counter, seconds for time
    source_line line;
    bool operator==(const gdoi_sa_ipsec&) const = default;
};

struct rekey_retransmit_cfg {
    unsigned interval = 10; // seconds
    std::optional<unsigned> number; // retransmissions; nullopt with periodic
    bool periodic = false;
    bool operator==(const rekey_retransmit_cfg&) const = default;
};

struct ks_redundancy {
    unsigned local_priority = 1;
    std::vector<ipv4> peers;
    bool operator==(const ks_redundancy&) const = default;
};

// server local: this box is a key server for the group.
struct gdoi_server_local {
    kek_cipher rekey_algorithm = kek_cipher::aes128;
    unsigned rekey_lifetime = 86400; // seconds
    std::optional<rekey_retransmit_cfg> rekey_retransmit; // nullopt: no retransmits
    std::string rekey_rsa_key; // rekey authentication mypubkey rsa LABEL
    bool rekey_unicast = false; // rekey transport unicast; multicast otherwise
    std::string rekey_address_acl; // rekey address ipv4 ACL (multicast rekey)
    std::string authorization_address_acl;
    std::string authorization_identity;
    std::optional<ipv4> address; // source of rekeys and COOP
    std::vector<gdoi_sa_ipsec> sas; // sorted by seq
    bool sa_receive_only = false;
    std::optional<ks_redundancy> redundancy;
    bool operator==(const gdoi_server_local&) const = default;
};

// GM-side client lines of a group.
struct gdoi_client {
    std::vector<kek_cipher> rekey_encryption; // empty: any
    std::optional<kek_hash> rekey_hash;
    std::vector<std::string> transform_sets; // acceptable TEK transform sets, empty: any
    std::string registration_interface;
    bool operator==(const gdoi_client&) const = default;
};

struct gdoi_group {
    std::string name;
    std::optional<std::uint32_t> identity_number;
    std::optional<ipv4> identity_address;
    std::vector<ipv4> servers; // server address ipv4, in registration order
    std::optional<gdoi_server_local> server_local;
    bool passive = false;
    gdoi_client client;
    source_line line;
    bool operator==(const gdoi_group&) const = default;
};

// ---- crypto map ------------------------------------------------------------

struct crypto_map_entry {
    unsigned seq = 0;
    std::string group;
    std::string match_acl; // GM local exception ACL (deny entries)
    source_line line;
    bool operator==(const crypto_map_entry&) const = default;
};

struct fail_close_cfg {
    std::string match_acl; // deny = forward in clear, permit = drop
    bool activate = false;
    bool operator==(const fail_close_cfg&) const = default;
};

struct crypto_map {
    std::string name;
    std::vector<crypto_map_entry> entries; // all gdoi, sorted by seq
    std::optional<fail_close_cfg> fail_close;
    std::string local_address; // interface name
    source_line line;
    bool operator==(const crypto_map&) const = default;
};

// ---- manual group SAs (a test and benchmark aid) ------------------------------

// Cipher of a hand-installed TEK; counter-mode only, keys carry a 4-byte salt.
enum class manual_cipher { esp_gcm, esp_gmac };

// crypto gdoi manual-sa group G spi N transform esp-gcm BITS key 0xHEX sender-id N
//   match address ACL
// Installs a TEK by hand through the same installer GDOI uses, so the data plane
// can be tested and benchmarked without a key server. Not for production.
struct manual_sa {
    std::string group;     // a crypto gdoi group that a crypto map uses
    unsigned spi = 0;      // 256..4294967295
    manual_cipher cipher = manual_cipher::esp_gcm;
    unsigned key_bits = 128; // 128 or 256
    std::string key;       // lowercase hex, key || 4-byte salt
    unsigned sender_id = 0; // RFC 6054 sender ID of worker 0 (worker i uses sender_id + i)
    std::string match_acl; // its permit lines select the traffic to encrypt
    source_line line;
    bool operator==(const manual_sa&) const = default;
};

// Bytes of key || salt a manual SA needs.
inline std::size_t manual_key_bytes(unsigned key_bits) { return key_bits / 8 + 4; }
// Sender ID bits of manual SAs: 8 (256 GMs x their workers); the rest is the IV counter.
inline constexpr unsigned manual_sender_id_bits = 8;

// ---- access lists ----------------------------------------------------------

enum class acl_action { permit, deny };
enum class port_op { any, eq, neq, lt, gt, range };

struct address_match {
    ipv4 address;
    ipv4 wildcard{0xffffffffu}; // any
    bool operator==(const address_match&) const = default;
};

struct port_match {
    port_op op = port_op::any;
    std::uint16_t low = 0;
    std::uint16_t high = 0; // range only
    bool operator==(const port_match&) const = default;
};

struct ace {
    std::optional<unsigned> seq;
    std::string remark; // a remark line when non-empty; the rest is then unused
    acl_action action = acl_action::permit;
    unsigned protocol = 0; // 0 = ip (any)
    address_match source;
    port_match source_port;
    address_match destination;
    port_match destination_port;
    bool established = false;
    bool log = false;
    bool operator==(const ace&) const = default;
};

struct access_list {
    std::string name; // "101" for numbered lists
    bool extended = true;
    std::vector<ace> entries;
    source_line line;
    bool operator==(const access_list&) const = default;
};

// ---- interfaces, routes, appliance -----------------------------------------

struct dpdk_port {
    enum class bus { pci, vdev } kind = bus::vdev;
    std::string spec; // "0000:03:00.1" or "net_af_packet0,iface=veth1"
    bool operator==(const dpdk_port&) const = default;
};

struct ipv4_if_address {
    ipv4 addr;
    unsigned prefix_len = 32;
    bool operator==(const ipv4_if_address&) const = default;
};

// `ip igmp join-group G [source S]`: the appliance itself is a member of G, so
// the data plane hands G's packets arriving here to the kernel.
struct igmp_join {
    ipv4 group;
    std::optional<ipv4> source;
    bool operator==(const igmp_join&) const = default;
};

struct interface_cfg {
    std::string name; // as written: Ethernet0/0, e0/0, Loopback0
    std::optional<dpdk_port> port;
    std::optional<ipv4_if_address> address;
    std::string crypto_map;
    std::optional<unsigned> mtu;
    std::vector<ipv4> igmp_static_groups; // `ip igmp static-group G`: forward G out of here
    std::vector<igmp_join> igmp_joins;
    std::string description;
    bool shutdown = false;
    std::vector<std::string> unsupported; // harmless lines kept for printing
    source_line line;
    bool operator==(const interface_cfg&) const = default;
};

struct static_route {
    ipv4 prefix;
    unsigned prefix_len = 0;
    std::optional<ipv4> next_hop;
    std::string interface;
    source_line line;
    bool operator==(const static_route&) const = default;
};

struct dataplane_cfg {
    unsigned workers = 1;
    unsigned mbufs = 8191;
    unsigned burst = 64;
    bool operator==(const dataplane_cfg&) const = default;
};

// A harmless top-level line we do not support (hostname, router bgp ...), with
// its indented sub-mode lines, kept so that printing loses nothing.
struct unsupported_block {
    std::string text;
    std::vector<std::string> children;
    bool operator==(const unsupported_block&) const = default;
};

struct config {
    isakmp_cfg isakmp;
    ipsec_cfg ipsec;
    std::vector<rsa_key_cfg> rsa_keys;
    std::vector<gdoi_group> groups;
    std::vector<crypto_map> crypto_maps;
    std::vector<manual_sa> manual_sas;
    std::vector<access_list> access_lists;
    std::vector<interface_cfg> interfaces;
    std::vector<static_route> routes;
    bool multicast_routing = false; // `ip multicast-routing`: forward to the igmp static groups
    dataplane_cfg dataplane;
    std::vector<unsupported_block> unsupported;

    bool operator==(const config&) const = default;

    // Some group has `server local`.
    bool is_key_server() const;
    // Some interface carries a crypto map with a gdoi entry.
    bool is_group_member() const;

    const interface_cfg* find_interface(std::string_view name) const;
    const gdoi_group* find_group(std::string_view name) const;
    const crypto_map* find_crypto_map(std::string_view name) const;
    const manual_sa* find_manual_sa(std::string_view group) const;
    const access_list* find_access_list(std::string_view name) const;
    const ipsec_profile* find_profile(std::string_view name) const;
    const transform_set* find_transform_set(std::string_view name) const;
};

// ---- keyword tables shared by the parser, the printer and JSON ---------------

template <class E>
using name_table = std::span<const std::pair<E, std::string_view>>;

name_table<ike_cipher> names(ike_cipher);
name_table<ike_hash> names(ike_hash);
name_table<ike_auth> names(ike_auth);
name_table<keepalive_mode> names(keepalive_mode);
name_table<esp_cipher> names(esp_cipher);
name_table<esp_integrity> names(esp_integrity);
name_table<ipsec_mode> names(ipsec_mode);
name_table<df_bit_policy> names(df_bit_policy);
name_table<manual_cipher> names(manual_cipher);
name_table<replay_kind> names(replay_kind);
name_table<kek_cipher> names(kek_cipher);
name_table<kek_hash> names(kek_hash);
name_table<acl_action> names(acl_action);
name_table<port_op> names(port_op);
name_table<dpdk_port::bus> names(dpdk_port::bus);

template <class E>
std::string_view to_string(E e) {
    for (const auto& [value, name] : names(E{})) {
        if (value == e) {
            return name;
        }
    }
    return "?";
}

template <class E>
std::optional<E> enum_from_string(std::string_view s) {
    for (const auto& [value, name] : names(E{})) {
        if (name == s) {
            return value;
        }
    }
    return std::nullopt;
}

// IP protocol and port keywords of IOS ACLs.
std::optional<unsigned> protocol_from_name(std::string_view name);
std::string protocol_name(unsigned protocol); // "ip", "tcp", ... or the number
std::optional<std::uint16_t> port_from_name(std::string_view name);

} // namespace mgmt
