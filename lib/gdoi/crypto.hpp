// The cryptographic primitives IKEv1 and GDOI need, all through OpenSSL 3 EVP:
// hash and HMAC prf, CBC ciphers without padding, DH over MODP and ECP groups, RAND.
#pragma once

#include "gdoi/bytes.hpp"

#include <cstdint>
#include <memory>

namespace gdoi {

// IKEv1 hash attribute values (RFC 2409 App. A).
enum class hash_alg : std::uint16_t { sha1 = 2, sha256 = 4, sha384 = 5, sha512 = 6 };
// IKEv1 encryption attribute values; AES key size comes from the key-length attribute.
enum class cipher_alg : std::uint16_t { des3_cbc = 5, aes_cbc = 7 };
// IKEv1 group numbers (RFC 2409, 3526, 5903).
enum class dh_group : std::uint16_t { modp1024 = 2, modp1536 = 5, modp2048 = 14, modp3072 = 15, ecp256 = 19, ecp384 = 20 };

std::string_view to_string(hash_alg h);
std::string_view to_string(cipher_alg c);
std::size_t hash_size(hash_alg h);
bool is_legacy(dh_group g); // groups 2 and 5: accepted only with a warning
bool is_supported(dh_group g);
std::size_t dh_public_size(dh_group g);

struct cipher_spec {
    cipher_alg alg = cipher_alg::aes_cbc;
    unsigned key_bits = 128;
    std::size_t key_size() const { return key_bits / 8; }
    std::size_t block_size() const { return alg == cipher_alg::des3_cbc ? 8 : 16; }
    bool valid() const;
};

bytes hash(hash_alg h, byte_view data);
// HMAC with the negotiated hash: IKEv1's prf.
bytes prf(hash_alg h, byte_view key, byte_view data);
// CBC, no padding: the input length must be a multiple of the block size. Throws
// std::runtime_error on an OpenSSL failure (never on peer input: callers check lengths).
bytes cbc_encrypt(const cipher_spec& c, byte_view key, byte_view iv, byte_view plain);
bytes cbc_decrypt(const cipher_spec& c, byte_view key, byte_view iv, byte_view cipher);
bytes random_bytes(std::size_t n);
std::uint32_t random_u32();

// One ephemeral Diffie-Hellman key pair. The public value is in IKE form:
// MODP left-padded to the modulus size, ECP x||y (RFC 5903).
class dh_key {
public:
    static result<dh_key> generate(dh_group g);
    dh_key(dh_key&&) noexcept;
    dh_key& operator=(dh_key&&) noexcept;
    ~dh_key();

    dh_group group() const { return group_; }
    const bytes& public_value() const { return public_; }
    // g^xy: MODP left-padded to the modulus, ECP the x coordinate.
    result<bytes> shared_secret(byte_view peer_public) const;

private:
    struct impl;
    dh_key(dh_group g, std::unique_ptr<impl> p, bytes pub);
    dh_group group_;
    std::unique_ptr<impl> impl_;
    bytes public_;
};

} // namespace gdoi
