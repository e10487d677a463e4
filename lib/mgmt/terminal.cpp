// Terminal front ends: rdline on a tty (raw mode), plain lines on a pipe.
#include "mgmt/terminal.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace mgmt {

terminal_driver::terminal_driver(console_session& session, int out_fd, bool tty)
    : session_(session), out_fd_(out_fd), tty_(tty)
{
    if (tty_) {
        editor_.emplace([this](std::string_view s) { write(s); }, [this](const std::string& l) { on_line(l); },
                        [this] { return session_.completion_specs(); });
    }
}

void terminal_driver::write(std::string_view s) const
{
    while (!s.empty()) {
        const ssize_t n = ::write(out_fd_, s.data(), s.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; // the terminal went away; nothing useful to do
        }
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

void terminal_driver::begin() { prompt(); }

void terminal_driver::prompt()
{
    if (editor_) {
        editor_->start(session_.prompt());
    } else {
        write(session_.prompt());
    }
}

void terminal_driver::on_line(const std::string& line)
{
    auto r = session_.input(line);
    write(r.text);
    if (r.quit) {
        quit_ = true;
        return;
    }
    prompt();
}

bool terminal_driver::feed(std::string_view data)
{
    for (char c : data) {
        if (quit_) {
            break;
        }
        if (editor_) {
            if (!editor_->feed(c)) {
                end_of_input();
            }
            continue;
        }
        if (c == '\n') {
            std::string line = std::exchange(partial_, {});
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            on_line(line);
        } else {
            partial_ += c;
        }
    }
    return !quit_;
}

void terminal_driver::end_of_input()
{
    if (quit_) {
        return;
    }
    if (!partial_.empty()) {
        on_line(std::exchange(partial_, {}));
        if (quit_) {
            return;
        }
    }
    write("\n");
    auto r = session_.eof();
    write(r.text);
    quit_ = true;
}

void run_terminal(console_session& session, int in, int out)
{
    raw_terminal raw(in);
    terminal_driver driver(session, out, raw.active());
    driver.begin();
    std::array<char, 512> buf{};
    for (;;) {
        const ssize_t n = ::read(in, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            driver.end_of_input();
            return;
        }
        if (!driver.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)))) {
            return;
        }
    }
}

struct async_terminal::impl {
    impl(boost::asio::io_context& io, console_session& s, std::function<void()> q)
        : session(s), on_quit(std::move(q)), in(io)
    {
    }

    void read()
    {
        in.async_read_some(boost::asio::buffer(buf), [this](const boost::system::error_code& ec, std::size_t n) {
            if (ec == boost::asio::error::operation_aborted || stopped) {
                return;
            }
            bool more = true;
            if (ec) {
                driver->end_of_input();
                more = false;
            } else {
                more = driver->feed(std::string_view(buf.data(), n));
            }
            if (more) {
                read();
            } else {
                quit();
            }
        });
    }

    void quit()
    {
        stopped = true;
        raw.reset(); // the operator gets a sane terminal back at once
        if (on_quit) {
            std::exchange(on_quit, nullptr)();
        }
    }

    console_session& session;
    std::function<void()> on_quit;
    boost::asio::posix::stream_descriptor in;
    std::unique_ptr<raw_terminal> raw;
    std::optional<terminal_driver> driver;
    std::array<char, 512> buf{};
    bool stopped = false;
};

async_terminal::async_terminal(boost::asio::io_context& io, console_session& session, std::function<void()> on_quit)
    : impl_(std::make_unique<impl>(io, session, std::move(on_quit)))
{
}

async_terminal::~async_terminal() { stop(); }

std::string async_terminal::start(int in, int out)
{
    // A duplicate, so that closing the descriptor on stop leaves the process's stdin alone.
    const int fd = ::dup(in);
    if (fd < 0) {
        return std::string("cannot use the terminal: ") + std::strerror(errno);
    }
    boost::system::error_code ec;
    impl_->in.assign(fd, ec);
    if (ec) {
        ::close(fd);
        return "cannot read the terminal: " + ec.message();
    }
    impl_->raw = std::make_unique<raw_terminal>(in);
    impl_->driver.emplace(impl_->session, out, impl_->raw->active());
    impl_->driver->begin();
    impl_->read();
    return {};
}

void async_terminal::stop()
{
    impl_->stopped = true;
    boost::system::error_code ec;
    impl_->in.close(ec);
    impl_->raw.reset();
}

} // namespace mgmt
