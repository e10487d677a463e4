// X.509 credentials for IKEv1 RSA-signature authentication (RFC 2409 5.1):
// our certificate and key, the trust anchors, signing and verifying HASH_I/HASH_R.
#pragma once

#include "gdoi/bytes.hpp"

#include <memory>
#include <string>
#include <vector>

namespace gdoi {

struct cert_credentials {
    std::string cert_pem;            // our certificate
    std::string key_pem;             // its private key
    std::vector<std::string> ca_pem; // trust anchors for the peer's certificate
    bool id_by_dn = true;            // phase-1 ID: DER_ASN1_DN of our subject, else our IPv4 address
};

// A verified peer certificate.
struct peer_cert {
    bytes subject_der;
    std::string subject; // RFC 2253 text, e.g. "CN=gm1,OU=GETVPN,O=...,C=US"
    std::shared_ptr<void> public_key; // EVP_PKEY
};

class cert_auth {
public:
    static result<cert_auth> load(const cert_credentials& c);

    const bytes& cert_der() const { return cert_der_; }
    const bytes& subject_der() const { return subject_der_; }
    const std::string& subject() const { return subject_; }

    // IKEv1 RSA signature: PKCS#1 v1.5 type-1 padding over the raw hash, no DigestInfo.
    result<bytes> sign(byte_view hash) const;
    // Checks the peer certificate (DER) against the trust anchors and the current time.
    result<peer_cert> verify_peer(byte_view der) const;

private:
    std::shared_ptr<void> key_;   // EVP_PKEY
    std::shared_ptr<void> store_; // X509_STORE
    bytes cert_der_;
    bytes subject_der_;
    std::string subject_;
};

bool verify_signature(const peer_cert& peer, byte_view hash, byte_view sig);

} // namespace gdoi
