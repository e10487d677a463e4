// The group member's sa_installer over the data plane's ESP SA table: maps
// gdoi::tek (keys as negotiated) onto fastpath::esp::tek and group names onto
// the table's group ids, and gdoi::policy_entry lists onto the crypto-map
// classifiers (acl::merge_input). Lives in the app, the one place that sees both sides.
#pragma once

#include "core/events.hpp"
#include "fastpath/esp/sa_table.hpp"
#include "fastpath/runtime.hpp"
#include "gdoi/installer.hpp"

#include <map>
#include <memory>
#include <string>

namespace app {

class esp_installer final : public gdoi::sa_installer {
public:
    // group_ids: the ids the runtime's crypto-map ports were given (port_spec::crypto_group).
    esp_installer(fastpath::runtime& rt, core::event_bus& bus, std::map<std::string, std::uint32_t> group_ids)
        : rt_(rt), table_(*rt.sa_table()), bus_(bus), groups_(std::move(group_ids))
    {
    }

    void install_sa(const std::string& group, const gdoi::tek& t) override;
    void remove_sa(std::uint32_t spi) override;
    void set_policy(const std::string& group, const std::vector<gdoi::policy_entry>& entries) override;
    void set_direction(const std::string& group, gdoi::direction_mode mode) override;
    void set_sender_ids(const std::string& group, const gdoi::sender_ids& sids) override;
    void set_fail_close(const std::string& group, bool on,
                        const std::vector<gdoi::traffic_selector>& pass_in_clear) override;

    // What the workers classify each group's traffic with, for management.
    struct group_view {
        std::string name;
        std::uint32_t id = 0;          // port_spec::crypto_group
        bool fail_close = false;       // fail-close in force
        bool has_policy = false;       // false: nothing published, traffic passes in clear
        fastpath::crypto_direction direction = fastpath::crypto_direction::both;
        std::vector<acl::merged_entry> rules;  // match order
    };
    std::vector<group_view> groups() const;

private:
    std::uint32_t group_id(const std::string& group);
    fastpath::crypto_direction direction_of(const std::string& group) const;
    void report(const std::string& what, const fastpath::esp::result& r);
    // Compiles and publishes; keeps `in` as the group's installed policy on success.
    void publish(const std::string& group, acl::merge_input in);

    fastpath::runtime& rt_;
    fastpath::esp::sa_table& table_;
    core::event_bus& bus_;
    std::map<std::string, std::uint32_t> groups_;
    std::map<std::string, gdoi::direction_mode> directions_;
    std::map<std::string, std::vector<gdoi::policy_entry>> policies_;
    std::map<std::string, acl::merge_input> installed_;  // what the workers have, per group
    std::map<std::string, bool> fail_close_;             // groups with fail-close in force
};

} // namespace app
