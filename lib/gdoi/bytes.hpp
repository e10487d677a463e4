// Byte buffers and result values for the GDOI control plane. Every buffer is
// wiped when released, so key material never lingers in freed heap memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace gdoi {

// Cleanses on deallocate: vectors wipe their old storage when they grow and when destroyed.
template <class T>
struct wiping_allocator {
    using value_type = T;
    wiping_allocator() = default;
    template <class U>
    wiping_allocator(const wiping_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept;
    template <class U>
    bool operator==(const wiping_allocator<U>&) const noexcept { return true; }
};

void secure_wipe(void* p, std::size_t n) noexcept;

template <class T>
void wiping_allocator<T>::deallocate(T* p, std::size_t n) noexcept
{
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
}

using bytes = std::vector<std::uint8_t, wiping_allocator<std::uint8_t>>;
using byte_view = std::span<const std::uint8_t>;

inline bytes to_bytes(byte_view v) { return bytes(v.begin(), v.end()); }
inline bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }
std::string to_hex(byte_view v);
bytes from_hex(std::string_view hex); // throws std::invalid_argument on bad input
bool equal_ct(byte_view a, byte_view b); // constant time for equal lengths

inline void append(bytes& out, byte_view v) { out.insert(out.end(), v.begin(), v.end()); }
inline void put_u8(bytes& out, std::uint8_t v) { out.push_back(v); }
inline void put_u16(bytes& out, std::uint16_t v)
{
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}
inline void put_u32(bytes& out, std::uint32_t v)
{
    put_u16(out, static_cast<std::uint16_t>(v >> 16));
    put_u16(out, static_cast<std::uint16_t>(v));
}
inline void set_u16(bytes& out, std::size_t at, std::uint16_t v)
{
    out[at] = static_cast<std::uint8_t>(v >> 8);
    out[at + 1] = static_cast<std::uint8_t>(v);
}
inline void set_u32(bytes& out, std::size_t at, std::uint32_t v)
{
    set_u16(out, at, static_cast<std::uint16_t>(v >> 16));
    set_u16(out, at + 2, static_cast<std::uint16_t>(v));
}

enum class errc {
    truncated,       // fewer bytes than a field or a declared length needs
    bad_length,      // a length field contradicts its container
    bad_value,       // a field holds a value we do not accept
    unsupported,     // well formed, but an algorithm or type we do not implement
    crypto,          // an OpenSSL call failed
    auth_failed,     // HASH or signature mismatch
    no_proposal,     // no acceptable proposal / transform
    state,           // message not expected now (replay, wrong exchange)
    unauthorized,    // peer not allowed
    unknown_group,
    exhausted,       // a resource such as the group's sender-ID space is used up
};
std::string_view to_string(errc e);

struct error {
    errc code;
    std::string detail;
};

// A value or an error; decoders never throw on network input.
template <class T>
class result {
public:
    result(T v) : v_(std::move(v)) {}
    result(error e) : v_(std::move(e)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    const error& err() const { return std::get<1>(v_); }

private:
    std::variant<T, error> v_;
};

inline error make_error(errc c, std::string detail) { return error{c, std::move(detail)}; }

// Bounds-checked big-endian reader over a view; every read reports failure instead of overrunning.
class reader {
public:
    explicit reader(byte_view v) : v_(v) {}
    std::size_t remaining() const { return v_.size() - pos_; }
    std::size_t position() const { return pos_; }
    bool empty() const { return remaining() == 0; }
    bool u8(std::uint8_t& out);
    bool u16(std::uint16_t& out);
    bool u32(std::uint32_t& out);
    bool take(std::size_t n, byte_view& out);
    bool take(std::size_t n, bytes& out);
    byte_view rest();

private:
    byte_view v_;
    std::size_t pos_ = 0;
};

} // namespace gdoi
