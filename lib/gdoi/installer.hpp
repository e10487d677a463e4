// The control -> data-plane boundary (DESIGN.md), in the shape of strongSwan's
// kernel_ipsec: the GM hands TEKs and policy to an sa_installer. lib/fastpath
// implements it; recording_installer serves the protocol tests.
#pragma once

#include "gdoi/policy.hpp"

#include <map>
#include <string>
#include <vector>

namespace gdoi {

enum class direction_mode { both, inbound_only, inbound_optional };

struct sender_ids {
    unsigned bits = 0;
    std::vector<std::uint32_t> values; // one per worker lcore
};

class sa_installer {
public:
    virtual ~sa_installer() = default;
    virtual void install_sa(const std::string& group, const tek& t) = 0;
    virtual void remove_sa(std::uint32_t spi) = 0;
    // The merged ACL: local deny entries first, then the KS's list in its order.
    virtual void set_policy(const std::string& group, const std::vector<policy_entry>& entries) = 0;
    virtual void set_direction(const std::string& group, direction_mode mode) = 0;
    virtual void set_sender_ids(const std::string& group, const sender_ids& sids) = 0;
    // Fail-close (`crypto map M gdoi fail-close` + `activate`): while on, the group's
    // crypto-map traffic is dropped except what pass_in_clear selects (the fail-close
    // ACL's deny lines, GDOI to the key servers), which crosses in clear both ways.
    // Off lifts it; the policy of set_policy() then applies. pass_in_clear is unused when off.
    virtual void set_fail_close(const std::string& group, bool on,
                                const std::vector<traffic_selector>& pass_in_clear) = 0;
};

// Keeps what it was told, in order, for tests.
class recording_installer final : public sa_installer {
public:
    struct call {
        std::string op; // install_sa, remove_sa, set_policy, ...
        std::string group;
        std::uint32_t spi = 0;
    };

    void install_sa(const std::string& group, const tek& t) override;
    void remove_sa(std::uint32_t spi) override;
    void set_policy(const std::string& group, const std::vector<policy_entry>& entries) override;
    void set_direction(const std::string& group, direction_mode mode) override;
    void set_sender_ids(const std::string& group, const sender_ids& sids) override;
    void set_fail_close(const std::string& group, bool on,
                        const std::vector<traffic_selector>& pass_in_clear) override;

    std::vector<call> calls;
    std::map<std::uint32_t, tek> sas;
    std::map<std::string, std::vector<policy_entry>> policies;
    std::map<std::string, direction_mode> directions;
    std::map<std::string, sender_ids> sids;
    std::map<std::string, bool> fail_close;
    std::map<std::string, std::vector<traffic_selector>> fail_close_clear; // while on
};

} // namespace gdoi
