// Parsing of gdoi-router's command line.
#include "options.hpp"

#include <charconv>
#include <string_view>

namespace app {

const char* const usage_text =
    "usage: gdoi-router --config FILE [-i] [--stats-interval SEC] [--log-format text|json]\n"
    "                   [--mgmt-socket PATH|none] [--mgmt-tcp 127.0.0.1:PORT --mgmt-token-file F]\n"
    "                   [--syslog PATH|none] [-- EAL-ARGS...]\n"
    "       gdoi-router --check-config FILE\n"
    "       gdoi-router --version | --help\n"
    "\n"
    "  --config FILE          run with this IOS-style configuration\n"
    "  --check-config FILE    parse and validate FILE, print warnings, start nothing;\n"
    "                         exit 0 when usable, 2 when not\n"
    "  -i                     interactive console on this terminal\n"
    "  --stats-interval SEC   print a 'stats:' line of port and lcore counters every SEC seconds\n"
    "  --log-format FMT       events on stderr as 'text' (default) or 'json' lines\n"
    "  --syslog PATH          also send events to syslog as RFC 5424 lines on this datagram socket\n"
    "                         (default /dev/log); 'none' for no syslog\n"
    "  --mgmt-socket PATH     REST API on this UNIX socket, mode 0600 (default /run/gdoi-router/mgmt.sock);\n"
    "                         'none' for no socket\n"
    "  --mgmt-tcp ADDR:PORT   also serve the REST API on loopback TCP (needs --mgmt-token-file);\n"
    "                         port 0 picks a free port, printed on the 'management:' line\n"
    "  --mgmt-token-file F    bearer token for the TCP listener, read from F\n"
    "  --state-dir DIR        where a key server keeps its rekey RSA keys (default /var/lib/gdoi-router)\n"
    "  --keylog FILE          append Wireshark ikev1_decryption_table and esp_sa lines for every\n"
    "                         phase-1 SA and TEK (debugging only: these are secrets)\n"
    "  -- EAL-ARGS            passed to DPDK's EAL after the ones gdoi-router builds\n";

std::variant<options, std::string> parse_options(int argc, const char* const argv[])
{
    options o;
    bool have_config = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) {
                return std::nullopt;
            }
            return std::string(argv[++i]);
        };
        if (a == "--") {
            for (++i; i < argc; ++i) {
                o.eal_args.emplace_back(argv[i]);
            }
            break;
        }
        if (a == "--config" || a == "--check-config") {
            if (have_config) {
                return std::string("give only one of --config and --check-config, once");
            }
            auto v = value();
            if (!v) {
                return std::string(a) + " needs a FILE";
            }
            o.config_path = *v;
            o.check_only = a == "--check-config";
            have_config = true;
        } else if (a == "-i" || a == "--interactive") {
            o.interactive = true;
        } else if (a == "--stats-interval") {
            auto v = value();
            unsigned n = 0;
            if (!v || std::from_chars(v->data(), v->data() + v->size(), n).ec != std::errc{} || n > 86400) {
                return std::string("--stats-interval needs a number of seconds (0-86400)");
            }
            o.stats_interval = n;
        } else if (a == "--log-format") {
            auto v = value();
            if (!v || (*v != "text" && *v != "json")) {
                return std::string("--log-format takes 'text' or 'json'");
            }
            o.json_log = *v == "json";
        } else if (a == "--syslog") {
            auto v = value();
            // sun_path holds 107 characters and the terminating NUL.
            if (!v || v->empty() || v->size() > 107) {
                return std::string("--syslog needs a socket PATH (at most 107 characters) or 'none'");
            }
            o.syslog_path = *v == "none" ? std::string{} : *v;
        } else if (a == "--mgmt-socket") {
            auto v = value();
            if (!v || v->empty()) {
                return std::string("--mgmt-socket needs a PATH or 'none'");
            }
            o.mgmt_socket = *v == "none" ? std::string{} : *v;
            o.mgmt_socket_given = true;
        } else if (a == "--mgmt-tcp") {
            auto v = value();
            const auto colon = v ? v->rfind(':') : std::string::npos;
            unsigned port = 0;
            if (colon == std::string::npos || colon == 0 ||
                std::from_chars(v->data() + colon + 1, v->data() + v->size(), port).ec != std::errc{} ||
                port > 65535) {
                return std::string("--mgmt-tcp needs ADDRESS:PORT, e.g. 127.0.0.1:8080 (port 0: any free port)");
            }
            o.mgmt_tcp_address = v->substr(0, colon);
            if (o.mgmt_tcp_address.size() > 2 && o.mgmt_tcp_address.front() == '[' &&
                o.mgmt_tcp_address.back() == ']') {
                o.mgmt_tcp_address = o.mgmt_tcp_address.substr(1, o.mgmt_tcp_address.size() - 2);
            }
            o.mgmt_tcp_port = static_cast<std::uint16_t>(port);
        } else if (a == "--mgmt-token-file") {
            auto v = value();
            if (!v || v->empty()) {
                return std::string("--mgmt-token-file needs a FILE");
            }
            o.mgmt_token_file = *v;
        } else if (a == "--state-dir" || a == "--keylog") {
            auto v = value();
            if (!v || v->empty()) {
                return std::string(a) + " needs a path";
            }
            (a == "--state-dir" ? o.state_dir : o.keylog) = *v;
        } else if (a == "-h" || a == "--help") {
            o.help = true;
        } else if (a == "--version") {
            o.version = true;
        } else {
            return "unknown option '" + std::string(a) + "' (try --help)";
        }
    }
    if (!o.help && !o.version && !have_config) {
        return std::string("no configuration: give --config FILE or --check-config FILE (try --help)");
    }
    if (o.check_only && (o.interactive || !o.eal_args.empty())) {
        return std::string("--check-config starts nothing: -i and EAL arguments do not apply");
    }
    if (!o.mgmt_tcp_address.empty() && o.mgmt_token_file.empty()) {
        return std::string("--mgmt-tcp needs --mgmt-token-file: no TCP listener without a token");
    }
    return o;
}

} // namespace app
