// IOS-style parser: one table of commands per configuration mode, matched with
// IOS keyword abbreviation, and one set of unknown-line rules per mode.
#include "mgmt/ios_parser.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <span>

namespace mgmt {

namespace {

// Thrown by the argument helpers; caught per line, never leaves parse_config.
struct line_error {
    std::string message;
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool is_number(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool starts_with_ci(std::string_view keyword, std::string_view token) {
    return !token.empty() && token.size() <= keyword.size() && lower(token) == keyword.substr(0, token.size());
}

// An exact keyword, or an abbreviation that only one of the choices starts with.
std::optional<std::string_view> resolve_keyword(std::string_view token, std::span<const std::string_view> choices) {
    const std::string t = lower(token);
    std::optional<std::string_view> found;
    int prefix_hits = 0;
    for (std::string_view c : choices) {
        if (c == t) {
            return c;
        }
        if (starts_with_ci(c, t) && found != c) {
            found = c;
            ++prefix_hits;
        }
    }
    return prefix_hits == 1 ? found : std::nullopt;
}

// The tokens of one line after the command keywords.
struct args {
    std::span<const std::string_view> toks;
    std::size_t pos = 0;
    const char* line_end = nullptr;

    bool done() const { return pos >= toks.size(); }
    std::string_view peek() const { return done() ? std::string_view{} : toks[pos]; }

    std::string_view word(std::string_view what) {
        if (done()) {
            throw line_error{"missing " + std::string(what)};
        }
        return toks[pos++];
    }

    // The rest of the line as written (descriptions, remarks, unsupported lines).
    std::string rest() const {
        if (done()) {
            return {};
        }
        return std::string(toks[pos].data(), static_cast<std::size_t>(line_end - toks[pos].data()));
    }

    unsigned number(std::string_view what, unsigned lo, unsigned hi) {
        const std::string_view t = word(what);
        unsigned v = 0;
        auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (ec != std::errc{} || p != t.data() + t.size() || v < lo || v > hi) {
            throw line_error{"invalid " + std::string(what) + " '" + std::string(t) + "' (expected " +
                             std::to_string(lo) + "-" + std::to_string(hi) + ")"};
        }
        return v;
    }

    ipv4 address(std::string_view what) {
        const std::string_view t = word(what);
        auto a = ipv4::parse(t);
        if (!a) {
            throw line_error{"invalid " + std::string(what) + " '" + std::string(t) + "'"};
        }
        return *a;
    }

    std::string_view keyword(std::initializer_list<std::string_view> choices, std::string_view what) {
        const std::string_view t = word(what);
        auto k = resolve_keyword(t, std::span(choices.begin(), choices.size()));
        if (!k) {
            throw line_error{"invalid " + std::string(what) + " '" + std::string(t) + "'"};
        }
        return *k;
    }

    bool optional_keyword(std::string_view kw) {
        if (!done() && starts_with_ci(kw, toks[pos])) {
            ++pos;
            return true;
        }
        return false;
    }

    void expect_keyword(std::string_view kw) {
        if (!optional_keyword(kw)) {
            throw line_error{"expected '" + std::string(kw) + "'" +
                             (done() ? std::string{} : " instead of '" + std::string(peek()) + "'")};
        }
    }

    void end() const {
        if (!done()) {
            throw line_error{"unexpected '" + std::string(toks[pos]) + "'"};
        }
    }
};

template <class E>
E enum_arg(args& a, std::string_view what) {
    const std::string_view t = a.word(what);
    std::vector<std::string_view> choices;
    for (const auto& [v, n] : names(E{})) {
        choices.push_back(n);
    }
    auto k = resolve_keyword(t, choices);
    if (!k) {
        throw line_error{"invalid " + std::string(what) + " '" + std::string(t) + "'"};
    }
    return *enum_from_string<E>(*k);
}

enum class mode {
    global, isakmp_policy, transform_set, ipsec_profile, gdoi_group, server_local, sa_ipsec,
    redundancy, map_entry, fail_close, acl, interface, dataplane, opaque,
};

// What a line that no mode knows means, decided by the innermost mode.
enum class unknown_policy {
    strict,    // crypto and ACL modes: an error, it could change security meaning
    interface, // kept with a warning unless it is about crypto or ACLs
    global,    // kept with a warning unless it is a crypto command
    opaque,    // a sub-mode line of a kept unsupported block
};

// One open mode: indexes (not pointers: vectors grow) of the object it edits.
struct frame {
    mode kind = mode::global;
    std::size_t a = 0;
    std::size_t b = 0;
};

class parser;
using handler = void (*)(parser&, const frame&, args&);

// "<n>" stands for any decimal number (ACE sequence numbers). Lines we only keep
// match whole keywords: an abbreviation must never turn a sub-mode typo into a
// harmless kept line.
struct command {
    std::array<std::string_view, 4> words;
    handler fn;
    bool abbreviations = true;
};

struct mode_def {
    std::string_view name;
    std::span<const command> commands;
    unknown_policy policy;
};

const mode_def& definition(mode m);

struct line_info {
    int number = 0;
    std::string_view text; // trimmed, comment removed
    bool indented = false;
    std::vector<std::string_view> tokens;
};

class parser {
public:
    config cfg;
    std::vector<diagnostic> diags;

    void warn(std::string message) {
        diags.push_back({diagnostic::level::warning, line_->number, std::move(message), std::string(line_->text)});
    }
    void error(std::string message) {
        diags.push_back({diagnostic::level::error, line_->number, std::move(message), std::string(line_->text)});
    }
    // A handler that opens a sub-mode calls this; it takes effect if the handler succeeds.
    void enter(frame f) { pending_ = f; }
    int line_number() const { return line_->number; }
    std::string_view line_text() const { return line_->text; }

    void parse_line(const line_info& line);
    void exit_mode() {
        if (stack_.size() > 1) {
            stack_.pop_back();
        }
    }

private:
    bool try_mode(std::size_t depth, std::optional<std::string>& first_error);
    void unknown_line();

    std::vector<frame> stack_{frame{}};
    std::optional<frame> pending_;
    const line_info* line_ = nullptr;
};

// Finds the longest command whose keywords the tokens spell, with abbreviations.
std::pair<const command*, std::size_t> match_command(std::span<const command> commands,
                                                     std::span<const std::string_view> toks) {
    std::vector<const command*> cands;
    for (const command& c : commands) {
        cands.push_back(&c);
    }
    const command* best = nullptr;
    std::size_t best_len = 0;
    for (std::size_t i = 0; i <= 4 && !cands.empty(); ++i) {
        for (const command* c : cands) {
            if ((i == 4 || c->words[i].empty()) && (best == nullptr || i > best_len)) {
                best = c;
                best_len = i;
            }
        }
        if (i == 4 || i >= toks.size()) {
            break;
        }
        std::vector<std::string_view> words;
        std::optional<std::string_view> chosen;
        const std::string token = lower(toks[i]);
        for (const command* c : cands) {
            const std::string_view word = c->words[i];
            if (word.empty()) {
                continue;
            }
            if (word == token || (word == "<n>" && is_number(token))) {
                chosen = word;
            } else if (c->abbreviations && std::find(words.begin(), words.end(), word) == words.end()) {
                words.push_back(word);
            }
        }
        if (!chosen) {
            chosen = resolve_keyword(toks[i], words);
        }
        if (!chosen) {
            break;
        }
        std::erase_if(cands, [&](const command* c) { return c->words[i] != *chosen; });
    }
    return {best, best_len};
}

bool parser::try_mode(std::size_t depth, std::optional<std::string>& first_error) {
    const frame f = stack_[depth];
    auto [cmd, used] = match_command(definition(f.kind).commands, line_->tokens);
    if (cmd == nullptr) {
        return false;
    }
    args a{line_->tokens, used, line_->text.data() + line_->text.size()};
    pending_.reset();
    const std::size_t diag_count = diags.size();
    try {
        cmd->fn(*this, f, a);
    } catch (const line_error& e) {
        diags.resize(diag_count);
        if (!first_error) {
            first_error = e.message;
        }
        return false;
    }
    stack_.resize(depth + 1);
    if (pending_) {
        stack_.push_back(*pending_);
    }
    return true;
}

void parser::parse_line(const line_info& line) {
    line_ = &line;
    std::optional<std::string> first_error;
    // Innermost mode first: a line that is not a command of a sub-mode closes it.
    for (std::size_t depth = stack_.size(); depth-- > 0;) {
        if (try_mode(depth, first_error)) {
            return;
        }
    }
    if (first_error) {
        error(*first_error);
        return;
    }
    unknown_line();
}

// Unknown lines about crypto or ACLs (also their "no" forms) could change what is
// encrypted or filtered: those are never just kept.
bool security_relevant(const line_info& line) {
    std::span<const std::string_view> t = line.tokens;
    if (t.size() > 1 && lower(t[0]) == "no") {
        t = t.subspan(1);
    }
    if (t[0].size() >= 3 && starts_with_ci("crypto", t[0])) {
        return true;
    }
    if (lower(t[0]) == "access-list") {
        return true;
    }
    return t.size() >= 2 && lower(t[0]) == "ip" &&
           ((t[1].size() >= 8 && starts_with_ci("access-group", t[1])) || lower(t[1]) == "access-list");
}

void parser::unknown_line() {
    const frame top = stack_.back();
    const mode_def& def = definition(top.kind);
    unknown_policy policy = def.policy;
    if (!line_->indented && (policy == unknown_policy::interface || policy == unknown_policy::opaque)) {
        policy = unknown_policy::global;
    }
    switch (policy) {
    case unknown_policy::strict:
        error("unknown command in " + std::string(def.name));
        return;
    case unknown_policy::interface:
        if (security_relevant(*line_)) {
            error("unsupported interface command");
            return;
        }
        cfg.interfaces[top.a].unsupported.emplace_back(line_->text);
        warn("unsupported interface line kept but not applied");
        return;
    case unknown_policy::opaque:
        cfg.unsupported[top.a].children.emplace_back(line_->text);
        warn("unsupported line kept but not applied");
        return;
    case unknown_policy::global:
        if (security_relevant(*line_)) {
            error("unsupported crypto command");
            return;
        }
        cfg.unsupported.push_back({std::string(line_->text), {}});
        warn("unsupported line kept but not applied");
        stack_.resize(1);
        stack_.push_back({mode::opaque, cfg.unsupported.size() - 1});
        return;
    }
}

// ---- helpers for handlers ---------------------------------------------------

// Index of the element with this name, appended when new.
template <class T>
std::size_t find_or_add(std::vector<T>& items, std::string_view name, int line) {
    auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
    if (it != items.end()) {
        return static_cast<std::size_t>(it - items.begin());
    }
    T t{};
    t.name = std::string(name);
    t.line.value = line;
    items.push_back(std::move(t));
    return items.size() - 1;
}

// Index of the element whose key is k in a vector sorted by key, inserted when new.
template <class T, class Key>
std::size_t find_or_insert_sorted(std::vector<T>& items, unsigned k, Key key_of, T fresh) {
    auto it = std::lower_bound(items.begin(), items.end(), k, [&](const T& t, unsigned v) { return key_of(t) < v; });
    if (it == items.end() || key_of(*it) != k) {
        it = items.insert(it, std::move(fresh));
    }
    return static_cast<std::size_t>(it - items.begin());
}

void keep_global(parser& p, const frame&, args&) {
    p.cfg.unsupported.push_back({std::string(p.line_text()), {}});
    p.warn("unsupported line kept but not applied");
    p.enter({mode::opaque, p.cfg.unsupported.size() - 1});
}

// ---- crypto isakmp -----------------------------------------------------------

void isakmp_policy_cmd(parser& p, const frame&, args& a) {
    const unsigned prio = a.number("policy priority", 1, 10000);
    a.end();
    isakmp_policy fresh;
    fresh.priority = prio;
    fresh.line.value = p.line_number();
    auto& v = p.cfg.isakmp.policies;
    const auto key = [](const isakmp_policy& x) { return x.priority; };
    p.enter({mode::isakmp_policy, find_or_insert_sorted(v, prio, key, fresh)});
}

void isakmp_key_cmd(parser& p, const frame&, args& a) {
    std::string_view key = a.word("key");
    // "crypto isakmp key 0 KEY address A": 0 says the key is in clear text.
    if (!a.done() && lower(a.peek()) != "address" && (key == "0" || key == "6")) {
        if (key == "6") {
            throw line_error{"encrypted (type 6) keys are not supported"};
        }
        key = a.word("key");
    }
    a.expect_keyword("address");
    isakmp_key k;
    k.key = std::string(key);
    k.address = a.address("peer address");
    k.mask = a.done() ? (k.address.value == 0 ? ipv4{0} : ipv4{0xffffffffu}) : a.address("mask");
    a.optional_keyword("no-xauth");
    a.end();
    k.line.value = p.line_number();
    auto& keys = p.cfg.isakmp.keys;
    auto it = std::find_if(keys.begin(), keys.end(),
                           [&](const isakmp_key& x) { return x.address == k.address && x.mask == k.mask; });
    if (it != keys.end()) {
        *it = k;
    } else {
        keys.push_back(k);
    }
}

void isakmp_keepalive_cmd(parser& p, const frame&, args& a) {
    isakmp_keepalive k;
    k.interval = a.number("keepalive interval", 10, 3600);
    if (is_number(a.peek())) {
        k.retry = a.number("keepalive retry", 2, 60);
    }
    if (!a.done()) {
        k.mode = a.keyword({"periodic", "on-demand"}, "keepalive mode") == "periodic" ? keepalive_mode::periodic
                                                                                      : keepalive_mode::on_demand;
    }
    a.end();
    p.cfg.isakmp.keepalive = k;
}

isakmp_policy& cur_policy(parser& p, const frame& f) { return p.cfg.isakmp.policies[f.a]; }

void encr_cmd(parser& p, const frame& f, args& a) {
    const std::string_view c = a.keyword({"aes", "3des"}, "encryption");
    unsigned bits = 192;
    ike_cipher cipher = ike_cipher::tdes;
    if (c == "aes") {
        cipher = ike_cipher::aes;
        bits = a.done() ? 128 : a.number("aes key size", 128, 256);
        if (bits != 128 && bits != 192 && bits != 256) {
            throw line_error{"invalid aes key size " + std::to_string(bits)};
        }
    }
    a.end();
    cur_policy(p, f).encryption = cipher;
    cur_policy(p, f).key_bits = bits;
}

void hash_cmd(parser& p, const frame& f, args& a) {
    const ike_hash h = enum_arg<ike_hash>(a, "hash");
    a.end();
    cur_policy(p, f).hash = h;
}

void auth_cmd(parser& p, const frame& f, args& a) {
    const ike_auth m = enum_arg<ike_auth>(a, "authentication");
    a.end();
    cur_policy(p, f).authentication = m;
}

void group_cmd(parser& p, const frame& f, args& a) {
    const unsigned g = a.number("DH group", 2, 24);
    static constexpr unsigned supported[] = {2, 5, 14, 15, 16, 19, 20, 21, 24};
    if (std::find(std::begin(supported), std::end(supported), g) == std::end(supported)) {
        throw line_error{"unsupported DH group " + std::to_string(g)};
    }
    a.end();
    cur_policy(p, f).dh_group = g;
}

void lifetime_cmd(parser& p, const frame& f, args& a) {
    const unsigned s = a.number("lifetime", 60, 86400);
    a.end();
    cur_policy(p, f).lifetime = s;
}

// ---- crypto ipsec ------------------------------------------------------------

void transform_set_cmd(parser& p, const frame&, args& a) {
    const std::string name(a.word("transform-set name"));
    transform_set ts;
    bool have_cipher = false;
    while (!a.done()) {
        const std::string t = lower(a.word("transform"));
        if (auto c = enum_from_string<esp_cipher>(t)) {
            if (have_cipher) {
                throw line_error{"more than one encryption transform"};
            }
            have_cipher = true;
            ts.cipher = *c;
            ts.key_bits = *c == esp_cipher::null ? 0 : *c == esp_cipher::tdes ? 192 : 128;
            const bool sized = *c == esp_cipher::aes_cbc || *c == esp_cipher::aes_gcm || *c == esp_cipher::aes_gmac;
            if (sized && is_number(a.peek())) {
                ts.key_bits = a.number("key size", 128, 256);
                if (ts.key_bits != 128 && ts.key_bits != 192 && ts.key_bits != 256) {
                    throw line_error{"invalid key size " + std::to_string(ts.key_bits)};
                }
            }
        } else if (auto i = enum_from_string<esp_integrity>(t); i && *i != esp_integrity::none) {
            if (ts.integrity != esp_integrity::none) {
                throw line_error{"more than one integrity transform"};
            }
            ts.integrity = *i;
        } else {
            throw line_error{"unknown transform '" + t + "'"};
        }
    }
    if (!have_cipher) {
        throw line_error{"transform set needs an ESP encryption transform"};
    }
    const bool combined_mode = ts.cipher == esp_cipher::aes_gcm || ts.cipher == esp_cipher::aes_gmac;
    if (combined_mode && ts.integrity != esp_integrity::none) {
        throw line_error{"esp-gcm and esp-gmac take no integrity transform"};
    }
    const std::size_t i = find_or_add(p.cfg.ipsec.transform_sets, name, p.line_number());
    ts.name = name;
    ts.mode = p.cfg.ipsec.transform_sets[i].mode;
    ts.line = p.cfg.ipsec.transform_sets[i].line;
    p.cfg.ipsec.transform_sets[i] = ts;
    p.enter({mode::transform_set, i});
}

void ts_mode_cmd(parser& p, const frame& f, args& a) {
    const ipsec_mode m = enum_arg<ipsec_mode>(a, "mode");
    a.end();
    p.cfg.ipsec.transform_sets[f.a].mode = m;
}

void ipsec_profile_cmd(parser& p, const frame&, args& a) {
    const std::string_view name = a.word("profile name");
    a.end();
    p.enter({mode::ipsec_profile, find_or_add(p.cfg.ipsec.profiles, name, p.line_number())});
}

void set_transform_set_cmd(parser& p, const frame& f, args& a) {
    const std::string_view name = a.word("transform-set name");
    if (!a.done()) {
        throw line_error{"only one transform set per profile is supported"};
    }
    p.cfg.ipsec.profiles[f.a].transform_set = std::string(name);
}

void set_sa_lifetime_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("lifetime");
    a.expect_keyword("seconds");
    // Up to 30 days: GET VPN resiliency (long SA lifetime).
    const unsigned s = a.number("SA lifetime", 120, 2592000);
    a.end();
    p.cfg.ipsec.profiles[f.a].sa_lifetime = s;
}

void df_bit_cmd(parser& p, const frame&, args& a) {
    const df_bit_policy d = enum_arg<df_bit_policy>(a, "df-bit policy");
    a.end();
    p.cfg.ipsec.df_bit = d;
}

void rsa_key_cmd(parser& p, const frame&, args& a) {
    rsa_key_cfg k;
    k.line.value = p.line_number();
    while (!a.done()) {
        const std::string_view kw =
            a.keyword({"general-keys", "label", "modulus", "exportable"}, "crypto key generate rsa option");
        if (kw == "label") {
            k.label = std::string(a.word("key label"));
        } else if (kw == "modulus") {
            k.modulus = a.number("modulus", 1024, 4096);
        } else if (kw == "exportable") {
            k.exportable = true;
        }
    }
    if (k.label.empty()) {
        throw line_error{"crypto key generate rsa needs a label"};
    }
    auto& keys = p.cfg.rsa_keys;
    auto it = std::find_if(keys.begin(), keys.end(), [&](const rsa_key_cfg& x) { return x.label == k.label; });
    if (it != keys.end()) {
        *it = k;
    } else {
        keys.push_back(k);
    }
}

// ---- crypto gdoi manual-sa (test and benchmark aid) ----------------------------

// "0x1000" or "4096".
unsigned spi_arg(args& a) {
    const std::string_view t = a.word("SPI");
    const bool hex = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
    const std::string_view digits = hex ? t.substr(2) : t;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, hex ? 16 : 10);
    if (ec != std::errc{} || p != digits.data() + digits.size() || v < 256) {
        throw line_error{"invalid SPI '" + std::string(t) + "' (expected 256-4294967295, decimal or 0x hex)"};
    }
    return v;
}

// "0x" followed by exactly `bytes` bytes of hex; returned in lowercase.
std::string hex_key_arg(args& a, std::size_t bytes) {
    const std::string_view t = a.word("key");
    const bool prefixed = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
    const std::string_view digits = prefixed ? t.substr(2) : std::string_view{};
    const bool hex = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    });
    if (!hex || digits.size() != 2 * bytes) {
        throw line_error{"invalid key: expected 0x and " + std::to_string(2 * bytes) +
                         " hex digits (key and 4-byte salt)"};
    }
    return lower(digits);
}

void manual_sa_cmd(parser& p, const frame&, args& a) {
    manual_sa m;
    m.line.value = p.line_number();
    a.expect_keyword("group");
    m.group = std::string(a.word("group name"));
    a.expect_keyword("spi");
    m.spi = spi_arg(a);
    a.expect_keyword("transform");
    m.cipher = enum_arg<manual_cipher>(a, "manual SA transform");
    m.key_bits = a.number("key bits", 128, 256);
    if (m.key_bits != 128 && m.key_bits != 256) {
        throw line_error{"invalid key bits '" + std::to_string(m.key_bits) + "' (expected 128 or 256)"};
    }
    a.expect_keyword("key");
    m.key = hex_key_arg(a, manual_key_bytes(m.key_bits));
    a.expect_keyword("sender-id");
    m.sender_id = a.number("sender ID", 0, (1u << manual_sender_id_bits) - 1);
    a.expect_keyword("match");
    a.expect_keyword("address");
    m.match_acl = std::string(a.word("access list name"));
    a.end();
    auto& sas = p.cfg.manual_sas;
    auto it = std::find_if(sas.begin(), sas.end(), [&](const manual_sa& x) { return x.group == m.group; });
    if (it != sas.end()) {
        *it = m; // one manual SA per group; the last line wins, as IOS replaces a setting
    } else {
        sas.push_back(m);
    }
}

// ---- crypto gdoi -------------------------------------------------------------

gdoi_group& cur_group(parser& p, const frame& f) { return p.cfg.groups[f.a]; }
gdoi_server_local& cur_server(parser& p, const frame& f) { return *p.cfg.groups[f.a].server_local; }

void gdoi_group_cmd(parser& p, const frame&, args& a) {
    const std::string_view name = a.word("group name");
    a.end();
    p.enter({mode::gdoi_group, find_or_add(p.cfg.groups, name, p.line_number())});
}

void identity_cmd(parser& p, const frame& f, args& a) {
    const std::string_view kw = a.keyword({"number", "address"}, "identity type");
    if (kw == "number") {
        const unsigned n = a.number("identity number", 0, 4294967295u);
        a.end();
        cur_group(p, f).identity_number = n;
        cur_group(p, f).identity_address.reset();
        return;
    }
    a.expect_keyword("ipv4");
    const ipv4 addr = a.address("identity address");
    a.end();
    cur_group(p, f).identity_address = addr;
    cur_group(p, f).identity_number.reset();
}

void server_address_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("ipv4");
    const ipv4 addr = a.address("server address");
    a.end();
    auto& s = cur_group(p, f).servers;
    if (std::find(s.begin(), s.end(), addr) == s.end()) {
        s.push_back(addr);
    }
}

void server_local_cmd(parser& p, const frame& f, args& a) {
    a.end();
    if (!cur_group(p, f).server_local) {
        cur_group(p, f).server_local.emplace();
    }
    p.enter({mode::server_local, f.a});
}

void passive_cmd(parser& p, const frame& f, args& a) {
    a.end();
    cur_group(p, f).passive = true;
}

kek_cipher kek_cipher_arg(args& a) {
    if (a.keyword({"aes", "3des"}, "rekey cipher") == "3des") {
        return kek_cipher::tdes;
    }
    const unsigned bits = a.done() || !is_number(a.peek()) ? 128 : a.number("aes key size", 128, 256);
    switch (bits) {
    case 128: return kek_cipher::aes128;
    case 192: return kek_cipher::aes192;
    case 256: return kek_cipher::aes256;
    default: throw line_error{"invalid aes key size " + std::to_string(bits)};
    }
}

void client_rekey_encryption_cmd(parser& p, const frame& f, args& a) {
    std::vector<kek_cipher> ciphers;
    while (!a.done()) {
        ciphers.push_back(kek_cipher_arg(a));
    }
    if (ciphers.empty()) {
        throw line_error{"missing rekey cipher"};
    }
    cur_group(p, f).client.rekey_encryption = ciphers;
}

void client_rekey_hash_cmd(parser& p, const frame& f, args& a) {
    const kek_hash h = enum_arg<kek_hash>(a, "rekey hash");
    a.end();
    cur_group(p, f).client.rekey_hash = h;
}

void client_transform_sets_cmd(parser& p, const frame& f, args& a) {
    std::vector<std::string> sets;
    while (!a.done()) {
        sets.emplace_back(a.word("transform set"));
    }
    if (sets.empty() || sets.size() > 6) {
        throw line_error{"client transform-sets takes one to six transform sets"};
    }
    cur_group(p, f).client.transform_sets = sets;
}

void client_registration_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("interface");
    const std::string name = a.rest();
    if (name.empty()) {
        throw line_error{"missing interface name"};
    }
    cur_group(p, f).client.registration_interface = name;
}

void rekey_algorithm_cmd(parser& p, const frame& f, args& a) {
    const kek_cipher c = kek_cipher_arg(a);
    a.end();
    cur_server(p, f).rekey_algorithm = c;
}

void rekey_lifetime_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("seconds");
    const unsigned s = a.number("rekey lifetime", 300, 2592000);
    a.end();
    cur_server(p, f).rekey_lifetime = s;
}

void rekey_retransmit_cmd(parser& p, const frame& f, args& a) {
    rekey_retransmit_cfg r;
    r.interval = a.number("retransmit interval", 1, 300);
    if (a.optional_keyword("number")) {
        r.number = a.number("retransmit count", 1, 10);
    }
    r.periodic = a.optional_keyword("periodic");
    a.end();
    cur_server(p, f).rekey_retransmit = r;
}

void no_rekey_retransmit_cmd(parser& p, const frame& f, args& a) {
    a.end();
    cur_server(p, f).rekey_retransmit.reset();
}

void rekey_authentication_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("mypubkey");
    a.expect_keyword("rsa");
    const std::string_view label = a.word("RSA key label");
    a.end();
    cur_server(p, f).rekey_rsa_key = std::string(label);
}

void rekey_transport_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("unicast");
    a.end();
    cur_server(p, f).rekey_unicast = true;
}

// "... ipv4 ACL" lines of server local: the field they set.
template <std::string gdoi_server_local::*field>
void server_acl_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("ipv4");
    const std::string_view acl = a.word("access list");
    a.end();
    cur_server(p, f).*field = std::string(acl);
}

void authorization_identity_cmd(parser& p, const frame& f, args& a) {
    const std::string_view name = a.word("identity name");
    a.end();
    cur_server(p, f).authorization_identity = std::string(name);
}

void server_address_local_cmd(parser& p, const frame& f, args& a) {
    a.optional_keyword("ipv4");
    const ipv4 addr = a.address("address");
    a.end();
    cur_server(p, f).address = addr;
}

void sa_ipsec_cmd(parser& p, const frame& f, args& a) {
    const unsigned seq = a.number("sa ipsec sequence", 1, 65535);
    a.end();
    gdoi_sa_ipsec fresh;
    fresh.seq = seq;
    fresh.line.value = p.line_number();
    auto& sas = cur_server(p, f).sas;
    const auto key = [](const gdoi_sa_ipsec& s) { return s.seq; };
    p.enter({mode::sa_ipsec, f.a, find_or_insert_sorted(sas, seq, key, fresh)});
}

void sa_receive_only_cmd(parser& p, const frame& f, args& a) {
    a.end();
    cur_server(p, f).sa_receive_only = true;
}

void redundancy_cmd(parser& p, const frame& f, args& a) {
    a.end();
    if (!cur_server(p, f).redundancy) {
        cur_server(p, f).redundancy.emplace();
    }
    p.enter({mode::redundancy, f.a});
}

gdoi_sa_ipsec& cur_sa(parser& p, const frame& f) { return cur_server(p, f).sas[f.b]; }

void sa_profile_cmd(parser& p, const frame& f, args& a) {
    const std::string_view name = a.word("profile name");
    a.end();
    cur_sa(p, f).profile = std::string(name);
}

void sa_match_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("address");
    a.expect_keyword("ipv4");
    const std::string_view acl = a.word("access list");
    a.end();
    cur_sa(p, f).match_acl = std::string(acl);
}

void replay_cmd(parser& p, const frame& f, args& a) {
    const bool counter = a.keyword({"counter", "time"}, "replay type") == "counter";
    a.expect_keyword("window-size");
    // Counter windows are packets; time windows are seconds.
    const unsigned w = counter ? a.number("replay window", 1, 1024) : a.number("replay window", 1, 100);
    a.end();
    cur_sa(p, f).replay = counter ? replay_kind::counter : replay_kind::time;
    cur_sa(p, f).replay_window = w;
}

void no_replay_cmd(parser& p, const frame& f, args& a) {
    a.end();
    cur_sa(p, f).replay = replay_kind::none;
    cur_sa(p, f).replay_window = 0;
}

void local_priority_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("priority");
    const unsigned prio = a.number("local priority", 1, 255);
    a.end();
    cur_server(p, f).redundancy->local_priority = prio;
}

void peer_address_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("address");
    a.expect_keyword("ipv4");
    const ipv4 addr = a.address("peer address");
    a.end();
    auto& peers = cur_server(p, f).redundancy->peers;
    if (std::find(peers.begin(), peers.end(), addr) == peers.end()) {
        peers.push_back(addr);
    }
}

// ---- crypto map --------------------------------------------------------------

void crypto_map_cmd(parser& p, const frame&, args& a) {
    const std::string_view name = a.word("crypto map name");
    if (a.optional_keyword("local-address")) {
        const std::string ifname = a.rest();
        if (ifname.empty()) {
            throw line_error{"missing local-address interface"};
        }
        p.cfg.crypto_maps[find_or_add(p.cfg.crypto_maps, name, p.line_number())].local_address = ifname;
        return;
    }
    if (is_number(a.peek())) {
        const unsigned seq = a.number("crypto map sequence", 1, 65535);
        const std::string_view kind = a.word("crypto map type");
        if (!starts_with_ci("gdoi", kind)) {
            throw line_error{"only gdoi crypto maps are supported, not '" + std::string(kind) + "'"};
        }
        a.end();
        const std::size_t m = find_or_add(p.cfg.crypto_maps, name, p.line_number());
        crypto_map_entry fresh;
        fresh.seq = seq;
        fresh.line.value = p.line_number();
        auto& entries = p.cfg.crypto_maps[m].entries;
        p.enter({mode::map_entry, m,
                 find_or_insert_sorted(entries, seq, [](const crypto_map_entry& e) { return e.seq; }, fresh)});
        return;
    }
    a.expect_keyword("gdoi");
    a.expect_keyword("fail-close");
    a.end();
    const std::size_t m = find_or_add(p.cfg.crypto_maps, name, p.line_number());
    if (!p.cfg.crypto_maps[m].fail_close) {
        p.cfg.crypto_maps[m].fail_close.emplace();
    }
    p.enter({mode::fail_close, m});
}

void set_group_cmd(parser& p, const frame& f, args& a) {
    const std::string_view g = a.word("group name");
    a.end();
    p.cfg.crypto_maps[f.a].entries[f.b].group = std::string(g);
}

void map_match_cmd(parser& p, const frame& f, args& a) {
    a.expect_keyword("address");
    const std::string_view acl = a.word("access list");
    a.end();
    if (f.kind == mode::fail_close) {
        p.cfg.crypto_maps[f.a].fail_close->match_acl = std::string(acl);
    } else {
        p.cfg.crypto_maps[f.a].entries[f.b].match_acl = std::string(acl);
    }
}

void activate_cmd(parser& p, const frame& f, args& a) {
    a.end();
    p.cfg.crypto_maps[f.a].fail_close->activate = true;
}

// ---- access lists ------------------------------------------------------------

address_match address_arg(args& a) {
    const std::string_view t = a.word("address");
    if (lower(t) == "any") {
        return {};
    }
    if (lower(t) == "host") {
        return {a.address("host address"), ipv4{0}};
    }
    auto addr = ipv4::parse(t);
    if (!addr) {
        throw line_error{"invalid address '" + std::string(t) + "'"};
    }
    return {*addr, a.address("wildcard")};
}

std::uint16_t port_arg(args& a) {
    const std::string_view t = a.word("port");
    if (is_number(t)) {
        --a.pos;
        return static_cast<std::uint16_t>(a.number("port", 0, 65535));
    }
    auto port = port_from_name(lower(t));
    if (!port) {
        throw line_error{"unknown port name '" + std::string(t) + "'"};
    }
    return *port;
}

port_match port_match_arg(args& a, bool ports_allowed) {
    static constexpr std::string_view ops[] = {"eq", "neq", "lt", "gt", "range"};
    if (a.done() || std::find(std::begin(ops), std::end(ops), lower(a.peek())) == std::end(ops)) {
        return {};
    }
    if (!ports_allowed) {
        throw line_error{"port operators need protocol tcp or udp"};
    }
    port_match m;
    m.op = *enum_from_string<port_op>(lower(a.word("port operator")));
    m.low = port_arg(a);
    if (m.op == port_op::range) {
        m.high = port_arg(a);
        if (m.high < m.low) {
            throw line_error{"port range is reversed"};
        }
    }
    return m;
}

// One ACE after its optional sequence number: "permit|deny|remark ...".
ace ace_arg(args& a, bool extended) {
    ace e;
    const std::string_view verb = a.keyword({"permit", "deny", "remark"}, "access list action");
    if (verb == "remark") {
        e.remark = a.rest();
        if (e.remark.empty()) {
            throw line_error{"empty remark"};
        }
        a.pos = a.toks.size();
        return e;
    }
    e.action = verb == "permit" ? acl_action::permit : acl_action::deny;
    if (extended) {
        const std::string_view proto = a.word("protocol");
        if (is_number(proto)) {
            --a.pos;
            e.protocol = a.number("protocol", 0, 255);
        } else if (auto n = protocol_from_name(lower(proto))) {
            e.protocol = *n;
        } else {
            throw line_error{"unknown protocol '" + std::string(proto) + "'"};
        }
        const bool ports = e.protocol == 6 || e.protocol == 17;
        e.source = address_arg(a);
        e.source_port = port_match_arg(a, ports);
        e.destination = address_arg(a);
        e.destination_port = port_match_arg(a, ports);
        if (e.protocol == 6) {
            e.established = a.optional_keyword("established");
        }
    } else {
        const std::string_view t = a.word("address");
        if (lower(t) == "any" || lower(t) == "host") {
            --a.pos;
            e.source = address_arg(a);
        } else {
            auto addr = ipv4::parse(t);
            if (!addr) {
                throw line_error{"invalid address '" + std::string(t) + "'"};
            }
            // A lone address in a standard ACE is a host.
            e.source = {*addr, ipv4{0}};
            if (!a.done() && ipv4::parse(a.peek())) {
                e.source.wildcard = a.address("wildcard");
            }
        }
    }
    e.log = a.optional_keyword("log");
    a.end();
    return e;
}

// Inserts before the first entry with a larger sequence number: entries that
// carry numbers stay sorted, the others keep their written order.
void add_ace(access_list& acl, ace e) {
    auto it = acl.entries.end();
    if (e.seq) {
        for (auto j = acl.entries.begin(); j != acl.entries.end(); ++j) {
            if (j->seq == e.seq) {
                throw line_error{"sequence number " + std::to_string(*e.seq) + " already exists"};
            }
            if (j->seq && *j->seq > *e.seq && it == acl.entries.end()) {
                it = j;
            }
        }
    }
    acl.entries.insert(it, std::move(e));
}

// Numbered lists: 1-99 and 1300-1999 are standard, 100-199 and 2000-2699 extended.
std::optional<bool> numbered_is_extended(unsigned n) {
    if ((n >= 1 && n <= 99) || (n >= 1300 && n <= 1999)) {
        return false;
    }
    if ((n >= 100 && n <= 199) || (n >= 2000 && n <= 2699)) {
        return true;
    }
    return std::nullopt;
}

std::size_t acl_index(parser& p, std::string_view name, bool extended) {
    if (is_number(name)) {
        unsigned n = 0;
        std::from_chars(name.data(), name.data() + name.size(), n);
        auto ext = name.size() <= 4 ? numbered_is_extended(n) : std::nullopt;
        if (!ext || *ext != extended) {
            throw line_error{"access list number " + std::string(name) + " is not a valid " +
                             (extended ? "extended" : "standard") + " list number"};
        }
    }
    const std::size_t i = find_or_add(p.cfg.access_lists, name, p.line_number());
    if (p.cfg.access_lists[i].entries.empty()) {
        p.cfg.access_lists[i].extended = extended;
    } else if (p.cfg.access_lists[i].extended != extended) {
        throw line_error{"access list " + std::string(name) + " already exists with another type"};
    }
    return i;
}

void ip_access_list_cmd(parser& p, const frame&, args& a) {
    const bool extended = a.keyword({"extended", "standard"}, "access list type") == "extended";
    const std::string_view name = a.word("access list name");
    a.end();
    p.enter({mode::acl, acl_index(p, name, extended)});
}

void numbered_acl_cmd(parser& p, const frame&, args& a) {
    const std::string_view name = a.word("access list number");
    unsigned n = 0;
    std::from_chars(name.data(), name.data() + name.size(), n);
    auto ext = is_number(name) && name.size() <= 4 ? numbered_is_extended(n) : std::nullopt;
    if (!ext) {
        throw line_error{"invalid access list number '" + std::string(name) + "'"};
    }
    ace e = ace_arg(a, *ext);
    const std::size_t i = acl_index(p, name, *ext);
    add_ace(p.cfg.access_lists[i], std::move(e));
}

void ace_cmd(parser& p, const frame& f, args& a) {
    --a.pos; // the verb was matched as the command keyword; ace_arg reads it again
    ace e = ace_arg(a, p.cfg.access_lists[f.a].extended);
    add_ace(p.cfg.access_lists[f.a], std::move(e));
}

void numbered_ace_cmd(parser& p, const frame& f, args& a) {
    --a.pos;
    const unsigned seq = a.number("sequence number", 1, 2147483647);
    ace e = ace_arg(a, p.cfg.access_lists[f.a].extended);
    e.seq = seq;
    add_ace(p.cfg.access_lists[f.a], std::move(e));
}

// ---- interfaces, routes, appliance -------------------------------------------

interface_cfg& cur_if(parser& p, const frame& f) { return p.cfg.interfaces[f.a]; }

void interface_cmd(parser& p, const frame&, args& a) {
    const std::string name = a.rest();
    if (name.empty()) {
        throw line_error{"missing interface name"};
    }
    p.enter({mode::interface, find_or_add(p.cfg.interfaces, name, p.line_number())});
}

void if_ip_address_cmd(parser& p, const frame& f, args& a) {
    const ipv4 addr = a.address("address");
    const ipv4 mask = a.address("mask");
    auto len = mask_to_prefix(mask);
    if (!len) {
        throw line_error{"mask " + mask.to_string() + " is not contiguous"};
    }
    if (!a.done() && starts_with_ci("secondary", a.peek())) {
        throw line_error{"secondary addresses are not supported"};
    }
    a.end();
    cur_if(p, f).address = ipv4_if_address{addr, *len};
}

void if_no_ip_address_cmd(parser& p, const frame& f, args& a) {
    a.end();
    cur_if(p, f).address.reset();
}

void if_crypto_map_cmd(parser& p, const frame& f, args& a) {
    const std::string_view name = a.word("crypto map name");
    a.end();
    cur_if(p, f).crypto_map = std::string(name);
}

void if_description_cmd(parser& p, const frame& f, args& a) {
    cur_if(p, f).description = a.rest();
    a.pos = a.toks.size();
}

void if_shutdown_cmd(parser& p, const frame& f, args& a) {
    a.end();
    cur_if(p, f).shutdown = true;
}

void if_no_shutdown_cmd(parser& p, const frame& f, args& a) {
    a.end();
    cur_if(p, f).shutdown = false;
}

void if_mtu_cmd(parser& p, const frame& f, args& a) {
    const unsigned mtu = a.number("mtu", 576, 9216);
    a.end();
    cur_if(p, f).mtu = mtu;
}

void if_dpdk_port_cmd(parser& p, const frame& f, args& a) {
    dpdk_port port;
    port.kind = enum_arg<dpdk_port::bus>(a, "dpdk-port bus (vdev or pci)");
    port.spec = std::string(a.word(port.kind == dpdk_port::bus::pci ? "PCI address" : "vdev arguments"));
    a.end();
    if (port.kind == dpdk_port::bus::pci) {
        // DDDD:BB:DD.F or BB:DD.F
        const std::string& s = port.spec;
        const bool long_form = s.size() == 12 && s[4] == ':' && s[7] == ':' && s[10] == '.';
        const bool short_form = s.size() == 7 && s[2] == ':' && s[5] == '.';
        const bool hex = std::all_of(s.begin(), s.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        });
        if (!(long_form || short_form) || !hex) {
            throw line_error{"invalid PCI address '" + s + "' (expected 0000:03:00.1)"};
        }
    } else if (port.spec.rfind("net_", 0) != 0) {
        throw line_error{"vdev arguments must name a DPDK driver, e.g. net_af_packet0,iface=veth1"};
    }
    cur_if(p, f).port = port;
}

// A group address for `ip igmp`: class D; link-local groups (224.0.0.0/24) only
// where `link_local_ok`, since the data plane always hands those to the kernel.
ipv4 group_address(args& a, bool link_local_ok) {
    const ipv4 g = a.address("group address");
    if ((g.value >> 28) != 0xe) {
        throw line_error{g.to_string() + " is not a multicast group address (224.0.0.0-239.255.255.255)"};
    }
    if (!link_local_ok && (g.value >> 8) == 0xe00000) {
        throw line_error{g.to_string() + " is link-local (224.0.0.0/24): it stays on its segment and is never forwarded"};
    }
    return g;
}

void if_igmp_static_group_cmd(parser& p, const frame& f, args& a) {
    if (a.peek() == "*" || starts_with_ci("class-map", a.peek())) {
        throw line_error{"only `ip igmp static-group A.B.C.D` is supported"};
    }
    const ipv4 g = group_address(a, false);
    if (!a.done() && starts_with_ci("source", a.peek())) {
        throw line_error{"source-specific static groups are not supported"};
    }
    a.end();
    auto& groups = cur_if(p, f).igmp_static_groups;
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) {
        groups.push_back(g);
    }
}

void if_no_igmp_static_group_cmd(parser& p, const frame& f, args& a) {
    const ipv4 g = group_address(a, false);
    a.end();
    std::erase(cur_if(p, f).igmp_static_groups, g);
}

void if_igmp_join_group_cmd(parser& p, const frame& f, args& a) {
    igmp_join j;
    j.group = group_address(a, true);
    if (a.optional_keyword("source")) {
        j.source = a.address("source address");
    }
    a.end();
    auto& joins = cur_if(p, f).igmp_joins;
    if (std::find(joins.begin(), joins.end(), j) == joins.end()) {
        joins.push_back(j);
    }
}

void if_no_igmp_join_group_cmd(parser& p, const frame& f, args& a) {
    const ipv4 g = group_address(a, true);
    std::optional<ipv4> source;
    if (a.optional_keyword("source")) {
        source = a.address("source address");
    }
    a.end();
    std::erase(cur_if(p, f).igmp_joins, igmp_join{g, source});
}

template <bool on>
void multicast_routing_cmd(parser& p, const frame&, args& a) {
    a.optional_keyword("distributed"); // IOS XE spelling, same meaning here
    a.end();
    p.cfg.multicast_routing = on;
}

// "ip route P M {NH | IF [NH]}"; with "no" it removes that route, and a "no" for a
// route that is not configured is refused so that a typo does not pass unnoticed.
template <bool add>
void ip_route_cmd(parser& p, const frame&, args& a) {
    static_route r;
    r.prefix = a.address("prefix");
    const ipv4 mask = a.address("mask");
    auto len = mask_to_prefix(mask);
    if (!len) {
        throw line_error{"mask " + mask.to_string() + " is not contiguous"};
    }
    r.prefix_len = *len;
    if ((r.prefix.value & ~mask.value) != 0) {
        throw line_error{"prefix " + r.prefix.to_string() + " has host bits outside mask " + mask.to_string()};
    }
    const std::string_view hop = a.word("next hop or interface");
    if (auto nh = ipv4::parse(hop)) {
        r.next_hop = *nh;
    } else {
        r.interface = std::string(hop);
        if (!a.done()) {
            r.next_hop = a.address("next hop");
        }
    }
    a.end();
    r.line.value = p.line_number();
    auto& routes = p.cfg.routes;
    auto it = std::find_if(routes.begin(), routes.end(), [&](const static_route& x) { return x == r; });
    if (add && it == routes.end()) {
        routes.push_back(r);
    } else if (!add) {
        if (it == routes.end()) {
            throw line_error{"no such route: ip route " + r.prefix.to_string() + " " + mask.to_string() + " " +
                             std::string(hop)};
        }
        routes.erase(it);
    }
}

void dataplane_cmd(parser& p, const frame&, args& a) {
    a.end();
    p.enter({mode::dataplane});
}

template <unsigned dataplane_cfg::*field, unsigned lo, unsigned hi>
void dataplane_value_cmd(parser& p, const frame&, args& a) {
    const unsigned v = a.number("value", lo, hi);
    a.end();
    p.cfg.dataplane.*field = v;
}

// ---- the mode tables ---------------------------------------------------------

using w = std::array<std::string_view, 4>;

const command global_commands[] = {
    {w{"crypto", "isakmp", "policy"}, isakmp_policy_cmd},
    {w{"crypto", "isakmp", "key"}, isakmp_key_cmd},
    {w{"crypto", "isakmp", "keepalive"}, isakmp_keepalive_cmd},
    {w{"crypto", "ipsec", "transform-set"}, transform_set_cmd},
    {w{"crypto", "ipsec", "profile"}, ipsec_profile_cmd},
    {w{"crypto", "ipsec", "df-bit"}, df_bit_cmd},
    {w{"crypto", "gdoi", "group"}, gdoi_group_cmd},
    {w{"crypto", "gdoi", "manual-sa"}, manual_sa_cmd},
    {w{"crypto", "map"}, crypto_map_cmd},
    {w{"crypto", "key", "generate", "rsa"}, rsa_key_cmd},
    {w{"ip", "access-list"}, ip_access_list_cmd},
    {w{"access-list"}, numbered_acl_cmd},
    {w{"interface"}, interface_cmd},
    {w{"ip", "route"}, ip_route_cmd<true>},
    {w{"no", "ip", "route"}, ip_route_cmd<false>},
    {w{"ip", "multicast-routing"}, multicast_routing_cmd<true>},
    {w{"no", "ip", "multicast-routing"}, multicast_routing_cmd<false>},
    {w{"dataplane"}, dataplane_cmd},
    // Harmless lines we keep and print back but do not apply.
    {w{"service"}, keep_global, false},
    {w{"no", "service"}, keep_global, false},
    {w{"hostname"}, keep_global, false},
    {w{"logging"}, keep_global, false},
    {w{"no", "logging"}, keep_global, false},
    {w{"aaa"}, keep_global, false},
    {w{"no", "aaa"}, keep_global, false},
    {w{"resource"}, keep_global, false},
    {w{"clock"}, keep_global, false},
    {w{"ip", "subnet-zero"}, keep_global, false},
    {w{"ip", "classless"}, keep_global, false},
    {w{"ip", "domain"}, keep_global, false},
    {w{"ip", "domain-name"}, keep_global, false},
    {w{"ip", "domain-lookup"}, keep_global, false},
    {w{"no", "ip", "domain"}, keep_global, false},
    {w{"no", "ip", "domain-lookup"}, keep_global, false},
    {w{"ip", "cef"}, keep_global, false},
    {w{"ip", "http"}, keep_global, false},
    {w{"no", "ip", "http"}, keep_global, false},
    {w{"ip", "ssh"}, keep_global, false},
    {w{"ip", "name-server"}, keep_global, false},
    {w{"ip", "forward-protocol"}, keep_global, false},
    {w{"router"}, keep_global, false},
    {w{"line"}, keep_global, false},
    {w{"snmp-server"}, keep_global, false},
    {w{"ntp"}, keep_global, false},
    {w{"banner"}, keep_global, false},
    {w{"username"}, keep_global, false},
    {w{"enable"}, keep_global, false},
    {w{"version"}, keep_global, false},
    {w{"boot"}, keep_global, false},
    {w{"boot-start-marker"}, keep_global, false},
    {w{"boot-end-marker"}, keep_global, false},
    {w{"control-plane"}, keep_global, false},
    {w{"archive"}, keep_global, false},
    {w{"buffers"}, keep_global, false},
    {w{"route-map"}, keep_global, false},
    {w{"class-map"}, keep_global, false},
    {w{"policy-map"}, keep_global, false},
    {w{"cdp"}, keep_global, false},
    {w{"no", "cdp"}, keep_global, false},
    {w{"building"}, keep_global, false},
    {w{"current"}, keep_global, false},
};

const command isakmp_policy_commands[] = {
    {w{"encryption"}, encr_cmd},
    {w{"hash"}, hash_cmd},
    {w{"authentication"}, auth_cmd},
    {w{"group"}, group_cmd},
    {w{"lifetime"}, lifetime_cmd},
};

const command transform_set_commands[] = {
    {w{"mode"}, ts_mode_cmd},
};

const command ipsec_profile_commands[] = {
    {w{"set", "transform-set"}, set_transform_set_cmd},
    {w{"set", "security-association"}, set_sa_lifetime_cmd},
};

const command gdoi_group_commands[] = {
    {w{"identity"}, identity_cmd},
    {w{"server", "address"}, server_address_cmd},
    {w{"server", "local"}, server_local_cmd},
    {w{"passive"}, passive_cmd},
    {w{"client", "rekey", "encryption"}, client_rekey_encryption_cmd},
    {w{"client", "rekey", "hash"}, client_rekey_hash_cmd},
    {w{"client", "transform-sets"}, client_transform_sets_cmd},
    {w{"client", "registration"}, client_registration_cmd},
};

const command server_local_commands[] = {
    {w{"rekey", "algorithm"}, rekey_algorithm_cmd},
    {w{"rekey", "lifetime"}, rekey_lifetime_cmd},
    {w{"rekey", "retransmit"}, rekey_retransmit_cmd},
    {w{"no", "rekey", "retransmit"}, no_rekey_retransmit_cmd},
    {w{"rekey", "authentication"}, rekey_authentication_cmd},
    {w{"rekey", "transport"}, rekey_transport_cmd},
    {w{"rekey", "address"}, server_acl_cmd<&gdoi_server_local::rekey_address_acl>},
    {w{"authorization", "address"}, server_acl_cmd<&gdoi_server_local::authorization_address_acl>},
    {w{"authorization", "identity"}, authorization_identity_cmd},
    {w{"address"}, server_address_local_cmd},
    {w{"sa", "ipsec"}, sa_ipsec_cmd},
    {w{"sa", "receive-only"}, sa_receive_only_cmd},
    {w{"redundancy"}, redundancy_cmd},
};

const command sa_ipsec_commands[] = {
    {w{"profile"}, sa_profile_cmd},
    {w{"match"}, sa_match_cmd},
    {w{"replay"}, replay_cmd},
    {w{"no", "replay"}, no_replay_cmd},
};

const command redundancy_commands[] = {
    {w{"local"}, local_priority_cmd},
    {w{"peer"}, peer_address_cmd},
};

const command map_entry_commands[] = {
    {w{"set", "group"}, set_group_cmd},
    {w{"match"}, map_match_cmd},
};

const command fail_close_commands[] = {
    {w{"match"}, map_match_cmd},
    {w{"activate"}, activate_cmd},
};

const command acl_commands[] = {
    {w{"permit"}, ace_cmd},
    {w{"deny"}, ace_cmd},
    {w{"remark"}, ace_cmd},
    {w{"<n>"}, numbered_ace_cmd},
};

const command interface_commands[] = {
    {w{"ip", "address"}, if_ip_address_cmd},
    {w{"no", "ip", "address"}, if_no_ip_address_cmd},
    {w{"crypto", "map"}, if_crypto_map_cmd},
    {w{"description"}, if_description_cmd},
    {w{"shutdown"}, if_shutdown_cmd},
    {w{"no", "shutdown"}, if_no_shutdown_cmd},
    {w{"mtu"}, if_mtu_cmd},
    {w{"dpdk-port"}, if_dpdk_port_cmd},
    {w{"ip", "igmp", "static-group"}, if_igmp_static_group_cmd},
    {w{"no", "ip", "igmp", "static-group"}, if_no_igmp_static_group_cmd},
    {w{"ip", "igmp", "join-group"}, if_igmp_join_group_cmd},
    {w{"no", "ip", "igmp", "join-group"}, if_no_igmp_join_group_cmd},
};

const command dataplane_commands[] = {
    {w{"workers"}, dataplane_value_cmd<&dataplane_cfg::workers, 1, 64>},
    {w{"mbufs"}, dataplane_value_cmd<&dataplane_cfg::mbufs, 1023, 1048575>},
    {w{"burst"}, dataplane_value_cmd<&dataplane_cfg::burst, 1, 256>},
};

const mode_def& definition(mode m) {
    static const mode_def defs[] = {
        {"global configuration", global_commands, unknown_policy::global},
        {"crypto isakmp policy", isakmp_policy_commands, unknown_policy::strict},
        {"crypto ipsec transform-set", transform_set_commands, unknown_policy::strict},
        {"crypto ipsec profile", ipsec_profile_commands, unknown_policy::strict},
        {"crypto gdoi group", gdoi_group_commands, unknown_policy::strict},
        {"gdoi server local", server_local_commands, unknown_policy::strict},
        {"gdoi sa ipsec", sa_ipsec_commands, unknown_policy::strict},
        {"gdoi redundancy", redundancy_commands, unknown_policy::strict},
        {"crypto map", map_entry_commands, unknown_policy::strict},
        {"crypto map fail-close", fail_close_commands, unknown_policy::strict},
        {"ip access-list", acl_commands, unknown_policy::strict},
        {"interface", interface_commands, unknown_policy::interface},
        {"dataplane", dataplane_commands, unknown_policy::strict},
        {"unsupported block", {}, unknown_policy::opaque},
    };
    return defs[static_cast<std::size_t>(m)];
}

// Splits one physical line; returns false for separators (blank, "!").
bool prepare_line(std::string_view raw, int number, line_info& out) {
    if (!raw.empty() && raw.back() == '\r') {
        raw.remove_suffix(1);
    }
    const auto first = raw.find_first_not_of(" \t");
    if (first == std::string_view::npos || raw[first] == '!') {
        return false;
    }
    out = line_info{};
    out.number = number;
    out.indented = first > 0;
    std::string_view text = raw.substr(first);
    for (std::size_t i = 0; i < text.size();) {
        const auto start = text.find_first_not_of(" \t", i);
        if (start == std::string_view::npos) {
            break;
        }
        const auto stop = std::min(text.find_first_of(" \t", start), text.size());
        out.tokens.push_back(text.substr(start, stop - start));
        i = stop;
    }
    // "... ! comment" ends a line, except in free text (remark, description, banner).
    bool free_text = false;
    for (std::size_t i = 0; i < std::min<std::size_t>(3, out.tokens.size()); ++i) {
        const std::string t = lower(out.tokens[i]);
        free_text = free_text || t == "remark" || (i == 0 && (t == "description" || t == "banner"));
    }
    if (!free_text) {
        auto bang = std::find_if(out.tokens.begin(), out.tokens.end(), [](std::string_view t) { return t[0] == '!'; });
        out.tokens.erase(bang, out.tokens.end());
    }
    if (out.tokens.empty()) {
        return false;
    }
    const std::string_view& last = out.tokens.back();
    out.text = text.substr(0, static_cast<std::size_t>(last.data() + last.size() - text.data()));
    return true;
}

} // namespace

parse_result parse_config(std::string_view input) {
    // Configs pasted from web pages indent with U+00A0 (no-break space); it is
    // whitespace to us. Two bytes become two spaces, so columns do not move.
    std::string owned(input);
    for (std::size_t at = owned.find("\xC2\xA0"); at != std::string::npos; at = owned.find("\xC2\xA0", at)) {
        owned.replace(at, 2, "  ");
    }
    const std::string_view text = owned;
    parser p;
    int number = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto nl = std::min(text.find('\n', pos), text.size());
        const std::string_view raw = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++number;
        line_info line;
        if (!prepare_line(raw, number, line)) {
            continue;
        }
        const std::string first = lower(line.tokens[0]);
        if (line.tokens.size() == 1 && first == "end") {
            break;
        }
        if (line.tokens.size() == 1 && first == "exit") {
            p.exit_mode();
            continue;
        }
        p.parse_line(line);
    }
    parse_result result{std::move(p.cfg), std::move(p.diags)};
    if (!result.ok()) {
        result.cfg = config{};
    }
    return result;
}

} // namespace mgmt
