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
    void set_fail_close(const std::string& group, bool on) override;


private:
    std::uint32_t group_id(const std::string& group);
    fastpath::crypto_direction direction_of(const std::string& group) const;
    void report(const std::string& what, const fastpath::esp::result& r);

    fastpath::runtime& rt_;
    fastpath::esp::sa_table& table_;
    core::event_bus& bus_;
    std::map<std::string, std::uint32_t> groups_;
    std::map<std::string, gdoi::direction_mode> directions_;
    std::map<std::string, std::vector<gdoi::policy_entry>> policies_;
};

} // namespace app
