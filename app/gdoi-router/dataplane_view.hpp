// mgmt::dataplane_view over fastpath::runtime: what management reads of the ports
// and worker lcores, without lib/mgmt seeing a DPDK header.
#pragma once

#include "fastpath/runtime.hpp"
#include "mgmt/service.hpp"

namespace app {

class runtime_view final : public mgmt::dataplane_view {
public:
    explicit runtime_view(const fastpath::runtime& rt) : rt_(rt) {}

    std::vector<mgmt::port_state> ports() const override;
    std::vector<mgmt::lcore_state> lcores() const override;
    std::string version() const override;
    std::vector<std::pair<std::string, std::uint64_t>> control_counters() const override;
    std::vector<std::pair<std::string, std::uint64_t>> esp_drops() const override;

private:
    const fastpath::runtime& rt_;
};

} // namespace app
