// IKEv1 phase 1 (RFC 2409): the ISAKMP SA with its keys and CBC IV chain, and
// Main Mode with pre-shared keys as a task (GM initiator, KS responder).
#pragma once

#include "gdoi/cert.hpp"
#include "gdoi/crypto.hpp"
#include "gdoi/isakmp.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gdoi {

enum class status { done, need_more, failed };

enum class auth_method : std::uint16_t { psk = 1, rsa_sig = 3 };

// One `crypto isakmp policy N`.
struct ike_proposal {
    cipher_spec cipher;
    hash_alg hash = hash_alg::sha256;
    auth_method auth = auth_method::psk;
    dh_group group = dh_group::modp2048;
    std::chrono::seconds lifetime{86400};
    bool operator==(const ike_proposal& o) const
    {
        return cipher.alg == o.cipher.alg && cipher.key_bits == o.cipher.key_bits && hash == o.hash &&
               auth == o.auth && group == o.group;
    }
};

// GET VPN software version in our Vendor ID (seed 002: 1.0.1 base, 1.0.2 GM removal).
struct gdoi_version {
    std::uint8_t major = 1;
    std::uint8_t minor = 0;
    std::uint8_t patch = 2;
    std::string str() const;
    bool operator==(const gdoi_version&) const = default;
};

bytes our_vendor_id(const gdoi_version& v);
std::optional<gdoi_version> parse_our_vendor_id(byte_view vid);
bytes dpd_vendor_id();

struct phase1_config {
    std::vector<ike_proposal> proposals; // in preference order
    std::uint32_t sa_doi = doi_ipsec;    // DOI we send in the phase-1 SA; 1 and 2 are both accepted
    gdoi_version version;
    std::uint8_t id_protocol = 17;       // ID payload protocol/port (UDP 848)
    std::uint16_t id_port = 848;
    // RSA-signature authentication: our certificate, key and trust anchors (nullptr: PSK only).
    std::shared_ptr<const cert_auth> certs;
    bool id_by_dn = true; // with certificates: ID_DER_ASN1_DN of our subject, else ID_IPV4_ADDR
};

// Pre-shared keys by peer address; 0.0.0.0 is the wildcard (`crypto isakmp key K address 0.0.0.0`).
class psk_table {
public:
    void add(std::uint32_t addr, std::string_view key);
    const bytes* find(std::uint32_t addr) const; // exact match first, then wildcard

private:
    std::map<std::uint32_t, bytes> keys_;
};

// The ISAKMP SA: negotiated algorithms, keying material and the IV chain.
struct ike_sa {
    cookie icookie{};
    cookie rcookie{};
    bool initiator = false;
    std::uint32_t local_addr = 0;
    std::uint32_t peer_addr = 0;
    ike_proposal prop;
    bytes skeyid_d;
    bytes skeyid_a;
    bytes skeyid_e;
    bytes enc_key;
    bool keys_ready = false;
    bool established = false;
    std::optional<gdoi_version> peer_version;
    std::string peer_dn; // verified certificate subject (RFC 2253), empty with PSK
    bool peer_dpd = false;

    // Encodes m; with the E flag set, pads with zeros and encrypts the payloads,
    // chaining the IV for m's message ID.
    bytes protect(const message& m);
    // Decodes a datagram and, when the E flag is set, decrypts it. The IV chain
    // only advances when the plaintext parses.
    result<message> unprotect(byte_view wire);

    // Phase-1 IV (first from the KE values, then the last block of MM6).
    bytes p1_iv;
    // Per message ID IV chain for phase-2 and informational exchanges.
    std::map<std::uint32_t, bytes> ivs;

private:
    bytes& iv_for(std::uint32_t message_id);
};

// Main Mode with PSK (RFC 2409 5.4) or RSA signatures (5.1), as a task: build() fills the next message,
// process() consumes the peer's; neither does I/O. The owner encodes with
// ike_sa::protect and decodes with ike_sa::unprotect.
class main_mode {
public:
    main_mode(bool initiator, const phase1_config& cfg, const psk_table& psks, ike_sa& sa);

    status build(message& out);
    status process(const message& in);

    const error& last_error() const { return error_; }
    // 1..6: the next Main Mode message this side will build or expect.
    int step() const { return step_; }
    // Raised for groups 2 and 5.
    bool legacy_group() const { return legacy_; }

private:
    status fail(errc c, std::string detail);
    status process_sa_request(const message& in);
    status process_sa_reply(const message& in);
    status process_ke(const message& in);
    status process_auth(const message& in);
    bool derive_keys();
    bytes auth_hash(bool for_initiator, byte_view id_body) const;
    bytes my_id_body() const;

    bool initiator_;
    const phase1_config& cfg_;
    const psk_table& psks_;
    ike_sa& sa_;
    int step_ = 1;
    bool legacy_ = false;
    error error_{errc::state, ""};

    bytes sai_b_;
    std::optional<dh_key> dh_;
    bytes ke_i_;
    bytes ke_r_;
    bytes ni_b_;
    bytes nr_b_;
    bytes skeyid_;
    bytes gxy_;
};

// Informational exchange (RFC 2409 5.7), protected by the ISAKMP SA:
//   HDR*, HASH(1), N/D      HASH(1) = prf(SKEYID_a, M-ID | N/D)
// Builds the message (E flag set, fresh non-zero M-ID); encode it with ike_sa::protect.
message build_informational(const ike_sa& sa, std::vector<payload> nd);
// Checks HASH(1) of a decrypted Informational; returns the N/D payloads.
result<std::vector<payload>> verify_informational(const ike_sa& sa, const message& m);
// DPD (RFC 3706): R-U-THERE / R-U-THERE-ACK, SPI = CKY-I | CKY-R, data = sequence number.
notify_payload dpd_notify(const ike_sa& sa, bool ack, std::uint32_t seq);
// The sequence number of a DPD notify for this SA, if it is one.
std::optional<std::uint32_t> dpd_sequence(const ike_sa& sa, const notify_payload& n, bool ack);

// KEYID expansion (RFC 2409 App. B) and SKEYID_* derivation, exposed for tests.
bytes expand_key(hash_alg h, byte_view skeyid_e, std::size_t need);

} // namespace gdoi
