// Wireshark key-log lines for IKEv1 SAs and ESP TEKs.
#include "gdoi/keylog.hpp"

#include <cstdio>

namespace gdoi {

namespace {

std::string esp_enc_name(const transform_set& t)
{
    switch (t.transform) {
    case esp_transform::des3: return "TripleDES-CBC [RFC2451]";
    case esp_transform::aes_cbc: return "AES-CBC [RFC3602]";
    case esp_transform::aes_gcm_8: return "AES-GCM with 8 octet ICV [RFC4106]";
    case esp_transform::aes_gcm_12: return "AES-GCM with 12 octet ICV [RFC4106]";
    case esp_transform::aes_gcm_16: return "AES-GCM with 16 octet ICV [RFC4106]";
    case esp_transform::aes_gmac: return "NULL Encryption with 128 bit authentication [RFC4543]";
    }
    return "NULL";
}

std::string esp_auth_name(esp_auth a)
{
    switch (a) {
    case esp_auth::none: return "NULL";
    case esp_auth::hmac_sha1: return "HMAC-SHA-1-96 [RFC2404]";
    case esp_auth::hmac_sha256: return "HMAC-SHA-256-128 [RFC4868]";
    case esp_auth::hmac_sha384: return "HMAC-SHA-384-192 [RFC4868]";
    case esp_auth::hmac_sha512: return "HMAC-SHA-512-256 [RFC4868]";
    }
    return "NULL";
}

} // namespace

std::string ikev1_keylog_line(const ike_sa& sa)
{
    // tshark's -o parser wants this table's fields bare (quoted, it counts the quotes).
    return "uat:ikev1_decryption_table:" + to_hex(sa.icookie) + "," + to_hex(sa.enc_key);
}

std::string esp_keylog_line(const tek& t)
{
    char spi[16];
    std::snprintf(spi, sizeof spi, "0x%08x", t.spi);
    bytes key = t.enc_key;
    append(key, t.salt);
    std::string auth_key = t.auth_key.empty() ? "" : "0x" + to_hex(t.auth_key);
    return "uat:esp_sa:\"IPv4\",\"*\",\"*\",\"" + std::string(spi) + "\",\"" + esp_enc_name(t.transform) + "\",\"0x" +
           to_hex(key) + "\",\"" + esp_auth_name(t.transform.auth) + "\",\"" + auth_key + "\"";
}

void key_log::phase1(const ike_sa& sa)
{
    auto line = ikev1_keylog_line(sa);
    std::lock_guard lock(mu_);
    if (written_.insert(line).second) {
        out_ << line << '\n' << std::flush;
    }
}

void key_log::esp(const tek& t)
{
    auto line = esp_keylog_line(t);
    std::lock_guard lock(mu_);
    if (written_.insert(line).second) {
        out_ << line << '\n' << std::flush;
    }
}

} // namespace gdoi
