// Install-time construction of sa_rt: key schedules, header templates, code path.
#include "fastpath/esp/sa_install.hpp"

#include "fastpath/esp/esp.hpp"

#include <cstring>

namespace fastpath::esp {

void hmac_precompute(IMB_MGR* mgr, auth_alg a, std::span<const std::uint8_t> key, std::uint8_t* ipad,
                     std::uint8_t* opad)
{
    const bool sha1 = a == auth_alg::hmac_sha1_96;
    alignas(16) std::uint8_t k[64] = {};
    if (key.size() > sizeof(k)) {
        if (sha1) {
            IMB_SHA1(mgr, key.data(), key.size(), k);
        } else {
            IMB_SHA256(mgr, key.data(), key.size(), k);
        }
    } else {
        std::memcpy(k, key.data(), key.size());
    }
    alignas(16) std::uint8_t block[64];
    for (int pass = 0; pass < 2; ++pass) {
        const std::uint8_t x = pass == 0 ? 0x36 : 0x5c;
        for (std::size_t i = 0; i < sizeof(block); ++i) {
            block[i] = k[i] ^ x;
        }
        std::uint8_t* out = pass == 0 ? ipad : opad;
        if (sha1) {
            IMB_SHA1_ONE_BLOCK(mgr, block, out);
        } else {
            IMB_SHA256_ONE_BLOCK(mgr, block, out);
        }
    }
    explicit_bzero(block, sizeof(block));
    explicit_bzero(k, sizeof(k));
}

built_sa build_sa_rt(IMB_MGR* mgr, const tek& t, std::uint16_t group_slot, std::uint8_t tbar_nh)
{
    built_sa r;
    auto refuse = [&r](std::string why) {
        r.error = std::move(why);
        return r;
    };
    if (t.spi < 256) {
        return refuse("SPI values below 256 are reserved (RFC 4303)");
    }
    if (t.replay_window != 0 &&
        (t.replay_window < 64 || t.replay_window > 1024 || t.replay_window % 64 != 0)) {
        return refuse("replay window must be 0 or a multiple of 64 in 64..1024");
    }
    if (t.esn && t.replay_window == 0) {
        return refuse("ESN needs a replay window to infer the high half");
    }
    if (t.esn && t.cipher == cipher_alg::aes_gmac) {
        return refuse("ESN with AES-GMAC is not supported");
    }
    const bool combined = t.cipher == cipher_alg::aes_gcm || t.cipher == cipher_alg::aes_gmac;
    if (combined && t.auth != auth_alg::none) {
        return refuse(std::string(name(t.cipher)) + " takes no separate integrity algorithm");
    }
    if (!combined && t.auth == auth_alg::none) {
        return refuse(std::string(name(t.cipher)) + " needs an integrity algorithm");
    }
    const std::size_t klen = t.cipher_key.size();
    if (combined && klen != 20 && klen != 36) {
        return refuse("AES-GCM/GMAC key must be 16 or 32 bytes plus a 4-byte salt");
    }
    if (t.cipher == cipher_alg::aes_cbc && klen != 16 && klen != 32) {
        return refuse("AES-CBC key must be 16 or 32 bytes");
    }
    if (t.cipher == cipher_alg::des3_cbc && klen != 24) {
        return refuse("3DES key must be 24 bytes");
    }
    if ((t.auth == auth_alg::hmac_sha1_96 && t.auth_key.size() != 20) ||
        (t.auth == auth_alg::hmac_sha256_128 && t.auth_key.size() != 32)) {
        return refuse(std::string(name(t.auth)) + " key has the wrong length");
    }

    auto sa = std::make_shared<sa_rt>();
    sa->spi = t.spi;
    const std::uint8_t spi_be[4] = {static_cast<std::uint8_t>(t.spi >> 24), static_cast<std::uint8_t>(t.spi >> 16),
                                    static_cast<std::uint8_t>(t.spi >> 8), static_cast<std::uint8_t>(t.spi)};
    sa->hdr_tmpl[0] = 0x45; // IPv4, 20-byte header
    sa->hdr_tmpl[9] = 50;   // ESP
    std::memcpy(sa->hdr_tmpl + 20, spi_be, 4);
    sa->esn = t.esn;
    sa->replay = t.replay_window != 0;
    sa->tbar = t.tbar;
    sa->tbar_nh = tbar_nh;
    sa->group_slot = group_slot;
    for (auto& rw : sa->workers) {
        rw.window = tbar::replay_window(t.replay_window == 0 ? 64 : t.replay_window, t.esn);
    }
    sa->seq.init(t.esn);

    switch (t.cipher) {
    case cipher_alg::aes_gcm:
    case cipher_alg::aes_gmac: {
        const std::size_t k = klen - 4;
        if (k == 16) {
            IMB_AES128_GCM_PRE(mgr, t.cipher_key.data(), &sa->keys.gcm);
        } else {
            IMB_AES256_GCM_PRE(mgr, t.cipher_key.data(), &sa->keys.gcm);
        }
        std::memcpy(sa->salt, t.cipher_key.data() + k, 4);
        sa->key_len = static_cast<std::uint32_t>(k);
        sa->iv_len = 8;
        sa->icv_len = 16;
        sa->pad_align = 4;
        sa->counter_mode = true;
        sa->cipher_mode = t.cipher == cipher_alg::aes_gcm ? IMB_CIPHER_GCM : IMB_CIPHER_NULL;
        sa->hash_alg = t.cipher == cipher_alg::aes_gcm
                           ? IMB_AUTH_AES_GMAC
                           : (k == 16 ? IMB_AUTH_AES_GMAC_128 : IMB_AUTH_AES_GMAC_256);
        break;
    }
    case cipher_alg::aes_cbc:
        if (klen == 16) {
            IMB_AES_KEYEXP_128(mgr, t.cipher_key.data(), sa->keys.aes.enc, sa->keys.aes.dec);
        } else {
            IMB_AES_KEYEXP_256(mgr, t.cipher_key.data(), sa->keys.aes.enc, sa->keys.aes.dec);
        }
        sa->key_len = static_cast<std::uint32_t>(klen);
        sa->iv_len = 16;
        sa->pad_align = 16;
        sa->cipher_mode = IMB_CIPHER_CBC;
        break;
    case cipher_alg::des3_cbc:
        for (int i = 0; i < 3; ++i) {
            IMB_DES_KEYSCHED(mgr, sa->keys.des3.ks[i], t.cipher_key.data() + 8 * i);
            sa->des3_ptrs[i] = sa->keys.des3.ks[i];
        }
        sa->key_len = 24;
        sa->iv_len = 8;
        sa->pad_align = 8;
        sa->cipher_mode = IMB_CIPHER_DES3;
        r.notice = "SA uses the legacy transform esp-3des; migrate to AES";
        break;
    }
    if (t.auth != auth_alg::none) {
        hmac_precompute(mgr, t.auth, t.auth_key, sa->ipad, sa->opad);
        sa->icv_len = t.auth == auth_alg::hmac_sha1_96 ? 12 : 16;
        sa->hash_alg = t.auth == auth_alg::hmac_sha1_96 ? IMB_AUTH_HMAC_SHA_1 : IMB_AUTH_HMAC_SHA_256;
    }
    const esp_paths p = select_paths(t.cipher, t.auth, sa->key_len);
    sa->outb = p.outb;
    sa->inb = p.inb;
    r.sa = std::move(sa);
    return r;
}

void wipe(tek& t) noexcept
{
    explicit_bzero(t.cipher_key.data(), t.cipher_key.size());
    explicit_bzero(t.auth_key.data(), t.auth_key.size());
    t.cipher_key.clear();
    t.auth_key.clear();
}

std::string_view name(cipher_alg c) noexcept
{
    switch (c) {
    case cipher_alg::aes_gcm:
        return "aes-gcm";
    case cipher_alg::aes_gmac:
        return "aes-gmac";
    case cipher_alg::aes_cbc:
        return "aes-cbc";
    case cipher_alg::des3_cbc:
        return "3des-cbc";
    }
    return "?";
}

std::string_view name(auth_alg a) noexcept
{
    switch (a) {
    case auth_alg::none:
        return "none";
    case auth_alg::hmac_sha1_96:
        return "hmac-sha1-96";
    case auth_alg::hmac_sha256_128:
        return "hmac-sha256-128";
    }
    return "?";
}

} // namespace fastpath::esp
