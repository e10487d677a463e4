// config model -> canonical IOS text (one space of indentation per sub-mode).
// parse_config(print_config(c)).cfg == c for every config the parser produces.
#pragma once

#include "mgmt/config.hpp"

#include <string>

namespace mgmt {

std::string print_config(const config& cfg);

// One ACE without its sequence number: "deny tcp any eq 179 any", "remark text".
std::string print_ace(const ace& e, bool extended);

} // namespace mgmt
