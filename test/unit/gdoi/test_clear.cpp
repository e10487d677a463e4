// `clear crypto gdoi`: the key server restarts a group from a new configuration
// (ks::reload) and a member drops its registration (gm::clear_registration).
#include "fixture.hpp"

using namespace gdoi_test;

namespace {

std::uint32_t spi_of(const ks& server, const std::string& group)
{
    const auto* g = server.group(group);
    REQUIRE(g != nullptr);
    REQUIRE_FALSE(g->teks.empty());
    return g->teks.front().spi;
}

// GETVPN with one more permit line on its first TEK, as an edited ACL would be.
ks_config with_new_acl_line()
{
    auto next = ks_cfg();
    next.groups.front().teks.front().acl.push_back({true, {1, {0, 0}, 0, {0, 0}, 0}}); // permit icmp any any
    return next;
}

} // namespace

TEST_CASE("ks reload of one group: new keys and policy for it, the other group untouched", "[gdoi][clear]")
{
    testbed tb;
    tb.register_all();
    const auto old_spi = spi_of(*tb.server, "GETVPN");
    const auto other_spi = spi_of(*tb.server, "OTHER");
    const auto other_key = tb.server->group("OTHER")->teks.front().enc_key;
    REQUIRE(tb.server->members().size() == 1);

    tb.clock.advance(std::chrono::seconds{10});
    const auto reset = tb.server->reload(with_new_acl_line(), "GETVPN");
    CHECK(reset == std::vector<std::string>{"GETVPN"});
    CHECK(spi_of(*tb.server, "GETVPN") != old_spi);
    CHECK(tb.server->keys_created("GETVPN") == tb.clock.now());
    CHECK_FALSE(tb.server->pseudotime_start("GETVPN")); // TBAR restarts with the next registration
    CHECK(tb.server->members().empty());
    CHECK(spi_of(*tb.server, "OTHER") == other_spi);
    CHECK(tb.server->group("OTHER")->teks.front().enc_key == other_key);
    CHECK(tb.server->config().groups.front().teks.front().acl.size() == 5);

    // A member registering now gets the new TEK and the new line.
    recording_installer fresh;
    gm again(gm_cfg(gm2_ep), tb.clock, tb.bus, fresh);
    auto out = std::optional<bytes>(again.start().data);
    for (int hops = 0; out && hops < 12; ++hops) {
        auto reply = tb.server->handle(gm2_ep, *out);
        REQUIRE(reply);
        auto next = again.handle(ks_ep, *reply);
        out = next ? std::optional<bytes>(next->data) : std::nullopt;
    }
    REQUIRE(again.state() == gm_state::registered);
    CHECK(fresh.sas.count(spi_of(*tb.server, "GETVPN")) == 1);
    const auto& acl = again.registered()->ks_acl;
    CHECK(std::any_of(acl.begin(), acl.end(), [](const policy_entry& e) { return e.permit && e.sel.protocol == 1; }));
    // Sender IDs start again from 1 in the new generation.
    CHECK(fresh.sids.at("GETVPN").values.front() == 1);
}

TEST_CASE("ks reload of every group, and of a group the configuration dropped", "[gdoi][clear]")
{
    testbed tb;
    tb.register_all();
    const auto getvpn = spi_of(*tb.server, "GETVPN");
    const auto other = spi_of(*tb.server, "OTHER");

    SECTION("no group named: all start again")
    {
        CHECK(tb.server->reload(ks_cfg(), "") == std::vector<std::string>{"GETVPN", "OTHER"});
        CHECK(spi_of(*tb.server, "GETVPN") != getvpn);
        CHECK(spi_of(*tb.server, "OTHER") != other);
    }
    SECTION("a group no longer configured goes when named")
    {
        auto next = ks_cfg();
        next.groups.pop_back(); // OTHER removed from the configuration
        CHECK(tb.server->reload(next, "OTHER") == std::vector<std::string>{"OTHER"});
        CHECK(tb.server->group("OTHER") == nullptr);
        CHECK(spi_of(*tb.server, "GETVPN") == getvpn);
        CHECK(tb.server->members().size() == 1); // GETVPN's member stays
        CHECK(tb.server->config().groups.size() == 1);
    }
    SECTION("and stays while another group is named")
    {
        auto next = ks_cfg();
        next.groups.pop_back();
        tb.server->reload(next, "GETVPN");
        CHECK(spi_of(*tb.server, "OTHER") == other);
    }
}

TEST_CASE("a registration in flight when the key server resets starts over", "[gdoi][clear]")
{
    testbed tb;
    auto mm1 = tb.gm_start("MM1");
    auto mm2 = tb.to_ks("MM2", mm1);
    auto mm3 = tb.to_gm("MM3", *mm2);
    auto mm4 = tb.to_ks("MM4", *mm3);
    auto mm5 = tb.to_gm("MM5", *mm4);
    auto mm6 = tb.to_ks("MM6", *mm5);
    auto pull1 = tb.to_gm("PULL1", *mm6);
    auto pull2 = tb.to_ks("PULL2", *pull1);
    REQUIRE(pull2);
    auto pull3 = tb.to_gm("PULL3", *pull2);
    REQUIRE(pull3);
    const auto old_spi = spi_of(*tb.server, "GETVPN");
    tb.server->reload(ks_cfg(), "GETVPN");
    // The old exchange's keys are gone with it: its last message is refused.
    CHECK_FALSE(tb.to_ks("PULL4", *pull3));
    CHECK(tb.installer.sas.empty());
    // The member's next attempt (its retransmit/backoff path) registers with the new keys.
    tb.member->clear_registration();
    tb.register_all();
    CHECK(tb.installer.sas.count(spi_of(*tb.server, "GETVPN")) == 1);
    CHECK(tb.installer.sas.count(old_spi) == 0);
}

TEST_CASE("gm clear_registration takes the group out of the data plane", "[gdoi][clear]")
{
    testbed tb;
    tb.register_all();
    REQUIRE_FALSE(tb.installer.sas.empty());
    tb.member->clear_registration();
    CHECK(tb.installer.sas.empty());
    CHECK(tb.installer.policies.at("GETVPN").empty()); // passes in clear until registered again
    CHECK(tb.member->state() == gm_state::idle);
    CHECK(tb.member->registered() == nullptr);
    CHECK_FALSE(tb.member->reregister_at());
    CHECK(tb.clock.pending() == 1); // the KS's ISAKMP SA expiry; the member's timers are gone
    tb.register_all();
    CHECK(tb.member->succeeded_registrations() == 2);
}

TEST_CASE("gm clear_registration with fail-close goes back to fail-close before removing the SAs", "[gdoi][clear]")
{
    auto gc = gm_cfg();
    gc.fail_close = true;
    testbed tb(ks_cfg(), gc);
    tb.register_all();
    REQUIRE_FALSE(tb.installer.fail_close.at("GETVPN"));
    const auto before = tb.installer.calls.size();
    tb.member->clear_registration();
    CHECK(tb.installer.fail_close.at("GETVPN"));
    CHECK(tb.installer.fail_close_clear.at("GETVPN") == key_server_bypass(gc.servers));
    REQUIRE(tb.installer.calls.size() > before);
    CHECK(tb.installer.calls[before].op == "set_fail_close");
    CHECK(tb.installer.sas.empty());
}

namespace {

std::vector<std::uint32_t> spis(const group_keys& g)
{
    std::vector<std::uint32_t> out;
    for (const auto& t : g.teks) {
        out.push_back(t.spi);
    }
    return out;
}

} // namespace

TEST_CASE("a TEK no registration renews leaves the data plane when its lifetime ends", "[gdoi][clear][timers]")
{
    auto gc = gm_cfg();
    gc.reregister_jitter = std::chrono::seconds{0};
    testbed tb(ks_cfg(), gc);
    std::vector<outbound> sent;
    tb.member->set_sender([&](const outbound& o) { sent.push_back(o); });
    tb.register_all();
    const auto old = spis(*tb.server->group("GETVPN")); // 3600 s and 7200 s
    tb.server->reload(ks_cfg(), "GETVPN");               // clear crypto gdoi on the key server
    const auto fresh = spis(*tb.server->group("GETVPN"));

    // The member re-registers 60 s before its first TEK ends and gets the new keys.
    tb.clock.advance(std::chrono::seconds{3540});
    REQUIRE_FALSE(sent.empty());
    tb.reregister(sent.back().data);
    for (const auto spi : {old[0], old[1], fresh[0], fresh[1]}) {
        CHECK(tb.installer.sas.count(spi) == 1); // the old SAs stay active until they expire
    }
    tb.clock.advance(std::chrono::seconds{60});
    CHECK(tb.installer.sas.count(old[0]) == 0);
    CHECK(tb.installer.sas.count(old[1]) == 1);
    CHECK(tb.events.has("GM_RE_REGISTER"));
    tb.clock.advance(std::chrono::seconds{3600});
    CHECK(tb.installer.sas.count(old[1]) == 0);
    CHECK(tb.installer.sas.count(fresh[1]) == 1);
    CHECK_FALSE(tb.installer.fail_close.count("GETVPN")); // no fail-close configured
}

TEST_CASE("with fail-close, the group closes again when its last TEK expires unrenewed", "[gdoi][clear][timers]")
{
    auto gc = gm_cfg();
    gc.reregister_jitter = std::chrono::seconds{0};
    gc.fail_close = true;
    testbed tb(ks_cfg(), gc);
    tb.member->set_sender([](const outbound&) {}); // the key server stays silent from now on
    tb.register_all();
    REQUIRE_FALSE(tb.installer.fail_close.at("GETVPN"));
    tb.clock.advance(std::chrono::seconds{3600});
    CHECK_FALSE(tb.installer.fail_close.at("GETVPN")); // TEK 2 still protects the group
    tb.clock.advance(std::chrono::seconds{3600});
    CHECK(tb.installer.sas.empty());
    CHECK(tb.installer.fail_close.at("GETVPN"));
}
