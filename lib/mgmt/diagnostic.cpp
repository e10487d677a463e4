// Diagnostics shared by the parser and validation: the error test and the one-line text form.
#include "mgmt/diagnostic.hpp"

#include <algorithm>

namespace mgmt {

bool has_errors(const std::vector<diagnostic>& diagnostics) {
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](const diagnostic& d) { return d.lvl == diagnostic::level::error; });
}

std::string format(const diagnostic& d) {
    std::string out;
    if (d.line > 0) {
        out = "line " + std::to_string(d.line) + ": ";
    }
    out += d.lvl == diagnostic::level::error ? "error: " : "warning: ";
    out += d.message;
    if (!d.text.empty()) {
        out += ": " + d.text;
    }
    return out;
}

} // namespace mgmt
