// Command line of gdoi-router: our options, then EAL arguments after "--".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace app {

struct options {
    std::string config_path;
    bool check_only = false;  // --check-config: parse and validate, start nothing
    bool interactive = false; // -i: console on this terminal
    bool json_log = false;    // --log-format json
    std::string syslog_path = "/dev/log"; // --syslog; "" = none
    unsigned stats_interval = 0; // seconds between "stats:" lines; 0 = off
    bool help = false;
    bool version = false;
    std::vector<std::string> eal_args; // everything after "--"

    // Management (REST). An explicit --mgmt-socket that cannot be bound stops the
    // start; the default one only warns, so that several daemons can share a host.
    std::string mgmt_socket = default_mgmt_socket; // "" = none
    bool mgmt_socket_given = false;
    std::string mgmt_tcp_address; // loopback address, "" = no TCP listener
    std::uint16_t mgmt_tcp_port = 0;
    std::string mgmt_token_file; // required with --mgmt-tcp
    std::string state_dir = "/var/lib/gdoi-router"; // KS rekey keys (PEM, 0600)
    std::string keylog;          // Wireshark key log; empty = off

    static constexpr const char* default_mgmt_socket = "/run/gdoi-router/mgmt.sock";
};

// Returns the options, or a one-line error message naming the bad argument.
std::variant<options, std::string> parse_options(int argc, const char* const argv[]);

extern const char* const usage_text;

} // namespace app
