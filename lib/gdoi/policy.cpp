// rsa_key over EVP_PKEY, and the recording installer.
#include "gdoi/installer.hpp"
#include "gdoi/policy.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace gdoi {

std::size_t auth_key_size(esp_auth a)
{
    switch (a) {
    case esp_auth::none: return 0;
    case esp_auth::hmac_sha1: return 20;
    case esp_auth::hmac_sha256: return 32;
    case esp_auth::hmac_sha384: return 48;
    case esp_auth::hmac_sha512: return 64;
    }
    return 0;
}

struct rsa_key::impl {
    EVP_PKEY* key = nullptr;
    ~impl() { EVP_PKEY_free(key); }
};

rsa_key::rsa_key(std::shared_ptr<impl> p) : impl_(std::move(p)) {}
rsa_key::rsa_key(const rsa_key&) = default;
rsa_key& rsa_key::operator=(const rsa_key&) = default;
rsa_key::rsa_key(rsa_key&&) noexcept = default;
rsa_key& rsa_key::operator=(rsa_key&&) noexcept = default;
rsa_key::~rsa_key() = default;

result<rsa_key> rsa_key::generate(unsigned bits)
{
    auto p = std::make_shared<impl>();
    p->key = EVP_RSA_gen(bits);
    if (p->key == nullptr) {
        return make_error(errc::crypto, "EVP_RSA_gen");
    }
    return rsa_key(std::move(p));
}

result<rsa_key> rsa_key::from_pem(std::string_view pem)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    auto p = std::make_shared<impl>();
    p->key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (p->key == nullptr || EVP_PKEY_get_base_id(p->key) != EVP_PKEY_RSA) {
        return make_error(errc::bad_value, "not an RSA private key in PEM");
    }
    return rsa_key(std::move(p));
}

std::string rsa_key::private_pem() const
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_secmem()), BIO_free);
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        throw std::runtime_error("PEM_write_bio_PrivateKey");
    }
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

bytes rsa_key::public_der() const
{
    int n = i2d_PUBKEY(impl_->key, nullptr);
    if (n <= 0) {
        throw std::runtime_error("i2d_PUBKEY");
    }
    bytes out(static_cast<std::size_t>(n));
    unsigned char* p = out.data();
    i2d_PUBKEY(impl_->key, &p);
    return out;
}

unsigned rsa_key::bits() const { return static_cast<unsigned>(EVP_PKEY_get_bits(impl_->key)); }

void* rsa_key::native() const { return impl_->key; }

void recording_installer::install_sa(const std::string& group, const tek& t)
{
    calls.push_back({"install_sa", group, t.spi});
    sas[t.spi] = t;
}

void recording_installer::remove_sa(std::uint32_t spi)
{
    calls.push_back({"remove_sa", "", spi});
    sas.erase(spi);
}

void recording_installer::set_policy(const std::string& group, const std::vector<policy_entry>& entries)
{
    calls.push_back({"set_policy", group, 0});
    policies[group] = entries;
}

void recording_installer::set_direction(const std::string& group, direction_mode mode)
{
    calls.push_back({"set_direction", group, 0});
    directions[group] = mode;
}

void recording_installer::set_sender_ids(const std::string& group, const sender_ids& s)
{
    calls.push_back({"set_sender_ids", group, 0});
    sids[group] = s;
}

void recording_installer::set_fail_close(const std::string& group, bool on,
                                         const std::vector<traffic_selector>& pass_in_clear)
{
    calls.push_back({"set_fail_close", group, 0});
    fail_close[group] = on;
    if (on) {
        fail_close_clear[group] = pass_in_clear;
    } else {
        fail_close_clear.erase(group);
    }
}

} // namespace gdoi
