// Command line of gdoi-router: our options, then EAL arguments after "--".
#pragma once

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
    unsigned stats_interval = 0; // seconds between "stats:" lines; 0 = off
    bool help = false;
    bool version = false;
    std::vector<std::string> eal_args; // everything after "--"
};

// Returns the options, or a one-line error message naming the bad argument.
std::variant<options, std::string> parse_options(int argc, const char* const argv[]);

extern const char* const usage_text;

} // namespace app
