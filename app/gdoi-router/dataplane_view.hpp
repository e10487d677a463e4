// mgmt::dataplane_view over fastpath::runtime: what management reads of the ports
// and worker lcores, without lib/mgmt seeing a DPDK header.
#pragma once

#include "esp_installer.hpp"
#include "fastpath/runtime.hpp"
#include "mgmt/service.hpp"

namespace app {

class runtime_view final : public mgmt::dataplane_view {
public:
    // installer: the crypto maps' policy and fail-close state; null without crypto maps.
    runtime_view(const fastpath::runtime& rt, const esp_installer* installer) : rt_(rt), installer_(installer) {}

    std::vector<mgmt::port_state> ports() const override;
    std::vector<mgmt::lcore_state> lcores() const override;
    std::string version() const override;
    std::vector<mgmt::crypto_group_state> crypto_groups() const override;
    std::vector<std::pair<std::string, std::uint64_t>> control_counters() const override;

private:
    const fastpath::runtime& rt_;
    const esp_installer* installer_;
};

} // namespace app
