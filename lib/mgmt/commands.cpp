// The command table: IOS-style prefix matching, help and completion, and the
// built-in commands of this build (commands whose feature has not landed answer "not in this build yet").
#include "mgmt/commands.hpp"


#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

namespace mgmt {

command_output ok(std::string text, nlohmann::json data)
{
    command_output out;
    out.text = std::move(text);
    out.data = std::move(data);
    return out;
}

command_output failed(std::string text)
{
    command_output out;
    out.result = command_output::status::failed;
    out.text = std::move(text);
    return out;
}

std::string_view to_string(command_output::status s)
{
    switch (s) {
    case command_output::status::ok:
        return "ok";
    case command_output::status::invalid:
        return "invalid";
    case command_output::status::not_built:
        return "not_built";
    case command_output::status::needs_confirmation:
        return "needs_confirmation";
    case command_output::status::failed:
        return "failed";
    case command_output::status::interactive:
        return "interactive";
    }
    return "?";
}

nlohmann::json to_json(const command_spec& s)
{
    return {{"syntax", s.syntax}, {"help", s.help}, {"destructive", s.destructive}, {"available", s.available}};
}

command_spec command_spec_from_json(const nlohmann::json& j)
{
    return {j.at("syntax").get<std::string>(), j.at("help").get<std::string>(), j.at("destructive").get<bool>(),
            j.at("available").get<bool>()};
}

namespace {

struct word {
    std::string text;
    std::size_t column = 0;
};

std::vector<word> split_words(std::string_view line)
{
    std::vector<word> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) != 0) {
            ++i;
        }
        std::size_t start = i;
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) == 0) {
            ++i;
        }
        if (i > start) {
            out.push_back({std::string(line.substr(start, i - start)), start});
        }
    }
    return out;
}

std::vector<std::string> split_syntax(std::string_view syntax)
{
    std::vector<std::string> out;
    for (auto& w : split_words(syntax)) {
        out.push_back(std::move(w.text));
    }
    return out;
}

bool is_param(std::string_view tok) { return tok.size() > 2 && tok.front() == '<' && tok.back() == '>'; }

bool param_accepts(std::string_view tok, std::string_view w)
{
    if (tok == "<n>") {
        return !w.empty() && w.size() <= 9 &&
               std::all_of(w.begin(), w.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
    }
    return true;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// Narrows the table word by word, as IOS does: an exact keyword wins, a prefix of
// exactly one keyword selects it, a prefix of several is ambiguous, and a word no
// keyword takes may fill a parameter.
struct walk_result {
    command_match::kind result = command_match::kind::ok;
    std::vector<std::size_t> alive;
    std::size_t failed_at = 0; // word index
};

walk_result walk(const std::vector<std::vector<std::string>>& toks, const std::vector<word>& words)
{
    walk_result w;
    for (std::size_t i = 0; i < toks.size(); ++i) {
        w.alive.push_back(i);
    }
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string in = lower(words[i].text);
        std::set<std::string> prefixed;
        bool exact = false;
        for (auto idx : w.alive) {
            if (toks[idx].size() <= i || is_param(toks[idx][i])) {
                continue;
            }
            const auto& kw = toks[idx][i];
            if (kw == in) {
                exact = true;
            } else if (kw.starts_with(in)) {
                prefixed.insert(kw);
            }
        }
        std::vector<std::size_t> next;
        if (exact || prefixed.size() == 1) {
            const std::string kw = exact ? in : *prefixed.begin();
            for (auto idx : w.alive) {
                if (toks[idx].size() > i && toks[idx][i] == kw) {
                    next.push_back(idx);
                }
            }
        } else if (prefixed.size() > 1) {
            w.result = command_match::kind::ambiguous;
            w.failed_at = i;
            return w;
        } else {
            for (auto idx : w.alive) {
                if (toks[idx].size() > i && is_param(toks[idx][i]) && param_accepts(toks[idx][i], words[i].text)) {
                    next.push_back(idx);
                }
            }
        }
        if (next.empty()) {
            w.result = command_match::kind::invalid;
            w.failed_at = i;
            return w;
        }
        w.alive = std::move(next);
    }
    return w;
}

std::vector<std::vector<std::string>> tokens_of(const std::vector<command_spec>& specs)
{
    std::vector<std::vector<std::string>> out;
    out.reserve(specs.size());
    for (const auto& s : specs) {
        out.push_back(split_syntax(s.syntax));
    }
    return out;
}

// Help for `?`, by keyword; commands registered later fall back to their own help.
const std::map<std::string, std::string, std::less<>>& keyword_help()
{
    static const std::map<std::string, std::string, std::less<>> help = {
        {"show", "Show running system information"},
        {"clear", "Reset functions"},
        {"configure", "Enter configuration mode"},
        {"terminal", "Configure from the terminal"},
        {"crypto", "Encryption module"},
        {"gdoi", "Group Domain of Interpretation"},
        {"group", "Specify a GDOI group"},
        {"gm", "Group member"},
        {"ks", "Key server"},
        {"members", "Group members registered to this key server"},
        {"summary", "Summary of the group members"},
        {"rekey", "Rekey"},
        {"replace-now", "Replace the old TEK/KEK now instead of waiting for them to expire"},
        {"coop", "Cooperative key server"},
        {"version", "Version"},
        {"replay", "Anti-replay"},
        {"acl", "Access lists"},
        {"dataplane", "Data plane"},
        {"counters", "Counters"},
        {"feature", "Feature support of the group members"},
        {"gm-removal", "GM removal"},
        {"policy-replace", "Policy replacement"},
        {"ipsec", "IPsec"},
        {"isakmp", "ISAKMP"},
        {"sa", "Security associations"},
        {"ruleset", "Crypto rules of the data plane"},
        {"detail", "Detailed output"},
        {"map", "Crypto maps"},
        {"fail-close", "Fail-close"},
        {"now", "Delete immediately"},
        {"role", "COOP role election"},
        {"direction", "Direction of the group's IPsec SAs"},
        {"inbound", "Inbound"},
        {"optional", "Accept encrypted and clear traffic"},
        {"only", "Accept encrypted traffic only, send clear"},
        {"both", "Encrypt and decrypt"},
        {"running-config", "Current operating configuration"},
        {"interfaces", "DPDK ports: link and counters"},
        {"lcores", "Worker lcores and their counters"},
        {"events", "Recent events"},
        {"<word>", "Name"},
        {"<n>", "Number"},
    };
    return help;
}

std::string help_for(const std::vector<command_spec>& specs, const std::vector<std::vector<std::string>>& toks,
                     const std::vector<std::size_t>& alive, std::size_t pos, const std::string& tok)
{
    for (auto idx : alive) {
        if (toks[idx].size() == pos + 1 && toks[idx][pos] == tok) {
            if (!specs[idx].help.empty()) {
                return specs[idx].help;
            }
        }
    }
    const auto& kh = keyword_help();
    if (auto it = kh.find(tok); it != kh.end()) {
        return it->second;
    }
    return {};
}

bool ends_in_space(std::string_view line)
{
    return line.empty() || std::isspace(static_cast<unsigned char>(line.back())) != 0;
}

} // namespace

command_match match_command(const std::vector<command_spec>& specs, std::string_view line)
{
    command_match m;
    const auto words = split_words(line);
    if (words.empty()) {
        m.result = command_match::kind::empty;
        return m;
    }
    const auto toks = tokens_of(specs);
    auto w = walk(toks, words);
    if (w.result != command_match::kind::ok) {
        m.result = w.result;
        m.error_column = words[w.failed_at].column;
        return m;
    }
    for (auto idx : w.alive) {
        if (toks[idx].size() == words.size()) {
            m.result = command_match::kind::ok;
            m.index = idx;
            std::string canonical;
            for (std::size_t i = 0; i < words.size(); ++i) {
                const bool param = is_param(toks[idx][i]);
                if (param) {
                    m.params.push_back(words[i].text);
                }
                canonical += (i == 0 ? "" : " ") + (param ? words[i].text : toks[idx][i]);
            }
            m.canonical = std::move(canonical);
            return m;
        }
    }
    m.result = command_match::kind::incomplete;
    m.error_column = line.size();
    return m;
}

std::vector<completion_choice> complete_choices(const std::vector<command_spec>& specs, std::string_view line)
{
    auto words = split_words(line);
    std::string partial;
    if (!ends_in_space(line) && !words.empty()) {
        partial = lower(words.back().text);
        words.pop_back();
    }
    const auto toks = tokens_of(specs);
    auto w = walk(toks, words);
    std::vector<completion_choice> out;
    if (w.result != command_match::kind::ok) {
        return out;
    }
    const std::size_t pos = words.size();
    std::set<std::string> seen;
    bool can_end = false;
    for (auto idx : w.alive) {
        if (toks[idx].size() == pos) {
            can_end = true;
            continue;
        }
        const auto& tok = toks[idx][pos];
        if (!partial.empty() && (is_param(tok) || !tok.starts_with(partial))) {
            continue;
        }
        if (seen.insert(tok).second) {
            out.push_back({tok, help_for(specs, toks, w.alive, pos, tok)});
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.word < b.word; });
    if (partial.empty() && can_end) {
        out.push_back({"<cr>", ""});
    }
    return out;
}

std::string complete_word(const std::vector<command_spec>& specs, std::string_view line)
{
    if (ends_in_space(line)) {
        return {};
    }
    const auto words = split_words(line);
    const std::string partial = lower(words.back().text);
    auto choices = complete_choices(specs, line);
    if (choices.empty()) {
        return {};
    }
    if (choices.size() == 1) {
        return choices.front().word.substr(partial.size()) + " ";
    }
    std::string common = choices.front().word;
    for (const auto& c : choices) {
        std::size_t n = 0;
        while (n < common.size() && n < c.word.size() && common[n] == c.word[n]) {
            ++n;
        }
        common.resize(n);
    }
    return common.size() > partial.size() ? common.substr(partial.size()) : std::string{};
}

std::string describe_mismatch(const command_match& m, std::string_view line)
{
    switch (m.result) {
    case command_match::kind::ambiguous:
        return "% Ambiguous command:  \"" + std::string(line) + "\"\n";
    case command_match::kind::incomplete:
        return "% Incomplete command.\n";
    case command_match::kind::invalid:
        return std::string(line) + "\n" + std::string(m.error_column, ' ') +
               "^\n% Invalid input detected at '^' marker.\n";
    case command_match::kind::ok:
    case command_match::kind::empty:
        break;
    }
    return {};
}

void command_registry::add(command_spec spec, command_handler handler)
{
    if (!handler) {
        throw std::invalid_argument("command '" + spec.syntax + "' has no handler");
    }
    spec.available = true;
    add_entry(std::move(spec), std::move(handler), {});
}

void command_registry::add_not_built(std::string syntax, std::string help, std::string feature, bool destructive)
{
    add_entry({std::move(syntax), std::move(help), destructive, false}, nullptr,
              std::move(feature) + " is not in this build yet");
}

void command_registry::add_entry(command_spec spec, command_handler handler, std::string not_built)
{
    auto toks = split_syntax(spec.syntax);
    if (toks.empty()) {
        throw std::invalid_argument("empty command syntax");
    }
    for (const auto& t : toks) {
        if (t.front() == '<' && t != "<word>" && t != "<n>") {
            throw std::invalid_argument("command syntax '" + spec.syntax + "': parameters are <word> or <n>");
        }
        if (!is_param(t) && t != lower(t)) {
            throw std::invalid_argument("command syntax '" + spec.syntax + "': keywords are lowercase");
        }
    }
    // Canonical spacing, so that a feature's registration finds its "not in this build yet" entry.
    std::string canonical;
    for (const auto& t : toks) {
        canonical += (canonical.empty() ? "" : " ") + t;
    }
    spec.syntax = canonical;
    for (std::size_t i = 0; i < specs_.size(); ++i) {
        if (specs_[i].syntax == spec.syntax) {
            specs_[i] = std::move(spec);
            handlers_[i] = std::move(handler);
            not_built_[i] = std::move(not_built);
            return;
        }
    }
    specs_.push_back(std::move(spec));
    handlers_.push_back(std::move(handler));
    not_built_.push_back(std::move(not_built));
}

command_output command_registry::run(service& svc, std::string_view line, bool confirmed) const
{
    command_output out;
    auto m = match_command(specs_, line);
    if (m.result == command_match::kind::empty) {
        return out;
    }
    if (m.result != command_match::kind::ok) {
        out.result = command_output::status::invalid;
        out.text = describe_mismatch(m, line);
        return out;
    }
    const auto& spec = specs_[m.index];
    if (!spec.available) {
        out.result = command_output::status::not_built;
        out.text = "% " + m.canonical + ": " + not_built_[m.index] + "\n";
        out.data = {{"feature_available", false}};
        return out;
    }
    if (spec.destructive && !confirmed) {
        out.result = command_output::status::needs_confirmation;
        out.text = "% " + m.canonical + " needs confirmation: answer yes at the prompt, or use gdoictl --yes\n";
        return out;
    }
    return handlers_[m.index](svc, m.params);
}

} // namespace mgmt
