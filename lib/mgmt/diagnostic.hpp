// A finding about a configuration: from the parser (with the line it is about) or
// from validation (with the defining line when known, else 0).
#pragma once

#include <string>
#include <vector>

namespace mgmt {

struct diagnostic {
    enum class level { warning, error } lvl = level::error;
    int line = 0;         // 1-based line in the config text; 0 when not tied to a line
    std::string message;
    std::string text;     // the line as written, when there is one

    bool operator==(const diagnostic&) const = default;
};

bool has_errors(const std::vector<diagnostic>& diagnostics);

// "line 12: error: unknown command in crypto gdoi group: identiy number 1"
std::string format(const diagnostic& d);

} // namespace mgmt
