// The config model as JSON (the REST representation). Field names are the model's
// member names; enums are their IOS keywords; addresses are dotted strings.
#pragma once

#include "mgmt/config.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mgmt {

struct json_error {
    std::string path; // JSON pointer to the offending value: "/groups/0/server_local/sas/1/seq"
    std::string message;
    bool operator==(const json_error&) const = default;
};

struct from_json_result {
    std::optional<config> cfg; // set when there are no errors
    std::vector<json_error> errors;
    bool ok() const { return errors.empty(); }
};

nlohmann::json to_json(const config& cfg);

// Strict: unknown fields, wrong types and values the IOS text could not express
// are errors. Missing fields keep their defaults.
from_json_result from_json(const nlohmann::json& j);

} // namespace mgmt
