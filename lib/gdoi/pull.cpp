// GROUPKEY-PULL tasks, and the mapping between group keys and SA/KD payloads.
#include "gdoi/pull.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace gdoi {

namespace {

constexpr std::size_t nonce_size = 32;
constexpr std::uint8_t id_subnet = static_cast<std::uint8_t>(id_type::ipv4_addr_subnet);
constexpr std::uint8_t id_addr = static_cast<std::uint8_t>(id_type::ipv4_addr);

// RFC 6407 SIG_HASH values differ from IKE's hash numbers.
std::uint16_t sig_hash_value(hash_alg h)
{
    switch (h) {
    case hash_alg::sha1: return 2;
    case hash_alg::sha256: return 3;
    case hash_alg::sha384: return 4;
    case hash_alg::sha512: return 5;
    }
    return 0;
}

std::optional<hash_alg> sig_hash_from(std::uint64_t v)
{
    switch (v) {
    case 2: return hash_alg::sha1;
    case 3: return hash_alg::sha256;
    case 4: return hash_alg::sha384;
    case 5: return hash_alg::sha512;
    default: return std::nullopt;
    }
}

gdoi_id selector_id(const ipv4_prefix& p, std::uint16_t port)
{
    gdoi_id id;
    id.type = id_subnet;
    id.port = port;
    put_u32(id.data, p.addr);
    put_u32(id.data, p.mask());
    return id;
}

std::optional<std::pair<ipv4_prefix, std::uint16_t>> selector_from(const gdoi_id& id)
{
    reader r(id.data);
    std::uint32_t a = 0;
    std::uint32_t m = 0;
    if (id.type == id_addr && r.u32(a) && r.empty()) {
        return std::pair{ipv4_prefix{a, 32}, id.port};
    }
    if (id.type != id_subnet || !r.u32(a) || !r.u32(m) || !r.empty()) {
        return std::nullopt;
    }
    // A mask must be contiguous ones.
    std::uint8_t len = static_cast<std::uint8_t>(__builtin_popcount(m));
    ipv4_prefix p{a, len};
    if (p.mask() != m) {
        return std::nullopt;
    }
    p.addr &= m;
    return std::pair{p, id.port};
}

std::size_t tek_key_size(const transform_set& t)
{
    if (t.transform == esp_transform::des3) {
        return 24;
    }
    return t.key_bits / 8 + (is_counter_mode(t.transform) ? 4 : 0);
}

bool supported_transform(const transform_set& t)
{
    switch (t.transform) {
    case esp_transform::des3: return t.auth != esp_auth::none;
    case esp_transform::aes_cbc:
        return (t.key_bits == 128 || t.key_bits == 192 || t.key_bits == 256) && t.auth != esp_auth::none;
    case esp_transform::aes_gcm_8:
    case esp_transform::aes_gcm_12:
    case esp_transform::aes_gcm_16:
    case esp_transform::aes_gmac:
        return (t.key_bits == 128 || t.key_bits == 192 || t.key_bits == 256) && t.auth == esp_auth::none;
    }
    return false;
}

attributes tek_attrs(const tek& t)
{
    attributes a;
    a.push_back(attribute::basic(ipsec_attr::life_type, 1));
    a.push_back(attribute::number(ipsec_attr::life_duration, static_cast<std::uint64_t>(t.lifetime.count())));
    a.push_back(attribute::basic(ipsec_attr::encapsulation_mode, 1));
    if (t.transform.auth != esp_auth::none) {
        a.push_back(attribute::basic(ipsec_attr::auth_algorithm, static_cast<std::uint16_t>(t.transform.auth)));
    }
    if (t.transform.transform != esp_transform::des3) {
        a.push_back(attribute::basic(ipsec_attr::key_length, static_cast<std::uint16_t>(t.transform.key_bits)));
    }
    a.push_back(attribute::basic(ipsec_attr::address_preservation, t.address_preservation));
    a.push_back(attribute::basic(ipsec_attr::sa_direction, static_cast<std::uint16_t>(t.direction)));
    if (t.replay.mode != replay_mode::none) {
        a.push_back(attribute::basic(ipsec_attr::replay_mode, static_cast<std::uint16_t>(t.replay.mode)));
        a.push_back(attribute::number(ipsec_attr::replay_window, t.replay.window));
        if (t.replay.mode == replay_mode::time) {
            bytes pt;
            put_u32(pt, static_cast<std::uint32_t>(t.replay.pseudotime_ms >> 32));
            put_u32(pt, static_cast<std::uint32_t>(t.replay.pseudotime_ms));
            a.push_back(attribute::variable(ipsec_attr::tbar_pseudotime, pt));
            a.push_back(attribute::number(ipsec_attr::tbar_tick_ms, t.replay.tick_ms));
        }
    }
    return a;
}

// The TEK policy from one SA TEK payload (keys come later in KD).
gdoi::result<tek> tek_from(const sa_tek_payload& p)
{
    tek t;
    t.spi = p.spi;
    t.transform.transform = static_cast<esp_transform>(p.transform_id);
    auto auth = attr_number(p.attrs, ipsec_attr::auth_algorithm);
    t.transform.auth = auth ? static_cast<esp_auth>(*auth) : esp_auth::none;
    auto kl = attr_number(p.attrs, ipsec_attr::key_length);
    t.transform.key_bits = p.transform_id == static_cast<std::uint8_t>(esp_transform::des3) ? 192u
                           : kl ? static_cast<unsigned>(*kl) : 128u;
    auto lt = attr_number(p.attrs, ipsec_attr::life_type);
    auto ld = attr_number(p.attrs, ipsec_attr::life_duration);
    if (!lt || *lt != 1 || !ld || *ld == 0 || *ld > 0xffffffffu) {
        return make_error(errc::bad_value, "TEK lifetime in seconds required");
    }
    t.lifetime = std::chrono::seconds{static_cast<std::int64_t>(*ld)};
    auto mode = attr_number(p.attrs, ipsec_attr::encapsulation_mode);
    if (mode && *mode != 1) {
        return make_error(errc::unsupported, "only tunnel encapsulation");
    }
    auto ap = attr_number(p.attrs, ipsec_attr::address_preservation);
    t.address_preservation = ap ? static_cast<std::uint8_t>(*ap) : 4;
    auto dir = attr_number(p.attrs, ipsec_attr::sa_direction);
    if (dir && (*dir < 1 || *dir > 3)) {
        return make_error(errc::bad_value, "SA direction");
    }
    t.direction = dir ? static_cast<sa_direction>(*dir) : sa_direction::symmetric;
    if (auto rm = attr_number(p.attrs, ipsec_attr::replay_mode)) {
        if (*rm > 2) {
            return make_error(errc::bad_value, "replay mode");
        }
        t.replay.mode = static_cast<replay_mode>(*rm);
        t.replay.window = static_cast<std::uint32_t>(attr_number(p.attrs, ipsec_attr::replay_window).value_or(0));
        t.replay.pseudotime_ms = attr_number(p.attrs, ipsec_attr::tbar_pseudotime).value_or(0);
        t.replay.tick_ms = static_cast<std::uint32_t>(attr_number(p.attrs, ipsec_attr::tbar_tick_ms).value_or(0));
    }
    auto src = selector_from(p.src);
    auto dst = selector_from(p.dst);
    if (!src || !dst) {
        return make_error(errc::bad_value, "TEK selector must be an IPv4 address or subnet");
    }
    t.selectors.push_back({p.ip_protocol, src->first, src->second, dst->first, dst->second});
    if (!supported_transform(t.transform)) {
        return make_error(errc::unsupported, "TEK transform " + std::to_string(p.transform_id));
    }
    return t;
}

bool uniquely_one(const message& in, payload_type t) { return in.count(t) == 1; }

} // namespace

id_payload encode_group_id(const group_identity& g)
{
    id_payload id;
    id.protocol = 0;
    id.port = 0;
    if (g.address) {
        id.type = id_type::ipv4_addr;
        put_u32(id.data, *g.address);
    } else {
        id.type = id_type::key_id;
        put_u32(id.data, g.number.value_or(0));
    }
    return id;
}

std::optional<group_identity> decode_group_id(const id_payload& id)
{
    group_identity g;
    if (id.type == id_type::ipv4_addr && id.data.size() == 4) {
        reader r(id.data);
        std::uint32_t a = 0;
        r.u32(a);
        g.address = a;
        return g;
    }
    if (id.type != id_type::key_id || id.data.empty() || id.data.size() > 10) {
        return std::nullopt;
    }
    // Binary (our encoding) unless every byte is an ASCII digit and it is longer than 4.
    bool ascii = std::all_of(id.data.begin(), id.data.end(), [](std::uint8_t c) { return c >= '0' && c <= '9'; });
    std::uint64_t v = 0;
    if (id.data.size() > 4) {
        if (!ascii) {
            return std::nullopt;
        }
        for (auto c : id.data) {
            v = v * 10 + (c - '0');
        }
        if (v > 0xffffffffu) {
            return std::nullopt;
        }
    } else {
        for (auto c : id.data) {
            v = v << 8 | c;
        }
    }
    g.number = static_cast<std::uint32_t>(v);
    return g;
}

sa_tek_payload encode_bypass_tek(const traffic_selector& s)
{
    sa_tek_payload p;
    p.ip_protocol = s.protocol;
    p.src = selector_id(s.src, s.src_port);
    p.dst = selector_id(s.dst, s.dst_port);
    p.transform_id = 0;
    p.spi = 0;
    p.attrs.push_back(attribute::basic(ipsec_attr::acl_deny, 1));
    return p;
}

bool is_bypass_tek(const sa_tek_payload& p)
{
    return p.spi == 0 || find_attr(p.attrs, ipsec_attr::acl_deny) != nullptr;
}

gdoi::result<traffic_selector> decode_bypass_tek(const sa_tek_payload& p)
{
    // Exactly the shape encode_bypass_tek writes: anything else could be read as an SA.
    const auto* a = find_attr(p.attrs, ipsec_attr::acl_deny);
    if (p.spi != 0 || a == nullptr || !a->tv || a->as_number() != 1u || p.attrs.size() != 1 ||
        p.transform_id != 0) {
        return make_error(errc::bad_value, "malformed ACL deny line (SA TEK with SPI 0 or ACL_DENY)");
    }
    auto src = selector_from(p.src);
    auto dst = selector_from(p.dst);
    if (!src || !dst) {
        return make_error(errc::bad_value, "ACL deny selector must be an IPv4 address or subnet");
    }
    return traffic_selector{p.ip_protocol, src->first, src->second, dst->first, dst->second};
}

bytes pull_hash(const ike_sa& sa, std::uint32_t mid, byte_view prefix, const std::vector<payload>& chain,
                std::size_t from)
{
    bytes in;
    put_u32(in, mid);
    append(in, prefix);
    std::vector<payload> tail(chain.begin() + static_cast<std::ptrdiff_t>(from), chain.end());
    encode_chain(tail, in);
    return prf(sa.prop.hash, sa.skeyid_a, in);
}

gdoi_sa_payload build_group_sa(const group_keys& g)
{
    gdoi_sa_payload sa;
    if (g.kek) {
        sa_kek_payload k;
        k.protocol = 17;
        k.src.type = id_addr;
        k.src.port = 848;
        put_u32(k.src.data, g.ks_addr);
        k.dst.type = id_addr;
        k.dst.port = 848;
        put_u32(k.dst.data, 0);
        k.spi = g.kek->spi;
        k.attrs.push_back(attribute::basic(kek_attr::kek_algorithm, static_cast<std::uint16_t>(g.kek->algorithm)));
        k.attrs.push_back(attribute::basic(kek_attr::key_length, static_cast<std::uint16_t>(g.kek->key_bits)));
        k.attrs.push_back(attribute::number(kek_attr::key_lifetime, static_cast<std::uint64_t>(g.kek->lifetime.count())));
        k.attrs.push_back(attribute::basic(kek_attr::sig_hash, sig_hash_value(g.kek->sig_hash)));
        k.attrs.push_back(attribute::basic(kek_attr::sig_algorithm, 1)); // RSA
        k.attrs.push_back(attribute::basic(kek_attr::sig_key_length, static_cast<std::uint16_t>(g.kek->sig_key_bits)));
        sa.nested.push_back({payload_type::sa_kek, k.encode()});
    }
    // One SA TEK per KS ACL line, in the ACL's order: a permit carries its TEK's SPI and
    // attributes (the GM merges SA TEKs by SPI), a deny is a bypass selector.
    for (const auto& line : g.acl) {
        const auto& s = line.entry.sel;
        if (!line.entry.permit) {
            sa.nested.push_back({payload_type::sa_tek, encode_bypass_tek(s).encode()});
            continue;
        }
        auto t = std::find_if(g.teks.begin(), g.teks.end(), [&](const tek& k) { return k.spi == line.spi; });
        if (t == g.teks.end()) {
            throw std::logic_error("KS ACL line names no TEK");
        }
        sa_tek_payload p;
        p.ip_protocol = s.protocol;
        p.src = selector_id(s.src, s.src_port);
        p.dst = selector_id(s.dst, s.dst_port);
        p.transform_id = static_cast<std::uint8_t>(t->transform.transform);
        p.spi = t->spi;
        p.attrs = tek_attrs(*t);
        sa.nested.push_back({payload_type::sa_tek, p.encode()});
    }
    return sa;
}

kd_payload build_kd(const group_keys& g, const sender_ids& sids)
{
    kd_payload kd;
    for (const auto& t : g.teks) {
        key_packet kp;
        kp.type = kd_type::tek;
        put_u32(kp.spi, t.spi);
        bytes key = t.enc_key;
        append(key, t.salt); // GCM/GMAC: key || 4-byte salt (RFC 4106)
        kp.attrs.push_back(attribute::variable(kd_attr::tek_algorithm_key, key));
        if (!t.auth_key.empty()) {
            kp.attrs.push_back(attribute::variable(kd_attr::tek_integrity_key, t.auth_key));
        }
        kd.packets.push_back(std::move(kp));
    }
    if (g.kek) {
        key_packet kp;
        kp.type = kd_type::kek;
        kp.spi.assign(g.kek->spi.begin(), g.kek->spi.end());
        kp.attrs.push_back(attribute::variable(kd_attr::kek_algorithm_key, g.kek->key));
        kp.attrs.push_back(attribute::variable(kd_attr::sig_algorithm_key, g.kek->sig_public_key));
        kd.packets.push_back(std::move(kp));
    }
    if (!sids.values.empty()) {
        key_packet kp;
        kp.type = kd_type::sid;
        kp.attrs.push_back(attribute::basic(kd_attr::number_of_sid_bits, static_cast<std::uint16_t>(sids.bits)));
        for (auto v : sids.values) {
            bytes b;
            put_u32(b, v);
            kp.attrs.push_back(attribute::variable(kd_attr::sid_value, b));
        }
        kd.packets.push_back(std::move(kp));
    }
    return kd;
}

// ---- GM ----

pull_initiator::pull_initiator(ike_sa& sa, group_identity group, const gm_acceptance& accept, unsigned sid_request,
                               std::uint32_t message_id)
    : sa_(sa), group_(group), accept_(accept), sid_request_(sid_request), mid_(message_id)
{
}

status pull_initiator::fail(errc c, std::string detail)
{
    error_ = {c, std::move(detail)};
    return status::failed;
}

// Both roles' messages share the header: the phase-1 cookies, exchange 32, E flag.
static void start_pull_message(message& out, const ike_sa& sa, std::uint32_t mid)
{
    out.hdr.icookie = sa.icookie;
    out.hdr.rcookie = sa.rcookie;
    out.hdr.exchange = exchange_type::groupkey_pull;
    out.hdr.flags = flag_encrypted;
    out.hdr.message_id = mid;
    out.payloads.clear();
}

status pull_initiator::build(message& out)
{
    start_pull_message(out, sa_, mid_);
    if (step_ == 1) {
        ni_b_ = random_bytes(nonce_size);
        out.payloads.push_back({payload_type::hash, {}});
        out.payloads.push_back({payload_type::nonce, ni_b_});
        out.payloads.push_back({payload_type::id, encode_group_id(group_).encode()});
        out.payloads[0].body = pull_hash(sa_, mid_, {}, out.payloads, 1);
        step_ = 2;
        return status::need_more;
    }
    if (step_ == 3) {
        out.payloads.push_back({payload_type::hash, {}});
        bool counter = std::any_of(reg_.teks.begin(), reg_.teks.end(),
                                   [](const tek& t) { return is_counter_mode(t.transform.transform); });
        if (counter && sid_request_ > 0) {
            gap_payload gap;
            gap.attrs.push_back(attribute::basic(gap_attr::sender_id_request, static_cast<std::uint16_t>(sid_request_)));
            out.payloads.push_back({payload_type::gap, gap.encode()});
        } else {
            sid_request_ = 0;
        }
        bytes prefix = ni_b_;
        append(prefix, nr_b_);
        out.payloads[0].body = pull_hash(sa_, mid_, prefix, out.payloads, 1);
        step_ = 4;
        return status::need_more;
    }
    return fail(errc::state, "nothing to build at PULL step " + std::to_string(step_));
}

status pull_initiator::process(const message& in)
{
    if (in.hdr.exchange != exchange_type::groupkey_pull || in.hdr.message_id != mid_ ||
        !(in.hdr.flags & flag_encrypted) || in.payloads.empty() || in.payloads.front().type != payload_type::hash) {
        return fail(errc::state, "not the expected GROUPKEY-PULL message");
    }
    if (step_ == 2) {
        return process_sa(in);
    }
    if (step_ == 4) {
        return process_kd(in);
    }
    return fail(errc::state, "unexpected GROUPKEY-PULL message");
}

status pull_initiator::process_sa(const message& in)
{
    if (!uniquely_one(in, payload_type::nonce) || !uniquely_one(in, payload_type::sa)) {
        return fail(errc::bad_value, "PULL2 needs one Nr and one SA");
    }
    if (!equal_ct(pull_hash(sa_, mid_, ni_b_, in.payloads, 1), in.payloads.front().body)) {
        return fail(errc::auth_failed, "HASH(2) mismatch");
    }
    nr_b_ = in.find(payload_type::nonce)->body;
    auto sa = gdoi_sa_payload::decode(in.find(payload_type::sa)->body);
    if (!sa) {
        return fail(sa.err().code, sa.err().detail);
    }
    auto reject = [this](std::string why) {
        rejected_sa_ = true;
        return fail(errc::no_proposal, std::move(why));
    };
    std::map<std::uint32_t, std::size_t> by_spi;
    for (const auto& n : sa->nested) {
        if (n.type == payload_type::sa_kek) {
            auto k = sa_kek_payload::decode(n.body);
            if (!k) {
                return fail(k.err().code, k.err().detail);
            }
            kek_sa kk;
            kk.spi = k->spi;
            auto alg = attr_number(k->attrs, kek_attr::kek_algorithm);
            auto kl = attr_number(k->attrs, kek_attr::key_length);
            auto life = attr_number(k->attrs, kek_attr::key_lifetime);
            auto sh = attr_number(k->attrs, kek_attr::sig_hash);
            auto sg = attr_number(k->attrs, kek_attr::sig_algorithm);
            auto skl = attr_number(k->attrs, kek_attr::sig_key_length);
            if (!alg || (*alg != 2 && *alg != 3) || !life || !sh || !sig_hash_from(*sh) || !sg || *sg != 1) {
                return reject("KEK policy not supported");
            }
            kk.algorithm = static_cast<kek_algorithm>(*alg);
            kk.key_bits = kk.algorithm == kek_algorithm::des3 ? 192u : static_cast<unsigned>(kl.value_or(128));
            if (kk.algorithm == kek_algorithm::aes && kk.key_bits != 128 && kk.key_bits != 192 && kk.key_bits != 256) {
                return reject("KEK key length");
            }
            kk.lifetime = std::chrono::seconds{static_cast<std::int64_t>(std::min<std::uint64_t>(*life, 0xffffffffu))};
            kk.sig_hash = *sig_hash_from(*sh);
            kk.sig_key_bits = static_cast<unsigned>(skl.value_or(0));
            if (!accept_.rekey_algorithms.empty() &&
                std::find(accept_.rekey_algorithms.begin(), accept_.rekey_algorithms.end(), kk.algorithm) ==
                    accept_.rekey_algorithms.end()) {
                return reject("rekey algorithm not in client rekey encryption");
            }
            if (!accept_.rekey_hashes.empty() &&
                std::find(accept_.rekey_hashes.begin(), accept_.rekey_hashes.end(), kk.sig_hash) ==
                    accept_.rekey_hashes.end()) {
                return reject("rekey hash not in client rekey hash");
            }
            kek_spi_ = k->spi;
            kek_expected_ = true;
            reg_.kek = std::move(kk);
        } else if (n.type == payload_type::sa_tek) {
            auto p = sa_tek_payload::decode(n.body);
            if (!p) {
                return fail(p.err().code, p.err().detail);
            }
            if (is_bypass_tek(*p)) {
                auto sel = decode_bypass_tek(*p);
                if (!sel) {
                    return reject(sel.err().detail);
                }
                reg_.ks_acl.push_back({false, *sel});
                continue;
            }
            auto t = tek_from(*p);
            if (!t) {
                return reject(t.err().detail);
            }
            if (!accept_.transforms.empty() &&
                std::find(accept_.transforms.begin(), accept_.transforms.end(), t->transform) == accept_.transforms.end()) {
                return reject("TEK transform not in client transform-sets");
            }
            reg_.ks_acl.push_back({true, t->selectors.front()});
            auto it = by_spi.find(t->spi);
            if (it != by_spi.end()) {
                auto& prev = reg_.teks[it->second];
                if (!(prev.transform == t->transform) || prev.lifetime != t->lifetime) {
                    return reject("two SA TEKs with one SPI disagree");
                }
                prev.selectors.push_back(t->selectors.front());
            } else {
                by_spi[t->spi] = reg_.teks.size();
                reg_.teks.push_back(std::move(t.value()));
            }
        }
    }
    if (reg_.teks.empty()) {
        return reject("SA holds no TEK");
    }
    step_ = 3;
    return status::need_more;
}

status pull_initiator::process_kd(const message& in)
{
    if (!uniquely_one(in, payload_type::kd) || in.count(payload_type::seq) > 1) {
        return fail(errc::bad_value, "PULL4 needs one KD and at most one SEQ");
    }
    bytes prefix = ni_b_;
    append(prefix, nr_b_);
    if (!equal_ct(pull_hash(sa_, mid_, prefix, in.payloads, 1), in.payloads.front().body)) {
        return fail(errc::auth_failed, "HASH(4) mismatch");
    }
    if (const auto* s = in.find(payload_type::seq)) {
        auto seq = seq_payload::decode(s->body);
        if (!seq) {
            return fail(seq.err().code, seq.err().detail);
        }
        reg_.seq = seq->seq;
    }
    auto kd = kd_payload::decode(in.find(payload_type::kd)->body);
    if (!kd) {
        return fail(kd.err().code, kd.err().detail);
    }
    std::size_t teks_keyed = 0;
    bool kek_keyed = false;
    for (const auto& kp : kd->packets) {
        if (kp.type == kd_type::tek) {
            reader r(kp.spi);
            std::uint32_t spi = 0;
            if (!r.u32(spi) || !r.empty()) {
                return fail(errc::bad_value, "TEK key packet SPI size");
            }
            auto it = std::find_if(reg_.teks.begin(), reg_.teks.end(), [spi](const tek& t) { return t.spi == spi; });
            if (it == reg_.teks.end() || !it->enc_key.empty()) {
                return fail(errc::bad_value, "TEK key packet for an SPI not in the SA");
            }
            const auto* key = find_attr(kp.attrs, kd_attr::tek_algorithm_key);
            if (key == nullptr || key->tv || key->value.size() != tek_key_size(it->transform)) {
                return fail(errc::bad_value, "TEK_ALGORITHM_KEY size");
            }
            auto salt = is_counter_mode(it->transform.transform) ? std::size_t{4} : std::size_t{0};
            it->enc_key.assign(key->value.begin(), key->value.end() - static_cast<std::ptrdiff_t>(salt));
            it->salt.assign(key->value.end() - static_cast<std::ptrdiff_t>(salt), key->value.end());
            auto need = auth_key_size(it->transform.auth);
            const auto* ik = find_attr(kp.attrs, kd_attr::tek_integrity_key);
            if (need > 0) {
                if (ik == nullptr || ik->tv || ik->value.size() != need) {
                    return fail(errc::bad_value, "TEK_INTEGRITY_KEY size");
                }
                it->auth_key = ik->value;
            }
            ++teks_keyed;
        } else if (kp.type == kd_type::kek) {
            if (!kek_expected_ || kp.spi.size() != 16 || !std::equal(kp.spi.begin(), kp.spi.end(), kek_spi_.begin())) {
                return fail(errc::bad_value, "KEK key packet does not match the SA KEK");
            }
            const auto* key = find_attr(kp.attrs, kd_attr::kek_algorithm_key);
            const auto* pub = find_attr(kp.attrs, kd_attr::sig_algorithm_key);
            if (key == nullptr || key->value.size() != reg_.kek->key_bits / 8 || pub == nullptr || pub->value.empty()) {
                return fail(errc::bad_value, "KEK key packet attributes");
            }
            reg_.kek->key = key->value;
            reg_.kek->sig_public_key = pub->value;
            kek_keyed = true;
        } else if (kp.type == kd_type::sid) {
            auto bits = attr_number(kp.attrs, kd_attr::number_of_sid_bits);
            if (!bits || *bits == 0 || *bits > 31) {
                return fail(errc::bad_value, "NUMBER_OF_SID_BITS");
            }
            reg_.sids.bits = static_cast<unsigned>(*bits);
            for (const auto& a : kp.attrs) {
                if (a.type != kd_attr::sid_value) {
                    continue;
                }
                auto v = a.as_number();
                if (!v || *v >= (std::uint64_t{1} << *bits)) {
                    return fail(errc::bad_value, "SID_VALUE out of range");
                }
                reg_.sids.values.push_back(static_cast<std::uint32_t>(*v));
            }
        } else {
            return fail(errc::unsupported, "key packet type " + std::to_string(static_cast<unsigned>(kp.type)));
        }
    }
    if (teks_keyed != reg_.teks.size() || kek_keyed != kek_expected_) {
        return fail(errc::bad_value, "KD lacks keys for the SA");
    }
    if (sid_request_ > 0 && reg_.sids.values.empty()) {
        return fail(errc::bad_value, "sender IDs requested but none given");
    }
    step_ = 5;
    return status::done;
}

// ---- KS ----

pull_responder::pull_responder(ike_sa& sa, find_group_fn find, allocate_sids_fn alloc)
    : sa_(sa), find_(std::move(find)), alloc_(std::move(alloc))
{
}

status pull_responder::fail(errc c, std::string detail)
{
    error_ = {c, std::move(detail)};
    return status::failed;
}

status pull_responder::process(const message& in)
{
    if (in.hdr.exchange != exchange_type::groupkey_pull || !(in.hdr.flags & flag_encrypted) || in.payloads.empty() ||
        in.payloads.front().type != payload_type::hash) {
        return fail(errc::bad_value, "GROUPKEY-PULL must be encrypted and start with HASH");
    }
    if (step_ == 1) {
        mid_ = in.hdr.message_id;
        if (mid_ == 0) {
            return fail(errc::bad_value, "GROUPKEY-PULL with message ID 0");
        }
        if (!uniquely_one(in, payload_type::nonce) || !uniquely_one(in, payload_type::id)) {
            return fail(errc::bad_value, "PULL1 needs one Ni and one ID");
        }
        if (!equal_ct(pull_hash(sa_, mid_, {}, in.payloads, 1), in.payloads.front().body)) {
            return fail(errc::auth_failed, "HASH(1) mismatch");
        }
        ni_b_ = in.find(payload_type::nonce)->body;
        auto id = id_payload::decode(in.find(payload_type::id)->body);
        if (!id) {
            return fail(id.err().code, id.err().detail);
        }
        auto g = find_(*id);
        if (!g) {
            return fail(g.err().code, g.err().detail);
        }
        group_ = g.value();
        step_ = 2;
        return status::need_more;
    }
    if (step_ == 3) {
        if (in.hdr.message_id != mid_) {
            return fail(errc::state, "PULL3 with another message ID");
        }
        bytes prefix = ni_b_;
        append(prefix, nr_b_);
        if (!equal_ct(pull_hash(sa_, mid_, prefix, in.payloads, 1), in.payloads.front().body)) {
            return fail(errc::auth_failed, "HASH(3) mismatch");
        }
        if (const auto* g = in.find(payload_type::gap)) {
            auto gap = gap_payload::decode(g->body);
            if (!gap) {
                return fail(gap.err().code, gap.err().detail);
            }
            sid_request_ = static_cast<unsigned>(attr_number(gap->attrs, gap_attr::sender_id_request).value_or(0));
        }
        step_ = 4;
        return status::need_more;
    }
    return fail(errc::state, "unexpected GROUPKEY-PULL message");
}

status pull_responder::build(message& out)
{
    start_pull_message(out, sa_, mid_);
    if (step_ == 2) {
        nr_b_ = random_bytes(nonce_size);
        out.payloads.push_back({payload_type::hash, {}});
        out.payloads.push_back({payload_type::nonce, nr_b_});
        out.payloads.push_back({payload_type::sa, build_group_sa(*group_).encode()});
        out.payloads[0].body = pull_hash(sa_, mid_, ni_b_, out.payloads, 1);
        step_ = 3;
        return status::need_more;
    }
    if (step_ == 4) {
        if (sid_request_ > 0) {
            sids_ = alloc_(*group_, sid_request_);
            if (sids_.values.empty()) {
                return fail(errc::exhausted, "no sender ID left in group " + group_->name);
            }
        }
        out.payloads.push_back({payload_type::hash, {}});
        out.payloads.push_back({payload_type::seq, seq_payload{group_->seq}.encode()});
        out.payloads.push_back({payload_type::kd, build_kd(*group_, sids_).encode()});
        bytes prefix = ni_b_;
        append(prefix, nr_b_);
        out.payloads[0].body = pull_hash(sa_, mid_, prefix, out.payloads, 1);
        step_ = 5;
        return status::done;
    }
    return fail(errc::state, "nothing to build at PULL step " + std::to_string(step_));
}

} // namespace gdoi
