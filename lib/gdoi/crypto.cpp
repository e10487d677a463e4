// OpenSSL 3 EVP implementations of the primitives in crypto.hpp.
#include "gdoi/crypto.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace gdoi {

namespace {

const EVP_MD* md_of(hash_alg h)
{
    switch (h) {
    case hash_alg::sha1: return EVP_sha1();
    case hash_alg::sha256: return EVP_sha256();
    case hash_alg::sha384: return EVP_sha384();
    case hash_alg::sha512: return EVP_sha512();
    }
    throw std::invalid_argument("hash algorithm");
}

const char* md_name(hash_alg h)
{
    switch (h) {
    case hash_alg::sha1: return "SHA1";
    case hash_alg::sha256: return "SHA256";
    case hash_alg::sha384: return "SHA384";
    case hash_alg::sha512: return "SHA512";
    }
    throw std::invalid_argument("hash algorithm");
}

const EVP_CIPHER* cipher_of(const cipher_spec& c)
{
    if (c.alg == cipher_alg::des3_cbc) {
        return EVP_des_ede3_cbc();
    }
    switch (c.key_bits) {
    case 128: return EVP_aes_128_cbc();
    case 192: return EVP_aes_192_cbc();
    case 256: return EVP_aes_256_cbc();
    default: throw std::invalid_argument("AES key size");
    }
}

struct pkey_ctx_free {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct pkey_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct cipher_ctx_free {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct bn_free {
    void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct bld_free {
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct params_free {
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;

bool is_ecp(dh_group g) { return g == dh_group::ecp256 || g == dh_group::ecp384; }

const char* curve_name(dh_group g) { return g == dh_group::ecp256 ? "P-256" : "P-384"; }

// The MODP primes of RFC 2409 / 3526; the generator is 2 for all of them.
bn_ptr modp_prime(dh_group g)
{
    switch (g) {
    case dh_group::modp1024: return bn_ptr(BN_get_rfc2409_prime_1024(nullptr));
    case dh_group::modp1536: return bn_ptr(BN_get_rfc3526_prime_1536(nullptr));
    case dh_group::modp2048: return bn_ptr(BN_get_rfc3526_prime_2048(nullptr));
    case dh_group::modp3072: return bn_ptr(BN_get_rfc3526_prime_3072(nullptr));
    default: return nullptr;
    }
}

// Domain parameters (and optionally a public key) as an EVP_PKEY via fromdata.
pkey_ptr modp_pkey(dh_group g, const BIGNUM* pub)
{
    auto p = modp_prime(g);
    bn_ptr gen(BN_new());
    if (!p || !gen || !BN_set_word(gen.get(), 2)) {
        return nullptr;
    }
    std::unique_ptr<OSSL_PARAM_BLD, bld_free> bld(OSSL_PARAM_BLD_new());
    if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, gen.get())) {
        return nullptr;
    }
    if (pub != nullptr && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub)) {
        return nullptr;
    }
    std::unique_ptr<OSSL_PARAM, params_free> params(OSSL_PARAM_BLD_to_param(bld.get()));
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    EVP_PKEY* out = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &out, pub ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS, params.get()) <= 0) {
        return nullptr;
    }
    return pkey_ptr(out);
}

pkey_ptr ecp_peer(dh_group g, byte_view xy)
{
    bytes point;
    point.push_back(0x04); // uncompressed
    append(point, xy);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve_name(g)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end(),
    };
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* out = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        return nullptr;
    }
    return pkey_ptr(out);
}

} // namespace

std::string_view to_string(hash_alg h)
{
    switch (h) {
    case hash_alg::sha1: return "sha";
    case hash_alg::sha256: return "sha256";
    case hash_alg::sha384: return "sha384";
    case hash_alg::sha512: return "sha512";
    }
    return "?";
}

std::string_view to_string(cipher_alg c) { return c == cipher_alg::des3_cbc ? "3des" : "aes"; }

std::size_t hash_size(hash_alg h) { return static_cast<std::size_t>(EVP_MD_get_size(md_of(h))); }

bool is_legacy(dh_group g) { return g == dh_group::modp1024 || g == dh_group::modp1536; }

bool is_supported(dh_group g)
{
    switch (g) {
    case dh_group::modp1024:
    case dh_group::modp1536:
    case dh_group::modp2048:
    case dh_group::modp3072:
    case dh_group::ecp256:
    case dh_group::ecp384: return true;
    }
    return false;
}

std::size_t dh_public_size(dh_group g)
{
    switch (g) {
    case dh_group::modp1024: return 128;
    case dh_group::modp1536: return 192;
    case dh_group::modp2048: return 256;
    case dh_group::modp3072: return 384;
    case dh_group::ecp256: return 64;
    case dh_group::ecp384: return 96;
    }
    return 0;
}

bool cipher_spec::valid() const
{
    if (alg == cipher_alg::des3_cbc) {
        return key_bits == 192;
    }
    return alg == cipher_alg::aes_cbc && (key_bits == 128 || key_bits == 192 || key_bits == 256);
}

bytes hash(hash_alg h, byte_view data)
{
    bytes out(static_cast<std::size_t>(EVP_MAX_MD_SIZE));
    unsigned len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, md_of(h), nullptr) != 1) {
        throw std::runtime_error("EVP_Digest");
    }
    out.resize(len);
    return out;
}

bytes prf(hash_alg h, byte_view key, byte_view data)
{
    bytes out(static_cast<std::size_t>(EVP_MAX_MD_SIZE));
    std::size_t len = 0;
    static const std::uint8_t empty = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, md_name(h), nullptr, key.empty() ? &empty : key.data(), key.size(),
                  data.data(), data.size(), out.data(), out.size(), &len) == nullptr) {
        throw std::runtime_error("EVP_Q_mac");
    }
    out.resize(len);
    return out;
}

namespace {

bytes cbc(const cipher_spec& c, byte_view key, byte_view iv, byte_view in, int enc)
{
    if (key.size() != c.key_size() || iv.size() != c.block_size() || in.size() % c.block_size() != 0) {
        throw std::invalid_argument("CBC key, IV or length");
    }
    std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_free> ctx(EVP_CIPHER_CTX_new());
    bytes out(in.size() + c.block_size());
    int n1 = 0;
    int n2 = 0;
    if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher_of(c), nullptr, key.data(), iv.data(), enc) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_CipherUpdate(ctx.get(), out.data(), &n1, in.data(), static_cast<int>(in.size())) != 1 ||
        EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) != 1) {
        throw std::runtime_error("EVP CBC");
    }
    out.resize(static_cast<std::size_t>(n1 + n2));
    return out;
}

} // namespace

bytes cbc_encrypt(const cipher_spec& c, byte_view key, byte_view iv, byte_view plain)
{
    return cbc(c, key, iv, plain, 1);
}

bytes cbc_decrypt(const cipher_spec& c, byte_view key, byte_view iv, byte_view cipher)
{
    return cbc(c, key, iv, cipher, 0);
}

bytes random_bytes(std::size_t n)
{
    bytes out(n);
    if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
        throw std::runtime_error("RAND_bytes");
    }
    return out;
}

std::uint32_t random_u32()
{
    auto b = random_bytes(4);
    return static_cast<std::uint32_t>(b[0]) << 24 | static_cast<std::uint32_t>(b[1]) << 16 |
           static_cast<std::uint32_t>(b[2]) << 8 | b[3];
}

// ---- DH ----

struct dh_key::impl {
    pkey_ptr key;
};

dh_key::dh_key(dh_group g, std::unique_ptr<impl> p, bytes pub) : group_(g), impl_(std::move(p)), public_(std::move(pub)) {}
dh_key::dh_key(dh_key&&) noexcept = default;
dh_key& dh_key::operator=(dh_key&&) noexcept = default;
dh_key::~dh_key() = default;

result<dh_key> dh_key::generate(dh_group g)
{
    if (!is_supported(g)) {
        return make_error(errc::unsupported, "DH group " + std::to_string(static_cast<unsigned>(g)));
    }
    auto p = std::make_unique<impl>();
    bytes pub;
    if (is_ecp(g)) {
        EVP_PKEY* k = EVP_EC_gen(curve_name(g));
        if (k == nullptr) {
            return make_error(errc::crypto, "EVP_EC_gen");
        }
        p->key.reset(k);
        bytes point(1 + dh_public_size(g));
        std::size_t len = 0;
        if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len) != 1 ||
            len != point.size() || point[0] != 0x04) {
            return make_error(errc::crypto, "EC public key");
        }
        pub.assign(point.begin() + 1, point.end());
    } else {
        auto params = modp_pkey(g, nullptr);
        if (!params) {
            return make_error(errc::crypto, "DH parameters");
        }
        pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, params.get(), nullptr));
        EVP_PKEY* k = nullptr;
        if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_generate(ctx.get(), &k) <= 0) {
            return make_error(errc::crypto, "DH keygen");
        }
        p->key.reset(k);
        BIGNUM* y = nullptr;
        if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PUB_KEY, &y) != 1) {
            return make_error(errc::crypto, "DH public key");
        }
        bn_ptr yp(y);
        pub.resize(dh_public_size(g));
        if (BN_bn2binpad(y, pub.data(), static_cast<int>(pub.size())) < 0) {
            return make_error(errc::crypto, "DH public key size");
        }
    }
    return dh_key(g, std::move(p), std::move(pub));
}

result<bytes> dh_key::shared_secret(byte_view peer_public) const
{
    if (peer_public.size() != dh_public_size(group_)) {
        return make_error(errc::bad_length, "KE data size for the DH group");
    }
    pkey_ptr peer;
    if (is_ecp(group_)) {
        peer = ecp_peer(group_, peer_public);
    } else {
        bn_ptr y(BN_bin2bn(peer_public.data(), static_cast<int>(peer_public.size()), nullptr));
        // Reject y <= 1 and y >= p-1 (small-subgroup confinement), as RFC 2631 asks.
        auto p = modp_prime(group_);
        bn_ptr pm1(BN_dup(p.get()));
        if (!y || !pm1 || !BN_sub_word(pm1.get(), 1) || BN_cmp(y.get(), BN_value_one()) <= 0 ||
            BN_cmp(y.get(), pm1.get()) >= 0) {
            return make_error(errc::bad_value, "DH public value out of range");
        }
        peer = modp_pkey(group_, y.get());
    }
    if (!peer) {
        return make_error(errc::bad_value, "peer public key rejected");
    }
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, impl_->key.get(), nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0) {
        return make_error(errc::crypto, "derive init");
    }
    if (!is_ecp(group_) && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) <= 0) {
        return make_error(errc::crypto, "DH pad");
    }
    if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) <= 0) {
        return make_error(errc::bad_value, "peer public key invalid");
    }
    std::size_t len = 0;
    if (EVP_PKEY_derive(ctx.get(), nullptr, &len) <= 0) {
        return make_error(errc::crypto, "derive size");
    }
    bytes out(len);
    if (EVP_PKEY_derive(ctx.get(), out.data(), &len) <= 0) {
        return make_error(errc::crypto, "derive");
    }
    out.resize(len);
    return out;
}

} // namespace gdoi
