// Main Mode with RSA signatures and X.509 certificates (test PKI in
// test/data/gdoi/certs): CA check, DN identity, and DN authorization on the KS.
#include "fixture.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace gdoi_test;

namespace {

std::string read(const std::string& name)
{
    std::ifstream in(std::filesystem::path(GDOI_TEST_DATA) / "gdoi" / "certs" / name);
    std::stringstream ss;
    ss << in.rdbuf();
    REQUIRE_FALSE(ss.str().empty());
    return ss.str();
}

std::shared_ptr<const cert_auth> creds(const std::string& who, const std::string& ca = "ca.pem")
{
    auto a = cert_auth::load({read(who + ".pem"), read(who + ".key"), {read(ca)}, true});
    REQUIRE(a);
    return std::make_shared<const cert_auth>(a.value());
}

ike_proposal rsa_proposal(dh_group g = dh_group::ecp256)
{
    auto p = proposal(g);
    p.auth = auth_method::rsa_sig;
    return p;
}

} // namespace

TEST_CASE("RSA signatures: MM5/MM6 carry ID (DN), CERT and SIG; registration completes", "[gdoi][certs]")
{
    auto kc = ks_cfg({rsa_proposal()});
    kc.phase1.certs = creds("ks1");
    kc.groups[0].authorized_identities = {"OU=GETVPN"};
    auto gc = gm_cfg(gm1_ep, {rsa_proposal()});
    gc.phase1.certs = creds("gm1");
    testbed tb(std::move(kc), std::move(gc));
    tb.register_all();
    CHECK(tb.member->sa()->peer_dn.find("CN=ks1") != std::string::npos);
    CHECK(tb.installer.sas.size() == 2);
    CHECK(tb.events.has("KS_REGS_COMPL"));
}

TEST_CASE("RSA signatures: a certificate from another CA is refused", "[gdoi][certs][negative]")
{
    auto kc = ks_cfg({rsa_proposal()});
    kc.phase1.certs = creds("ks1");
    auto gc = gm_cfg(gm1_ep, {rsa_proposal()});
    auto rogue = cert_auth::load({read("gm-rogue.pem"), read("gm-rogue.key"), {read("ca.pem")}, true});
    REQUIRE(rogue);
    gc.phase1.certs = std::make_shared<const cert_auth>(rogue.value());
    testbed tb(std::move(kc), std::move(gc));
    auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
    auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
    auto mm5 = tb.to_gm("MM5", *mm4);
    REQUIRE(mm5);
    CHECK_FALSE(tb.to_ks("MM6", *mm5));
    CHECK(tb.server->last_error().find("peer certificate") != std::string::npos);
    CHECK(tb.installer.calls.empty());
}

TEST_CASE("RSA signatures: a DN outside the group's authorization gets UNAUTHORIZED_IDENTITY",
          "[gdoi][certs][negative]")
{
    auto kc = ks_cfg({rsa_proposal(dh_group::modp2048)});
    kc.phase1.certs = creds("ks1");
    kc.groups[0].authorized_identities = {"OU=GETVPN"};
    auto gc = gm_cfg(gm1_ep, {rsa_proposal(dh_group::modp2048)});
    gc.phase1.certs = creds("gm-other");
    testbed tb(std::move(kc), std::move(gc));
    auto mm2 = tb.to_ks("MM2", tb.gm_start("MM1"));
    auto mm4 = tb.to_ks("MM4", *tb.to_gm("MM3", *mm2));
    auto mm6 = tb.to_ks("MM6", *tb.to_gm("MM5", *mm4));
    REQUIRE(mm6);
    auto pull1 = tb.to_gm("PULL1", *mm6);
    REQUIRE(pull1);
    auto refusal = tb.to_ks("PULL2 (refused)", *pull1);
    REQUIRE(refusal);
    CHECK(header::decode(*refusal)->exchange == exchange_type::informational);
    CHECK(tb.events.has("UNAUTHORIZED_IDENTITY"));
    CHECK(tb.installer.calls.empty());
}

TEST_CASE("RSA signatures: a forged or misplaced SIG does not verify", "[gdoi][certs][negative]")
{
    auto gm = creds("gm1");
    auto ks = creds("ks1");
    auto peer = ks->verify_peer(gm->cert_der());
    REQUIRE(peer);
    CHECK(peer->subject_der == gm->subject_der());
    auto hash = prf(hash_alg::sha256, to_bytes("skeyid"), to_bytes("hash input"));
    auto sig = gm->sign(hash);
    REQUIRE(sig);
    CHECK(verify_signature(*peer, hash, *sig));
    auto forged = *sig;
    forged[100] ^= 1;
    CHECK_FALSE(verify_signature(*peer, hash, forged));
    auto other = hash;
    other[0] ^= 1;
    CHECK_FALSE(verify_signature(*peer, other, *sig));
    // A signature by another key (ks1) over the same hash is not gm1's.
    CHECK_FALSE(verify_signature(*peer, hash, *ks->sign(hash)));
    // Garbage DER is an error, not a crash.
    CHECK_FALSE(ks->verify_peer(bytes(50, 0x30)));
}

TEST_CASE("certificate loading errors are values", "[gdoi][certs]")
{
    CHECK_FALSE(cert_auth::load({"junk", read("gm1.key"), {}, true}));
    CHECK_FALSE(cert_auth::load({read("gm1.pem"), read("ks1.key"), {}, true})); // key does not match
    CHECK_FALSE(cert_auth::load({read("gm1.pem"), read("gm1.key"), {"junk"}, true}));
    auto a = creds("gm1");
    CHECK(a->subject().find("OU=GETVPN") != std::string::npos);
    auto sig = a->sign(bytes(32, 7));
    REQUIRE(sig);
    CHECK(sig->size() == 256);
}
