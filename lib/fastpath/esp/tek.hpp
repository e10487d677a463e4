// What the control plane hands the data plane for one ESP SA: algorithm, raw
// keys and options. DPDK-free so lib/gdoi can fill it in; raw keys stay here and
// never reach the workers (sa_rt holds only expanded key schedules).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fastpath::esp {

enum class cipher_alg : std::uint8_t {
    aes_gcm,  // RFC 4106, 16-byte ICV; key = 16 or 32 bytes + 4-byte salt
    aes_gmac, // RFC 4543 (ENCR_NULL_AUTH_AES_GMAC); key = 16 or 32 bytes + 4-byte salt
    aes_cbc,  // RFC 3602; key = 16 or 32 bytes
    des3_cbc, // RFC 2451; key = 24 bytes; legacy configs only
};

enum class auth_alg : std::uint8_t {
    none,            // combined-mode ciphers (GCM, GMAC)
    hmac_sha1_96,    // RFC 2404; key = 20 bytes
    hmac_sha256_128, // RFC 4868; key = 32 bytes
};

struct tek {
    std::uint32_t spi = 0;
    cipher_alg cipher = cipher_alg::aes_gcm;
    auth_alg auth = auth_alg::none;
    std::vector<std::uint8_t> cipher_key; // GCM/GMAC: key || salt
    std::vector<std::uint8_t> auth_key;
    bool esn = false;           // 64-bit sequence numbers (not with GMAC)
    unsigned replay_window = 0; // counter replay window: 0 off, else 64..1024
    bool tbar = false;          // stamp and check TBAR metadata
};

// Wipes the key bytes; called by whoever drops a tek.
void wipe(tek& t) noexcept;

std::string_view name(cipher_alg c) noexcept;
std::string_view name(auth_alg a) noexcept;

} // namespace fastpath::esp
