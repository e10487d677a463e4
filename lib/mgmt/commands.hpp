// The one command table behind `gdoi-router -i`, gdoictl and POST /commands:
// IOS-style unique prefixes, `?` help and tab completion over registered syntaxes.
#pragma once

#include "mgmt/service.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mgmt {

// What a command answers. Front ends print `text`; REST also returns `data`.
struct command_output {
    enum class status {
        ok,
        invalid,            // unknown, ambiguous or incomplete command line
        not_built,          // the feature behind the command is not in this build yet
        needs_confirmation, // destructive: ask [yes/no] (console) or pass --yes (gdoictl)
        failed,             // the command ran and refused (e.g. a rejected config)
        interactive,        // a mode of the console (configure terminal), not a one-shot command
    } result = status::ok;
    std::string text; // ends with '\n' when non-empty
    nlohmann::json data = nlohmann::json::object();

    bool ok() const { return result == status::ok; }
};

std::string_view to_string(command_output::status s);

// What command handlers answer with: their text and data, or a refusal.
command_output ok(std::string text, nlohmann::json data);
command_output failed(std::string text);

// printf into a string, for the fixed-width lines IOS prints (at most 255 characters).
std::string printf_line(const char* fmt, auto... args)
{
    char buf[256];
    std::snprintf(buf, sizeof buf, fmt, args...);
    return buf;
}

// A command's syntax is space-separated tokens: lowercase keywords, `<word>` for
// any word and `<n>` for a decimal number. Optional parts are separate registrations.
struct command_spec {
    std::string syntax; // "show crypto gdoi group <word> ks"
    std::string help;   // one line, for `?`
    bool destructive = false;
    bool available = true; // false: registered but its feature is not in this build yet
    bool operator==(const command_spec&) const = default;
};

nlohmann::json to_json(const command_spec& s);
command_spec command_spec_from_json(const nlohmann::json& j); // throws nlohmann::json::exception

// params: the words that matched <word>/<n> tokens, in order.
using command_handler = std::function<command_output(service& svc, const std::vector<std::string>& params)>;

// Result of matching a line against the table.
struct command_match {
    enum class kind { ok, empty, ambiguous, invalid, incomplete } result = kind::empty;
    std::size_t index = 0;           // into the specs, when ok
    std::vector<std::string> params; // when ok
    std::size_t error_column = 0;    // invalid/ambiguous: offset of the offending word in the line
    std::string canonical;           // when ok: the line with keywords spelled out
};

// Matching, completion and help work on specs alone, so gdoictl can run them on
// the table it fetched from GET /commands.
command_match match_command(const std::vector<command_spec>& specs, std::string_view line);

struct completion_choice {
    std::string word; // keyword, "<word>", "<n>" or "<cr>"
    std::string help;
    bool operator==(const completion_choice&) const = default;
};
// What may follow `line`: when it ends in a partial word, the keywords that
// complete it; after a space, every possible next token (and <cr> if complete).
std::vector<completion_choice> complete_choices(const std::vector<command_spec>& specs, std::string_view line);
// Characters TAB adds to `line`: the rest of the only (or common prefix of the)
// completing keyword, plus a space when unique. Empty when nothing to add.
std::string complete_word(const std::vector<command_spec>& specs, std::string_view line);

// The "% Invalid input detected at '^' marker." text for a failed match, IOS style.
std::string describe_mismatch(const command_match& m, std::string_view line);

class command_registry {
public:
    // Adds a command. A syntax already registered is replaced: that is how a feature
    // takes over its "not in this build yet" entry. Throws std::invalid_argument on a bad syntax.
    void add(command_spec spec, command_handler handler);
    // Registers an entry that answers "% <command>: <feature> is not in this build yet";
    // a later add() of the same syntax replaces it.
    void add_not_built(std::string syntax, std::string help, std::string feature, bool destructive = false);

    const std::vector<command_spec>& specs() const { return specs_; }

    // Runs one command line. Destructive commands that are available need confirmed.
    command_output run(service& svc, std::string_view line, bool confirmed) const;

private:
    void add_entry(command_spec spec, command_handler handler, std::string not_built);

    std::vector<command_spec> specs_;
    std::vector<command_handler> handlers_;
    std::vector<std::string> not_built_; // the "not in this build yet" entry's answer, "" for real commands
};

// The commands of this build: show running-config/interfaces/lcores/version/events,
// configure terminal, and the GDOI/COOP/ESP family as "not in this build yet" entries.
void register_builtin_commands(command_registry& reg);

// ---- the texts and data of the built-in show commands (REST /state uses the same) ----
nlohmann::json interfaces_json(const service& svc);
nlohmann::json lcores_json(const service& svc);
nlohmann::json version_json(const service& svc);
nlohmann::json events_json(const std::vector<core::event>& events);
std::string show_interfaces_text(const service& svc);
std::string show_lcores_text(const service& svc);
std::string show_version_text(const service& svc);

} // namespace mgmt
