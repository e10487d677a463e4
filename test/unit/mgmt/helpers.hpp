// Shared helpers for the mgmt tests: loading configs from test/data/configs.
#pragma once

#include "mgmt/ios_parser.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mgmt_test {

inline std::string read_config(const std::string& name) {
    const std::string path = std::string(GDOI_TEST_DATA) + "/configs/" + name;
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot open " + path);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline mgmt::parse_result parse_file(const std::string& name) { return mgmt::parse_config(read_config(name)); }

// Every complete example configuration pasted from the seeds, plus our appliance
// examples. All of them must parse without errors.
inline const std::vector<std::string>& good_configs() {
    static const std::vector<std::string> names = {
        "seed000-ks1.cfg", "seed000-ks2.cfg", "seed000-gm1.cfg", "seed000-gm2.cfg",
        "seed000-gm3.cfg", "seed000-gm4.cfg", "seed000-gm5-loopback.cfg", "seed000-fail-close.cfg",
        "seed000-diffint.cfg", "seed000-tbar.cfg", "seed000-unsupported-example2.cfg",
        "seed003-ks1.cfg", "seed003-ks2.cfg", "seed003-gm1.cfg", "seed003-coop.cfg",
        "seed003-fail-close.cfg", "seed003-exception-acl.cfg", "seed003-receive-only.cfg",
        "seed003-passive.cfg", "seed003-multiple-groups.cfg", "seed003-authorization.cfg",
        "appliance-router.cfg", "appliance-gm.cfg", "appliance-ks.cfg",
    };
    return names;
}

// Copies, so that they can be taken from temporaries.
inline std::vector<mgmt::diagnostic> of_level(const std::vector<mgmt::diagnostic>& ds, mgmt::diagnostic::level l) {
    std::vector<mgmt::diagnostic> out;
    for (const auto& d : ds) {
        if (d.lvl == l) {
            out.push_back(d);
        }
    }
    return out;
}

inline std::vector<mgmt::diagnostic> errors(const std::vector<mgmt::diagnostic>& ds) {
    return of_level(ds, mgmt::diagnostic::level::error);
}

inline std::vector<mgmt::diagnostic> warnings(const std::vector<mgmt::diagnostic>& ds) {
    return of_level(ds, mgmt::diagnostic::level::warning);
}

inline bool has_warning_at(const std::vector<mgmt::diagnostic>& ds, int line, const std::string& text) {
    return std::any_of(ds.begin(), ds.end(), [&](const mgmt::diagnostic& d) {
        return d.lvl == mgmt::diagnostic::level::warning && d.line == line && d.text == text;
    });
}

inline std::string all_messages(const std::vector<mgmt::diagnostic>& ds) {
    std::string out;
    for (const auto& d : ds) {
        out += mgmt::format(d) + "\n";
    }
    return out;
}

} // namespace mgmt_test
