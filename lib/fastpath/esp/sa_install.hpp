// Builds a runtime SA from a control-plane tek: validates it, expands the keys
// with intel-ipsec-mb and picks the code path. Control plane only (may throw).
#pragma once

#include "fastpath/esp/installer.hpp"
#include "fastpath/esp/sa.hpp"
#include "fastpath/esp/tek.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace fastpath::esp {

struct built_sa {
    std::shared_ptr<sa_rt> sa;          // null on error
    std::optional<std::string> error;   // why it was refused
    std::optional<std::string> notice;  // e.g. "legacy transform", for the log
};

// HMAC inner and outer hash states (RFC 2104) for intel-ipsec-mb, so workers
// never see the key. Keys longer than the 64-byte block are hashed first.
void hmac_precompute(IMB_MGR* mgr, auth_alg a, std::span<const std::uint8_t> key, std::uint8_t* ipad,
                     std::uint8_t* opad);

// mgr: a control-plane IMB_MGR used only for key expansion.
built_sa build_sa_rt(IMB_MGR* mgr, const tek& t, std::uint16_t group_slot, std::uint8_t tbar_nh);

} // namespace fastpath::esp
