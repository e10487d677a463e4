// Console session (modes, confirmation) and the rdline-based line editor shared by
// `gdoi-router -i` and gdoictl.
#include "mgmt/console.hpp"

#include <cmdline_rdline.h>

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace mgmt {

namespace {

std::string trim(std::string_view s)
{
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])) != 0) {
        ++b;
    }
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])) != 0) {
        --e;
    }
    return std::string(s.substr(b, e - b));
}

std::string issue_line(const config_issue& i)
{
    std::string out;
    if (i.line > 0) {
        out += "line " + std::to_string(i.line) + ": ";
    }
    if (!i.path.empty()) {
        out += i.path + ": ";
    }
    out += i.message;
    if (!i.text.empty()) {
        out += ": " + i.text;
    }
    return out;
}

} // namespace

std::string describe(const apply_result& r)
{
    std::string out;
    if (r.ok()) {
        out = "% Configuration applied (generation " + std::to_string(r.generation) + ").\n";
        for (const auto& w : r.warnings) {
            out += "% warning: " + issue_line(w) + "\n";
        }
        return out;
    }
    out = "% Configuration rejected; nothing was applied:\n";
    for (const auto& e : r.errors) {
        out += "%   " + issue_line(e) + "\n";
    }
    return out;
}

command_output local_backend::configure(std::string_view lines)
{
    auto r = svc_.merge_lines(lines);
    command_output out;
    out.result = r.ok() ? command_output::status::ok : command_output::status::failed;
    out.text = describe(r);
    out.data = to_json(r);
    return out;
}

// ---- console_session -------------------------------------------------------------------

console_session::console_session(console_backend& backend, std::string hostname)
    : backend_(backend), hostname_(std::move(hostname))
{
}

std::string console_session::prompt() const
{
    switch (mode_) {
    case mode::exec:
        return hostname_ + "# ";
    case mode::config:
        return hostname_ + "(config)# ";
    case mode::confirm:
        return "Are you sure you want to proceed ? [yes/no]: ";
    }
    return "# ";
}

std::vector<command_spec> console_session::completion_specs()
{
    if (mode_ != mode::exec) {
        return {};
    }
    if (!specs_) {
        specs_ = backend_.specs();
    }
    return *specs_;
}

console_session::reply console_session::input(std::string_view raw)
{
    const std::string line = trim(raw);
    reply r;
    switch (mode_) {
    case mode::confirm: {
        mode_ = mode::exec;
        std::string answer = line;
        std::transform(answer.begin(), answer.end(), answer.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (answer == "yes" || answer == "y") {
            r.text = backend_.run(std::exchange(pending_command_, {}), true).text;
        } else {
            pending_command_.clear();
            r.text = "% Not confirmed; nothing was done.\n";
        }
        return r;
    }
    case mode::config:
        if (line == "end" || line == "\x1a") {
            mode_ = mode::exec;
            r.text = backend_.configure(std::exchange(pending_config_, {})).text;
        } else if (line == "abort") {
            mode_ = mode::exec;
            pending_config_.clear();
            r.text = "% Configuration discarded; nothing was applied.\n";
        } else {
            // Kept as typed (indentation included): the parser places it by mode.
            pending_config_ += std::string(raw);
            pending_config_ += '\n';
        }
        return r;
    case mode::exec:
        break;
    }
    if (line.empty()) {
        return r;
    }
    if (line == "quit" || line == "exit") {
        r.quit = true;
        return r;
    }
    if (!specs_) {
        specs_ = backend_.specs();
    }
    auto m = match_command(*specs_, line);
    if (m.result == command_match::kind::ok && m.canonical == "configure terminal") {
        mode_ = mode::config;
        r.text = "Enter configuration commands, one per line. End with `end` (applies them all or none) or "
                 "`abort`.\n";
        return r;
    }
    auto out = backend_.run(line, false);
    if (out.result == command_output::status::needs_confirmation) {
        mode_ = mode::confirm;
        pending_command_ = line;
        return r;
    }
    r.text = std::move(out.text);
    return r;
}

console_session::reply console_session::eof()
{
    reply r;
    r.quit = true;
    if (mode_ == mode::config && !pending_config_.empty()) {
        r.text = "% End of input in configuration mode: the lines typed were discarded.\n";
    }
    pending_config_.clear();
    mode_ = mode::exec;
    return r;
}

// ---- line_editor -----------------------------------------------------------------------

line_editor::line_editor(write_fn write, line_fn on_line, specs_fn specs)
    : write_(std::move(write)), on_line_(std::move(on_line)), specs_(std::move(specs))
{
    rdl_ = rdline_new(&line_editor::write_char, &line_editor::validate, &line_editor::complete, this);
    if (rdl_ == nullptr) {
        throw std::runtime_error("rdline_new failed");
    }
}

line_editor::~line_editor() { rdline_free(rdl_); }

void line_editor::start(const std::string& prompt) { rdline_newline(rdl_, prompt.c_str()); }

bool line_editor::feed(char c)
{
    const int rc = rdline_char_in(rdl_, c);
    if (rc == RDLINE_RES_EOF || rc == RDLINE_RES_EXITED) {
        return false;
    }
    if (rc == RDLINE_RES_VALIDATED && validated_) {
        // Outside rdline's callback: the handler may start the next line.
        on_line_(std::exchange(*validated_, {}));
        validated_.reset();
    }
    return true;
}

int line_editor::write_char(struct rdline* rdl, char c)
{
    auto* self = static_cast<line_editor*>(rdline_get_opaque(rdl));
    self->write_(std::string_view(&c, 1));
    return 0;
}

void line_editor::validate(struct rdline* rdl, const char* buf, unsigned int size)
{
    auto* self = static_cast<line_editor*>(rdline_get_opaque(rdl));
    std::string line(buf, strnlen(buf, size));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.pop_back();
    }
    if (!trim(line).empty()) {
        rdline_add_history(rdl, line.c_str());
    }
    self->validated_ = std::move(line);
}

int line_editor::complete(struct rdline* rdl, const char* buf, char* dst, unsigned int dstsize, int* state)
{
    auto* self = static_cast<line_editor*>(rdline_get_opaque(rdl));
    auto copy_out = [&](const std::string& s) { std::snprintf(dst, dstsize, "%s", s.c_str()); };
    if (*state <= 0) {
        // First call: TAB (state 0) completes a word when it can; `?` (state -1),
        // or a TAB with several candidates, lists them one per call.
        const auto specs = self->specs_();
        if (*state == 0) {
            auto add = complete_word(specs, buf);
            if (!add.empty()) {
                copy_out(add);
                return RDLINE_RES_COMPLETE;
            }
        }
        self->choices_.clear();
        for (const auto& c : complete_choices(specs, buf)) {
            char row[256];
            std::snprintf(row, sizeof row, "%-20s %s", c.word.c_str(), c.help.c_str());
            self->choices_.emplace_back(row);
        }
        if (self->choices_.empty()) {
            if (*state == 0 || specs.empty()) {
                return 0;
            }
            self->choices_.emplace_back("% Unrecognized command");
        }
        *state = 0;
    }
    const auto idx = static_cast<std::size_t>(*state);
    if (idx >= self->choices_.size()) {
        return 0;
    }
    copy_out(self->choices_[idx]);
    *state = static_cast<int>(idx + 1);
    return 1;
}

// ---- raw_terminal ----------------------------------------------------------------------

raw_terminal::raw_terminal(int fd) : fd_(fd)
{
    termios t{};
    if (::isatty(fd) == 0 || ::tcgetattr(fd, &t) != 0) {
        return;
    }
    saved_ = std::make_unique<termios>(t);
    // Character at a time, no echo (rdline echoes); signals (Ctrl-C) still work.
    t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    ::tcsetattr(fd, TCSANOW, &t);
}

raw_terminal::~raw_terminal()
{
    if (saved_) {
        ::tcsetattr(fd_, TCSANOW, saved_.get());
    }
}

} // namespace mgmt
