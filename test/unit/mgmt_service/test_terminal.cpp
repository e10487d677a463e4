// The terminal front end: rdline editing with TAB completion, `?` help and history on
// a tty, plain lines on a pipe; both drive the same console session.
#include "fixture.hpp"

#include "mgmt/terminal.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace {

// Captures what the terminal writes, through a pipe.
struct capture {
    int fds[2] = {-1, -1};
    capture()
    {
        REQUIRE(::pipe2(fds, O_NONBLOCK) == 0);
    }
    ~capture()
    {
        ::close(fds[0]);
        ::close(fds[1]);
    }
    std::string take()
    {
        std::string out;
        char buf[4096];
        ssize_t n = 0;
        while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }
};

} // namespace

TEST_CASE("on a tty, TAB completes a word and the line runs on Enter")
{
    test::fixture f;
    mgmt::local_backend backend(f.svc, f.commands);
    mgmt::console_session session(backend);
    capture out;
    mgmt::terminal_driver term(session, out.fds[1], true);
    term.begin();
    CHECK(out.take() == "gdoi-router# ");
    CHECK(term.feed("sh int\t"));
    CHECK(out.take().find("sh interfaces ") != std::string::npos);
    CHECK(term.feed("\r"));
    auto shown = out.take();
    CHECK(shown.find(f.run("show interfaces").text) != std::string::npos);
    CHECK(shown.ends_with("gdoi-router# "));
}

TEST_CASE("on a tty, ? lists the next words with their help, and history recalls a line")
{
    test::fixture f;
    mgmt::local_backend backend(f.svc, f.commands);
    mgmt::console_session session(backend);
    capture out;
    mgmt::terminal_driver term(session, out.fds[1], true);
    term.begin();
    term.feed("show ?");
    auto help = out.take();
    CHECK(help.find(" running-config       Current operating configuration") != std::string::npos);
    CHECK(help.find(" lcores               Worker lcores and their counters") != std::string::npos);
    term.feed("version\r");
    CHECK(out.take().find("gdoi-router version 0.1.0") != std::string::npos);
    term.feed("\x1b[A\r"); // up arrow: the last line again
    CHECK(out.take().find("gdoi-router version 0.1.0") != std::string::npos);
    CHECK_FALSE(term.feed("quit\r"));
}

TEST_CASE("on a pipe, lines are read as they come and end of input quits")
{
    test::fixture f;
    mgmt::local_backend backend(f.svc, f.commands);
    mgmt::console_session session(backend);
    capture out;
    mgmt::terminal_driver term(session, out.fds[1], false);
    term.begin();
    CHECK(term.feed("sh ver\nconf t\nip route 172.16.0.0 255.255.0.0 192.168.1.254\n"));
    CHECK(term.feed("end\nsh lc"));
    term.end_of_input(); // the unterminated last line still runs
    auto all = out.take();
    CHECK(all.find("Roles: router") != std::string::npos);
    CHECK(all.find("% Configuration applied (generation 2).") != std::string::npos);
    CHECK(all.find(f.run("show lcores").text) != std::string::npos);
    CHECK(f.svc.running().routes.size() == 2);
}
