// KS and GM in one process, one message at a time on a manual clock: Main Mode
// (MM1..MM6) then GROUPKEY-PULL (PULL1..PULL4), and the ways it must fail.
#include "fixture.hpp"

using namespace gdoi_test;

namespace {

// Decrypts `wire` with a copy of an SA; the CBC IV is the last block of `previous`,
// the message before it in the same exchange.
message open(const ike_sa& sa_template, const bytes& wire, const bytes& previous)
{
    ike_sa copy = sa_template;
    auto bs = copy.prop.cipher.block_size();
    copy.ivs[header::decode(wire)->message_id] = bytes(previous.end() - static_cast<std::ptrdiff_t>(bs), previous.end());
    auto m = copy.unprotect(wire);
    REQUIRE(m);
    return m.value();
}

exchange_type exchange_of(const bytes& wire) { return header::decode(wire)->exchange; }

} // namespace

TEST_CASE("registration: MM1..MM6 then PULL1..PULL4 installs the group policy", "[gdoi][exchange]")
{
    testbed tb;
    auto mm1 = tb.gm_start("MM1");
    INFO("MM1: GM -> KS, SA + VIDs, responder cookie zero");
    {
        auto m = message::decode(mm1);
        REQUIRE(m);
        CHECK(m->hdr.exchange == exchange_type::main_mode);
        CHECK(m->hdr.rcookie == cookie{});
        CHECK(m->count(payload_type::vendor_id) == 2);
        auto sa = sa_payload::decode(m->find(payload_type::sa)->body);
        REQUIRE(sa);
        CHECK(sa->doi == doi_ipsec);
        CHECK(sa->situation == 1);
    }
    auto mm2 = tb.to_ks("MM2", mm1);
    REQUIRE(mm2);
    INFO("MM2: KS -> GM, chosen transform");
    CHECK(message::decode(*mm2)->hdr.rcookie != cookie{});
    auto mm3 = tb.to_gm("MM3", *mm2);
    REQUIRE(mm3);
    CHECK(message::decode(*mm3)->find(payload_type::ke)->body.size() == 256);
    auto mm4 = tb.to_ks("MM4", *mm3);
    REQUIRE(mm4);
    auto mm5 = tb.to_gm("MM5", *mm4);
    REQUIRE(mm5);
    CHECK(header::decode(*mm5)->flags & flag_encrypted);
    auto mm6 = tb.to_ks("MM6", *mm5);
    REQUIRE(mm6);
    CHECK(header::decode(*mm6)->flags & flag_encrypted);
    auto pull1 = tb.to_gm("PULL1", *mm6);
    REQUIRE(pull1);
    REQUIRE(tb.member->sa()->established);
    CHECK(tb.member->sa()->peer_version == gdoi_version{1, 0, 2});
    CHECK(tb.member->sa()->peer_dpd);
    CHECK(exchange_of(*pull1) == exchange_type::groupkey_pull);
    CHECK(tb.member->state() == gm_state::pull);
    auto pull2 = tb.to_ks("PULL2", *pull1);
    REQUIRE(pull2);
    {
        INFO("PULL2 carries HASH(2), Nr, and a GDOI SA with SA KEK and one SA TEK per KS ACL line, in order");
        auto m = open(*tb.member->sa(), *pull2, *pull1);
        REQUIRE(m.payloads.size() == 3);
        CHECK(m.payloads[0].type == payload_type::hash);
        CHECK(m.payloads[1].type == payload_type::nonce);
        auto sa = gdoi_sa_payload::decode(m.payloads[2].body);
        REQUIRE(sa);
        REQUIRE(sa->nested.size() == 6);
        CHECK(sa->nested[0].type == payload_type::sa_kek);
        std::vector<sa_tek_payload> teks;
        for (std::size_t i = 1; i < sa->nested.size(); ++i) {
            CHECK(sa->nested[i].type == payload_type::sa_tek);
            auto t = sa_tek_payload::decode(sa->nested[i].body);
            REQUIRE(t);
            teks.push_back(*t);
        }
        const auto* k = tb.server->group("GETVPN");
        // deny udp any eq 848 any: a bypass line, SPI 0 and nothing but ACL_DENY.
        CHECK(teks[0].spi == 0);
        CHECK(teks[0].transform_id == 0);
        CHECK(teks[0].ip_protocol == 17);
        CHECK(teks[0].src.port == 848);
        REQUIRE(teks[0].attrs.size() == 1);
        CHECK(attr_number(teks[0].attrs, ipsec_attr::acl_deny) == 1u);
        // permit 192.168/16: TEK 1 with its attributes.
        CHECK(teks[1].spi == k->teks[0].spi);
        CHECK(attr_number(teks[1].attrs, ipsec_attr::address_preservation) == 4u);
        CHECK(attr_number(teks[1].attrs, ipsec_attr::sa_direction) == 3u);
        CHECK(attr_number(teks[1].attrs, ipsec_attr::acl_deny) == std::nullopt);
        // deny tcp any any eq bgp, then the second permit of TEK 1, then TEK 2.
        CHECK(teks[2].spi == 0);
        CHECK(teks[2].dst.port == 179);
        CHECK(teks[3].spi == k->teks[0].spi);
        CHECK(teks[3].dst.port == 443);
        CHECK(teks[4].spi == k->teks[1].spi);
    }
    auto pull3 = tb.to_gm("PULL3", *pull2);
    REQUIRE(pull3);
    {
        INFO("PULL3 asks for 4 sender IDs (a GCM TEK is in the group)");
        auto m = open(*tb.member->sa(), *pull3, *pull2);
        REQUIRE(m.find(payload_type::gap));
        auto gap = gap_payload::decode(m.find(payload_type::gap)->body);
        REQUIRE(gap);
        CHECK(attr_number(gap->attrs, gap_attr::sender_id_request) == 4u);
    }
    auto pull4 = tb.to_ks("PULL4", *pull3);
    REQUIRE(pull4);
    CHECK_FALSE(tb.to_gm("after PULL4", *pull4));
    REQUIRE(tb.member->state() == gm_state::registered);

    const auto* keys = tb.server->group("GETVPN");
    REQUIRE(keys);
    REQUIRE(keys->teks.size() == 2);
    const auto& inst = tb.installer;
    REQUIRE(inst.sas.size() == 2);
    for (const auto& ks_tek : keys->teks) {
        INFO("TEK SPI " << ks_tek.spi);
        REQUIRE(inst.sas.count(ks_tek.spi) == 1);
        const auto& got = inst.sas.at(ks_tek.spi);
        CHECK(got.transform == ks_tek.transform);
        CHECK(got.enc_key == ks_tek.enc_key);
        CHECK(got.salt == ks_tek.salt);
        CHECK(got.auth_key == ks_tek.auth_key);
        CHECK(got.lifetime == ks_tek.lifetime);
        CHECK(got.selectors == ks_tek.selectors);
        CHECK(got.replay == ks_tek.replay);
        CHECK(got.address_preservation == 4);
        CHECK(got.direction == sa_direction::symmetric);
    }
    CHECK(inst.sas.at(keys->teks[0].spi).salt.size() == 4);
    CHECK(inst.sas.at(keys->teks[0].spi).enc_key.size() == 32);
    CHECK(inst.sas.at(keys->teks[1].spi).auth_key.size() == 32);

    INFO("merged ACL: GDOI to the key server in clear, the GM's local deny, then the KS ACL in its order");
    const auto& pol = inst.policies.at("GETVPN");
    REQUIRE(pol.size() == 7);
    CHECK_FALSE(pol[0].permit);
    CHECK(pol[0].sel.protocol == 17);
    CHECK(pol[0].sel.dst == ipv4_prefix{ks_ep.addr, 32});
    CHECK(pol[0].sel.dst_port == 848);
    CHECK(pol[0].sel.src.len == 0);
    CHECK_FALSE(pol[1].permit);
    CHECK(pol[1].sel.dst_port == 848);
    const auto ks_acl = group_1234().teks[0].acl;
    CHECK(pol[2] == ks_acl[0]); // deny udp any eq 848 any
    CHECK(pol[3] == ks_acl[1]); // permit ip 192.168/16
    CHECK(pol[4] == ks_acl[2]); // deny tcp any any eq bgp
    CHECK(pol[5] == ks_acl[3]); // permit tcp 172.16/12 eq 443
    CHECK(pol[6] == policy_entry{true, keys->teks[1].selectors[0]});
    CHECK(pol[3].sel == keys->teks[0].selectors[0]);
    CHECK(tb.member->registered()->ks_acl.size() == 5);
    CHECK(inst.directions.at("GETVPN") == direction_mode::both);
    REQUIRE(inst.sids.count("GETVPN"));
    CHECK(inst.sids.at("GETVPN").bits == 16);
    CHECK(inst.sids.at("GETVPN").values == std::vector<std::uint32_t>{1, 2, 3, 4});

    const auto* reg = tb.member->registered();
    REQUIRE(reg);
    REQUIRE(reg->kek);
    CHECK(reg->kek->spi == keys->kek->spi);
    CHECK(reg->kek->key == keys->kek->key);
    CHECK(reg->kek->sig_public_key == rekey_key()->public_der());
    CHECK(reg->seq == keys->seq);

    CHECK(tb.events.has("GM_REGSTER"));
    CHECK(tb.events.has("SA_TEK_UPDATED"));
    CHECK(tb.events.has("SA_KEK_UPDATED"));
    CHECK(tb.events.has("GM_INSTALL_POLICIES_SUCCESS"));
    CHECK(tb.events.has("GM_REGS_COMPL"));
    CHECK(tb.events.has("GM_ACL_MERGE"));
    CHECK(tb.events.has("KS_REGS_COMPL"));
    CHECK(tb.events.has("KS_FIRST_GM"));
    REQUIRE(tb.server->members().size() == 1);
    CHECK(tb.server->members()[0].addr == gm1_ep.addr);
    CHECK(tb.server->members()[0].version == "1.0.2");
    CHECK(tb.server->members()[0].group == "GETVPN");
}

TEST_CASE("two GMs get distinct sender IDs; KS_FIRST_GM only once", "[gdoi][exchange]")
{
    core::manual_clock clock;
    core::event_bus bus{clock};
    event_log events{bus};
    ks server(ks_cfg(), clock, bus);
    recording_installer i1;
    recording_installer i2;
    gm a(gm_cfg(gm1_ep), clock, bus, i1);
    gm b(gm_cfg(gm2_ep), clock, bus, i2);
    auto run = [&](gm& g, endpoint self) {
        auto out = std::optional<bytes>(g.start().data);
        int hops = 0;
        while (out && hops++ < 12) {
            auto reply = server.handle(self, *out);
            REQUIRE(reply);
            auto next = g.handle(ks_ep, *reply);
            out = next ? std::optional<bytes>(next->data) : std::nullopt;
        }
        REQUIRE(g.state() == gm_state::registered);
    };
    run(a, gm1_ep);
    run(b, gm2_ep);
    CHECK(i1.sids.at("GETVPN").values == std::vector<std::uint32_t>{1, 2, 3, 4});
    CHECK(i2.sids.at("GETVPN").values == std::vector<std::uint32_t>{5, 6, 7, 8});
    CHECK(std::count(events.names.begin(), events.names.end(), "KS_FIRST_GM") == 1);
    CHECK(std::count(events.names.begin(), events.names.end(), "KS_REGS_COMPL") == 2);
    CHECK(server.members().size() == 2);
    // Both members got the same group keys.
    CHECK(i1.sas.begin()->second.enc_key == i2.sas.begin()->second.enc_key);
}

TEST_CASE("every phase-1 algorithm combination registers", "[gdoi][exchange][slow]")
{
    struct combo {
        dh_group g;
        cipher_spec c;
        hash_alg h;
    };
    std::vector<combo> combos = {
        {dh_group::modp2048, {cipher_alg::aes_cbc, 128}, hash_alg::sha1},
        {dh_group::modp3072, {cipher_alg::aes_cbc, 192}, hash_alg::sha384},
        {dh_group::ecp256, {cipher_alg::aes_cbc, 256}, hash_alg::sha256},
        {dh_group::ecp384, {cipher_alg::des3_cbc, 192}, hash_alg::sha1},
        {dh_group::ecp384, {cipher_alg::aes_cbc, 256}, hash_alg::sha384},
        {dh_group::modp1536, {cipher_alg::des3_cbc, 192}, hash_alg::sha256},
        {dh_group::modp1024, {cipher_alg::aes_cbc, 128}, hash_alg::sha1},
    };
    for (const auto& c : combos) {
        INFO("DH " << static_cast<int>(c.g) << " " << to_string(c.c.alg) << c.c.key_bits << " " << to_string(c.h));
        auto p = proposal(c.g, c.c, c.h);
        testbed tb(ks_cfg({proposal(dh_group::modp2048), p}), gm_cfg(gm1_ep, {p}));
        tb.register_all();
        CHECK(tb.installer.sas.size() == 2);
        CHECK(tb.member->sa()->prop == p);
        CHECK(tb.events.has("LEGACY_ALGORITHM") == is_legacy(c.g));
    }
}

TEST_CASE("the GM offers several policies; the KS takes the first it accepts", "[gdoi][exchange]")
{
    auto weak = proposal(dh_group::modp2048, {cipher_alg::des3_cbc, 192}, hash_alg::sha1);
    auto strong = proposal(dh_group::ecp256, {cipher_alg::aes_cbc, 256}, hash_alg::sha256);
    testbed tb(ks_cfg({strong}), gm_cfg(gm1_ep, {weak, strong}));
    tb.register_all();
    CHECK(tb.member->sa()->prop == strong);
}

TEST_CASE("wrong PSK: hash failure, nothing installed", "[gdoi][exchange][negative]")
{
    auto gc = gm_cfg();
    gc.psks = {};
    gc.psks.add(ks_ep.addr, "not-the-key");
    testbed tb(ks_cfg(), gc);
    auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
    auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
    auto mm5 = tb.to_gm("MM5", *mm4);
    REQUIRE(mm5);
    INFO("MM5 under a key derived from the wrong PSK: the KS cannot verify HASH_I");
    CHECK_FALSE(tb.to_ks("MM6", *mm5));
    CHECK(tb.events.has("KS_HASH_FAIL"));
    CHECK(tb.server->counters().hash_failures == 1);
    CHECK(tb.server->sessions() == 0);
    CHECK(tb.installer.calls.empty());
    CHECK(tb.server->members().empty());
}

TEST_CASE("wrong PSK on the KS side: GM sees HASH_R fail", "[gdoi][exchange][negative]")
{
    // The KS holds a per-address key for this GM that differs from the GM's; the
    // GM's MM5 then fails on the KS. To reach the GM's check, corrupt MM6 instead.
    testbed tb;
    auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
    auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
    auto mm6 = tb.to_ks("MM6", *tb.to_gm("MM5", *mm4));
    REQUIRE(mm6);
    auto bad = *mm6;
    bad[header_size + 3] ^= 0x40; // first cipher block: garbles ID, HASH_R cannot match
    CHECK_FALSE(tb.to_gm("MM6 corrupted", bad));
    CHECK(tb.events.has("GM_HASH_FAIL"));
    CHECK(tb.member->state() == gm_state::failed);
    CHECK(tb.installer.calls.empty());
}

TEST_CASE("PULL hash failures on both sides", "[gdoi][exchange][negative]")
{
    SECTION("PULL1 tampered: KS_HASH_FAIL, no PULL2")
    {
        testbed tb;
        auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
        auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
        auto mm6 = tb.to_ks("MM6", *tb.to_gm("MM5", *mm4));
        auto pull1 = tb.to_gm("PULL1", *mm6);
        REQUIRE(pull1);
        auto bad = *pull1;
        bad.back() ^= 1; // last block: only the ID/padding changes, the HASH(1) check fails
        CHECK_FALSE(tb.to_ks("PULL2", bad));
        CHECK(tb.events.has("KS_HASH_FAIL"));
        CHECK(tb.server->members().empty());
    }
    SECTION("PULL4 tampered: GM_HASH_FAIL, nothing installed")
    {
        testbed tb;
        auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
        auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
        auto mm6 = tb.to_ks("MM6", *tb.to_gm("MM5", *mm4));
        auto pull2 = tb.to_ks("PULL2", *tb.to_gm("PULL1", *mm6));
        auto pull4 = tb.to_ks("PULL4", *tb.to_gm("PULL3", *pull2));
        REQUIRE(pull4);
        auto bad = *pull4;
        bad[bad.size() - 20] ^= 0x80;
        CHECK_FALSE(tb.to_gm("PULL4 tampered", bad));
        CHECK(tb.events.has("GM_HASH_FAIL"));
        CHECK(tb.installer.calls.empty());
        CHECK(tb.member->state() == gm_state::failed);
    }
}

TEST_CASE("unknown group: KS_BAD_ID, no SA", "[gdoi][exchange][negative]")
{
    auto gc = gm_cfg();
    gc.identity.number = 4321;
    testbed tb(ks_cfg(), gc);
    auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
    auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
    auto mm6 = tb.to_ks("MM6", *tb.to_gm("MM5", *mm4));
    auto pull1 = tb.to_gm("PULL1", *mm6);
    REQUIRE(pull1);
    auto refusal = tb.to_ks("PULL2 (refused)", *pull1);
    REQUIRE(refusal);
    INFO("the KS answers with an Informational INVALID-ID-INFORMATION under HASH(1)");
    CHECK(header::decode(*refusal)->exchange == exchange_type::informational);
    CHECK(tb.events.has("KS_BAD_ID"));
    CHECK_FALSE(tb.to_gm("refusal", *refusal));
    CHECK(tb.member->state() == gm_state::failed);
    CHECK(tb.member->last_error().find("unknown group (INVALID-ID-INFORMATION)") != std::string::npos);
    CHECK(tb.server->members().empty());
    CHECK(tb.installer.calls.empty());
}

TEST_CASE("group B is not reachable with group A's identity check", "[gdoi][exchange][negative]")
{
    // Group OTHER (6789) only admits 10.0.9.0/24: a GM of GETVPN asking for it is refused.
    auto kc = ks_cfg();
    kc.groups[1].authorized.push_back({ip(10, 0, 9, 0), 24});
    auto gc = gm_cfg();
    gc.group = "OTHER";
    gc.identity.number = 6789;
    testbed tb(std::move(kc), gc);
    auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
    auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
    auto mm6 = tb.to_ks("MM6", *tb.to_gm("MM5", *mm4));
    auto refusal = tb.to_ks("PULL2 (refused)", *tb.to_gm("PULL1", *mm6));
    REQUIRE(refusal);
    CHECK(header::decode(*refusal)->exchange == exchange_type::informational);
    CHECK(tb.events.has("UNAUTHORIZED_IPADDR"));
    CHECK_FALSE(tb.to_gm("refusal", *refusal));
    CHECK(tb.member->last_error().find("not authorized for the group (AUTHENTICATION-FAILED)") != std::string::npos);
    CHECK(tb.installer.calls.empty());
}

TEST_CASE("replayed MM1, MM3 and PULL1 are refused; a retransmission gets the cached answer",
          "[gdoi][exchange][negative]")
{
    testbed tb;
    auto mm1 = tb.gm_start("MM1");
    auto mm2 = tb.to_ks("MM2", mm1);
    auto mm3 = tb.to_gm("MM3", *mm2);
    auto mm4 = tb.to_ks("MM4", *mm3);
    REQUIRE(mm4);
    INFO("MM3 retransmitted: the same MM4 again, nothing recomputed");
    auto again = tb.server->handle(gm1_ep, *mm3);
    REQUIRE(again);
    CHECK(*again == *mm4);
    CHECK(tb.server->counters().retransmits == 1);
    INFO("MM1 replayed after MM4: refused, the exchange carries on");
    CHECK_FALSE(tb.server->handle(gm1_ep, mm1));
    auto mm5 = tb.to_gm("MM5", *mm4);
    auto mm6 = tb.to_ks("MM6", *mm5);
    REQUIRE(mm6);
    INFO("MM3 replayed after MM6: refused");
    CHECK_FALSE(tb.server->handle(gm1_ep, *mm3));
    auto pull1 = tb.to_gm("PULL1", *mm6);
    auto pull2 = tb.to_ks("PULL2", *pull1);
    auto pull3 = tb.to_gm("PULL3", *pull2);
    auto pull4 = tb.to_ks("PULL4", *pull3);
    REQUIRE(pull4);
    CHECK_FALSE(tb.to_gm("done", *pull4));
    REQUIRE(tb.member->state() == gm_state::registered);
    INFO("PULL1 replayed after the PULL completed: refused, no second registration");
    auto refused_before = tb.server->counters().refused;
    CHECK_FALSE(tb.server->handle(gm1_ep, *pull1));
    CHECK(tb.server->counters().refused == refused_before + 1);
    CHECK(tb.server->counters().registrations == 1);
    INFO("an MM1 from another address with a known cookie is refused");
    CHECK_FALSE(tb.server->handle(gm2_ep, mm1));
}

TEST_CASE("unacceptable transforms are refused", "[gdoi][exchange][negative]")
{
    SECTION("phase 1: no common isakmp policy")
    {
        testbed tb(ks_cfg({proposal(dh_group::ecp384)}), gm_cfg(gm1_ep, {proposal(dh_group::modp2048)}));
        CHECK_FALSE(tb.to_ks("MM2", tb.gm_start("MM1")));
        CHECK(tb.server->sessions() == 0);
        CHECK(tb.server->counters().refused == 1);
    }
    SECTION("phase 2: TEK transform outside client transform-sets")
    {
        auto gc = gm_cfg();
        gc.accept.transforms.push_back({esp_transform::aes_gcm_16, 128, esp_auth::none});
        testbed tb(ks_cfg(), gc);
        auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
        auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
        auto mm6 = tb.to_ks("MM6", *tb.to_gm("MM5", *mm4));
        auto pull2 = tb.to_ks("PULL2", *tb.to_gm("PULL1", *mm6));
        REQUIRE(pull2);
        CHECK_FALSE(tb.to_gm("PULL3", *pull2));
        CHECK(tb.events.has("GM_REJECTING_SA_PAYLOAD"));
        CHECK(tb.member->state() == gm_state::failed);
        CHECK(tb.installer.calls.empty());
    }
    SECTION("phase 2: rekey algorithm outside client rekey encryption")
    {
        auto gc = gm_cfg();
        gc.accept.rekey_algorithms.push_back(kek_algorithm::des3);
        testbed tb(ks_cfg(), gc);
        auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
        auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
        auto mm6 = tb.to_ks("MM6", *tb.to_gm("MM5", *mm4));
        auto pull2 = tb.to_ks("PULL2", *tb.to_gm("PULL1", *mm6));
        CHECK_FALSE(tb.to_gm("PULL3", *pull2));
        CHECK(tb.events.has("GM_REJECTING_SA_PAYLOAD"));
    }
    SECTION("phase 1: a DH group we do not implement is never chosen")
    {
        // Hand-built MM1 offering only group 1 (768-bit MODP).
        sa_payload sa;
        proposal_payload p;
        transform_payload t;
        t.attrs = {attribute::basic(1, 7), attribute::basic(14, 128), attribute::basic(2, 2), attribute::basic(3, 1),
                   attribute::basic(4, 1)};
        p.transforms.push_back(t);
        sa.proposals.push_back(p);
        message m;
        m.hdr.icookie = {1, 2, 3, 4, 5, 6, 7, 8};
        m.payloads.push_back({payload_type::sa, sa.encode()});
        testbed tb;
        CHECK_FALSE(tb.server->handle(gm1_ep, m.encode()));
        CHECK(tb.server->last_error().find("no offered transform") != std::string::npos);
    }
}

TEST_CASE("retransmission with backoff, then down the server list", "[gdoi][exchange][timers]")
{
    core::manual_clock clock;
    core::event_bus bus{clock};
    recording_installer inst;
    auto gc = gm_cfg();
    endpoint ks2{ip(10, 0, 0, 2), 848};
    gc.servers = {ks_ep, ks2};
    gc.psks.add(ks2.addr, "cisco123");
    gc.retransmit_interval = std::chrono::seconds{2};
    gc.retransmits = 2;
    gm g(gc, clock, bus, inst);
    std::vector<outbound> sent;
    g.set_sender([&](const outbound& o) { sent.push_back(o); });
    auto first = g.start();
    CHECK(first.to == ks_ep);
    clock.advance(std::chrono::milliseconds{1999});
    CHECK(sent.empty());
    clock.advance(std::chrono::milliseconds{1});
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].data == first.data);
    clock.advance(std::chrono::seconds{4}); // doubled
    REQUIRE(sent.size() == 2);
    clock.advance(std::chrono::seconds{8}); // gives up on KS1
    REQUIRE(sent.size() == 3);
    CHECK(sent[2].to == ks2);
    CHECK(g.server_index() == 1);

    // KS2 answers: registration completes against it.
    auto kc = ks_cfg();
    kc.local_addr = ks2.addr;
    ks server2(kc, clock, bus);
    auto out = std::optional<bytes>(sent[2].data);
    while (out) {
        auto reply = server2.handle(gm1_ep, *out);
        REQUIRE(reply);
        auto next = g.handle(ks2, *reply);
        out = next ? std::optional<bytes>(next->data) : std::nullopt;
    }
    CHECK(g.state() == gm_state::registered);
    CHECK(inst.sas.size() == 2);
}

TEST_CASE("re-registration before the earliest TEK expiry", "[gdoi][exchange][timers]")
{
    auto gc = gm_cfg();
    gc.reregister_jitter = std::chrono::seconds{0};
    testbed tb(ks_cfg(), gc);
    std::vector<outbound> sent;
    tb.member->set_sender([&](const outbound& o) { sent.push_back(o); });
    tb.register_all();
    // TEK 1 lives 3600 s: re-register 60 s before, at 3540 s.
    tb.clock.advance(std::chrono::seconds{3539});
    CHECK(sent.empty());
    tb.clock.advance(std::chrono::seconds{1});
    REQUIRE(sent.size() == 1);
    CHECK(tb.member->state() == gm_state::main_mode);
    CHECK(tb.events.has("GM_RE_REGISTER"));
    auto m = message::decode(sent[0].data);
    REQUIRE(m);
    CHECK(m->hdr.exchange == exchange_type::main_mode);
}

TEST_CASE("garbage, truncated and oversized datagrams never crash KS or GM", "[gdoi][exchange][negative]")
{
    testbed tb;
    auto mm1 = tb.gm_start("MM1");
    auto mm2 = tb.to_ks("MM2", mm1);
    REQUIRE(mm2);
    // Every truncation of MM1 and MM2 and a bit flip at every offset.
    for (std::size_t n = 0; n < mm1.size(); ++n) {
        bytes cut(mm1.begin(), mm1.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK_FALSE(tb.server->handle(gm2_ep, cut));
    }
    for (std::size_t n = 0; n < mm2->size(); ++n) {
        bytes cut(mm2->begin(), mm2->begin() + static_cast<std::ptrdiff_t>(n));
        CHECK_FALSE(tb.member->handle(ks_ep, cut));
        bytes flip = *mm2;
        flip[n] ^= 0xff;
        tb.member->handle(ks_ep, flip); // may be accepted or not; must not crash
    }
    bytes big(70000, 0x41);
    CHECK_FALSE(tb.server->handle(gm2_ep, big));
    CHECK(tb.server->counters().malformed > 0);
}

TEST_CASE("DPD: R-U-THERE in an Informational with HASH(1) is acknowledged", "[gdoi][exchange][dpd]")
{
    testbed tb;
    tb.register_all();
    auto probe = tb.member->dpd_probe();
    REQUIRE(probe);
    auto h = header::decode(probe->data);
    REQUIRE(h);
    CHECK(h->exchange == exchange_type::informational);
    CHECK(h->flags & flag_encrypted);
    CHECK(h->message_id != 0);
    auto ack = tb.to_ks("DPD R-U-THERE", probe->data);
    REQUIRE(ack);
    CHECK(header::decode(*ack)->exchange == exchange_type::informational);
    CHECK_FALSE(tb.to_gm("DPD R-U-THERE-ACK", *ack));
    REQUIRE(tb.member->last_dpd_ack());
    CHECK(tb.server->counters().dpd_answered == 1);

    INFO("the same probe again is a replayed message ID: refused");
    CHECK_FALSE(tb.server->handle(gm1_ep, probe->data));
    CHECK(tb.server->counters().dpd_answered == 1);

    INFO("a probe with a broken HASH(1) is a hash failure");
    auto next = tb.member->dpd_probe();
    REQUIRE(next);
    auto bad = next->data;
    bad[header_size + 10] ^= 1; // inside the encrypted HASH(1)
    CHECK_FALSE(tb.server->handle(gm1_ep, bad));
    CHECK(tb.events.has("KS_HASH_FAIL"));

    INFO("the installed SAs are untouched by DPD");
    CHECK(tb.installer.sas.size() == 2);
}

TEST_CASE("Informational Delete of the ISAKMP SA ends the KS session", "[gdoi][exchange][dpd]")
{
    testbed tb;
    tb.register_all();
    REQUIRE(tb.server->sessions() == 1);
    const auto& sa = *tb.member->sa();
    delete_payload d;
    d.protocol = 1;
    d.spi_size = 16;
    bytes spi;
    append(spi, sa.icookie);
    append(spi, sa.rcookie);
    d.spis.push_back(spi);
    ike_sa copy = sa;
    auto wire = copy.protect(build_informational(copy, {{payload_type::del, d.encode()}}));
    CHECK_FALSE(tb.server->handle(gm1_ep, wire));
    CHECK(tb.server->sessions() == 0);
}

TEST_CASE("a KS with an expired ISAKMP SA forgets the GM's session", "[gdoi][exchange][timers]")
{
    testbed tb;
    tb.register_all();
    REQUIRE(tb.server->sessions() == 1);
    ike_sa old = *tb.member->sa(); // the GM re-registers meanwhile; probe with the old SA
    tb.clock.advance(std::chrono::seconds{86399});
    CHECK(tb.server->sessions() >= 1);
    tb.clock.advance(std::chrono::seconds{1});
    auto probe = old.protect(build_informational(old, {{payload_type::notify, dpd_notify(old, false, 1).encode()}}));
    CHECK_FALSE(tb.server->handle(gm1_ep, probe));
    CHECK(tb.server->last_error() == "message for no known SA");
}

TEST_CASE("sa receive-only: receiver-only TEKs and an inbound-only GM", "[gdoi][exchange]")
{
    auto kc = ks_cfg();
    for (auto& t : kc.groups[0].teks) {
        t.receive_only = true;
    }
    testbed tb(std::move(kc));
    tb.register_all();
    for (const auto& [spi, t] : tb.installer.sas) {
        CHECK(t.direction == sa_direction::receiver_only);
    }
    CHECK(tb.installer.directions.at("GETVPN") == direction_mode::inbound_only);
}

TEST_CASE("the KS caps its session table", "[gdoi][exchange][negative]")
{
    auto kc = ks_cfg();
    kc.max_sessions = 2;
    testbed tb(std::move(kc));
    for (int i = 0; i < 3; ++i) {
        auto mm1 = tb.member->start().data;
        auto reply = tb.server->handle(endpoint{ip(10, 0, 3, static_cast<unsigned>(i + 1)), 848}, mm1);
        CHECK(reply.has_value() == (i < 2));
    }
    CHECK(tb.server->sessions() == 2);
    CHECK(tb.server->last_error() == "session table full");
    // Half-open sessions expire after the negotiation timeout.
    tb.clock.advance(std::chrono::seconds{60});
    CHECK(tb.server->sessions() == 0);
}

TEST_CASE("rekey RSA key: PEM export and import keep the public key", "[gdoi][crypto]")
{
    auto key = rekey_key();
    auto pem = key->private_pem();
    CHECK(pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    auto back = rsa_key::from_pem(pem);
    REQUIRE(back);
    CHECK(back->public_der() == key->public_der());
    CHECK(back->bits() == 2048);
    CHECK_FALSE(rsa_key::from_pem("not a key"));
}

TEST_CASE("a failed registration is retried later, further down the server list", "[gdoi][exchange][timers]")
{
    auto gc = gm_cfg();
    endpoint ks2{ip(10, 0, 0, 2), 848};
    gc.servers = {ks_ep, ks2};
    gc.retransmit_interval = std::chrono::seconds{1};
    gc.retransmits = 2;
    gc.accept.transforms.push_back({esp_transform::aes_gcm_16, 128, esp_auth::none}); // KS offers 256
    testbed tb(ks_cfg(), gc);
    std::vector<outbound> sent;
    tb.member->set_sender([&](const outbound& o) { sent.push_back(o); });
    auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
    auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
    auto mm6 = tb.to_ks("MM6", *tb.to_gm("MM5", *mm4));
    auto pull2 = tb.to_ks("PULL2", *tb.to_gm("PULL1", *mm6));
    CHECK_FALSE(tb.to_gm("PULL3", *pull2));
    REQUIRE(tb.member->state() == gm_state::failed);
    tb.clock.advance(std::chrono::seconds{7});
    CHECK(sent.empty());
    tb.clock.advance(std::chrono::seconds{1}); // 1 s * 2^3
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].to == ks2);
    CHECK(tb.member->state() == gm_state::main_mode);
}

TEST_CASE("re-registration replaces the GM's older ISAKMP SA on the KS", "[gdoi][exchange]")
{
    testbed tb;
    tb.register_all();
    REQUIRE(tb.server->sessions() == 1);
    tb.register_all();
    CHECK(tb.server->sessions() == 1);
    CHECK(tb.server->counters().registrations == 2);
    CHECK(tb.server->members().size() == 1);
}

TEST_CASE("TBAR pseudotime starts with the first GM and travels in the TEK", "[gdoi][exchange][timers]")
{
    core::manual_clock clock;
    core::event_bus bus{clock};
    ks server(ks_cfg(), clock, bus);
    auto run = [&](endpoint self) {
        recording_installer inst;
        gm g(gm_cfg(self), clock, bus, inst);
        auto out = std::optional<bytes>(g.start().data);
        while (out) {
            auto reply = server.handle(self, *out);
            REQUIRE(reply);
            auto next = g.handle(ks_ep, *reply);
            out = next ? std::optional<bytes>(next->data) : std::nullopt;
        }
        REQUIRE(g.state() == gm_state::registered);
        return g.registered()->teks;
    };
    clock.advance(std::chrono::hours{5}); // KS uptime before the first GM does not count
    auto first = run(gm1_ep);
    CHECK(first[0].replay.mode == replay_mode::time);
    CHECK(first[0].replay.pseudotime_ms == 0);
    CHECK(first[0].replay.window == 5);
    CHECK(first[1].replay.mode == replay_mode::counter);
    CHECK(first[1].replay.window == 64);
    clock.advance(std::chrono::seconds{90});
    auto second = run(gm2_ep);
    CHECK(second[0].replay.pseudotime_ms == 90'000);
}

TEST_CASE("a KEK without an imported rekey key gets a generated, exportable one", "[gdoi][exchange]")
{
    auto kc = ks_cfg();
    kc.groups[0].kek->rekey_key = nullptr;
    core::manual_clock clock;
    core::event_bus bus{clock};
    ks server(kc, clock, bus);
    auto key = server.rekey_key("GETVPN");
    REQUIRE(key);
    CHECK(key->bits() == 2048);
    CHECK(server.group("GETVPN")->kek->sig_public_key == key->public_der());
    CHECK(rsa_key::from_pem(key->private_pem()));
}

TEST_CASE("oversized and misplaced payloads in Main Mode are refused", "[gdoi][exchange][negative]")
{
    SECTION("MM3 with a KE larger than the group's")
    {
        testbed tb;
        auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
        auto mm3 = tb.to_gm("MM3", *mm2);
        REQUIRE(mm3);
        auto m = message::decode(*mm3).value();
        for (auto& p : m.payloads) {
            if (p.type == payload_type::ke) {
                p.body.resize(600, 0x11);
            }
        }
        CHECK_FALSE(tb.to_ks("MM4", m.encode()));
        CHECK(tb.server->last_error().find("KE") != std::string::npos);
    }
    SECTION("MM3 with a 300-byte nonce")
    {
        testbed tb;
        auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
        auto m = message::decode(*tb.to_gm("MM3", *mm2)).value();
        for (auto& p : m.payloads) {
            if (p.type == payload_type::nonce) {
                p.body.resize(300, 0x22);
            }
        }
        CHECK_FALSE(tb.to_ks("MM4", m.encode()));
    }
    SECTION("MM1 with a hundred Vendor IDs")
    {
        testbed tb;
        auto m = message::decode(tb.gm_start("MM1")).value();
        for (int i = 0; i < 100; ++i) {
            m.payloads.push_back({payload_type::vendor_id, bytes(16, static_cast<std::uint8_t>(i))});
        }
        CHECK_FALSE(tb.to_ks("MM2", m.encode()));
        CHECK(tb.server->sessions() == 0);
    }
    SECTION("MM1 encrypted before any key exists")
    {
        testbed tb;
        auto wire = tb.gm_start("MM1");
        wire[19] |= flag_encrypted;
        CHECK_FALSE(tb.to_ks("MM2", wire));
        CHECK(tb.server->sessions() == 0);
    }
}

TEST_CASE("identity address ipv4: the group is named by an address ID", "[gdoi][exchange]")
{
    auto kc = ks_cfg();
    kc.groups[0].identity_number.reset();
    kc.groups[0].identity_address = ip(239, 1, 1, 1);
    auto gc = gm_cfg();
    gc.identity = {std::nullopt, ip(239, 1, 1, 1)};
    testbed tb(std::move(kc), gc);
    tb.register_all();
    CHECK(tb.installer.sas.size() == 2);
}

TEST_CASE("group ID encodings", "[gdoi][codec]")
{
    auto id = encode_group_id({1234, std::nullopt});
    CHECK(id.type == id_type::key_id);
    CHECK(id.data == bytes{0, 0, 4, 0xd2});
    CHECK(decode_group_id(id)->number == 1234u);
    id.data = {0x04, 0xd2}; // short big-endian
    CHECK(decode_group_id(id)->number == 1234u);
    id.data = to_bytes("0000001234"); // ASCII decimal, as some peers send it
    CHECK(decode_group_id(id)->number == 1234u);
    id.data = to_bytes("12345678901"); // too long
    CHECK_FALSE(decode_group_id(id));
    id.data.clear();
    CHECK_FALSE(decode_group_id(id));
    auto addr = encode_group_id({std::nullopt, ip(239, 1, 1, 1)});
    CHECK(addr.type == id_type::ipv4_addr);
    CHECK(decode_group_id(addr)->address == ip(239, 1, 1, 1));
}

TEST_CASE("gdoi fail-close holds traffic until the first registration", "[gdoi][exchange]")
{
    auto gc = gm_cfg();
    gc.fail_close = true;
    const traffic_selector ssh{6, {}, 0, {}, 22};
    gc.fail_close_deny = {ssh};
    testbed tb(ks_cfg(), gc);
    tb.gm_start("MM1");
    REQUIRE(tb.installer.fail_close.count("GETVPN"));
    CHECK(tb.installer.fail_close.at("GETVPN"));
    CHECK(tb.installer.sas.empty());
    // GDOI to the key servers first, then the fail-close ACL's denies.
    auto clear = key_server_bypass(gc.servers);
    clear.push_back(ssh);
    CHECK(tb.installer.fail_close_clear.at("GETVPN") == clear);
    tb.register_all();
    CHECK_FALSE(tb.installer.fail_close.at("GETVPN"));
    CHECK(tb.installer.fail_close_clear.count("GETVPN") == 0);
    // Lifted only after the SAs and policy are in place.
    auto lift = std::find_if(tb.installer.calls.rbegin(), tb.installer.calls.rend(),
                             [](const auto& c) { return c.op == "set_fail_close"; });
    auto install = std::find_if(tb.installer.calls.rbegin(), tb.installer.calls.rend(),
                                [](const auto& c) { return c.op == "install_sa"; });
    CHECK(lift < install); // reverse iterators: the lift came later
}

TEST_CASE("KS ACL deny lines: the GM keeps the KS order and refuses malformed ones", "[gdoi][exchange][negative]")
{
    testbed tb;
    tb.register_all();
    const auto& k = *tb.server->group("GETVPN");
    // PULL2 as a KS would send it, with `nested` as the SA's SA TEKs, fed to a fresh PULL task.
    auto feed = [&](const std::vector<payload>& nested) {
        ike_sa sa = *tb.member->sa();
        gm_acceptance accept;
        pull_initiator task(sa, tb.member->config().identity, accept, 0, 77);
        message m1;
        REQUIRE(task.build(m1) == status::need_more);
        gdoi_sa_payload gsa = build_group_sa(k);
        gsa.nested.erase(gsa.nested.begin() + 1, gsa.nested.end()); // keep the SA KEK
        gsa.nested.insert(gsa.nested.end(), nested.begin(), nested.end());
        message m2;
        m2.hdr.exchange = exchange_type::groupkey_pull;
        m2.hdr.flags = flag_encrypted;
        m2.hdr.message_id = 77;
        m2.payloads = {{payload_type::hash, {}}, {payload_type::nonce, bytes(32, 9)}, {payload_type::sa, gsa.encode()}};
        m2.payloads[0].body = pull_hash(sa, 77, m1.payloads[1].body, m2.payloads, 1);
        auto st = task.process(m2);
        return std::tuple{st, task.rejected_sa(), task.result().ks_acl, task.last_error().detail};
    };
    const traffic_selector bgp{6, {0, 0}, 179, {0, 0}, 0};
    const auto tek_line = build_group_sa(k).nested[2]; // permit 192.168/16 with TEK 1's SPI
    {
        INFO("deny, permit, deny: the order survives");
        auto [st, rejected, acl, why] =
            feed({{payload_type::sa_tek, encode_bypass_tek(bgp).encode()}, tek_line,
                  {payload_type::sa_tek, encode_bypass_tek({17, {0, 0}, 0, {0, 0}, 53}).encode()}});
        CHECK(st == status::need_more);
        REQUIRE(acl.size() == 3);
        CHECK(acl[0] == policy_entry{false, bgp});
        CHECK(acl[1].permit);
        CHECK(acl[2] == policy_entry{false, {17, {0, 0}, 0, {0, 0}, 53}});
    }
    auto bad_line = [&](auto mutate) {
        auto p = encode_bypass_tek(bgp);
        mutate(p);
        auto [st, rejected, acl, why] = feed({tek_line, {payload_type::sa_tek, p.encode()}});
        INFO(why);
        CHECK(st == status::failed);
        CHECK(rejected); // GM_REJECTING_SA_PAYLOAD
        CHECK(why.find("ACL deny") != std::string::npos);
    };
    SECTION("SPI 0 without ACL_DENY") { bad_line([](sa_tek_payload& p) { p.attrs.clear(); }); }
    SECTION("ACL_DENY on a real SPI") { bad_line([](sa_tek_payload& p) { p.spi = 0x4000; }); }
    SECTION("ACL_DENY other than 1") { bad_line([](sa_tek_payload& p) { p.attrs[0].value = {0, 2}; }); }
    SECTION("a transform on a deny line") { bad_line([](sa_tek_payload& p) { p.transform_id = 20; }); }
    SECTION("SA attributes on a deny line")
    {
        bad_line([](sa_tek_payload& p) { p.attrs.push_back(attribute::basic(ipsec_attr::sa_direction, 3)); });
    }
    SECTION("a selector that is no IPv4 address or subnet") { bad_line([](sa_tek_payload& p) { p.dst.type = 2; }); }
}

TEST_CASE("sender IDs exhausted: the KS refuses member N+1 with KS_SID_EXHAUSTED, the GM reports it",
          "[gdoi][exchange][negative]")
{
    core::manual_clock clock;
    core::event_bus bus{clock, std::chrono::seconds{10}, 100};
    event_log events{bus};
    auto kc = ks_cfg();
    kc.groups[0].sid_bits = 3; // IDs 1..7; members ask for 2 each: three fit
    ks server(std::move(kc), clock, bus);
    std::vector<std::unique_ptr<recording_installer>> installers;
    std::vector<std::unique_ptr<gm>> members;
    // Drives one GM from MM1 until the KS stops answering; returns the KS's last answer.
    auto run = [&](std::uint32_t addr) {
        auto gc = gm_cfg({addr, 848});
        gc.sender_ids = 2;
        installers.push_back(std::make_unique<recording_installer>());
        members.push_back(std::make_unique<gm>(gc, clock, bus, *installers.back()));
        auto& g = *members.back();
        auto out = std::optional<bytes>(g.start().data);
        for (int hops = 0; out && hops < 12; ++hops) {
            auto reply = server.handle({addr, 848}, *out);
            REQUIRE(reply);
            auto next = g.handle(ks_ep, *reply);
            out = next ? std::optional<bytes>(next->data) : std::nullopt;
        }
        return &g;
    };
    for (unsigned n = 1; n <= 3; ++n) {
        INFO("member " << n);
        auto* g = run(ip(10, 0, n, 1));
        REQUIRE(g->state() == gm_state::registered);
        CHECK(installers.back()->sids.at("GETVPN").values == std::vector<std::uint32_t>{2 * n - 1, 2 * n});
    }
    CHECK_FALSE(events.has("KS_SID_EXHAUSTED"));

    auto* fourth = run(ip(10, 0, 4, 1));
    CHECK(events.has("KS_SID_EXHAUSTED"));
    CHECK(server.members().size() == 3);
    CHECK(server.last_error() == "no sender ID left in group GETVPN");
    // The GM got a protected NO-PROPOSAL-CHOSEN instead of PULL4, installed nothing and says why.
    CHECK(fourth->state() == gm_state::failed);
    CHECK(fourth->last_error() == "KS 10.0.0.1 refused the registration: no sender ID left in the group "
                                  "(NO-PROPOSAL-CHOSEN)");
    CHECK(installers.back()->calls.empty());
    CHECK(std::count(events.names.begin(), events.names.end(), "KS_REGS_COMPL") == 3);
}
