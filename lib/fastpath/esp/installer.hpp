// The one narrow interface between the GDOI control plane and the ESP data
// plane (DESIGN.md, strongSwan kernel_ipsec.h style). DPDK-free: lib/gdoi
// includes it; fastpath::esp::sa_table is the real implementation.
#pragma once

#include "fastpath/esp/tek.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace fastpath::esp {

// Global policy for the outer header's DF bit.
enum class df_policy : std::uint8_t { copy, set, clear };

// Control-plane result: ok, or why not (the caller logs it).
struct result {
    std::optional<std::string> error;
    explicit operator bool() const { return !error; }
    static result ok() { return {}; }
    static result fail(std::string why) { return {std::move(why)}; }
};

// Control-plane factory result: a value, or why there is none.
template <typename T>
struct made {
    T value{};
    std::optional<std::string> error;
    explicit operator bool() const { return !error; }
};

class sa_installer {
public:
    virtual ~sa_installer() = default;

    // Installs an SA for the group; inbound at once. The group keeps the current
    // and the previous generation for inbound lookup (make-before-break).
    virtual result install_sa(std::uint32_t group, const tek& t) = 0;
    // Removes an SA (expiry). Workers may still finish a burst with it; it is
    // freed only after every worker has passed a quiescent state.
    virtual result remove_sa(std::uint32_t spi) = 0;
    // The SA that the group's permit action encrypts with (0: none, drop).
    virtual result set_outbound(std::uint32_t group, std::uint32_t spi) = 0;
    // RFC 6054 sender IDs, one per worker index; without one a worker refuses to
    // encrypt with GCM/GMAC.
    virtual result set_sender_ids(std::uint32_t group, unsigned sid_bits,
                                  std::span<const std::uint32_t> per_worker) = 0;
    // TBAR: the KS's pseudotime now, its tick and window.
    virtual result set_pseudotime(std::uint32_t group, std::uint64_t ticks, std::uint64_t tick_ns,
                                  std::uint64_t window_ticks) = 0;
    virtual void set_df_policy(df_policy p) = 0;
};

} // namespace fastpath::esp
