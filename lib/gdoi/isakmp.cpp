// ISAKMP/GDOI payload codecs. Each decoder checks every length against its
// container before reading; errors are values.
#include "gdoi/isakmp.hpp"

#include <algorithm>
#include <cstring>

namespace gdoi {

namespace {

error trunc(std::string_view what) { return make_error(errc::truncated, std::string(what)); }
error badlen(std::string_view what) { return make_error(errc::bad_length, std::string(what)); }

bool known_payload(std::uint8_t t)
{
    return (t >= 1 && t <= 13) || (t >= 15 && t <= 18) || (t >= 20 && t <= 22);
}

} // namespace

std::string_view to_string(payload_type t)
{
    switch (t) {
    case payload_type::none: return "NONE";
    case payload_type::sa: return "SA";
    case payload_type::proposal: return "P";
    case payload_type::transform: return "T";
    case payload_type::ke: return "KE";
    case payload_type::id: return "ID";
    case payload_type::cert: return "CERT";
    case payload_type::cr: return "CR";
    case payload_type::hash: return "HASH";
    case payload_type::sig: return "SIG";
    case payload_type::nonce: return "NONCE";
    case payload_type::notify: return "N";
    case payload_type::del: return "D";
    case payload_type::vendor_id: return "VID";
    case payload_type::sa_kek: return "SA_KEK";
    case payload_type::sa_tek: return "SA_TEK";
    case payload_type::kd: return "KD";
    case payload_type::seq: return "SEQ";
    case payload_type::nat_d: return "NAT-D";
    case payload_type::nat_oa: return "NAT-OA";
    case payload_type::gap: return "GAP";
    }
    return "?";
}

// ---- header ----

result<header> header::decode(byte_view wire)
{
    reader r(wire);
    header h;
    byte_view ick;
    byte_view rck;
    std::uint8_t next = 0;
    std::uint8_t exch = 0;
    if (!r.take(8, ick) || !r.take(8, rck) || !r.u8(next) || !r.u8(h.version) || !r.u8(exch) ||
        !r.u8(h.flags) || !r.u32(h.message_id) || !r.u32(h.length)) {
        return trunc("ISAKMP header");
    }
    std::copy(ick.begin(), ick.end(), h.icookie.begin());
    std::copy(rck.begin(), rck.end(), h.rcookie.begin());
    h.next = static_cast<payload_type>(next);
    h.exchange = static_cast<exchange_type>(exch);
    if ((h.version >> 4) != 1) {
        return make_error(errc::bad_value, "ISAKMP major version");
    }
    if (h.length != wire.size()) {
        return badlen("ISAKMP length differs from datagram");
    }
    if (h.length > max_message_size) {
        return badlen("ISAKMP message too large");
    }
    return h;
}

void header::encode(bytes& out) const
{
    append(out, icookie);
    append(out, rcookie);
    put_u8(out, static_cast<std::uint8_t>(next));
    put_u8(out, version);
    put_u8(out, static_cast<std::uint8_t>(exchange));
    put_u8(out, flags);
    put_u32(out, message_id);
    put_u32(out, length);
}

// ---- generic chain ----

result<std::vector<payload>> decode_chain(payload_type first, byte_view data, bool allow_trailing)
{
    std::vector<payload> out;
    reader r(data);
    auto type = first;
    while (type != payload_type::none) {
        if (!known_payload(static_cast<std::uint8_t>(type))) {
            return make_error(errc::unsupported,
                              "payload type " + std::to_string(static_cast<unsigned>(type)));
        }
        std::uint8_t next = 0;
        std::uint8_t reserved = 0;
        std::uint16_t len = 0;
        if (!r.u8(next) || !r.u8(reserved) || !r.u16(len)) {
            return trunc("generic payload header");
        }
        if (len < 4) {
            return badlen("payload length below header size");
        }
        payload p;
        p.type = type;
        if (!r.take(len - 4u, p.body)) {
            return badlen("payload length beyond message");
        }
        out.push_back(std::move(p));
        type = static_cast<payload_type>(next);
        if (out.size() > 64) {
            return make_error(errc::bad_value, "too many payloads");
        }
    }
    if (!r.empty() && !allow_trailing) {
        return badlen("bytes after last payload");
    }
    return out;
}

payload_type encode_chain(const std::vector<payload>& chain, bytes& out)
{
    for (std::size_t i = 0; i < chain.size(); ++i) {
        auto next = i + 1 < chain.size() ? chain[i + 1].type : payload_type::none;
        put_u8(out, static_cast<std::uint8_t>(next));
        put_u8(out, 0);
        put_u16(out, static_cast<std::uint16_t>(chain[i].body.size() + 4));
        append(out, chain[i].body);
    }
    return chain.empty() ? payload_type::none : chain.front().type;
}

// ---- message ----

result<message> message::decode(byte_view wire)
{
    auto h = header::decode(wire);
    if (!h) {
        return h.err();
    }
    message m;
    m.hdr = *h;
    auto body = wire.subspan(header_size);
    if (m.hdr.flags & flag_encrypted) {
        m.encrypted = to_bytes(body);
        return m;
    }
    auto chain = decode_chain(m.hdr.next, body, false);
    if (!chain) {
        return chain.err();
    }
    m.payloads = std::move(chain.value());
    return m;
}

bytes message::encode() const
{
    bytes out;
    header h = hdr;
    bytes chain;
    h.next = encode_chain(payloads, chain);
    h.length = static_cast<std::uint32_t>(header_size + chain.size());
    h.encode(out);
    append(out, chain);
    return out;
}

const payload* message::find(payload_type t) const
{
    auto it = std::find_if(payloads.begin(), payloads.end(), [t](const payload& p) { return p.type == t; });
    return it == payloads.end() ? nullptr : &*it;
}

std::size_t message::count(payload_type t) const
{
    return static_cast<std::size_t>(
        std::count_if(payloads.begin(), payloads.end(), [t](const payload& p) { return p.type == t; }));
}

// ---- attributes ----

attribute attribute::basic(std::uint16_t type, std::uint16_t v)
{
    attribute a;
    a.type = type;
    a.tv = true;
    put_u16(a.value, v);
    return a;
}

attribute attribute::variable(std::uint16_t type, byte_view v)
{
    attribute a;
    a.type = type;
    a.tv = false;
    a.value = to_bytes(v);
    return a;
}

attribute attribute::number(std::uint16_t type, std::uint64_t v)
{
    if (v <= 0xffff) {
        return basic(type, static_cast<std::uint16_t>(v));
    }
    bytes b;
    if (v > 0xffffffffu) {
        put_u32(b, static_cast<std::uint32_t>(v >> 32));
    }
    put_u32(b, static_cast<std::uint32_t>(v));
    return variable(type, b);
}

std::optional<std::uint64_t> attribute::as_number() const
{
    if (value.empty() || value.size() > 8) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    for (auto b : value) {
        v = v << 8 | b;
    }
    return v;
}

result<attributes> decode_attributes(byte_view data)
{
    attributes out;
    reader r(data);
    while (!r.empty()) {
        std::uint16_t t = 0;
        std::uint16_t lv = 0;
        if (!r.u16(t) || !r.u16(lv)) {
            return trunc("attribute header");
        }
        attribute a;
        a.type = t & 0x7fff;
        a.tv = (t & 0x8000) != 0;
        if (a.tv) {
            put_u16(a.value, lv);
        } else if (!r.take(lv, a.value)) {
            return badlen("attribute length beyond payload");
        }
        out.push_back(std::move(a));
        if (out.size() > 256) {
            return make_error(errc::bad_value, "too many attributes");
        }
    }
    return out;
}

void encode_attributes(const attributes& attrs, bytes& out)
{
    for (const auto& a : attrs) {
        if (a.tv) {
            put_u16(out, static_cast<std::uint16_t>(0x8000 | a.type));
            append(out, a.value);
        } else {
            put_u16(out, a.type & 0x7fff);
            put_u16(out, static_cast<std::uint16_t>(a.value.size()));
            append(out, a.value);
        }
    }
}

const attribute* find_attr(const attributes& attrs, std::uint16_t type)
{
    auto it = std::find_if(attrs.begin(), attrs.end(), [type](const attribute& a) { return a.type == type; });
    return it == attrs.end() ? nullptr : &*it;
}

std::optional<std::uint64_t> attr_number(const attributes& attrs, std::uint16_t type)
{
    const auto* a = find_attr(attrs, type);
    return a ? a->as_number() : std::nullopt;
}

// ---- phase-1 SA ----

namespace {

result<transform_payload> decode_transform(byte_view body)
{
    reader r(body);
    transform_payload t;
    std::uint16_t reserved = 0;
    if (!r.u8(t.number) || !r.u8(t.id) || !r.u16(reserved)) {
        return trunc("transform");
    }
    auto attrs = decode_attributes(r.rest());
    if (!attrs) {
        return attrs.err();
    }
    t.attrs = std::move(attrs.value());
    return t;
}

result<proposal_payload> decode_proposal(byte_view body)
{
    reader r(body);
    proposal_payload p;
    std::uint8_t spi_size = 0;
    std::uint8_t ntransforms = 0;
    if (!r.u8(p.number) || !r.u8(p.protocol) || !r.u8(spi_size) || !r.u8(ntransforms)) {
        return trunc("proposal");
    }
    if (!r.take(spi_size, p.spi)) {
        return badlen("proposal SPI");
    }
    auto chain = decode_chain(ntransforms ? payload_type::transform : payload_type::none, r.rest(), false);
    if (!chain) {
        return chain.err();
    }
    if (chain->size() != ntransforms) {
        return badlen("transform count");
    }
    for (const auto& pl : *chain) {
        if (pl.type != payload_type::transform) {
            return make_error(errc::bad_value, "proposal holds a non-transform payload");
        }
        auto t = decode_transform(pl.body);
        if (!t) {
            return t.err();
        }
        p.transforms.push_back(std::move(t.value()));
    }
    return p;
}

} // namespace

result<sa_payload> sa_payload::decode(byte_view body)
{
    reader r(body);
    sa_payload sa;
    if (!r.u32(sa.doi) || !r.u32(sa.situation)) {
        return trunc("SA");
    }
    if (sa.doi != doi_ipsec && sa.doi != doi_gdoi) {
        return make_error(errc::bad_value, "SA DOI");
    }
    auto chain = decode_chain(payload_type::proposal, r.rest(), false);
    if (!chain) {
        return chain.err();
    }
    for (const auto& pl : *chain) {
        if (pl.type != payload_type::proposal) {
            return make_error(errc::bad_value, "SA holds a non-proposal payload");
        }
        auto p = decode_proposal(pl.body);
        if (!p) {
            return p.err();
        }
        sa.proposals.push_back(std::move(p.value()));
    }
    return sa;
}

bytes sa_payload::encode() const
{
    bytes out;
    put_u32(out, doi);
    put_u32(out, situation);
    std::vector<payload> props;
    for (const auto& p : proposals) {
        bytes pb;
        put_u8(pb, p.number);
        put_u8(pb, p.protocol);
        put_u8(pb, static_cast<std::uint8_t>(p.spi.size()));
        put_u8(pb, static_cast<std::uint8_t>(p.transforms.size()));
        append(pb, p.spi);
        std::vector<payload> ts;
        for (const auto& t : p.transforms) {
            bytes tb;
            put_u8(tb, t.number);
            put_u8(tb, t.id);
            put_u16(tb, 0);
            encode_attributes(t.attrs, tb);
            ts.push_back({payload_type::transform, std::move(tb)});
        }
        encode_chain(ts, pb);
        props.push_back({payload_type::proposal, std::move(pb)});
    }
    encode_chain(props, out);
    return out;
}

// ---- simple payloads ----

result<opaque_payload> opaque_payload::decode(byte_view body, std::size_t min_size, std::size_t max_size)
{
    if (body.size() < min_size) {
        return trunc("payload data");
    }
    if (body.size() > max_size) {
        return badlen("payload data too long");
    }
    return opaque_payload{to_bytes(body)};
}

result<id_payload> id_payload::decode(byte_view body)
{
    reader r(body);
    id_payload id;
    std::uint8_t t = 0;
    if (!r.u8(t) || !r.u8(id.protocol) || !r.u16(id.port)) {
        return trunc("ID");
    }
    id.type = static_cast<id_type>(t);
    id.data = to_bytes(r.rest());
    if ((id.type == id_type::ipv4_addr && id.data.size() != 4) ||
        (id.type == id_type::ipv4_addr_subnet && id.data.size() != 8) ||
        (id.type == id_type::ipv4_addr_range && id.data.size() != 8)) {
        return badlen("ID data size for its type");
    }
    return id;
}

bytes id_payload::encode() const
{
    bytes out;
    put_u8(out, static_cast<std::uint8_t>(type));
    put_u8(out, protocol);
    put_u16(out, port);
    append(out, data);
    return out;
}

result<cert_payload> cert_payload::decode(byte_view body)
{
    reader r(body);
    cert_payload c;
    if (!r.u8(c.encoding)) {
        return trunc("CERT");
    }
    c.data = to_bytes(r.rest());
    return c;
}

bytes cert_payload::encode() const
{
    bytes out;
    put_u8(out, encoding);
    append(out, data);
    return out;
}

result<notify_payload> notify_payload::decode(byte_view body)
{
    reader r(body);
    notify_payload n;
    std::uint8_t spi_size = 0;
    if (!r.u32(n.doi) || !r.u8(n.protocol) || !r.u8(spi_size) || !r.u16(n.type)) {
        return trunc("Notify");
    }
    if (!r.take(spi_size, n.spi)) {
        return badlen("Notify SPI");
    }
    n.data = to_bytes(r.rest());
    return n;
}

bytes notify_payload::encode() const
{
    bytes out;
    put_u32(out, doi);
    put_u8(out, protocol);
    put_u8(out, static_cast<std::uint8_t>(spi.size()));
    put_u16(out, type);
    append(out, spi);
    append(out, data);
    return out;
}

result<delete_payload> delete_payload::decode(byte_view body)
{
    reader r(body);
    delete_payload d;
    std::uint16_t n = 0;
    if (!r.u32(d.doi) || !r.u8(d.protocol) || !r.u8(d.spi_size) || !r.u16(n)) {
        return trunc("Delete");
    }
    if (r.remaining() != static_cast<std::size_t>(n) * d.spi_size) {
        return badlen("Delete SPI count");
    }
    for (unsigned i = 0; i < n; ++i) {
        bytes spi;
        r.take(d.spi_size, spi);
        d.spis.push_back(std::move(spi));
    }
    return d;
}

bytes delete_payload::encode() const
{
    bytes out;
    put_u32(out, doi);
    put_u8(out, protocol);
    put_u8(out, spi_size);
    put_u16(out, static_cast<std::uint16_t>(spis.size()));
    for (const auto& s : spis) {
        append(out, s);
    }
    return out;
}

// ---- GDOI ----

result<gdoi_sa_payload> gdoi_sa_payload::decode(byte_view body)
{
    reader r(body);
    gdoi_sa_payload sa;
    std::uint32_t doi = 0;
    std::uint16_t first = 0;
    std::uint16_t reserved = 0;
    if (!r.u32(doi) || !r.u32(sa.situation) || !r.u16(first) || !r.u16(reserved)) {
        return trunc("GDOI SA");
    }
    if (doi != doi_gdoi) {
        return make_error(errc::bad_value, "GDOI SA with DOI " + std::to_string(doi));
    }
    if (first > 0xff) {
        return make_error(errc::bad_value, "SA attribute next payload");
    }
    auto chain = decode_chain(static_cast<payload_type>(first), r.rest(), false);
    if (!chain) {
        return chain.err();
    }
    for (const auto& p : *chain) {
        if (p.type != payload_type::sa_kek && p.type != payload_type::sa_tek && p.type != payload_type::gap) {
            return make_error(errc::bad_value, "GDOI SA nests a " + std::string(to_string(p.type)));
        }
    }
    sa.nested = std::move(chain.value());
    return sa;
}

bytes gdoi_sa_payload::encode() const
{
    bytes out;
    put_u32(out, doi_gdoi);
    put_u32(out, situation);
    put_u16(out, nested.empty() ? 0 : static_cast<std::uint16_t>(nested.front().type));
    put_u16(out, 0);
    encode_chain(nested, out);
    return out;
}

namespace {

// SA KEK uses a 1-byte ID data length, SA TEK a 2-byte one.
bool read_gdoi_id(reader& r, gdoi_id& id, bool wide_len)
{
    std::uint16_t len = 0;
    if (!r.u8(id.type) || !r.u16(id.port)) {
        return false;
    }
    if (wide_len) {
        if (!r.u16(len)) {
            return false;
        }
    } else {
        std::uint8_t l8 = 0;
        if (!r.u8(l8)) {
            return false;
        }
        len = l8;
    }
    return r.take(len, id.data);
}

void write_gdoi_id(bytes& out, const gdoi_id& id, bool wide_len)
{
    put_u8(out, id.type);
    put_u16(out, id.port);
    if (wide_len) {
        put_u16(out, static_cast<std::uint16_t>(id.data.size()));
    } else {
        put_u8(out, static_cast<std::uint8_t>(id.data.size()));
    }
    append(out, id.data);
}

} // namespace

result<sa_kek_payload> sa_kek_payload::decode(byte_view body)
{
    reader r(body);
    sa_kek_payload k;
    byte_view spi;
    std::uint32_t reserved = 0;
    if (!r.u8(k.protocol) || !read_gdoi_id(r, k.src, false) || !read_gdoi_id(r, k.dst, false) ||
        !r.take(16, spi) || !r.u32(reserved)) {
        return trunc("SA KEK");
    }
    std::copy(spi.begin(), spi.end(), k.spi.begin());
    auto attrs = decode_attributes(r.rest());
    if (!attrs) {
        return attrs.err();
    }
    k.attrs = std::move(attrs.value());
    return k;
}

bytes sa_kek_payload::encode() const
{
    bytes out;
    put_u8(out, protocol);
    write_gdoi_id(out, src, false);
    write_gdoi_id(out, dst, false);
    append(out, spi);
    put_u32(out, 0);
    encode_attributes(attrs, out);
    return out;
}

result<sa_tek_payload> sa_tek_payload::decode(byte_view body)
{
    reader r(body);
    sa_tek_payload t;
    if (!r.u8(t.protocol_id)) {
        return trunc("SA TEK");
    }
    if (t.protocol_id != 1) {
        return make_error(errc::unsupported, "SA TEK protocol " + std::to_string(t.protocol_id));
    }
    if (!r.u8(t.ip_protocol) || !read_gdoi_id(r, t.src, true) || !read_gdoi_id(r, t.dst, true) ||
        !r.u8(t.transform_id) || !r.u32(t.spi)) {
        return trunc("SA TEK ESP");
    }
    auto attrs = decode_attributes(r.rest());
    if (!attrs) {
        return attrs.err();
    }
    t.attrs = std::move(attrs.value());
    return t;
}

bytes sa_tek_payload::encode() const
{
    bytes out;
    put_u8(out, protocol_id);
    put_u8(out, ip_protocol);
    write_gdoi_id(out, src, true);
    write_gdoi_id(out, dst, true);
    put_u8(out, transform_id);
    put_u32(out, spi);
    encode_attributes(attrs, out);
    return out;
}

result<gap_payload> gap_payload::decode(byte_view body)
{
    auto attrs = decode_attributes(body);
    if (!attrs) {
        return attrs.err();
    }
    return gap_payload{std::move(attrs.value())};
}

bytes gap_payload::encode() const
{
    bytes out;
    encode_attributes(attrs, out);
    return out;
}

result<seq_payload> seq_payload::decode(byte_view body)
{
    reader r(body);
    seq_payload s;
    if (!r.u32(s.seq)) {
        return trunc("SEQ");
    }
    if (!r.empty()) {
        return badlen("SEQ longer than 4 bytes");
    }
    return s;
}

bytes seq_payload::encode() const
{
    bytes out;
    put_u32(out, seq);
    return out;
}

result<kd_payload> kd_payload::decode(byte_view body)
{
    reader r(body);
    kd_payload kd;
    std::uint16_t n = 0;
    std::uint16_t reserved = 0;
    if (!r.u16(n) || !r.u16(reserved)) {
        return trunc("KD");
    }
    for (unsigned i = 0; i < n; ++i) {
        std::uint8_t type = 0;
        std::uint8_t res = 0;
        std::uint16_t len = 0;
        if (!r.u8(type) || !r.u8(res) || !r.u16(len)) {
            return trunc("key packet header");
        }
        if (len < 5) {
            return badlen("key packet length");
        }
        byte_view kp;
        if (!r.take(len - 4u, kp)) {
            return badlen("key packet beyond KD");
        }
        reader kr(kp);
        key_packet pkt;
        pkt.type = static_cast<kd_type>(type);
        std::uint8_t spi_size = 0;
        if (!kr.u8(spi_size) || !kr.take(spi_size, pkt.spi)) {
            return badlen("key packet SPI");
        }
        auto attrs = decode_attributes(kr.rest());
        if (!attrs) {
            return attrs.err();
        }
        pkt.attrs = std::move(attrs.value());
        kd.packets.push_back(std::move(pkt));
    }
    if (!r.empty()) {
        return badlen("bytes after the last key packet");
    }
    return kd;
}

bytes kd_payload::encode() const
{
    bytes out;
    put_u16(out, static_cast<std::uint16_t>(packets.size()));
    put_u16(out, 0);
    for (const auto& p : packets) {
        bytes body;
        put_u8(body, static_cast<std::uint8_t>(p.spi.size()));
        append(body, p.spi);
        encode_attributes(p.attrs, body);
        put_u8(out, static_cast<std::uint8_t>(p.type));
        put_u8(out, 0);
        put_u16(out, static_cast<std::uint16_t>(body.size() + 4));
        append(out, body);
    }
    return out;
}

// ---- validation ----

namespace {

template <class T>
result<bool> check(const result<T>& r)
{
    if (!r) {
        return r.err();
    }
    return true;
}

} // namespace

result<bool> validate_payload(const payload& p, std::uint32_t sa_doi_hint)
{
    switch (p.type) {
    case payload_type::sa: {
        // The DOI field tells the two SA layouts apart; the hint forces one.
        std::uint32_t doi = sa_doi_hint;
        if (doi == 0) {
            reader r(p.body);
            if (!r.u32(doi)) {
                return trunc("SA");
            }
        }
        if (doi == doi_gdoi) {
            auto sa = gdoi_sa_payload::decode(p.body);
            if (sa) {
                for (const auto& n : sa->nested) {
                    auto v = validate_payload(n);
                    if (!v) {
                        return v;
                    }
                }
                return true;
            }
            // A phase-1 SA may carry DOI 2 too (PROTOCOL.md open point).
            auto p1 = sa_payload::decode(p.body);
            return p1 ? result<bool>(true) : result<bool>(sa.err());
        }
        return check(sa_payload::decode(p.body));
    }
    case payload_type::ke: return check(opaque_payload::decode(p.body, 1, 1024));
    case payload_type::nonce: return check(opaque_payload::decode(p.body, 8, 256));
    case payload_type::hash: return check(opaque_payload::decode(p.body, 16, 64));
    case payload_type::sig: return check(opaque_payload::decode(p.body, 1));
    case payload_type::vendor_id: return check(opaque_payload::decode(p.body, 1, 256));
    case payload_type::nat_d: return check(opaque_payload::decode(p.body, 1, 64));
    case payload_type::id: return check(id_payload::decode(p.body));
    case payload_type::cert:
    case payload_type::cr: return check(cert_payload::decode(p.body));
    case payload_type::notify: return check(notify_payload::decode(p.body));
    case payload_type::del: return check(delete_payload::decode(p.body));
    case payload_type::sa_kek: return check(sa_kek_payload::decode(p.body));
    case payload_type::sa_tek: return check(sa_tek_payload::decode(p.body));
    case payload_type::gap: return check(gap_payload::decode(p.body));
    case payload_type::seq: return check(seq_payload::decode(p.body));
    case payload_type::kd: return check(kd_payload::decode(p.body));
    default: return make_error(errc::unsupported, "payload " + std::string(to_string(p.type)) + " at top level");
    }
}

result<message> decode_and_validate(byte_view wire)
{
    auto m = message::decode(wire);
    if (!m) {
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

} // namespace gdoi
