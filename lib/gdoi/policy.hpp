// Control-plane key and policy types: the TEK handed to the data-plane installer,
// the KEK, and the key server's group policy (plain structs; the app maps config to them).
#pragma once

#include "gdoi/bytes.hpp"
#include "gdoi/crypto.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gdoi {

struct ipv4_prefix {
    std::uint32_t addr = 0; // host order
    std::uint8_t len = 0;
    std::uint32_t mask() const { return len == 0 ? 0 : ~std::uint32_t{0} << (32 - len); }
    bool contains(std::uint32_t a) const { return (a & mask()) == (addr & mask()); }
    bool operator==(const ipv4_prefix&) const = default;
};

// One ACL entry as a TEK traffic selector (ports 0 = any, protocol 0 = any).
struct traffic_selector {
    std::uint8_t protocol = 0;
    ipv4_prefix src;
    std::uint16_t src_port = 0;
    ipv4_prefix dst;
    std::uint16_t dst_port = 0;
    bool operator==(const traffic_selector&) const = default;
};

// One ACL line: permit = protect with the group's keys, deny = bypass (send in clear).
struct policy_entry {
    bool permit = true;
    traffic_selector sel;
    bool operator==(const policy_entry&) const = default;
};

enum class sa_direction : std::uint8_t { sender_only = 1, receiver_only = 2, symmetric = 3 };

// ESP transform IDs (IPsec DOI) and auth algorithm attribute values.
enum class esp_transform : std::uint8_t { des3 = 3, aes_cbc = 12, aes_gcm_8 = 18, aes_gcm_12 = 19, aes_gcm_16 = 20, aes_gmac = 23 };
enum class esp_auth : std::uint16_t { none = 0, hmac_sha1 = 2, hmac_sha256 = 5, hmac_sha384 = 6, hmac_sha512 = 7 };

inline bool is_counter_mode(esp_transform t)
{
    return t == esp_transform::aes_gcm_8 || t == esp_transform::aes_gcm_12 || t == esp_transform::aes_gcm_16 ||
           t == esp_transform::aes_gmac;
}
std::size_t auth_key_size(esp_auth a);

// A transform set: what `crypto ipsec transform-set` names.
struct transform_set {
    esp_transform transform = esp_transform::aes_gcm_16;
    unsigned key_bits = 128;
    esp_auth auth = esp_auth::none;
    bool operator==(const transform_set&) const = default;
};

enum class replay_mode : std::uint8_t { none = 0, counter = 1, time = 2 };
struct replay_params {
    replay_mode mode = replay_mode::none;
    std::uint32_t window = 0;         // counter: packets; time: seconds
    std::uint64_t pseudotime_ms = 0;  // KS pseudotime when the TEK was sent
    std::uint32_t tick_ms = 0;
    bool operator==(const replay_params&) const = default;
};

// Traffic encryption key: everything the data plane needs for one group SA.
struct tek {
    std::uint32_t spi = 0;
    transform_set transform;
    bytes enc_key;  // without salt
    bytes salt;     // 4 bytes for GCM/GMAC, empty otherwise
    bytes auth_key; // HMAC key for CBC transforms
    std::chrono::seconds lifetime{3600};
    sa_direction direction = sa_direction::symmetric;
    std::vector<traffic_selector> selectors; // the traffic this SA protects (ACL permits)
    std::uint8_t address_preservation = 4;
    replay_params replay;
};

enum class kek_algorithm : std::uint16_t { des3 = 2, aes = 3 };

// Key encryption key for GROUPKEY-PUSH, with the KS rekey public key.
struct kek_sa {
    std::array<std::uint8_t, 16> spi{};
    kek_algorithm algorithm = kek_algorithm::aes;
    unsigned key_bits = 128;
    std::chrono::seconds lifetime{86400};
    hash_alg sig_hash = hash_alg::sha256;
    unsigned sig_key_bits = 2048;
    bytes key;
    bytes sig_public_key; // DER SubjectPublicKeyInfo
};

// The KS rekey RSA key pair (generated, or loaded from PEM; exportable for COOP).
class rsa_key {
public:
    static result<rsa_key> generate(unsigned bits);
    static result<rsa_key> from_pem(std::string_view pem);
    rsa_key(const rsa_key&);
    rsa_key& operator=(const rsa_key&);
    rsa_key(rsa_key&&) noexcept;
    rsa_key& operator=(rsa_key&&) noexcept;
    ~rsa_key();

    std::string private_pem() const;
    bytes public_der() const;
    unsigned bits() const;
    void* native() const; // EVP_PKEY*

private:
    struct impl;
    explicit rsa_key(std::shared_ptr<impl> p);
    std::shared_ptr<impl> impl_;
};

// `sa ipsec N`: one TEK with its profile's transform, the ACL and replay settings.
struct tek_policy {
    unsigned number = 1;
    transform_set transform;
    std::chrono::seconds lifetime{3600};
    // `match address` in configured order: permits are the TEK's selectors, denies
    // bypass; members receive the whole list, denies included.
    std::vector<policy_entry> acl;
    replay_params replay;
    bool receive_only = false;
};

struct kek_policy {
    kek_algorithm algorithm = kek_algorithm::aes;
    unsigned key_bits = 128;
    std::chrono::seconds lifetime{86400};
    hash_alg sig_hash = hash_alg::sha256;
    std::shared_ptr<const rsa_key> rekey_key;
};

// `crypto gdoi group NAME` on the KS.
struct group_policy {
    std::string name;
    std::optional<std::uint32_t> identity_number;
    std::optional<std::uint32_t> identity_address;
    std::vector<tek_policy> teks;
    std::optional<kek_policy> kek;
    std::vector<ipv4_prefix> authorized; // empty: every address may register
    // Certificate subjects allowed to register: each entry is an RFC 2253 fragment
    // ("OU=GETVPN") that the peer's verified DN must contain. Empty: no DN check.
    std::vector<std::string> authorized_identities;
    // Sender-ID length for counter-mode TEKs: 16 bits leave 65,535 IDs per TEK
    // generation (one per member lcore) and a 48-bit per-lcore IV counter.
    // Small values (tests) make the space run out: the KS then refuses members.
    unsigned sid_bits = 16;
    unsigned max_sids_per_gm = 32;
};

} // namespace gdoi
