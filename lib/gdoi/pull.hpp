// GDOI GROUPKEY-PULL (RFC 6407 3.2) as two tasks, protected by the phase-1 SA:
//   GM->KS  HDR*, HASH(1), Ni, ID        HASH(1) = prf(SKEYID_a, M-ID | Ni | ID)
//   KS->GM  HDR*, HASH(2), Nr, SA        HASH(2) = prf(SKEYID_a, M-ID | Ni_b | Nr | SA)
//   GM->KS  HDR*, HASH(3) [, GAP]        HASH(3) = prf(SKEYID_a, M-ID | Ni_b | Nr_b [| GAP])
//   KS->GM  HDR*, HASH(4), [SEQ,] KD     HASH(4) = prf(SKEYID_a, M-ID | Ni_b | Nr_b [| SEQ] | KD)
#pragma once

#include "gdoi/installer.hpp"
#include "gdoi/phase1.hpp"
#include "gdoi/policy.hpp"

#include <functional>
#include <optional>
#include <string>

namespace gdoi {

// How a GM names its group in the PULL ID payload (docs/wire-gdoi.md).
struct group_identity {
    std::optional<std::uint32_t> number;  // ID_KEY_ID, 4 bytes network order
    std::optional<std::uint32_t> address; // ID_IPV4_ADDR
};
id_payload encode_group_id(const group_identity& g);
// Accepts ID_KEY_ID of 1-4 bytes (big endian) or ASCII decimal, and ID_IPV4_ADDR.
std::optional<group_identity> decode_group_id(const id_payload& id);

// One line of the KS ACL as members receive it (docs/wire-gdoi.md): a permit is
// protected by the TEK with `spi`; a deny is sent as a bypass selector (spi 0).
struct acl_line {
    policy_entry entry;
    std::uint32_t spi = 0;
    bool operator==(const acl_line&) const = default;
};

// The keys of one group as the KS currently hands them out.
struct group_keys {
    std::string name;
    std::vector<tek> teks;
    // The KS ACL, `sa ipsec` by `sa ipsec`, each in configured order. A TEK that no
    // permit line names is sent with one `permit ip any any` after these lines.
    std::vector<acl_line> acl;
    std::optional<kek_sa> kek;
    std::uint32_t seq = 0;
    std::uint32_t ks_addr = 0;
};

// What a GM accepts from a KS (`client transform-sets`, `client rekey encryption|hash`).
struct gm_acceptance {
    std::vector<transform_set> transforms;      // empty: every supported transform
    std::vector<kek_algorithm> rekey_algorithms; // empty: any
    std::vector<hash_alg> rekey_hashes;          // empty: any
};

// What a completed PULL gives the GM.
struct registration {
    std::vector<tek> teks;
    std::vector<policy_entry> ks_acl; // the KS ACL in its order: permits and denies
    std::optional<kek_sa> kek;
    std::optional<std::uint32_t> seq;
    sender_ids sids;
};

// A KS ACL deny line on the wire: an SA TEK with SPI 0 (RFC 4303 never lets it name
// an SA), transform 0, and the single attribute ACL_DENY = 1 (docs/wire-gdoi.md).
sa_tek_payload encode_bypass_tek(const traffic_selector& s);
// True when `p` claims to be a deny line (SPI 0 or ACL_DENY present); decode it then,
// which fails unless it has exactly the shape above.
bool is_bypass_tek(const sa_tek_payload& p);
result<traffic_selector> decode_bypass_tek(const sa_tek_payload& p);

// SA payload built from group keys; and the attribute value maps used both ways.
gdoi_sa_payload build_group_sa(const group_keys& g);
kd_payload build_kd(const group_keys& g, const sender_ids& sids);

// GM side.
class pull_initiator {
public:
    pull_initiator(ike_sa& sa, group_identity group, const gm_acceptance& accept, unsigned sid_request,
                   std::uint32_t message_id);

    status build(message& out);
    status process(const message& in);

    const registration& result() const { return reg_; }
    const error& last_error() const { return error_; }
    bool rejected_sa() const { return rejected_sa_; } // GM_REJECTING_SA_PAYLOAD
    std::uint32_t message_id() const { return mid_; }
    int step() const { return step_; }

private:
    status fail(errc c, std::string detail);
    status process_sa(const message& in);
    status process_kd(const message& in);

    ike_sa& sa_;
    group_identity group_;
    const gm_acceptance& accept_;
    unsigned sid_request_;
    std::uint32_t mid_;
    int step_ = 1;
    bool rejected_sa_ = false;
    bool kek_expected_ = false;
    std::array<std::uint8_t, 16> kek_spi_{};
    error error_{errc::state, ""};
    bytes ni_b_;
    bytes nr_b_;
    registration reg_;
};

// KS side. find_group resolves the ID (and applies authorization); allocate_sids
// hands out unique sender IDs for the group.
class pull_responder {
public:
    using find_group_fn = std::function<gdoi::result<group_keys*>(const id_payload&)>;
    using allocate_sids_fn = std::function<sender_ids(const group_keys&, unsigned count)>;

    pull_responder(ike_sa& sa, find_group_fn find, allocate_sids_fn alloc);

    status process(const message& in);
    status build(message& out);

    const error& last_error() const { return error_; }
    const group_keys* group() const { return group_; }
    const sender_ids& sids() const { return sids_; }
    int step() const { return step_; }

private:
    status fail(errc c, std::string detail);

    ike_sa& sa_;
    find_group_fn find_;
    allocate_sids_fn alloc_;
    int step_ = 1;
    std::uint32_t mid_ = 0;
    error error_{errc::state, ""};
    bytes ni_b_;
    bytes nr_b_;
    group_keys* group_ = nullptr;
    unsigned sid_request_ = 0;
    sender_ids sids_;
};

// prf(SKEYID_a, M-ID | prefix | payloads[from..]) with the payloads as on the wire.
bytes pull_hash(const ike_sa& sa, std::uint32_t mid, byte_view prefix, const std::vector<payload>& chain,
                std::size_t from);

} // namespace gdoi
