// Terminal front ends of a console_session: the daemon's (`gdoi-router -i`, on the
// io_context) and gdoictl's (blocking). On a tty, rdline edits; otherwise lines are read as is.
#pragma once

#include "mgmt/console.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace mgmt {

// Characters in, session replies out. Shared by both front ends.
class terminal_driver {
public:
    terminal_driver(console_session& session, int out_fd, bool tty);
    // Shows the first prompt.
    void begin();
    // false once the session asked to quit.
    bool feed(std::string_view data);
    // End of input: a partial line is run, then the session's farewell.
    void end_of_input();

private:
    void on_line(const std::string& line);
    void prompt();
    void write(std::string_view s) const;

    console_session& session_;
    int out_fd_;
    bool tty_;
    bool quit_ = false;
    std::string partial_; // line mode
    std::optional<line_editor> editor_;
};

// Blocking loop over fd `in` until quit or EOF (gdoictl). Restores the terminal.
void run_terminal(console_session& session, int in, int out);

// The daemon's console: reads its terminal on the io_context, never blocking it.
class async_terminal {
public:
    // on_quit runs once, on `quit`/`exit` or end of input.
    async_terminal(boost::asio::io_context& io, console_session& session, std::function<void()> on_quit);
    ~async_terminal();
    async_terminal(const async_terminal&) = delete;
    async_terminal& operator=(const async_terminal&) = delete;

    // Returns "" or why the terminal cannot be read.
    std::string start(int in, int out);
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace mgmt
