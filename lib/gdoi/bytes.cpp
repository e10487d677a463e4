// Wiping allocator, hex helpers and the bounds-checked reader.
#include "gdoi/bytes.hpp"

#include <openssl/crypto.h>

#include <stdexcept>

namespace gdoi {

void secure_wipe(void* p, std::size_t n) noexcept
{
    if (p != nullptr && n > 0) {
        OPENSSL_cleanse(p, n);
    }
}

std::string to_hex(byte_view v)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(v.size() * 2);
    for (auto b : v) {
        s.push_back(digits[b >> 4]);
        s.push_back(digits[b & 0xf]);
    }
    return s;
}

bytes from_hex(std::string_view hex)
{
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    };
    if (hex.size() % 2 != 0) {
        throw std::invalid_argument("odd hex length");
    }
    bytes out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]);
        int lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            throw std::invalid_argument("bad hex digit");
        }
        out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return out;
}

bool equal_ct(byte_view a, byte_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view to_string(errc e)
{
    switch (e) {
    case errc::truncated: return "truncated";
    case errc::bad_length: return "bad length";
    case errc::bad_value: return "bad value";
    case errc::unsupported: return "unsupported";
    case errc::crypto: return "crypto failure";
    case errc::auth_failed: return "authentication failed";
    case errc::no_proposal: return "no proposal chosen";
    case errc::state: return "unexpected message";
    case errc::unauthorized: return "unauthorized";
    case errc::unknown_group: return "unknown group";
    case errc::exhausted: return "exhausted";
    }
    return "?";
}

bool reader::u8(std::uint8_t& out)
{
    if (remaining() < 1) {
        return false;
    }
    out = v_[pos_++];
    return true;
}

bool reader::u16(std::uint16_t& out)
{
    if (remaining() < 2) {
        return false;
    }
    out = static_cast<std::uint16_t>(v_[pos_] << 8 | v_[pos_ + 1]);
    pos_ += 2;
    return true;
}

bool reader::u32(std::uint32_t& out)
{
    if (remaining() < 4) {
        return false;
    }
    out = static_cast<std::uint32_t>(v_[pos_]) << 24 | static_cast<std::uint32_t>(v_[pos_ + 1]) << 16 |
          static_cast<std::uint32_t>(v_[pos_ + 2]) << 8 | v_[pos_ + 3];
    pos_ += 4;
    return true;
}

bool reader::take(std::size_t n, byte_view& out)
{
    if (remaining() < n) {
        return false;
    }
    out = v_.subspan(pos_, n);
    pos_ += n;
    return true;
}

bool reader::take(std::size_t n, bytes& out)
{
    byte_view v;
    if (!take(n, v)) {
        return false;
    }
    out.assign(v.begin(), v.end());
    return true;
}

byte_view reader::rest()
{
    auto r = v_.subspan(pos_);
    pos_ = v_.size();
    return r;
}

} // namespace gdoi
