// IKEv1 Main Mode with pre-shared keys and the ISAKMP SA's message protection.
#include "gdoi/phase1.hpp"

#include <algorithm>

namespace gdoi {

namespace {

namespace p1_attr {
constexpr std::uint16_t encryption = 1;
constexpr std::uint16_t hash = 2;
constexpr std::uint16_t auth = 3;
constexpr std::uint16_t group = 4;
constexpr std::uint16_t life_type = 11;
constexpr std::uint16_t life_duration = 12;
constexpr std::uint16_t key_length = 14;
} // namespace p1_attr

constexpr std::uint8_t proto_isakmp = 1;
constexpr std::uint8_t key_ike = 1;
constexpr std::size_t nonce_size = 32;

// Prefix of our Vendor ID: the first 12 bytes of SHA-256("gdoi-router GET VPN"), then version.
bytes vid_prefix()
{
    static const std::string_view tag = "gdoi-router GET VPN";
    auto h = hash(hash_alg::sha256, byte_view(reinterpret_cast<const std::uint8_t*>(tag.data()), tag.size()));
    h.resize(12);
    return h;
}

attributes proposal_attrs(const ike_proposal& p)
{
    attributes a;
    a.push_back(attribute::basic(p1_attr::encryption, static_cast<std::uint16_t>(p.cipher.alg)));
    if (p.cipher.alg == cipher_alg::aes_cbc) {
        a.push_back(attribute::basic(p1_attr::key_length, static_cast<std::uint16_t>(p.cipher.key_bits)));
    }
    a.push_back(attribute::basic(p1_attr::hash, static_cast<std::uint16_t>(p.hash)));
    a.push_back(attribute::basic(p1_attr::auth, static_cast<std::uint16_t>(p.auth)));
    a.push_back(attribute::basic(p1_attr::group, static_cast<std::uint16_t>(p.group)));
    a.push_back(attribute::basic(p1_attr::life_type, 1));
    a.push_back(attribute::number(p1_attr::life_duration, static_cast<std::uint64_t>(p.lifetime.count())));
    return a;
}

// Reads one offered transform; nullopt for anything we do not implement.
std::optional<ike_proposal> parse_transform(const transform_payload& t)
{
    if (t.id != key_ike) {
        return std::nullopt;
    }
    ike_proposal p;
    auto enc = attr_number(t.attrs, p1_attr::encryption);
    auto h = attr_number(t.attrs, p1_attr::hash);
    auto auth = attr_number(t.attrs, p1_attr::auth);
    auto grp = attr_number(t.attrs, p1_attr::group);
    if (!enc || !h || !auth || !grp) {
        return std::nullopt;
    }
    if (*enc == static_cast<std::uint64_t>(cipher_alg::aes_cbc)) {
        auto kl = attr_number(t.attrs, p1_attr::key_length);
        p.cipher = {cipher_alg::aes_cbc, kl ? static_cast<unsigned>(*kl) : 128u};
    } else if (*enc == static_cast<std::uint64_t>(cipher_alg::des3_cbc)) {
        p.cipher = {cipher_alg::des3_cbc, 192};
    } else {
        return std::nullopt;
    }
    if (!p.cipher.valid()) {
        return std::nullopt;
    }
    switch (*h) {
    case 2: p.hash = hash_alg::sha1; break;
    case 4: p.hash = hash_alg::sha256; break;
    case 5: p.hash = hash_alg::sha384; break;
    case 6: p.hash = hash_alg::sha512; break;
    default: return std::nullopt;
    }
    if (*auth != static_cast<std::uint64_t>(auth_method::psk) && *auth != static_cast<std::uint64_t>(auth_method::rsa_sig)) {
        return std::nullopt;
    }
    p.auth = static_cast<auth_method>(*auth);
    p.group = static_cast<dh_group>(*grp);
    if (*grp > 0xffff || !is_supported(p.group)) {
        return std::nullopt;
    }
    auto lt = attr_number(t.attrs, p1_attr::life_type);
    auto ld = attr_number(t.attrs, p1_attr::life_duration);
    if (lt && *lt == 1 && ld) {
        p.lifetime = std::chrono::seconds{static_cast<std::int64_t>(std::min<std::uint64_t>(*ld, 0xffffffffu))};
    }
    return p;
}

} // namespace

std::string gdoi_version::str() const
{
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

bytes our_vendor_id(const gdoi_version& v)
{
    auto b = vid_prefix();
    put_u8(b, 0); // layout version of this Vendor ID
    put_u8(b, v.major);
    put_u8(b, v.minor);
    put_u8(b, v.patch);
    return b;
}

std::optional<gdoi_version> parse_our_vendor_id(byte_view vid)
{
    auto prefix = vid_prefix();
    if (vid.size() != 16 || !std::equal(prefix.begin(), prefix.end(), vid.begin()) || vid[12] != 0) {
        return std::nullopt;
    }
    return gdoi_version{vid[13], vid[14], vid[15]};
}

bytes dpd_vendor_id() { return from_hex("afcad71368a1f1c96b8696fc77570100"); }

void psk_table::add(std::uint32_t addr, std::string_view key) { keys_[addr] = to_bytes(key); }

const bytes* psk_table::find(std::uint32_t addr) const
{
    auto it = keys_.find(addr);
    if (it == keys_.end()) {
        it = keys_.find(0);
    }
    return it == keys_.end() ? nullptr : &it->second;
}

// ---- ike_sa protection ----

bytes& ike_sa::iv_for(std::uint32_t message_id)
{
    if (message_id == 0) {
        return p1_iv;
    }
    auto it = ivs.find(message_id);
    if (it == ivs.end()) {
        // New exchange: hash(last phase-1 CBC block | M-ID), truncated to the block.
        bytes in = p1_iv;
        put_u32(in, message_id);
        auto iv = hash(prop.hash, in);
        iv.resize(prop.cipher.block_size());
        it = ivs.emplace(message_id, std::move(iv)).first;
    }
    return it->second;
}

bytes ike_sa::protect(const message& m)
{
    if (!(m.hdr.flags & flag_encrypted)) {
        return m.encode();
    }
    bytes plain;
    header h = m.hdr;
    h.next = encode_chain(m.payloads, plain);
    auto bs = prop.cipher.block_size();
    plain.resize((plain.size() + bs - 1) / bs * bs, 0);
    auto& iv = iv_for(m.hdr.message_id);
    auto ct = cbc_encrypt(prop.cipher, enc_key, iv, plain);
    iv.assign(ct.end() - static_cast<std::ptrdiff_t>(bs), ct.end());
    h.length = static_cast<std::uint32_t>(header_size + ct.size());
    bytes out;
    h.encode(out);
    append(out, ct);
    return out;
}

result<message> ike_sa::unprotect(byte_view wire)
{
    auto m = message::decode(wire);
    if (!m) {
        return m;
    }
    if (m->hdr.flags & flag_encrypted) {
        if (!keys_ready) {
            return make_error(errc::state, "encrypted message before keys exist");
        }
        auto bs = prop.cipher.block_size();
        if (m->encrypted.empty() || m->encrypted.size() % bs != 0) {
            return make_error(errc::bad_length, "ciphertext not a whole number of blocks");
        }
        auto& iv = iv_for(m->hdr.message_id);
        auto plain = cbc_decrypt(prop.cipher, enc_key, iv, m->encrypted);
        auto chain = decode_chain(m->hdr.next, plain, true);
        if (!chain) {
            return make_error(errc::auth_failed, "decrypted payloads do not parse: " + chain.err().detail);
        }
        for (const auto& p : *chain) {
            auto v = validate_payload(p);
            if (!v) {
                // Inside an encrypted message a bad payload means the key or the bytes are wrong.
                return make_error(errc::auth_failed, "decrypted payload invalid: " + v.err().detail);
            }
        }
        iv.assign(m->encrypted.end() - static_cast<std::ptrdiff_t>(bs), m->encrypted.end());
        m->payloads = std::move(chain.value());
        m->encrypted.clear();
        return m;
    }
    for (const auto& p : m->payloads) {
        auto v = validate_payload(p);
        if (!v) {
            return v.err();
        }
    }
    return m;
}

// ---- key derivation ----

bytes expand_key(hash_alg h, byte_view skeyid_e, std::size_t need)
{
    if (skeyid_e.size() >= need) {
        return bytes(skeyid_e.begin(), skeyid_e.begin() + static_cast<std::ptrdiff_t>(need));
    }
    // RFC 2409 Appendix B: K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1).
    bytes out;
    bytes k{0};
    while (out.size() < need) {
        k = prf(h, skeyid_e, k);
        append(out, k);
    }
    out.resize(need);
    return out;
}

// ---- Main Mode ----

main_mode::main_mode(bool initiator, const phase1_config& cfg, const psk_table& psks, ike_sa& sa)
    : initiator_(initiator), cfg_(cfg), psks_(psks), sa_(sa)
{
    sa_.initiator = initiator;
}

status main_mode::fail(errc c, std::string detail)
{
    error_ = {c, std::move(detail)};
    return status::failed;
}

bytes main_mode::my_id_body() const
{
    id_payload id;
    id.protocol = cfg_.id_protocol;
    id.port = cfg_.id_port;
    if (sa_.prop.auth == auth_method::rsa_sig && cfg_.id_by_dn) {
        id.type = id_type::der_asn1_dn;
        id.data = cfg_.certs->subject_der();
    } else {
        id.type = id_type::ipv4_addr;
        put_u32(id.data, sa_.local_addr);
    }
    return id.encode();
}

bytes main_mode::auth_hash(bool for_initiator, byte_view id_body) const
{
    bytes in;
    const auto& first_ke = for_initiator ? ke_i_ : ke_r_;
    const auto& second_ke = for_initiator ? ke_r_ : ke_i_;
    append(in, first_ke);
    append(in, second_ke);
    append(in, for_initiator ? sa_.icookie : sa_.rcookie);
    append(in, for_initiator ? sa_.rcookie : sa_.icookie);
    append(in, sai_b_);
    append(in, id_body);
    return prf(sa_.prop.hash, skeyid_, in);
}

bool main_mode::derive_keys()
{
    const bytes* psk = nullptr;
    if (sa_.prop.auth == auth_method::psk) {
        psk = psks_.find(sa_.peer_addr);
        if (psk == nullptr) {
            error_ = {errc::unauthorized, "no pre-shared key for the peer"};
            return false;
        }
    } else if (!cfg_.certs) {
        error_ = {errc::unauthorized, "RSA signatures negotiated without certificates"};
        return false;
    }
    auto peer_ke = initiator_ ? ke_r_ : ke_i_;
    auto gxy = dh_->shared_secret(peer_ke);
    if (!gxy) {
        error_ = gxy.err();
        return false;
    }
    gxy_ = std::move(gxy.value());
    const auto h = sa_.prop.hash;
    bytes nonces = ni_b_;
    append(nonces, nr_b_);
    // PSK: prf(PSK, Ni_b | Nr_b); signatures: prf(Ni_b | Nr_b, g^xy).
    skeyid_ = psk != nullptr ? prf(h, *psk, nonces) : prf(h, nonces, gxy_);
    auto derive = [&](byte_view prev, std::uint8_t n) {
        bytes in(prev.begin(), prev.end());
        append(in, gxy_);
        append(in, sa_.icookie);
        append(in, sa_.rcookie);
        put_u8(in, n);
        return prf(h, skeyid_, in);
    };
    sa_.skeyid_d = derive({}, 0);
    sa_.skeyid_a = derive(sa_.skeyid_d, 1);
    sa_.skeyid_e = derive(sa_.skeyid_a, 2);
    sa_.enc_key = expand_key(h, sa_.skeyid_e, sa_.prop.cipher.key_size());
    bytes ivin = ke_i_;
    append(ivin, ke_r_);
    sa_.p1_iv = hash(h, ivin);
    sa_.p1_iv.resize(sa_.prop.cipher.block_size());
    sa_.keys_ready = true;
    return true;
}

status main_mode::build(message& out)
{
    out.hdr.icookie = sa_.icookie;
    out.hdr.rcookie = sa_.rcookie;
    out.hdr.exchange = exchange_type::main_mode;
    out.hdr.message_id = 0;
    out.hdr.flags = 0;
    out.payloads.clear();
    if (initiator_ && step_ == 1) {
        sa_payload sa;
        sa.doi = cfg_.sa_doi;
        proposal_payload prop;
        prop.protocol = proto_isakmp;
        std::uint8_t n = 1;
        for (const auto& p : cfg_.proposals) {
            prop.transforms.push_back({n++, key_ike, proposal_attrs(p)});
        }
        if (prop.transforms.empty()) {
            return fail(errc::no_proposal, "no isakmp policy configured");
        }
        sa.proposals.push_back(std::move(prop));
        sai_b_ = sa.encode();
        out.payloads.push_back({payload_type::sa, sai_b_});
        out.payloads.push_back({payload_type::vendor_id, our_vendor_id(cfg_.version)});
        out.payloads.push_back({payload_type::vendor_id, dpd_vendor_id()});
        step_ = 2;
        return status::need_more;
    }
    if (!initiator_ && step_ == 2) {
        sa_payload sa;
        sa.doi = cfg_.sa_doi;
        proposal_payload prop;
        prop.protocol = proto_isakmp;
        prop.transforms.push_back({1, key_ike, proposal_attrs(sa_.prop)});
        sa.proposals.push_back(std::move(prop));
        out.payloads.push_back({payload_type::sa, sa.encode()});
        out.payloads.push_back({payload_type::vendor_id, our_vendor_id(cfg_.version)});
        out.payloads.push_back({payload_type::vendor_id, dpd_vendor_id()});
        step_ = 3;
        return status::need_more;
    }
    if ((initiator_ && step_ == 3) || (!initiator_ && step_ == 4)) {
        auto k = dh_key::generate(sa_.prop.group);
        if (!k) {
            return fail(k.err().code, k.err().detail);
        }
        dh_.emplace(std::move(k.value()));
        auto nonce = random_bytes(nonce_size);
        (initiator_ ? ke_i_ : ke_r_) = dh_->public_value();
        (initiator_ ? ni_b_ : nr_b_) = nonce;
        out.payloads.push_back({payload_type::ke, dh_->public_value()});
        out.payloads.push_back({payload_type::nonce, nonce});
        if (!initiator_ && !derive_keys()) {
            return status::failed;
        }
        step_ += 1;
        return status::need_more;
    }
    if ((initiator_ && step_ == 5) || (!initiator_ && step_ == 6)) {
        auto id = my_id_body();
        out.hdr.flags = flag_encrypted;
        out.payloads.push_back({payload_type::id, id});
        if (sa_.prop.auth == auth_method::rsa_sig) {
            auto sig = cfg_.certs->sign(auth_hash(initiator_, id));
            if (!sig) {
                return fail(sig.err().code, sig.err().detail);
            }
            out.payloads.push_back({payload_type::cert, cert_payload{4, cfg_.certs->cert_der()}.encode()});
            out.payloads.push_back({payload_type::sig, sig.value()});
        } else {
            out.payloads.push_back({payload_type::hash, auth_hash(initiator_, id)});
        }
        if (initiator_) {
            step_ = 6;
            return status::need_more;
        }
        sa_.established = true;
        step_ = 7;
        return status::done;
    }
    return fail(errc::state, "nothing to build at Main Mode step " + std::to_string(step_));
}

status main_mode::process(const message& in)
{
    if (in.hdr.exchange != exchange_type::main_mode || in.hdr.message_id != 0) {
        return fail(errc::state, "not a Main Mode message");
    }
    if (in.hdr.icookie != sa_.icookie && !(step_ == 1 && !initiator_)) {
        return fail(errc::state, "initiator cookie mismatch");
    }
    if (!initiator_ && step_ == 1) {
        return process_sa_request(in);
    }
    if (initiator_ && step_ == 2) {
        return process_sa_reply(in);
    }
    if (in.hdr.rcookie != sa_.rcookie) {
        return fail(errc::state, "responder cookie mismatch");
    }
    if ((!initiator_ && step_ == 3) || (initiator_ && step_ == 4)) {
        return process_ke(in);
    }
    if ((!initiator_ && step_ == 5) || (initiator_ && step_ == 6)) {
        return process_auth(in);
    }
    return fail(errc::state, "unexpected Main Mode message at step " + std::to_string(step_));
}

namespace {

void note_vendor_ids(const message& in, ike_sa& sa)
{
    for (const auto& p : in.payloads) {
        if (p.type != payload_type::vendor_id) {
            continue;
        }
        if (auto v = parse_our_vendor_id(p.body)) {
            sa.peer_version = v;
        } else if (equal_ct(p.body, dpd_vendor_id())) {
            sa.peer_dpd = true;
        }
    }
}

} // namespace

status main_mode::process_sa_request(const message& in)
{
    if (in.hdr.flags & flag_encrypted || in.count(payload_type::sa) != 1 || in.payloads.front().type != payload_type::sa) {
        return fail(errc::bad_value, "MM1 must start with one SA");
    }
    for (auto r : in.hdr.rcookie) {
        if (r != 0) {
            return fail(errc::bad_value, "MM1 with a responder cookie");
        }
    }
    sa_.icookie = in.hdr.icookie;
    sai_b_ = in.payloads.front().body;
    auto sa = sa_payload::decode(sai_b_);
    if (!sa) {
        return fail(sa.err().code, sa.err().detail);
    }
    if (sa->situation != 1) {
        return fail(errc::unsupported, "situation other than identity-only");
    }
    for (const auto& prop : sa->proposals) {
        if (prop.protocol != proto_isakmp) {
            continue;
        }
        for (const auto& t : prop.transforms) {
            auto offered = parse_transform(t);
            if (!offered) {
                continue;
            }
            auto ours = std::find(cfg_.proposals.begin(), cfg_.proposals.end(), *offered);
            if (ours == cfg_.proposals.end()) {
                continue;
            }
            sa_.prop = *offered;
            // The shorter lifetime wins (RFC 2409 4.5 leaves it to policy).
            sa_.prop.lifetime = std::min(ours->lifetime, offered->lifetime);
            legacy_ = is_legacy(sa_.prop.group);
            note_vendor_ids(in, sa_);
            step_ = 2;
            return status::need_more;
        }
    }
    return fail(errc::no_proposal, "no offered transform matches an isakmp policy");
}

status main_mode::process_sa_reply(const message& in)
{
    if (in.hdr.flags & flag_encrypted || in.count(payload_type::sa) != 1) {
        return fail(errc::bad_value, "MM2 must carry one SA");
    }
    sa_.rcookie = in.hdr.rcookie;
    auto sa = sa_payload::decode(in.find(payload_type::sa)->body);
    if (!sa) {
        return fail(sa.err().code, sa.err().detail);
    }
    if (sa->proposals.size() != 1 || sa->proposals[0].transforms.size() != 1) {
        return fail(errc::bad_value, "MM2 must choose exactly one transform");
    }
    auto chosen = parse_transform(sa->proposals[0].transforms[0]);
    if (!chosen) {
        return fail(errc::no_proposal, "responder chose a transform we cannot use");
    }
    auto ours = std::find(cfg_.proposals.begin(), cfg_.proposals.end(), *chosen);
    if (ours == cfg_.proposals.end()) {
        return fail(errc::no_proposal, "responder chose a transform we did not offer");
    }
    sa_.prop = *chosen;
    sa_.prop.lifetime = std::min(ours->lifetime, chosen->lifetime);
    legacy_ = is_legacy(sa_.prop.group);
    note_vendor_ids(in, sa_);
    step_ = 3;
    return status::need_more;
}

status main_mode::process_ke(const message& in)
{
    const auto* ke = in.find(payload_type::ke);
    const auto* nonce = in.find(payload_type::nonce);
    if (in.hdr.flags & flag_encrypted || ke == nullptr || nonce == nullptr) {
        return fail(errc::bad_value, "KE and Nonce expected");
    }
    if (ke->body.size() != dh_public_size(sa_.prop.group)) {
        return fail(errc::bad_length, "KE size does not match the DH group");
    }
    if (nonce->body.size() < 8 || nonce->body.size() > 256) {
        return fail(errc::bad_length, "nonce size");
    }
    if (initiator_) {
        ke_r_ = ke->body;
        nr_b_ = nonce->body;
        if (!derive_keys()) {
            return status::failed;
        }
        step_ = 5;
    } else {
        ke_i_ = ke->body;
        ni_b_ = nonce->body;
        step_ = 4;
    }
    return status::need_more;
}

status main_mode::process_auth(const message& in)
{
    if (!(in.hdr.flags & flag_encrypted)) {
        return fail(errc::bad_value, "MM5/MM6 must be encrypted");
    }
    const auto* id = in.find(payload_type::id);
    if (id == nullptr) {
        return fail(errc::auth_failed, "ID expected");
    }
    auto expected = auth_hash(!initiator_, id->body);
    auto idp = id_payload::decode(id->body);
    if (!idp) {
        return fail(errc::auth_failed, "phase-1 ID");
    }
    if (sa_.prop.auth == auth_method::rsa_sig) {
        const auto* cert = in.find(payload_type::cert);
        const auto* sig = in.find(payload_type::sig);
        if (cert == nullptr || sig == nullptr) {
            return fail(errc::auth_failed, "ID, CERT and SIG expected");
        }
        auto c = cert_payload::decode(cert->body);
        if (!c || c->encoding != 4) {
            return fail(errc::auth_failed, "CERT must be an X.509 signature certificate");
        }
        auto peer = cfg_.certs->verify_peer(c->data);
        if (!peer) {
            return fail(errc::auth_failed, peer.err().detail);
        }
        // The identity must be the certificate's: its subject DN, or the peer's address.
        bool id_ok = idp->type == id_type::der_asn1_dn ? equal_ct(idp->data, peer->subject_der)
                                                        : idp->type == id_type::ipv4_addr;
        if (!id_ok) {
            return fail(errc::auth_failed, "phase-1 ID does not match the certificate");
        }
        if (!verify_signature(*peer, expected, sig->body)) {
            return fail(errc::auth_failed, initiator_ ? "SIG_R does not verify" : "SIG_I does not verify");
        }
        sa_.peer_dn = peer->subject;
    } else {
        const auto* h = in.find(payload_type::hash);
        if (h == nullptr) {
            return fail(errc::auth_failed, "HASH expected");
        }
        if (!equal_ct(expected, h->body)) {
            return fail(errc::auth_failed, initiator_ ? "HASH_R mismatch" : "HASH_I mismatch");
        }
    }
    if (idp->type == id_type::ipv4_addr) {
        reader r(idp->data);
        std::uint32_t a = 0;
        r.u32(a);
        // An address identity must be the address the messages come from (no NAT-T here).
        if (a != sa_.peer_addr) {
            return fail(errc::auth_failed, "phase-1 ID address differs from the peer address");
        }
    } else if (idp->type != id_type::der_asn1_dn) {
        return fail(errc::auth_failed, "phase-1 ID must be an IPv4 address or a DN");
    }
    if (initiator_) {
        sa_.established = true;
        step_ = 7;
        return status::done;
    }
    step_ = 6;
    return status::need_more;
}

// ---- Informational ----

namespace {

bytes informational_hash(const ike_sa& sa, std::uint32_t mid, const std::vector<payload>& chain)
{
    bytes in;
    put_u32(in, mid);
    std::vector<payload> tail(chain.begin() + 1, chain.end());
    encode_chain(tail, in);
    return prf(sa.prop.hash, sa.skeyid_a, in);
}

} // namespace

message build_informational(const ike_sa& sa, std::vector<payload> nd)
{
    message m;
    m.hdr.icookie = sa.icookie;
    m.hdr.rcookie = sa.rcookie;
    m.hdr.exchange = exchange_type::informational;
    m.hdr.flags = flag_encrypted;
    while (m.hdr.message_id == 0) {
        m.hdr.message_id = random_u32();
    }
    m.payloads.push_back({payload_type::hash, {}});
    for (auto& p : nd) {
        m.payloads.push_back(std::move(p));
    }
    m.payloads[0].body = informational_hash(sa, m.hdr.message_id, m.payloads);
    return m;
}

result<std::vector<payload>> verify_informational(const ike_sa& sa, const message& m)
{
    if (m.hdr.exchange != exchange_type::informational || !(m.hdr.flags & flag_encrypted) || m.hdr.message_id == 0 ||
        m.payloads.size() < 2 || m.payloads.front().type != payload_type::hash) {
        return make_error(errc::bad_value, "Informational must be encrypted and start with HASH(1)");
    }
    if (!equal_ct(informational_hash(sa, m.hdr.message_id, m.payloads), m.payloads.front().body)) {
        return make_error(errc::auth_failed, "Informational HASH(1) mismatch");
    }
    std::vector<payload> nd;
    for (std::size_t i = 1; i < m.payloads.size(); ++i) {
        if (m.payloads[i].type != payload_type::notify && m.payloads[i].type != payload_type::del) {
            return make_error(errc::bad_value, "Informational carries only Notify and Delete");
        }
        nd.push_back(m.payloads[i]);
    }
    return nd;
}

notify_payload dpd_notify(const ike_sa& sa, bool ack, std::uint32_t seq)
{
    notify_payload n;
    n.doi = doi_ipsec;
    n.protocol = 1; // ISAKMP
    n.type = ack ? notify_r_u_there_ack : notify_r_u_there;
    append(n.spi, sa.icookie);
    append(n.spi, sa.rcookie);
    put_u32(n.data, seq);
    return n;
}

std::optional<std::uint32_t> dpd_sequence(const ike_sa& sa, const notify_payload& n, bool ack)
{
    if (n.type != (ack ? notify_r_u_there_ack : notify_r_u_there) || n.spi.size() != 16 ||
        !std::equal(sa.icookie.begin(), sa.icookie.end(), n.spi.begin()) ||
        !std::equal(sa.rcookie.begin(), sa.rcookie.end(), n.spi.begin() + 8) || n.data.size() != 4) {
        return std::nullopt;
    }
    reader r(n.data);
    std::uint32_t seq = 0;
    r.u32(seq);
    return seq;
}

} // namespace gdoi
