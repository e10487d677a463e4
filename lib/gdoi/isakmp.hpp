// ISAKMP (RFC 2408) and GDOI (RFC 6407) wire codec: the message header, the generic
// payload chain, data attributes, and one declarative type per payload.
// Every decode takes a payload body (without its 4-byte generic header) and returns
// a value or an error; no input, however malformed, can read out of bounds.
#pragma once

#include "gdoi/bytes.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace gdoi {

enum class exchange_type : std::uint8_t {
    main_mode = 2,
    aggressive = 4,
    informational = 5,
    groupkey_pull = 32,
    groupkey_push = 33,
    groupkey_push_ack = 35,
};

enum class payload_type : std::uint8_t {
    none = 0,
    sa = 1,
    proposal = 2,
    transform = 3,
    ke = 4,
    id = 5,
    cert = 6,
    cr = 7,
    hash = 8,
    sig = 9,
    nonce = 10,
    notify = 11,
    del = 12,
    vendor_id = 13,
    sa_kek = 15,
    sa_tek = 16,
    kd = 17,
    seq = 18,
    nat_d = 20,
    nat_oa = 21,
    gap = 22,
};
std::string_view to_string(payload_type t);

inline constexpr std::uint8_t isakmp_version = 0x10;
inline constexpr std::uint8_t flag_encrypted = 0x01;
inline constexpr std::uint8_t flag_commit = 0x02;
inline constexpr std::uint8_t flag_auth_only = 0x04;
inline constexpr std::size_t header_size = 28;
inline constexpr std::size_t max_message_size = 65535 - 8; // a UDP datagram
inline constexpr std::uint32_t doi_ipsec = 1;
inline constexpr std::uint32_t doi_gdoi = 2;

using cookie = std::array<std::uint8_t, 8>;

//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                          Initiator                            !
// !                            Cookie                             !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                          Responder                            !
// !                            Cookie                             !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                          Message ID                           !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                            Length                             !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
struct header {
    cookie icookie{};
    cookie rcookie{};
    payload_type next = payload_type::none;
    std::uint8_t version = isakmp_version;
    exchange_type exchange = exchange_type::main_mode;
    std::uint8_t flags = 0;
    std::uint32_t message_id = 0;
    std::uint32_t length = 0;

    static result<header> decode(byte_view wire); // checks version and length == wire size
    void encode(bytes& out) const;                // writes 28 bytes
};

// Generic payload header (RFC 2408 3.2):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// The body is kept raw: hashes are computed over the bytes as received.
struct payload {
    payload_type type = payload_type::none;
    bytes body;
};

// Walks a payload chain starting with `first`. With allow_trailing (decrypted bodies),
// bytes after the last payload are padding and ignored; otherwise they are an error.
result<std::vector<payload>> decode_chain(payload_type first, byte_view data, bool allow_trailing);
// Writes the chain with next-payload fields linked; returns the first type.
payload_type encode_chain(const std::vector<payload>& chain, bytes& out);

// A whole message. When the E flag is set, `payloads` is empty on decode and
// `encrypted` holds the ciphertext; the SA decrypts and then calls decode_chain.
struct message {
    header hdr;
    std::vector<payload> payloads;
    bytes encrypted;

    static result<message> decode(byte_view wire);
    bytes encode() const; // plaintext only (E flag clear)

    const payload* find(payload_type t) const;
    std::size_t count(payload_type t) const;
};

// Data attributes (RFC 2408 3.3):
// !A!       Attribute Type        !    AF=0  Attribute Length     !
// !F!                             !    AF=1  Attribute Value      !
// .                   AF=0  Attribute Value                       .
struct attribute {
    std::uint16_t type = 0;
    bool tv = true; // basic (TV) form
    bytes value;    // TV: 2 bytes

    static attribute basic(std::uint16_t type, std::uint16_t v);
    static attribute variable(std::uint16_t type, byte_view v);
    // TV when it fits in 16 bits, else TLV with 4 bytes (lifetimes).
    static attribute number(std::uint16_t type, std::uint64_t v);

    // Unsigned value of a TV or of a TLV of at most 8 bytes.
    std::optional<std::uint64_t> as_number() const;
};
using attributes = std::vector<attribute>;
result<attributes> decode_attributes(byte_view data);
void encode_attributes(const attributes& a, bytes& out);
const attribute* find_attr(const attributes& a, std::uint16_t type);
std::optional<std::uint64_t> attr_number(const attributes& a, std::uint16_t type);

// ---- Phase-1 SA (RFC 2408 3.4-3.6) ----

// Transform (payload 3):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// !  Transform #  !  Transform-Id !           RESERVED2           !
// ~                        SA Attributes                          ~
struct transform_payload {
    std::uint8_t number = 1;
    std::uint8_t id = 1; // KEY_IKE
    attributes attrs;
};

// Proposal (payload 2):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// !  Proposal #   !  Protocol-Id  !    SPI Size   !# of Transforms!
// !                        SPI (variable)                         !
// followed by the transform payloads, which the proposal length includes.
struct proposal_payload {
    std::uint8_t number = 1;
    std::uint8_t protocol = 1; // PROTO_ISAKMP
    bytes spi;
    std::vector<transform_payload> transforms;
};

// SA (payload 1), IPsec DOI form:
// ! Next Payload  !   RESERVED    !         Payload Length        !
// !              Domain of Interpretation  (DOI)                  !
// !                           Situation                           !
// followed by the proposal payloads.
struct sa_payload {
    std::uint32_t doi = doi_ipsec;
    std::uint32_t situation = 1; // SIT_IDENTITY_ONLY
    std::vector<proposal_payload> proposals;

    static result<sa_payload> decode(byte_view body);
    bytes encode() const;
};

// KE (4), Nonce (10), HASH (8), SIG (9), Vendor ID (13), NAT-D (20):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// ~                     Data (variable)                           ~
struct opaque_payload {
    bytes data;
    static result<opaque_payload> decode(byte_view body, std::size_t min_size = 0,
                                         std::size_t max_size = 65535);
    bytes encode() const { return data; }
};

// ID (5), IPsec DOI (RFC 2407 4.6.2):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// !   ID Type     !  Protocol ID  !             Port              !
// ~                     Identification Data                       ~
enum class id_type : std::uint8_t {
    ipv4_addr = 1,
    fqdn = 2,
    user_fqdn = 3,
    ipv4_addr_subnet = 4,
    ipv4_addr_range = 7,
    der_asn1_dn = 9,
    key_id = 11,
};
struct id_payload {
    id_type type = id_type::ipv4_addr;
    std::uint8_t protocol = 0;
    std::uint16_t port = 0;
    bytes data;

    static result<id_payload> decode(byte_view body);
    bytes encode() const;
};

// CERT (6) and CR (7):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// ! Cert Encoding !                                               !
// ~                     Certificate Data                          ~
struct cert_payload {
    std::uint8_t encoding = 4; // X.509 Certificate - Signature
    bytes data;
    static result<cert_payload> decode(byte_view body);
    bytes encode() const;
};

// Notify (11):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// !              Domain of Interpretation  (DOI)                  !
// !  Protocol-ID  !   SPI Size    !      Notify Message Type      !
// ~                Security Parameter Index (SPI)                 ~
// ~                       Notification Data                       ~
struct notify_payload {
    std::uint32_t doi = doi_ipsec;
    std::uint8_t protocol = 1;
    std::uint16_t type = 0;
    bytes spi;
    bytes data;
    static result<notify_payload> decode(byte_view body);
    bytes encode() const;
};
inline constexpr std::uint16_t notify_invalid_payload_type = 1;
inline constexpr std::uint16_t notify_no_proposal_chosen = 14;
inline constexpr std::uint16_t notify_invalid_hash_information = 23;
inline constexpr std::uint16_t notify_authentication_failed = 24;
inline constexpr std::uint16_t notify_invalid_id_information = 18;
inline constexpr std::uint16_t notify_r_u_there = 36136;
inline constexpr std::uint16_t notify_r_u_there_ack = 36137;

// Delete (12):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// !              Domain of Interpretation  (DOI)                  !
// !  Protocol-Id  !   SPI Size    !           # of SPIs           !
// ~               Security Parameter Index(es) (SPI)              ~
struct delete_payload {
    std::uint32_t doi = doi_ipsec;
    std::uint8_t protocol = 1;
    std::uint8_t spi_size = 16;
    std::vector<bytes> spis;
    static result<delete_payload> decode(byte_view body);
    bytes encode() const;
};

// ---- GDOI (RFC 6407 section 5) ----

// GDOI SA (1):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// !              DOI = 2                                          !
// !                           Situation                           !
// ! SA Attribute Next Payload     !           RESERVED2           !
// followed by the nested SA KEK / SA TEK / GAP payloads (the length includes them).
struct gdoi_sa_payload {
    std::uint32_t situation = 0;
    std::vector<payload> nested; // sa_kek, sa_tek, gap in order

    static result<gdoi_sa_payload> decode(byte_view body);
    bytes encode() const;
};

// Identification as carried in SA KEK and SA TEK.
struct gdoi_id {
    std::uint8_t type = static_cast<std::uint8_t>(id_type::ipv4_addr_subnet);
    std::uint16_t port = 0;
    bytes data;
};

// SA KEK (15):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// !    Protocol   !  SRC ID Type  !         SRC ID Port           !
// !SRC ID Data Len!          SRC Identification Data              ~
// !  DST ID Type  !         DST ID Port           !DST ID Data Len!
// !                    DST Identification Data                    ~
// !                              SPI                              ~  (16 octets)
// !                            RESERVED2                          !  (4 octets)
// ~                        KEK Attributes                         ~
struct sa_kek_payload {
    std::uint8_t protocol = 17;
    gdoi_id src;
    gdoi_id dst;
    std::array<std::uint8_t, 16> spi{};
    attributes attrs;
    static result<sa_kek_payload> decode(byte_view body);
    bytes encode() const;
};
namespace kek_attr {
inline constexpr std::uint16_t management_algorithm = 1;
inline constexpr std::uint16_t kek_algorithm = 2;
inline constexpr std::uint16_t key_length = 3;
inline constexpr std::uint16_t key_lifetime = 4;
inline constexpr std::uint16_t sig_hash = 5;
inline constexpr std::uint16_t sig_algorithm = 6;
inline constexpr std::uint16_t sig_key_length = 7;
inline constexpr std::uint16_t kek_ack_requested = 9;
} // namespace kek_attr

// SA TEK (16), protocol ESP (RFC 6407 5.4.1):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// ! Protocol-ID   !       TEK Protocol-Specific Payload           ~
// ESP:
// !  Protocol     !  SRC ID Type  !         SRC ID Port           !
// !     SRC ID Data Len           !    SRC Identification Data    ~
// !  DST ID Type  !         DST ID Port           !DST ID Data Len~
// !               !    DST Identification Data                    ~
// !  Transform ID !                        SPI                    ~
// !      SPI      !      RFC 2407 SA Attributes                   ~
struct sa_tek_payload {
    std::uint8_t protocol_id = 1; // GDOI_PROTO_IPSEC_ESP
    std::uint8_t ip_protocol = 0;
    gdoi_id src;
    gdoi_id dst;
    std::uint8_t transform_id = 0;
    std::uint32_t spi = 0;
    attributes attrs;
    static result<sa_tek_payload> decode(byte_view body);
    bytes encode() const;
};
namespace ipsec_attr {
inline constexpr std::uint16_t life_type = 1;
inline constexpr std::uint16_t life_duration = 2;
inline constexpr std::uint16_t encapsulation_mode = 4;
inline constexpr std::uint16_t auth_algorithm = 5;
inline constexpr std::uint16_t key_length = 6;
inline constexpr std::uint16_t address_preservation = 14;
inline constexpr std::uint16_t sa_direction = 15;
// Private range (32001-32767), documented in docs/wire-gdoi.md.
inline constexpr std::uint16_t replay_mode = 32001;       // 0 none, 1 counter, 2 time (TBAR)
inline constexpr std::uint16_t replay_window = 32002;     // counter: packets; TBAR: seconds
inline constexpr std::uint16_t tbar_pseudotime = 32003;   // KS pseudotime, milliseconds
inline constexpr std::uint16_t tbar_tick_ms = 32004;      // pseudotime tick
// 1: this SA TEK is a KS ACL deny line (bypass selector), not an SA: SPI 0, transform 0,
// no other attribute (docs/wire-gdoi.md).
inline constexpr std::uint16_t acl_deny = 32005;
} // namespace ipsec_attr

// GAP (22):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// ~                        Attributes                             ~
struct gap_payload {
    attributes attrs;
    static result<gap_payload> decode(byte_view body);
    bytes encode() const;
};
namespace gap_attr {
inline constexpr std::uint16_t activation_time_delay = 1;
inline constexpr std::uint16_t deactivation_time_delay = 2;
inline constexpr std::uint16_t sender_id_request = 3;
} // namespace gap_attr

// SEQ (18):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// !                      Sequence Number                          !
struct seq_payload {
    std::uint32_t seq = 0;
    static result<seq_payload> decode(byte_view body);
    bytes encode() const;
};

// KD (17):
// ! Next Payload  !   RESERVED    !         Payload Length        !
// !    Number of Key Packets      !            RESERVED2          !
// ~                    Key Packets                                ~
// Key packet:
// !   KD Type     !   RESERVED    !            KD Length          !
// !    SPI Size   !                   SPI (variable)              ~
// ~                    Key Packet Attributes                      ~
enum class kd_type : std::uint8_t { tek = 1, kek = 2, lkh = 3, sid = 4 };
struct key_packet {
    kd_type type = kd_type::tek;
    bytes spi;
    attributes attrs;
};
struct kd_payload {
    std::vector<key_packet> packets;
    static result<kd_payload> decode(byte_view body);
    bytes encode() const;
};
namespace kd_attr {
inline constexpr std::uint16_t tek_algorithm_key = 1;
inline constexpr std::uint16_t tek_integrity_key = 2;
inline constexpr std::uint16_t kek_algorithm_key = 1;
inline constexpr std::uint16_t sig_algorithm_key = 2;
inline constexpr std::uint16_t number_of_sid_bits = 1;
inline constexpr std::uint16_t sid_value = 2;
} // namespace kd_attr

// Decodes any payload by type with its typed codec, for the fuzzer and for
// strict validation of received messages. Nested GDOI SA payloads are checked too.
result<bool> validate_payload(const payload& p, std::uint32_t sa_doi_hint = 0);
// Decodes a whole datagram and validates every plaintext payload.
result<message> decode_and_validate(byte_view wire);

} // namespace gdoi
