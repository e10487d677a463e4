// Shared setup for the GDOI tests: a KS and GMs configured like seed 003
// (group 1234, PSK with the 0.0.0.0 wildcard), driven one message at a time.
#pragma once

#include "core/clock.hpp"
#include "core/events.hpp"
#include "gdoi/gm.hpp"
#include "gdoi/installer.hpp"
#include "gdoi/ks.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace gdoi_test {

using namespace gdoi;

constexpr std::uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }

inline const endpoint ks_ep{ip(10, 0, 0, 1), 848};
inline const endpoint gm1_ep{ip(10, 0, 1, 1), 848};
inline const endpoint gm2_ep{ip(10, 0, 2, 1), 848};

// RSA keygen is slow: one rekey key for the whole test program.
inline std::shared_ptr<const rsa_key> rekey_key()
{
    static auto key = std::make_shared<const rsa_key>(rsa_key::generate(2048).value());
    return key;
}

inline ike_proposal proposal(dh_group g = dh_group::modp2048, cipher_spec c = {cipher_alg::aes_cbc, 256},
                             hash_alg h = hash_alg::sha256)
{
    ike_proposal p;
    p.cipher = c;
    p.hash = h;
    p.group = g;
    p.lifetime = std::chrono::seconds{86400};
    return p;
}

inline group_policy group_1234()
{
    group_policy g;
    g.name = "GETVPN";
    g.identity_number = 1234;
    tek_policy t1;
    t1.number = 1;
    t1.transform = {esp_transform::aes_gcm_16, 256, esp_auth::none};
    t1.lifetime = std::chrono::seconds{3600};
    // Seed 003's KS ACL: denies (sent to members as bypass lines) interleaved with permits.
    t1.acl.push_back({false, {17, {0, 0}, 848, {0, 0}, 0}});
    t1.acl.push_back({true, {0, {ip(192, 168, 0, 0), 16}, 0, {ip(192, 168, 0, 0), 16}, 0}});
    t1.acl.push_back({false, {6, {0, 0}, 0, {0, 0}, 179}});
    t1.acl.push_back({true, {6, {ip(172, 16, 0, 0), 12}, 0, {ip(172, 16, 0, 0), 12}, 443}});
    t1.replay = {replay_mode::time, 5, 0, 100};
    g.teks.push_back(t1);
    tek_policy t2;
    t2.number = 2;
    t2.transform = {esp_transform::aes_cbc, 128, esp_auth::hmac_sha256};
    t2.lifetime = std::chrono::seconds{7200};
    t2.acl.push_back({true, {17, {ip(10, 10, 0, 0), 16}, 0, {ip(10, 20, 0, 0), 16}, 0}});
    t2.replay = {replay_mode::counter, 64, 0, 0};
    g.teks.push_back(t2);
    kek_policy k;
    k.algorithm = kek_algorithm::aes;
    k.key_bits = 128;
    k.lifetime = std::chrono::seconds{86400};
    k.sig_hash = hash_alg::sha256;
    k.rekey_key = rekey_key();
    g.kek = k;
    return g;
}

inline ks_config ks_cfg(std::vector<ike_proposal> props = {proposal()})
{
    ks_config c;
    c.local_addr = ks_ep.addr;
    c.phase1.proposals = std::move(props);
    c.psks.add(0, "cisco123"); // crypto isakmp key cisco123 address 0.0.0.0
    c.groups.push_back(group_1234());
    group_policy other = group_1234();
    other.name = "OTHER";
    other.identity_number = 6789;
    c.groups.push_back(other);
    return c;
}

inline gm_config gm_cfg(endpoint self = gm1_ep, std::vector<ike_proposal> props = {proposal()})
{
    gm_config c;
    c.group = "GETVPN";
    c.identity.number = 1234;
    c.servers = {ks_ep};
    c.local_addr = self.addr;
    c.phase1.proposals = std::move(props);
    c.psks.add(ks_ep.addr, "cisco123");
    c.sender_ids = 4;
    c.local_deny.push_back({17, {0, 0}, 0, {0, 0}, 848});
    c.crypto_map = "gdoimap";
    c.local_acl = "exception-acl";
    return c;
}

// Everything raised on a bus, by name.
struct event_log {
    explicit event_log(core::event_bus& bus)
    {
        bus.subscribe([this](const core::event& e) { names.emplace_back(e.name()); });
    }
    bool has(std::string_view n) const { return std::find(names.begin(), names.end(), n) != names.end(); }
    std::vector<std::string> names;
};

// One datagram on the wire, for the pcap.
struct wire_msg {
    std::string label;
    endpoint from;
    endpoint to;
    bytes data;
};

struct testbed {
    core::manual_clock clock;
    core::event_bus bus{clock};
    event_log events{bus};
    recording_installer installer;
    std::unique_ptr<ks> server;
    std::unique_ptr<gm> member;
    std::vector<wire_msg> transcript;

    explicit testbed(ks_config kc = ks_cfg(), gm_config gc = gm_cfg(), key_log* keys = nullptr)
    {
        server = std::make_unique<ks>(std::move(kc), clock, bus, keys);
        member = std::make_unique<gm>(std::move(gc), clock, bus, installer, keys);
    }

    bytes gm_start(const std::string& label)
    {
        auto out = member->start();
        transcript.push_back({label, gm1_ep, ks_ep, out.data});
        return out.data;
    }
    // KS receives `in` (labelled with the message it carries) and answers.
    std::optional<bytes> to_ks(const std::string& label, const bytes& in, endpoint from = gm1_ep)
    {
        auto out = server->handle(from, in);
        if (out) {
            transcript.push_back({label, ks_ep, from, *out});
        }
        return out;
    }
    std::optional<bytes> to_gm(const std::string& label, const bytes& in)
    {
        auto out = member->handle(ks_ep, in);
        if (out) {
            transcript.push_back({label, gm1_ep, ks_ep, out->data});
            return out->data;
        }
        return std::nullopt;
    }

    // Answers `first` (what the member sent to start a re-registration) and each
    // reply after it until the exchange ends with the member registered.
    void reregister(const bytes& first)
    {
        auto out = std::optional<bytes>(first);
        for (int hops = 0; out && hops < 12; ++hops) {
            auto reply = server->handle(gm1_ep, *out);
            REQUIRE(reply);
            auto next = member->handle(ks_ep, *reply);
            out = next ? std::optional<bytes>(next->data) : std::nullopt;
        }
        REQUIRE(member->state() == gm_state::registered);
    }

    // The full registration, asserting each step; returns true when the GM is registered.
    void register_all()
    {
        auto mm1 = gm_start("MM1");
        auto mm2 = to_ks("MM2", mm1);
        REQUIRE(mm2);
        auto mm3 = to_gm("MM3", *mm2);
        REQUIRE(mm3);
        auto mm4 = to_ks("MM4", *mm3);
        REQUIRE(mm4);
        auto mm5 = to_gm("MM5", *mm4);
        REQUIRE(mm5);
        auto mm6 = to_ks("MM6", *mm5);
        REQUIRE(mm6);
        auto pull1 = to_gm("PULL1", *mm6);
        REQUIRE(pull1);
        auto pull2 = to_ks("PULL2", *pull1);
        REQUIRE(pull2);
        auto pull3 = to_gm("PULL3", *pull2);
        REQUIRE(pull3);
        auto pull4 = to_ks("PULL4", *pull3);
        REQUIRE(pull4);
        REQUIRE_FALSE(to_gm("done", *pull4));
        REQUIRE(member->state() == gm_state::registered);
    }
};

} // namespace gdoi_test
