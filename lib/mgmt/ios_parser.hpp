// IOS-style configuration text -> config model. Mode-based like IOS: a line that
// is not a command of the current sub-mode closes sub-modes until a mode accepts it.
#pragma once

#include "mgmt/config.hpp"
#include "mgmt/diagnostic.hpp"

#include <string_view>
#include <vector>

namespace mgmt {

struct parse_result {
    config cfg; // empty when there are errors: a config with errors applies nothing
    std::vector<diagnostic> diagnostics;

    bool ok() const { return !has_errors(diagnostics); }
};

// Parses a whole configuration. Unsupported harmless lines are warnings and are
// kept in the model; anything that could change security meaning is an error.
parse_result parse_config(std::string_view text);

} // namespace mgmt
