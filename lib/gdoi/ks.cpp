// Key server: phase-1 responder and GROUPKEY-PULL responder per GM, group keys,
// authorization, sender-ID allocation and the member table.
#include "gdoi/ks.hpp"

#include <algorithm>

namespace gdoi {

std::string to_string_addr(std::uint32_t a)
{
    return std::to_string(a >> 24) + "." + std::to_string(a >> 16 & 0xff) + "." + std::to_string(a >> 8 & 0xff) +
           "." + std::to_string(a & 0xff);
}

namespace {

std::uint32_t random_spi()
{
    // SPIs below 256 are reserved (RFC 4303).
    std::uint32_t spi = 0;
    while (spi < 256) {
        spi = random_u32();
    }
    return spi;
}

// A refused registration is answered with this Notify in a protected Informational.
notify_payload refusal_notify(const ike_sa& sa, std::uint16_t type)
{
    notify_payload n;
    n.doi = doi_gdoi;
    n.protocol = 1;
    n.type = type;
    append(n.spi, sa.icookie);
    append(n.spi, sa.rcookie);
    return n;
}

} // namespace

group_keys generate_group_keys(const group_policy& p, std::uint32_t ks_addr)
{
    group_keys g;
    g.name = p.name;
    g.ks_addr = ks_addr;
    for (const auto& tp : p.teks) {
        tek t;
        t.spi = random_spi();
        t.transform = tp.transform;
        t.enc_key = random_bytes(tp.transform.transform == esp_transform::des3 ? 24 : tp.transform.key_bits / 8);
        if (is_counter_mode(tp.transform.transform)) {
            t.salt = random_bytes(4);
        }
        t.auth_key = random_bytes(auth_key_size(tp.transform.auth));
        t.lifetime = tp.lifetime;
        t.direction = tp.receive_only ? sa_direction::receiver_only : sa_direction::symmetric;
        t.replay = tp.replay;
        t.replay.pseudotime_ms = 0; // the group's pseudotime starts with its first GM
        for (const auto& e : tp.acl) {
            g.acl.push_back({e, e.permit ? t.spi : 0});
            if (e.permit) {
                t.selectors.push_back(e.sel);
            }
        }
        if (t.selectors.empty()) {
            // A TEK travels in its SA TEK payloads, so it needs one permit line: without
            // any, it protects everything not denied above, `permit ip any any`.
            g.acl.push_back({{true, {}}, t.spi});
            t.selectors.push_back({});
        }
        g.teks.push_back(std::move(t));
    }
    if (p.kek) {
        kek_sa k;
        auto spi = random_bytes(16);
        std::copy(spi.begin(), spi.end(), k.spi.begin());
        k.algorithm = p.kek->algorithm;
        k.key_bits = p.kek->algorithm == kek_algorithm::des3 ? 192 : p.kek->key_bits;
        k.lifetime = p.kek->lifetime;
        k.sig_hash = p.kek->sig_hash;
        k.key = random_bytes(k.key_bits / 8);
        k.sig_public_key = p.kek->rekey_key->public_der();
        k.sig_key_bits = p.kek->rekey_key->bits();
        g.kek = std::move(k);
    }
    return g;
}

struct ks::session {
    endpoint peer;
    ike_sa sa;
    std::unique_ptr<main_mode> mm;
    std::map<std::uint32_t, std::unique_ptr<pull_responder>> pulls;
    std::set<std::uint32_t> finished_mids;
    bytes last_in;
    bytes last_out;
    core::timer_id expiry = 0;
    std::uint32_t conn_id = 0;
};

ks::ks(ks_config cfg, core::clock& clk, core::event_bus& bus, key_log* keys)
    : cfg_(std::move(cfg)), clock_(clk), bus_(bus), keys_(keys)
{
    for (const auto& p : cfg_.groups) {
        groups_.push_back(new_group_state(p, cfg_.local_addr));
    }
}

std::unique_ptr<ks::group_state> ks::new_group_state(const group_policy& p, std::uint32_t local_addr) const
{
    auto g = std::make_unique<group_state>();
    g->policy = p;
    if (g->policy.kek && !g->policy.kek->rekey_key) {
        // `rekey authentication` without an imported key: generate one (exportable via rekey_key()).
        auto k = rsa_key::generate(2048);
        if (!k) {
            throw std::runtime_error("rekey RSA key generation failed");
        }
        g->policy.kek->rekey_key = std::make_shared<const rsa_key>(std::move(k.value()));
    }
    g->keys = generate_group_keys(g->policy, local_addr);
    g->keys_created = clock_.now();
    return g;
}

std::vector<std::string> ks::reload(ks_config next, std::string_view group)
{
    // Built before anything changes: a failed key generation leaves the old state.
    const auto selected = [&](const std::string& name) { return group.empty() || name == group; };
    std::vector<std::unique_ptr<group_state>> fresh;
    std::vector<std::string> reset;
    for (const auto& p : next.groups) {
        if (selected(p.name)) {
            fresh.push_back(new_group_state(p, next.local_addr));
            reset.push_back(p.name);
        }
    }
    for (const auto& g : groups_) {
        if (selected(g->policy.name) && std::find(reset.begin(), reset.end(), g->policy.name) == reset.end()) {
            reset.push_back(g->policy.name); // no longer configured: it goes
        }
    }
    // Pull exchanges in flight point into the group states they started with.
    if (!reset.empty()) {
        for (auto& [c, s] : sessions_) {
            for (const auto& [mid, pull] : s->pulls) {
                s->finished_mids.insert(mid);
            }
            s->pulls.clear();
        }
    }
    // The configured order, each group either its fresh state or the one it had.
    std::vector<std::unique_ptr<group_state>> groups;
    for (const auto& p : next.groups) {
        auto keep = [&](auto& list) {
            auto it = std::find_if(list.begin(), list.end(), [&](const auto& g) { return g && g->policy.name == p.name; });
            if (it != list.end()) {
                groups.push_back(std::move(*it));
            }
        };
        if (selected(p.name)) {
            keep(fresh);
        } else {
            keep(groups_);
        }
    }
    if (!group.empty()) {
        // Groups the new configuration dropped but the operator did not name stay as they are.
        for (auto& g : groups_) {
            if (g && !selected(g->policy.name) &&
                std::none_of(next.groups.begin(), next.groups.end(),
                             [&](const group_policy& p) { return p.name == g->policy.name; })) {
                groups.push_back(std::move(g));
            }
        }
    }
    groups_ = std::move(groups);
    next.groups.clear();
    for (const auto& g : groups_) {
        next.groups.push_back(g->policy);
    }
    cfg_ = std::move(next);
    std::erase_if(members_, [&](const member& m) {
        return std::find(reset.begin(), reset.end(), m.group) != reset.end();
    });
    return reset;
}

ks::~ks()
{
    for (auto& [c, s] : sessions_) {
        clock_.cancel(s->expiry);
    }
}

std::shared_ptr<const rsa_key> ks::rekey_key(std::string_view group) const
{
    for (const auto& g : groups_) {
        if (g->keys.name == group && g->policy.kek) {
            return g->policy.kek->rekey_key;
        }
    }
    return nullptr;
}

std::vector<isakmp_session> ks::session_list() const
{
    std::vector<isakmp_session> out;
    for (const auto& [ick, s] : sessions_) {
        out.push_back({s->conn_id, s->sa.local_addr, s->sa.peer_addr, s->sa.icookie, s->sa.rcookie, s->sa.keys_ready,
                       s->sa.established, s->sa.peer_version});
    }
    // Creation order reads like IOS's conn-id column, not cookie order.
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.conn_id < b.conn_id; });
    return out;
}

std::optional<core::steady_time> ks::keys_created(std::string_view group) const
{
    for (const auto& g : groups_) {
        if (g->keys.name == group) {
            return g->keys_created;
        }
    }
    return std::nullopt;
}

std::optional<core::steady_time> ks::pseudotime_start(std::string_view group) const
{
    for (const auto& g : groups_) {
        if (g->keys.name == group) {
            return g->pseudotime_start;
        }
    }
    return std::nullopt;
}

std::size_t ks::clear_members(std::string_view group)
{
    return std::erase_if(members_, [&](const member& m) { return group.empty() || m.group == group; });
}

const group_keys* ks::group(std::string_view name) const
{
    for (const auto& g : groups_) {
        if (g->keys.name == name) {
            return &g->keys;
        }
    }
    return nullptr;
}

void ks::refuse(std::string why)
{
    ++counters_.refused;
    last_error_ = std::move(why);
}

void ks::drop_session(const cookie& icookie)
{
    auto it = sessions_.find(icookie);
    if (it != sessions_.end()) {
        clock_.cancel(it->second->expiry);
        sessions_.erase(it);
    }
}

std::optional<bytes> ks::handle(const endpoint& from, byte_view datagram)
{
    ++counters_.received;
    auto hdr = header::decode(datagram);
    if (!hdr) {
        ++counters_.malformed;
        last_error_ = hdr.err().detail;
        return std::nullopt;
    }
    auto it = sessions_.find(hdr->icookie);
    bool fresh = false;
    if (it == sessions_.end()) {
        fresh = true;
        // Only a Main Mode message 1 (zero responder cookie) may create state.
        bool zero_r = std::all_of(hdr->rcookie.begin(), hdr->rcookie.end(), [](std::uint8_t b) { return b == 0; });
        if (hdr->exchange != exchange_type::main_mode || !zero_r || hdr->flags & flag_encrypted) {
            refuse("message for no known SA");
            return std::nullopt;
        }
        if (sessions_.size() >= cfg_.max_sessions) {
            refuse("session table full");
            return std::nullopt;
        }
        auto s = std::make_unique<session>();
        s->peer = from;
        s->conn_id = next_conn_id_++;
        s->sa.local_addr = cfg_.local_addr;
        s->sa.peer_addr = from.addr;
        s->sa.icookie = hdr->icookie;
        auto rc = random_bytes(8);
        std::copy(rc.begin(), rc.end(), s->sa.rcookie.begin());
        s->mm = std::make_unique<main_mode>(false, cfg_.phase1, cfg_.psks, s->sa);
        auto ick = hdr->icookie;
        s->expiry = clock_.schedule(cfg_.negotiation_timeout, [this, ick] { drop_session(ick); });
        it = sessions_.emplace(ick, std::move(s)).first;
    }
    auto& s = *it->second;
    if (!(s.peer == from)) {
        refuse("cookie from another address");
        return std::nullopt;
    }
    // A retransmitted request gets the cached answer; nothing is processed twice.
    if (!s.last_in.empty() && equal_ct(s.last_in, datagram)) {
        ++counters_.retransmits;
        return s.last_out.empty() ? std::nullopt : std::optional<bytes>(s.last_out);
    }
    if ((hdr->exchange == exchange_type::groupkey_pull || hdr->exchange == exchange_type::informational) &&
        s.finished_mids.count(hdr->message_id)) {
        refuse("replayed message ID");
        return std::nullopt;
    }
    auto m = s.sa.unprotect(datagram);
    if (!m) {
        if (m.err().code == errc::auth_failed) {
            ++counters_.hash_failures;
            bus_.raise("KS_HASH_FAIL", "Registration: ATTENTION! Hash check failed for message(s) from " +
                                           to_string_addr(from.addr),
                       {{"peer", to_string_addr(from.addr)}, {"reason", m.err().detail}});
        } else {
            ++counters_.malformed;
        }
        last_error_ = m.err().detail;
        // A failed MM5 ends the negotiation; garbage alone must not kill a peer's session,
        // but a bad first message leaves no state behind.
        if (fresh || (m.err().code == errc::auth_failed && !s.sa.established)) {
            drop_session(hdr->icookie);
        }
        return std::nullopt;
    }
    if (m->hdr.exchange == exchange_type::informational && s.sa.established) {
        // Not cached for retransmission: an Informational is answered at most once.
        return handle_informational(s, *m);
    }
    std::optional<bytes> out;
    if (m->hdr.exchange == exchange_type::main_mode) {
        out = handle_main_mode(s, *m);
    } else if (m->hdr.exchange == exchange_type::groupkey_pull && s.sa.established) {
        out = handle_pull(s, *m);
    } else {
        refuse("exchange not allowed in this state");
        return std::nullopt;
    }
    // s may be gone if the exchange failed before phase 1 completed.
    auto again = sessions_.find(hdr->icookie);
    if (out && again != sessions_.end()) {
        again->second->last_in = to_bytes(datagram);
        again->second->last_out = *out;
    }
    return out;
}

std::optional<bytes> ks::handle_main_mode(session& s, const message& m)
{
    auto ick = s.sa.icookie;
    auto st = s.mm->process(m);
    if (st == status::failed) {
        const auto& e = s.mm->last_error();
        if (e.code == errc::auth_failed) {
            ++counters_.hash_failures;
            bus_.raise("KS_HASH_FAIL", "Registration: ATTENTION! Hash check failed for message(s) from " +
                                           to_string_addr(s.peer.addr),
                       {{"peer", to_string_addr(s.peer.addr)}, {"reason", e.detail}});
            last_error_ = e.detail;
        } else {
            refuse(e.detail);
        }
        // Out-of-order or replayed messages are refused without disturbing the exchange.
        if (e.code != errc::state && !s.sa.established) {
            drop_session(ick);
        }
        return std::nullopt;
    }
    if (s.mm->step() == 2 && s.mm->legacy_group()) {
        bus_.raise("LEGACY_ALGORITHM", "DH group " + std::to_string(static_cast<unsigned>(s.sa.prop.group)) +
                                           " accepted for a legacy configuration; use 14, 15, 19 or 20",
                   {{"peer", to_string_addr(s.peer.addr)}});
    }
    message out;
    st = s.mm->build(out);
    if (st == status::failed) {
        const auto& e = s.mm->last_error();
        refuse(e.detail);
        drop_session(ick);
        return std::nullopt;
    }
    auto wire = s.sa.protect(out);
    if (st == status::done) {
        if (keys_ != nullptr) {
            keys_->phase1(s.sa);
        }
        // The ISAKMP SA lives for its negotiated lifetime.
        clock_.cancel(s.expiry);
        s.expiry = clock_.schedule(s.sa.prop.lifetime, [this, ick] { drop_session(ick); });
        // A GM holds one ISAKMP SA per KS: a re-registration replaces the older ones,
        // so the table stays at one session per member.
        std::vector<cookie> stale;
        for (const auto& [c, other] : sessions_) {
            if (c != ick && other->peer == s.peer && other->sa.established) {
                stale.push_back(c);
            }
        }
        for (const auto& c : stale) {
            drop_session(c);
        }
    }
    return wire;
}

result<group_keys*> ks::find_group(const session& s, const id_payload& id)
{
    auto gid = decode_group_id(id);
    group_state* found = nullptr;
    if (gid) {
        for (auto& g : groups_) {
            if ((gid->number && g->policy.identity_number == gid->number) ||
                (gid->address && g->policy.identity_address == gid->address)) {
                found = g.get();
                break;
            }
        }
    }
    if (found == nullptr) {
        std::string shown = gid && gid->number ? std::to_string(*gid->number)
                            : gid && gid->address ? to_string_addr(*gid->address)
                                                  : "0x" + to_hex(id.data);
        bus_.raise("KS_BAD_ID", "Registration: (identity) Received bad ID " + shown + " from " +
                                    to_string_addr(s.peer.addr),
                   {{"peer", to_string_addr(s.peer.addr)}, {"id", shown}});
        return make_error(errc::unknown_group, "no group with identity " + shown);
    }
    const auto& auth = found->policy.authorized;
    if (!auth.empty() &&
        std::none_of(auth.begin(), auth.end(), [&](const ipv4_prefix& p) { return p.contains(s.peer.addr); })) {
        bus_.raise("UNAUTHORIZED_IPADDR", "Group " + found->policy.name +
                                              " received registration from unauthorized ip address: " +
                                              to_string_addr(s.peer.addr),
                   {{"group", found->policy.name}, {"peer", to_string_addr(s.peer.addr)}});
        return make_error(errc::unauthorized, "address not authorized for group " + found->policy.name);
    }
    const auto& ids = found->policy.authorized_identities;
    if (!ids.empty() && (s.sa.peer_dn.empty() || std::none_of(ids.begin(), ids.end(), [&](const std::string& f) {
                             return s.sa.peer_dn.find(f) != std::string::npos;
                         }))) {
        bus_.raise("UNAUTHORIZED_IDENTITY", "Group " + found->policy.name +
                                                " received registration from unauthorized identity: " +
                                                (s.sa.peer_dn.empty() ? to_string_addr(s.peer.addr) : s.sa.peer_dn),
                   {{"group", found->policy.name}, {"peer", to_string_addr(s.peer.addr)}, {"dn", s.sa.peer_dn}});
        return make_error(errc::unauthorized, "identity not authorized for group " + found->policy.name);
    }
    // TBAR: the group's pseudotime runs from its first registration (seed 000).
    if (!found->pseudotime_start) {
        found->pseudotime_start = clock_.now();
    }
    auto pt = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - *found->pseudotime_start);
    for (auto& t : found->keys.teks) {
        if (t.replay.mode == replay_mode::time) {
            t.replay.pseudotime_ms = static_cast<std::uint64_t>(pt.count());
        }
    }
    return &found->keys;
}

sender_ids ks::allocate_sids(group_state& g, unsigned count)
{
    sender_ids out;
    out.bits = g.policy.sid_bits;
    count = std::min(count, g.policy.max_sids_per_gm);
    const std::uint64_t space = std::uint64_t{1} << g.policy.sid_bits;
    // Sender IDs are never reused within a TEK generation, so counter-mode IVs stay unique.
    if (g.next_sid + count > space) {
        return out;
    }
    for (unsigned i = 0; i < count; ++i) {
        out.values.push_back(g.next_sid++);
    }
    return out;
}

void ks::add_member(const session& s, const group_keys& g)
{
    auto it = std::find_if(members_.begin(), members_.end(),
                           [&](const member& m) { return m.addr == s.peer.addr && m.group == g.name; });
    member m{s.peer.addr, g.name, s.sa.peer_version ? s.sa.peer_version->str() : "unknown", "registered",
             clock_.wall()};
    if (it == members_.end()) {
        members_.push_back(std::move(m));
    } else {
        *it = std::move(m);
    }
}

std::optional<bytes> ks::handle_pull(session& s, const message& m)
{
    auto mid = m.hdr.message_id;
    auto it = s.pulls.find(mid);
    if (it == s.pulls.end()) {
        auto find = [this, &s](const id_payload& id) { return find_group(s, id); };
        auto alloc = [this](const group_keys& keys, unsigned n) {
            for (auto& g : groups_) {
                if (&g->keys == &keys) {
                    return allocate_sids(*g, n);
                }
            }
            return sender_ids{};
        };
        it = s.pulls.emplace(mid, std::make_unique<pull_responder>(s.sa, find, alloc)).first;
    }
    auto& task = *it->second;
    auto st = task.process(m);
    if (st == status::failed) {
        const auto& e = task.last_error();
        if (e.code == errc::auth_failed) {
            ++counters_.hash_failures;
            bus_.raise("KS_HASH_FAIL", "Registration: ATTENTION! Hash check failed for message(s) from " +
                                           to_string_addr(s.peer.addr),
                       {{"peer", to_string_addr(s.peer.addr)}, {"reason", e.detail}});
            last_error_ = e.detail;
        } else {
            refuse(e.detail);
        }
        auto code = e.code;
        s.pulls.erase(it);
        s.finished_mids.insert(mid);
        // A refused group or identity is told to the GM (protected Informational), so it can
        // move on at once instead of retransmitting into silence.
        if (code == errc::unknown_group || code == errc::unauthorized) {
            auto n = refusal_notify(s.sa, code == errc::unknown_group ? notify_invalid_id_information
                                                                      : notify_authentication_failed);
            return s.sa.protect(build_informational(s.sa, {{payload_type::notify, n.encode()}}));
        }
        return std::nullopt;
    }
    message out;
    st = task.build(out);
    if (st == status::failed) {
        const auto e = task.last_error();
        const auto* g = task.group();
        refuse(e.detail);
        s.pulls.erase(it);
        s.finished_mids.insert(mid);
        if (e.code == errc::exhausted && g != nullptr) {
            // RFC 6054/6407: a member that asked for sender IDs may not use a counter-mode
            // TEK without its own; refuse it rather than hand out a duplicate, and say so.
            bus_.raise("KS_SID_EXHAUSTED", "Registration: group " + g->name + " has no sender ID left for GM " +
                                               to_string_addr(s.peer.addr) + "; registration refused.",
                       {{"group", g->name}, {"peer", to_string_addr(s.peer.addr)}});
            return s.sa.protect(build_informational(s.sa, {{payload_type::notify,
                                                            refusal_notify(s.sa, notify_no_proposal_chosen).encode()}}));
        }
        return std::nullopt;
    }
    auto wire = s.sa.protect(out);
    if (st == status::done) {
        const auto* g = task.group();
        ++counters_.registrations;
        for (auto& gs : groups_) {
            if (&gs->keys == g && !gs->first_gm_seen) {
                gs->first_gm_seen = true;
                bus_.raise("KS_FIRST_GM", "Re-key: First GM " + to_string_addr(s.peer.addr) +
                                              " seen by KS in the group " + g->name + ".",
                           {{"group", g->name}, {"peer", to_string_addr(s.peer.addr)}});
            }
        }
        add_member(s, *g);
        bus_.raise("KS_REGS_COMPL", "KS completed successful registration in group " + g->name + " with GM " +
                                        to_string_addr(s.peer.addr) + ".",
                   {{"group", g->name}, {"peer", to_string_addr(s.peer.addr)}});
        if (keys_ != nullptr) {
            for (const auto& t : g->teks) {
                keys_->esp(t);
            }
        }
        s.pulls.erase(mid);
        s.finished_mids.insert(mid);
    }
    return wire;
}

std::optional<bytes> ks::handle_informational(session& s, const message& m)
{
    s.finished_mids.insert(m.hdr.message_id);
    auto nd = verify_informational(s.sa, m);
    if (!nd) {
        if (nd.err().code == errc::auth_failed) {
            ++counters_.hash_failures;
            bus_.raise("KS_HASH_FAIL", "Registration: ATTENTION! Hash check failed for message(s) from " +
                                           to_string_addr(s.peer.addr),
                       {{"peer", to_string_addr(s.peer.addr)}, {"reason", nd.err().detail}});
        } else {
            refuse(nd.err().detail);
        }
        return std::nullopt;
    }
    std::optional<bytes> reply;
    bool drop = false;
    for (const auto& p : *nd) {
        if (p.type == payload_type::notify) {
            auto n = notify_payload::decode(p.body);
            if (!n) {
                continue;
            }
            if (auto seq = dpd_sequence(s.sa, *n, false)) {
                ++counters_.dpd_answered;
                auto ack = build_informational(s.sa, {{payload_type::notify, dpd_notify(s.sa, true, *seq).encode()}});
                reply = s.sa.protect(ack);
            } else {
                last_error_ = "notify " + std::to_string(n->type) + " from " + to_string_addr(s.peer.addr);
            }
        } else if (p.type == payload_type::del) {
            auto d = delete_payload::decode(p.body);
            // The peer deletes its ISAKMP SA: forget the session.
            if (d && d->protocol == 1) {
                drop = true;
            }
        }
    }
    if (drop) {
        drop_session(s.sa.icookie);
    }
    return reply;
}

} // namespace gdoi
