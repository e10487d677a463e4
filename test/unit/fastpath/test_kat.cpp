// Known-answer tests for the crypto set-up the engine gives intel-ipsec-mb:
// GCM key precomputation and the SA's GCM path (GCM spec vectors used by RFC 4106),
// AES-CBC (RFC 3602) and HMAC key precomputation (RFC 2202, RFC 4231).
// Vectors live in test/data/kat/.
#include "engine_harness.hpp"

#include "fastpath/esp/sa_install.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace esp_test;

namespace {

std::vector<std::vector<std::string>> read_vectors(const std::string& file)
{
    std::ifstream in(std::string(GDOI_TEST_DATA) + "/kat/" + file);
    REQUIRE(in);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream ss(line);
        std::vector<std::string> f;
        std::string x;
        while (ss >> x) {
            f.push_back(x);
        }
        rows.push_back(f);
    }
    REQUIRE(!rows.empty());
    return rows;
}

struct mgr_holder {
    IMB_MGR* m = alloc_mb_mgr(0);
    mgr_holder()
    {
        IMB_ARCH arch;
        init_mb_mgr_auto(m, &arch);
    }
    ~mgr_holder() { free_mb_mgr(m); }
};

IMB_JOB* run(IMB_MGR* m, IMB_JOB* j)
{
    (void)j;
    IMB_JOB* done = IMB_SUBMIT_JOB(m);
    if (done == nullptr) {
        done = IMB_FLUSH_JOB(m);
    }
    return done;
}

} // namespace

TEST_CASE("AES-GCM known answers through the SA's GCM path", "[kat][gcm]")
{
    mgr_holder mh;
    harness h;
    for (const auto& v : read_vectors("gcm.txt")) {
        REQUIRE(v.size() == 7);
        INFO(v[0]);
        const bytes key = from_hex(v[1]), iv = from_hex(v[2]), aad = from_hex(v[3]);
        const bytes pt = from_hex(v[4]), ct = from_hex(v[5]), tag = from_hex(v[6]);
        tek t;
        t.spi = 0x1000;
        t.cipher = cipher_alg::aes_gcm;
        t.cipher_key = key;
        t.cipher_key.insert(t.cipher_key.end(), iv.begin(), iv.begin() + 4); // salt
        auto b = build_sa_rt(mh.m, t, 0, 253);
        REQUIRE(b.sa);
        for (bool enc : {true, false}) {
            // ESP layout: SPI, seq, 8-byte IV, then the text.
            bytes buf(16);
            std::copy(iv.begin() + 4, iv.end(), buf.begin() + 8);
            const bytes& in = enc ? pt : ct;
            buf.insert(buf.end(), in.begin(), in.end());
            std::uint8_t out_tag[16] = {};
            // The vectors' AAD is not an ESP header: it replaces the 8-byte SPI||seq.
            job_args a{buf.data(), static_cast<std::uint32_t>(in.size()), 0, static_cast<std::uint32_t>(aad.size()),
                       iv.data(), aad.data(), out_tag};
            REQUIRE(crypt_one(*h.w, *b.sa, enc, a));
            const bytes got(buf.begin() + 16, buf.end());
            CHECK(to_hex(got) == to_hex(enc ? ct : pt));
            CHECK(to_hex(bytes(out_tag, out_tag + 16)) == to_hex(tag));
        }
    }
}

TEST_CASE("AES-CBC known answers through the SA's CBC path (RFC 3602)", "[kat][cbc]")
{
    mgr_holder mh;
    harness h;
    for (const auto& v : read_vectors("cbc.txt")) {
        REQUIRE(v.size() == 5);
        INFO(v[0]);
        const bytes key = from_hex(v[1]), iv = from_hex(v[2]), pt = from_hex(v[3]), ct = from_hex(v[4]);
        tek t;
        t.spi = 0x1000;
        t.cipher = cipher_alg::aes_cbc;
        t.auth = auth_alg::hmac_sha1_96;
        t.cipher_key = key;
        t.auth_key = bytes(20, 0x42);
        auto b = build_sa_rt(mh.m, t, 0, 253);
        REQUIRE(b.sa);
        for (bool enc : {true, false}) {
            bytes buf(8);
            buf.insert(buf.end(), iv.begin(), iv.end());
            const bytes& in = enc ? pt : ct;
            buf.insert(buf.end(), in.begin(), in.end());
            buf.resize(buf.size() + 16); // room the hash may read as the ESN slot (unused here)
            std::uint8_t out_tag[16] = {};
            job_args a{buf.data(), static_cast<std::uint32_t>(in.size()), 0, 0, nullptr, nullptr, out_tag};
            REQUIRE(crypt_one(*h.w, *b.sa, enc, a));
            const bytes got(buf.begin() + 24, buf.begin() + 24 + static_cast<long>(in.size()));
            CHECK(to_hex(got) == to_hex(enc ? ct : pt));
        }
    }
}

TEST_CASE("HMAC known answers with the engine's key precomputation (RFC 2202, RFC 4231)", "[kat][hmac]")
{
    mgr_holder mh;
    for (const auto& v : read_vectors("hmac.txt")) {
        REQUIRE(v.size() == 5);
        INFO(v[0]);
        const bool sha1 = v[1] == "sha1";
        const bytes key = from_hex(v[2]), data = from_hex(v[3]), mac = from_hex(v[4]);
        alignas(16) std::uint8_t ipad[32], opad[32], out[32] = {};
        hmac_precompute(mh.m, sha1 ? auth_alg::hmac_sha1_96 : auth_alg::hmac_sha256_128, key, ipad, opad);
        IMB_JOB* j = IMB_GET_NEXT_JOB(mh.m);
        j->cipher_mode = IMB_CIPHER_NULL;
        j->cipher_direction = IMB_DIR_ENCRYPT;
        j->chain_order = IMB_ORDER_HASH_CIPHER;
        j->hash_alg = sha1 ? IMB_AUTH_HMAC_SHA_1 : IMB_AUTH_HMAC_SHA_256;
        j->src = data.data();
        j->dst = nullptr;
        j->msg_len_to_cipher_in_bytes = 0;
        j->cipher_start_src_offset_in_bytes = 0;
        j->hash_start_src_offset_in_bytes = 0;
        j->msg_len_to_hash_in_bytes = data.size();
        j->u.HMAC._hashed_auth_key_xor_ipad = ipad;
        j->u.HMAC._hashed_auth_key_xor_opad = opad;
        j->auth_tag_output = out;
        j->auth_tag_output_len_in_bytes = mac.size();
        IMB_JOB* done = run(mh.m, j);
        REQUIRE(done != nullptr);
        REQUIRE(done->status == IMB_STATUS_COMPLETED);
        CHECK(to_hex(bytes(out, out + mac.size())) == to_hex(mac));
    }
}
