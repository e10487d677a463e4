// Group member registration: Main Mode initiator, GROUPKEY-PULL initiator,
// retransmission with backoff down the server list, install and re-registration.
#include "gdoi/gm.hpp"

#include <algorithm>

namespace gdoi {

std::string_view to_string(gm_state s)
{
    switch (s) {
    case gm_state::idle: return "idle";
    case gm_state::main_mode: return "main-mode";
    case gm_state::pull: return "groupkey-pull";
    case gm_state::registered: return "registered";
    case gm_state::failed: return "failed";
    }
    return "?";
}

std::vector<policy_entry> merge_acl(const std::vector<traffic_selector>& local_deny,
                                    const std::vector<policy_entry>& ks_acl)
{
    std::vector<policy_entry> out;
    for (const auto& d : local_deny) {
        out.push_back({false, d});
    }
    // First match wins, so a line equal to an earlier one can never match: drop it.
    for (const auto& e : ks_acl) {
        if (std::find(out.begin(), out.end(), e) == out.end()) {
            out.push_back(e);
        }
    }
    return out;
}

// What a KS's refusal notify means here (docs/wire-gdoi.md, Authorization).
static std::string refusal_reason(std::uint16_t type, bool after_gap)
{
    switch (type) {
    case notify_invalid_id_information: return "unknown group (INVALID-ID-INFORMATION)";
    case notify_authentication_failed: return "not authorized for the group (AUTHENTICATION-FAILED)";
    case notify_no_proposal_chosen:
        // Only the sender-ID request of PULL3 can be refused once the SA was accepted.
        return after_gap ? "no sender ID left in the group (NO-PROPOSAL-CHOSEN)" : "NO-PROPOSAL-CHOSEN";
    default: return "notify " + std::to_string(type);
    }
}

// GDOI itself must never ride on the group's keys, whatever the KS ACL permits:
// UDP to port 848 of each key server (and, by the inbound mirror, its answers)
// goes in clear, ahead of every other entry.
std::vector<traffic_selector> key_server_bypass(const std::vector<endpoint>& servers)
{
    std::vector<traffic_selector> out;
    for (const auto& s : servers) {
        out.push_back({17, ipv4_prefix{0, 0}, 0, ipv4_prefix{s.addr, 32}, s.port});
    }
    return out;
}

gm::gm(gm_config cfg, core::clock& clk, core::event_bus& bus, sa_installer& installer, key_log* keys)
    : cfg_(std::move(cfg)), clock_(clk), bus_(bus), installer_(installer), keys_(keys),
      direction_(cfg_.direction)
{
    if (cfg_.servers.empty() || cfg_.servers.size() > 8) {
        throw std::invalid_argument("a GM needs 1 to 8 key servers");
    }
}

gm::~gm()
{
    clock_.cancel(retransmit_timer_);
    clock_.cancel(rereg_timer_);
}

std::optional<outbound> gm::fail(std::string why)
{
    last_error_ = std::move(why);
    state_ = gm_state::failed;
    clock_.cancel(retransmit_timer_);
    // Try again later, one server further down the list, as after a silent server.
    auto wait = cfg_.retransmit_interval * (1u << std::min(cfg_.retransmits + 1, 10u));
    retransmit_timer_ = clock_.schedule(wait, [this] {
        retransmit_timer_ = 0;
        server_index_ = (server_index_ + 1) % cfg_.servers.size();
        auto first = start();
        if (send_) {
            send_(first);
        }
    });
    return std::nullopt;
}

outbound gm::start()
{
    clock_.cancel(retransmit_timer_);
    attempts_ = 0;
    if (cfg_.fail_close && !fail_close_armed_ && !reg_) {
        arm_fail_close();
    }
    sa_ = std::make_unique<ike_sa>();
    ++conn_id_;
    ++attempted_;
    auto ick = random_bytes(8);
    std::copy(ick.begin(), ick.end(), sa_->icookie.begin());
    sa_->local_addr = cfg_.local_addr;
    sa_->peer_addr = server().addr;
    mm_ = std::make_unique<main_mode>(true, cfg_.phase1, cfg_.psks, *sa_);
    pull_.reset();
    state_ = gm_state::main_mode;
    bus_.raise("GM_REGSTER", "Start registration to KS " + to_string_addr(server().addr) + " for group " + cfg_.group +
                                 " using address " + to_string_addr(cfg_.local_addr) + " fvrf default ivrf default",
               {{"group", cfg_.group}, {"ks", to_string_addr(server().addr)}});
    message m;
    if (mm_->build(m) != status::need_more) {
        // Only an empty isakmp policy list can fail here: a configuration error.
        throw std::invalid_argument(mm_->last_error().detail);
    }
    return send_tracked(sa_->protect(m));
}

outbound gm::send_tracked(bytes data)
{
    last_out_ = data;
    attempts_ = 0;
    arm_retransmit();
    return outbound{server(), std::move(data)};
}

void gm::arm_retransmit()
{
    clock_.cancel(retransmit_timer_);
    auto wait = cfg_.retransmit_interval * (1u << std::min(attempts_, 10u));
    retransmit_timer_ = clock_.schedule(wait, [this] { on_retransmit(); });
}

void gm::on_retransmit()
{
    retransmit_timer_ = 0;
    if (state_ != gm_state::main_mode && state_ != gm_state::pull) {
        return;
    }
    if (attempts_ < cfg_.retransmits) {
        ++attempts_;
        arm_retransmit();
        if (send_) {
            send_(outbound{server(), last_out_});
        }
        return;
    }
    // This server is silent: move down the list (seed 003, CE2 gives up on KS1).
    server_index_ = (server_index_ + 1) % cfg_.servers.size();
    auto first = start();
    if (send_) {
        send_(first);
    }
}

std::optional<outbound> gm::dpd_probe()
{
    if (!sa_ || !sa_->established) {
        return std::nullopt;
    }
    if (dpd_seq_ == 0) {
        // RFC 3706: start from a random sequence number.
        dpd_seq_ = random_u32() & 0x7fffffff;
    }
    ++dpd_seq_;
    auto m = build_informational(*sa_, {{payload_type::notify, dpd_notify(*sa_, false, dpd_seq_).encode()}});
    return outbound{server(), sa_->protect(m)};
}

std::optional<outbound> gm::handle_informational(const endpoint& from, byte_view datagram)
{
    auto m = sa_->unprotect(datagram);
    if (!m) {
        last_error_ = m.err().detail;
        return std::nullopt;
    }
    auto nd = verify_informational(*sa_, *m);
    if (!nd) {
        last_error_ = nd.err().detail;
        if (nd.err().code == errc::auth_failed) {
            bus_.raise("GM_HASH_FAIL", "Registration: ATTENTION! Hash check failed for message(s) from KS " +
                                           to_string_addr(from.addr),
                       {{"group", cfg_.group}, {"ks", to_string_addr(from.addr)}, {"reason", nd.err().detail}});
        }
        return std::nullopt;
    }
    for (const auto& p : *nd) {
        if (p.type != payload_type::notify) {
            continue;
        }
        auto n = notify_payload::decode(p.body);
        if (!n) {
            continue;
        }
        if (auto seq = dpd_sequence(*sa_, *n, true); seq && *seq == dpd_seq_) {
            last_dpd_ack_ = seq;
        } else if (auto probe = dpd_sequence(*sa_, *n, false)) {
            auto ack = build_informational(*sa_, {{payload_type::notify, dpd_notify(*sa_, true, *probe).encode()}});
            return outbound{from, sa_->protect(ack)};
        } else if (n->type < 8192 && state_ == gm_state::pull) {
            // An error notify (RFC 2408 3.14.1) during registration: the KS refused us.
            return fail("KS " + to_string_addr(from.addr) + " refused the registration: " +
                        refusal_reason(n->type, pull_ && pull_->step() == 4));
        } else {
            last_error_ = "notify " + std::to_string(n->type) + " from KS " + to_string_addr(from.addr);
        }
    }
    return std::nullopt;
}

std::optional<outbound> gm::handle(const endpoint& from, byte_view datagram)
{
    if (sa_ && sa_->established && from.addr == server().addr) {
        auto h = header::decode(datagram);
        if (h && h->exchange == exchange_type::informational && h->icookie == sa_->icookie) {
            return handle_informational(from, datagram);
        }
    }
    if (state_ != gm_state::main_mode && state_ != gm_state::pull) {
        last_error_ = "no registration in progress";
        return std::nullopt;
    }
    if (!(from.addr == server().addr)) {
        last_error_ = "datagram from a server we are not registering with";
        return std::nullopt;
    }
    auto hdr = header::decode(datagram);
    if (!hdr || hdr->icookie != sa_->icookie) {
        last_error_ = hdr ? "unknown initiator cookie" : hdr.err().detail;
        return std::nullopt;
    }
    auto m = sa_->unprotect(datagram);
    if (!m) {
        last_error_ = m.err().detail;
        if (m.err().code == errc::auth_failed) {
            bus_.raise("GM_HASH_FAIL", "Registration: ATTENTION! Hash check failed for message(s) from KS " +
                                           to_string_addr(from.addr),
                       {{"group", cfg_.group}, {"ks", to_string_addr(from.addr)}, {"reason", m.err().detail}});
            return fail(m.err().detail);
        }
        return std::nullopt; // garbage: keep waiting, the retransmit timer still runs
    }
    if (state_ == gm_state::main_mode) {
        auto st = mm_->process(*m);
        if (st == status::failed) {
            const auto& e = mm_->last_error();
            if (e.code == errc::state) {
                last_error_ = e.detail; // stray or replayed message: ignore
                return std::nullopt;
            }
            if (e.code == errc::auth_failed) {
                bus_.raise("GM_HASH_FAIL", "Registration: ATTENTION! Hash check failed for message(s) from KS " +
                                               to_string_addr(from.addr),
                           {{"group", cfg_.group}, {"ks", to_string_addr(from.addr)}, {"reason", e.detail}});
            }
            return fail(e.detail);
        }
        if (mm_->step() == 3 && mm_->legacy_group()) {
            bus_.raise("LEGACY_ALGORITHM", "DH group " + std::to_string(static_cast<unsigned>(sa_->prop.group)) +
                                               " accepted for a legacy configuration; use 14, 15, 19 or 20",
                       {{"ks", to_string_addr(from.addr)}});
        }
        if (st == status::done) {
            if (keys_ != nullptr) {
                keys_->phase1(*sa_);
            }
            state_ = gm_state::pull;
            std::uint32_t mid = 0;
            while (mid == 0) {
                mid = random_u32();
            }
            pull_ = std::make_unique<pull_initiator>(*sa_, cfg_.identity, cfg_.accept, cfg_.sender_ids, mid);
            message out;
            if (pull_->build(out) == status::failed) {
                return fail(pull_->last_error().detail);
            }
            return send_tracked(sa_->protect(out));
        }
        message out;
        st = mm_->build(out);
        if (st == status::failed) {
            return fail(mm_->last_error().detail);
        }
        return send_tracked(sa_->protect(out));
    }
    auto st = pull_->process(*m);
    if (st == status::failed) {
        const auto& e = pull_->last_error();
        if (e.code == errc::state) {
            last_error_ = e.detail;
            return std::nullopt;
        }
        if (e.code == errc::auth_failed) {
            bus_.raise("GM_HASH_FAIL", "Registration: ATTENTION! Hash check failed for message(s) from KS " +
                                           to_string_addr(from.addr),
                       {{"group", cfg_.group}, {"ks", to_string_addr(from.addr)}, {"reason", e.detail}});
        } else if (pull_->rejected_sa()) {
            bus_.raise("GM_REJECTING_SA_PAYLOAD", "Registration: Policy in SA payload sent by KS " +
                                                      to_string_addr(from.addr) + " rejected by GM in the group " +
                                                      cfg_.group + " reason (" + e.detail + ").",
                       {{"group", cfg_.group}, {"ks", to_string_addr(from.addr)}, {"reason", e.detail}});
        }
        return fail(e.detail);
    }
    if (st == status::done) {
        clock_.cancel(retransmit_timer_);
        reg_ = pull_->result();
        registered_at_ = clock_.now();
        ++succeeded_;
        // The order of seed 003: SA_TEK/KEK_UPDATED, GM_REGS_COMPL, GM_INSTALL_POLICIES_SUCCESS.
        bus_.raise("SA_TEK_UPDATED", "SA TEK was updated", {{"group", cfg_.group}});
        if (reg_->kek) {
            bus_.raise("SA_KEK_UPDATED", "SA KEK was updated", {{"group", cfg_.group}});
        }
        state_ = gm_state::registered;
        bus_.raise("GM_REGS_COMPL", "Registration to KS " + to_string_addr(from.addr) + " complete for group " +
                                        cfg_.group + " using address " + to_string_addr(cfg_.local_addr) +
                                        " fvrf default ivrf default",
                   {{"group", cfg_.group}, {"ks", to_string_addr(from.addr)}});
        install(*reg_);
        bus_.raise("GM_INSTALL_POLICIES_SUCCESS", "SUCCESS: Installation of Reg/Rekey policies from KS " +
                                                      to_string_addr(from.addr) + " for group " + cfg_.group +
                                                      " & gm identity " + to_string_addr(cfg_.local_addr) +
                                                      " fvrf default ivrf default",
                   {{"group", cfg_.group}, {"ks", to_string_addr(from.addr)}});
        schedule_reregistration(*reg_);
        return std::nullopt;
    }
    message out;
    if (pull_->build(out) == status::failed) {
        return fail(pull_->last_error().detail);
    }
    return send_tracked(sa_->protect(out));
}

void gm::install(const registration& r)
{
    auto local_deny = key_server_bypass(cfg_.servers);
    local_deny.insert(local_deny.end(), cfg_.local_deny.begin(), cfg_.local_deny.end());
    installer_.set_policy(cfg_.group, merge_acl(local_deny, r.ks_acl));
    bus_.raise("GM_ACL_MERGE", "ACL betweem KS and GM in group " + cfg_.group + " merged.", {{"group", cfg_.group}});
    for (const auto& t : r.teks) {
        installer_.install_sa(cfg_.group, t);
        track_expiry(t);
        if (keys_ != nullptr) {
            keys_->esp(t);
        }
    }
    // `sa receive-only` on the KS: the TEKs come receiver-only and the GM must not encrypt.
    bool receive_only = std::any_of(r.teks.begin(), r.teks.end(),
                                    [](const tek& t) { return t.direction == sa_direction::receiver_only; });
    direction_ = receive_only ? direction_mode::inbound_only : cfg_.direction;
    installer_.set_direction(cfg_.group, direction_);
    if (!r.sids.values.empty()) {
        installer_.set_sender_ids(cfg_.group, r.sids);
    }
    if (fail_close_armed_) {
        // Registered: the group's SAs now carry the traffic, so fail-close is lifted.
        installer_.set_fail_close(cfg_.group, false, {});
        fail_close_armed_ = false;
    }
}

void gm::track_expiry(const tek& t)
{
    installed_tek& inst = installed_[t.spi];
    clock_.cancel(inst.timer);
    inst.t = t;
    inst.expires = clock_.now() + t.lifetime;
    const std::uint32_t spi = t.spi;
    inst.timer = clock_.schedule(t.lifetime, [this, spi] {
        // Its lifetime is over and no registration renewed it (seed 000: the old SA
        // stays active until its lifetime expires). With none left and fail-close
        // configured, the group closes again until it registers (seed 000).
        installed_.erase(spi);
        installer_.remove_sa(spi);
        // Seed 000's event for an expired SA.
        bus_.raise("GM_RE_REGISTER", "The IPsec SA (SPI " + std::to_string(spi) + ") of group " + cfg_.group +
                                         " expired. Re-register to KS.",
                   {{"group", cfg_.group}, {"spi", std::to_string(spi)}});
        if (installed_.empty() && cfg_.fail_close) {
            arm_fail_close();
        }
    });
}

void gm::arm_fail_close()
{
    // Registration itself must get through: GDOI to the key servers first.
    auto clear = key_server_bypass(cfg_.servers);
    clear.insert(clear.end(), cfg_.fail_close_deny.begin(), cfg_.fail_close_deny.end());
    installer_.set_fail_close(cfg_.group, true, clear);
    fail_close_armed_ = true;
}

void gm::clear_registration()
{
    clock_.cancel(retransmit_timer_);
    clock_.cancel(rereg_timer_);
    if (cfg_.fail_close) {
        arm_fail_close(); // before the SAs go, so nothing crosses in clear in between
    }
    installer_.set_policy(cfg_.group, {});
    for (const auto& [spi, inst] : installed_) {
        clock_.cancel(inst.timer);
        installer_.remove_sa(spi);
    }
    installed_.clear();
    reg_.reset();
    registered_at_.reset();
    reregister_at_.reset();
    pull_.reset();
    mm_.reset();
    sa_.reset();
    last_out_.clear();
    state_ = gm_state::idle;
}

void gm::set_direction(direction_mode mode)
{
    direction_ = mode;
    installer_.set_direction(cfg_.group, mode);
    if (mode == direction_mode::both) {
        bus_.raise("GM_CONV_SA_DUPLEX_LOCAL", "IPSec SAs converted to Duplex in group " + cfg_.group +
                                                  " on a GM by a local event",
                   {{"group", cfg_.group}});
    }
}

void gm::schedule_reregistration(const registration& r)
{
    // Re-register ahead of the earliest TEK or KEK expiry, with random lead so that
    // a group's members do not all hit the KS in the same second.
    auto soonest = std::chrono::seconds::max();
    for (const auto& t : r.teks) {
        soonest = std::min(soonest, t.lifetime);
    }
    if (r.kek) {
        soonest = std::min(soonest, r.kek->lifetime);
    }
    auto jitter = cfg_.reregister_jitter.count() > 0
                      ? std::chrono::seconds{random_u32() % static_cast<std::uint32_t>(cfg_.reregister_jitter.count() + 1)}
                      : std::chrono::seconds{0};
    auto lead = cfg_.reregister_margin + jitter;
    auto wait = soonest > lead ? soonest - lead : std::chrono::seconds{1};
    clock_.cancel(rereg_timer_);
    reregister_at_ = clock_.now() + wait;
    rereg_timer_ = clock_.schedule(wait, [this] {
        rereg_timer_ = 0;
        reregister_at_.reset();
        bus_.raise("GM_RE_REGISTER", "The IPSec SA created for group " + cfg_.group +
                                         " may have expired or been cleared, or didn't go through. Re-register to KS.",
                   {{"group", cfg_.group}});
        auto first = start();
        if (send_) {
            send_(first);
        }
    });
}

} // namespace gdoi
