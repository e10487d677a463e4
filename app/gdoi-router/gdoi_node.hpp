// The GDOI side of the daemon: the key server and group member protocol objects
// from the configuration, each on its own UDP 848 socket on the control loop.
#pragma once

#include "core/clock.hpp"
#include "core/events.hpp"
#include "gdoi/gm.hpp"
#include "gdoi/keylog.hpp"
#include "gdoi/ks.hpp"
#include "gdoi/transport.hpp"
#include "mgmt/gdoi_setup.hpp"
#include "mgmt/gdoi_view.hpp"

#include <boost/asio/io_context.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace app {

// Where the KS keeps its rekey RSA keys (PEM, mode 0600): loaded when present,
// generated and saved otherwise, so a restart keeps the key the GMs know.
mgmt::rsa_key_source rsa_keys_in(const std::string& dir);

// Also management's view of the GDOI state (the show commands) and what its
// commands change (clear ks members, ipsec direction).
class gdoi_node final : public mgmt::gdoi_view, public mgmt::gdoi_control {
public:
    // installer: where GMs put their TEKs and policy (the data plane). keys and
    // sender_ids rebuild the setup from the running configuration on clear_groups().
    gdoi_node(boost::asio::io_context& io, core::clock& clk, core::event_bus& bus, mgmt::gdoi_setup setup,
              gdoi::sa_installer* installer, const std::string& keylog_path, mgmt::rsa_key_source keys,
              unsigned sender_ids);
    ~gdoi_node() override;

    // Binds the sockets and starts registrations. Returns "" or what went wrong.
    std::string start();

    const gdoi::ks* key_server() const override { return ks_.get(); }
    std::vector<const gdoi::gm*> members() const override;
    gdoi::ks* writable_key_server() override { return ks_.get(); }
    gdoi::gm* writable_member(std::string_view group) override;
    mgmt::clear_outcome clear_groups(const mgmt::config& running, std::string_view group) override;

private:
    struct gm_slot {
        std::unique_ptr<gdoi::gm> gm;
        std::unique_ptr<gdoi::udp_transport> transport;
    };

    void start_key_server(const gdoi::ks_config& cfg);
    void start_member(const gdoi::gm_config& cfg);

    boost::asio::io_context& io_;
    core::clock& clock_;
    core::event_bus& bus_;
    mgmt::gdoi_setup setup_;
    gdoi::sa_installer* installer_;
    mgmt::rsa_key_source keys_;
    unsigned sender_ids_;
    std::ofstream keylog_file_;
    std::unique_ptr<gdoi::key_log> keylog_;
    std::unique_ptr<gdoi::ks> ks_;
    std::unique_ptr<gdoi::udp_transport> ks_transport_;
    std::vector<std::unique_ptr<gm_slot>> gms_; // stable addresses: socket handlers point at them
};

} // namespace app
