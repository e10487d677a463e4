// X.509 loading and chain checks (OpenSSL X509_STORE) and IKEv1-style RSA
// signatures through EVP_PKEY_sign / EVP_PKEY_verify with PKCS#1 padding.
#include "gdoi/cert.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace gdoi {

namespace {

struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
};
using x509_ptr = std::unique_ptr<X509, x509_free>;

x509_ptr read_cert(std::string_view pem)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    return x509_ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

bytes name_der(const X509_NAME* n)
{
    unsigned char* out = nullptr;
    int len = i2d_X509_NAME(n, &out);
    bytes b;
    if (len > 0) {
        b.assign(out, out + len);
    }
    OPENSSL_free(out);
    return b;
}

std::string name_text(const X509_NAME* n)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    X509_NAME_print_ex(bio.get(), n, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

bytes cert_to_der(X509* x)
{
    unsigned char* out = nullptr;
    int len = i2d_X509(x, &out);
    bytes b;
    if (len > 0) {
        b.assign(out, out + len);
    }
    OPENSSL_free(out);
    return b;
}

} // namespace

result<cert_auth> cert_auth::load(const cert_credentials& c)
{
    cert_auth a;
    auto cert = read_cert(c.cert_pem);
    if (!cert) {
        return make_error(errc::bad_value, "certificate PEM");
    }
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(c.key_pem.data(), static_cast<int>(c.key_pem.size())),
                                                  BIO_free);
    EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        return make_error(errc::bad_value, "RSA private key PEM");
    }
    a.key_ = std::shared_ptr<void>(key, [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); });
    if (X509_check_private_key(cert.get(), key) != 1) {
        return make_error(errc::bad_value, "private key does not match the certificate");
    }
    X509_STORE* store = X509_STORE_new();
    a.store_ = std::shared_ptr<void>(store, [](void* s) { X509_STORE_free(static_cast<X509_STORE*>(s)); });
    for (const auto& pem : c.ca_pem) {
        auto ca = read_cert(pem);
        if (!ca || X509_STORE_add_cert(store, ca.get()) != 1) {
            return make_error(errc::bad_value, "CA certificate PEM");
        }
    }
    a.cert_der_ = cert_to_der(cert.get());
    a.subject_der_ = name_der(X509_get_subject_name(cert.get()));
    a.subject_ = name_text(X509_get_subject_name(cert.get()));
    return a;
}

result<bytes> cert_auth::sign(byte_view hash) const
{
    auto* key = static_cast<EVP_PKEY*>(key_.get());
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
    std::size_t len = 0;
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_sign(ctx.get(), nullptr, &len, hash.data(), hash.size()) <= 0) {
        return make_error(errc::crypto, "RSA sign init");
    }
    bytes sig(len);
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, hash.data(), hash.size()) <= 0) {
        return make_error(errc::crypto, "RSA sign");
    }
    sig.resize(len);
    return sig;
}

result<peer_cert> cert_auth::verify_peer(byte_view der) const
{
    const unsigned char* p = der.data();
    x509_ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert || p != der.data() + der.size()) {
        return make_error(errc::bad_value, "peer certificate DER");
    }
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
    if (!ctx || X509_STORE_CTX_init(ctx.get(), static_cast<X509_STORE*>(store_.get()), cert.get(), nullptr) != 1) {
        return make_error(errc::crypto, "X509_STORE_CTX_init");
    }
    if (X509_verify_cert(ctx.get()) != 1) {
        return make_error(errc::auth_failed,
                          std::string("peer certificate: ") +
                              X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
    }
    EVP_PKEY* pub = X509_get_pubkey(cert.get());
    if (pub == nullptr || EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pub);
        return make_error(errc::unsupported, "peer key is not RSA");
    }
    peer_cert out;
    out.public_key = std::shared_ptr<void>(pub, [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); });
    out.subject_der = name_der(X509_get_subject_name(cert.get()));
    out.subject = name_text(X509_get_subject_name(cert.get()));
    return out;
}

bool verify_signature(const peer_cert& peer, byte_view hash, byte_view sig)
{
    auto* key = static_cast<EVP_PKEY*>(peer.public_key.get());
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
    return ctx && EVP_PKEY_verify_init(ctx.get()) > 0 &&
           EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) > 0 &&
           EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), hash.data(), hash.size()) == 1;
}

} // namespace gdoi
