// gdoictl: the command-line client of gdoi-router's REST socket. With a command it
// runs it and exits (non-zero on error); without, it is the interactive console.
#include "rest_client.hpp"

#include "mgmt/terminal.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr const char* usage =
    "usage: gdoictl [--socket PATH] [--yes] [--json] [COMMAND...]\n"
    "\n"
    "  COMMAND           a console command, e.g. `show interfaces`, `sh cry gdoi`;\n"
    "                    `configure terminal` reads configuration lines from stdin\n"
    "                    and applies them all or none\n"
    "  (no COMMAND)      interactive console: history, `?` help, TAB completion\n"
    "  --socket PATH     the daemon's socket (default $GDOICTL_SOCKET or /run/gdoi-router/mgmt.sock)\n"
    "  --yes             confirm a destructive command (the console asks [yes/no])\n"
    "  --json            print the command's structured data as JSON instead of its text\n"
    "\n"
    "exit status: 0 done, 1 the command failed or was refused, 2 usage or the daemon cannot be reached\n";

constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

} // namespace

int main(int argc, char* argv[])
{
    std::string socket = "/run/gdoi-router/mgmt.sock";
    if (const char* env = std::getenv("GDOICTL_SOCKET"); env != nullptr && *env != '\0') {
        socket = env;
    }
    bool yes = false;
    bool as_json = false;
    std::vector<std::string> words;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (!words.empty()) {
            words.push_back(a);
        } else if (a == "--socket") {
            if (i + 1 >= argc) {
                std::cerr << "gdoictl: --socket needs a PATH\n";
                return exit_usage;
            }
            socket = argv[++i];
        } else if (a == "--yes" || a == "-y") {
            yes = true;
        } else if (a == "--json") {
            as_json = true;
        } else if (a == "-h" || a == "--help") {
            std::cout << usage;
            return 0;
        } else if (a.starts_with("-")) {
            std::cerr << "gdoictl: unknown option '" << a << "' (try --help)\n";
            return exit_usage;
        } else {
            words.push_back(a);
        }
    }

    gdoictl::rest_backend backend(socket);
    if (words.empty()) {
        // Fail early and plainly when the daemon is not there.
        auto probe = gdoictl::request(socket, "GET", "/state/version");
        if (probe.status == 0) {
            std::cerr << "gdoictl: " << probe.error << '\n';
            return exit_usage;
        }
        mgmt::console_session session(backend);
        mgmt::run_terminal(session, STDIN_FILENO, STDOUT_FILENO);
        return 0;
    }

    std::string line;
    for (const auto& w : words) {
        line += (line.empty() ? "" : " ") + w;
    }
    auto out = backend.run(line, yes);
    if (out.result == mgmt::command_output::status::interactive) {
        // `configure terminal` from a script: the lines come on stdin.
        std::string text(std::istreambuf_iterator<char>(std::cin), {});
        out = backend.configure(text);
    }
    if (out.result == mgmt::command_output::status::needs_confirmation) {
        std::cerr << "% " << line << ": destructive; rerun with --yes to confirm\n";
        return exit_failed;
    }
    if (out.ok()) {
        if (as_json) {
            std::cout << out.data.dump(2) << '\n';
        } else {
            std::cout << out.text;
        }
        return 0;
    }
    std::cerr << out.text;
    const bool unreachable = out.result == mgmt::command_output::status::failed &&
                             out.text.find("cannot talk to gdoi-router") != std::string::npos;
    return unreachable ? exit_usage : exit_failed;
}
