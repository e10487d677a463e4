// The console shared by `gdoi-router -i` and interactive gdoictl: a session (exec and
// config modes, [yes/no] confirmation) over a backend, and DPDK rdline for editing.
#pragma once

#include "mgmt/commands.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct rdline;
struct termios;

namespace mgmt {

// Where a console sends its commands: in process (the daemon) or over REST (gdoictl).
class console_backend {
public:
    virtual ~console_backend() = default;
    virtual command_output run(std::string_view line, bool confirmed) = 0;
    // Config-mode lines, all or nothing; a refusal is status::failed with the reasons.
    virtual command_output configure(std::string_view lines) = 0;
    virtual std::vector<command_spec> specs() = 0;
};

// Runs commands straight on a registry and service (the daemon, tests).
class local_backend final : public console_backend {
public:
    local_backend(service& svc, const command_registry& reg) : svc_(svc), reg_(reg) {}
    command_output run(std::string_view line, bool confirmed) override { return reg_.run(svc_, line, confirmed); }
    command_output configure(std::string_view lines) override;
    std::vector<command_spec> specs() override { return reg_.specs(); }

private:
    service& svc_;
    const command_registry& reg_;
};

// The text a refused configuration change prints: one "% line N: message: text" per issue.
std::string describe(const apply_result& r);

// One operator's console: feed it lines, print what it answers, show its prompt.
class console_session {
public:
    explicit console_session(console_backend& backend, std::string hostname = "gdoi-router");

    struct reply {
        std::string text;
        bool quit = false; // `quit`/`exit` in exec mode, or EOF
    };
    reply input(std::string_view line);
    // End of input: config lines typed but not ended are discarded, and it says so.
    reply eof();
    std::string prompt() const;
    bool in_config_mode() const { return mode_ == mode::config; }
    // Specs for completion; empty in config mode and while a question is open.
    std::vector<command_spec> completion_specs();

private:
    enum class mode { exec, config, confirm };

    console_backend& backend_;
    std::string hostname_;
    mode mode_ = mode::exec;
    std::string pending_config_;  // lines typed since `configure terminal`
    std::string pending_command_; // the destructive command awaiting [yes/no]
    std::optional<std::vector<command_spec>> specs_;
};

// Line editing, history, `?` help and tab completion from DPDK's rdline (as in
// testpmd), fed one character at a time from whatever reads the terminal.
class line_editor {
public:
    using write_fn = std::function<void(std::string_view)>;
    using line_fn = std::function<void(const std::string& line)>;
    using specs_fn = std::function<std::vector<command_spec>()>;

    line_editor(write_fn write, line_fn on_line, specs_fn specs);
    ~line_editor();
    line_editor(const line_editor&) = delete;
    line_editor& operator=(const line_editor&) = delete;

    void start(const std::string& prompt);
    // false on EOF (Ctrl-D on an empty line).
    bool feed(char c);

private:
    static int write_char(struct rdline* rdl, char c);
    static void validate(struct rdline* rdl, const char* buf, unsigned int size);
    static int complete(struct rdline* rdl, const char* buf, char* dst, unsigned int dstsize, int* state);

    write_fn write_;
    line_fn on_line_;
    specs_fn specs_;
    struct rdline* rdl_ = nullptr;
    std::vector<std::string> choices_; // the listing being printed by complete()
    std::optional<std::string> validated_; // the line rdline just validated
};

// Puts a terminal in character mode (no canonical input, no echo) while it lives.
class raw_terminal {
public:
    explicit raw_terminal(int fd);
    ~raw_terminal();
    raw_terminal(const raw_terminal&) = delete;
    raw_terminal& operator=(const raw_terminal&) = delete;
    bool active() const { return saved_ != nullptr; }

private:
    int fd_;
    std::unique_ptr<struct termios> saved_;
};

} // namespace mgmt
