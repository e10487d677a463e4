// Blocking Beast client over a UNIX socket, with socket timeouts so that a stuck
// daemon cannot hang gdoictl for ever.
#include "rest_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>
#include <sys/time.h>

namespace gdoictl {

namespace net = boost::asio;
namespace http = boost::beast::http;
using json = nlohmann::json;

http_reply request(const std::string& socket_path, const std::string& method, const std::string& target,
                   const std::string& body, const std::string& content_type)
{
    http_reply out;
    try {
        net::io_context io;
        net::local::stream_protocol::socket sock(io);
        sock.connect(net::local::stream_protocol::endpoint(socket_path));
        timeval tv{30, 0};
        ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

        http::request<http::string_body> req(http::string_to_verb(method), target, 11);
        req.set(http::field::host, "gdoi-router");
        req.set(http::field::user_agent, "gdoictl");
        if (!body.empty()) {
            req.set(http::field::content_type, content_type);
        }
        req.body() = body;
        req.keep_alive(false);
        req.prepare_payload();
        http::write(sock, req);

        boost::beast::flat_buffer buf;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        http::read(sock, buf, parser);
        out.status = parser.get().result_int();
        out.body = std::move(parser.get().body());
    } catch (const boost::system::system_error& e) {
        out.error = "cannot talk to gdoi-router at " + socket_path + ": " + e.code().message();
    }
    return out;
}

namespace {

mgmt::command_output transport_failure(const http_reply& r)
{
    mgmt::command_output out;
    out.result = mgmt::command_output::status::failed;
    out.text = "% " + (r.error.empty() ? "unexpected answer (HTTP " + std::to_string(r.status) + ")" : r.error) + "\n";
    return out;
}

mgmt::command_output::status status_from(const std::string& s)
{
    using st = mgmt::command_output::status;
    for (st v : {st::ok, st::invalid, st::not_built, st::needs_confirmation, st::failed, st::interactive}) {
        if (mgmt::to_string(v) == s) {
            return v;
        }
    }
    return st::failed;
}

} // namespace

mgmt::command_output rest_backend::run(std::string_view line, bool confirmed)
{
    const json req = {{"command", std::string(line)}, {"confirm", confirmed}};
    auto r = request(socket_, "POST", "/commands", req.dump());
    if (r.status == 0) {
        return transport_failure(r);
    }
    try {
        const json j = json::parse(r.body);
        if (!j.contains("status")) {
            mgmt::command_output out;
            out.result = mgmt::command_output::status::failed;
            out.text = "% " + j.value("error", std::string("request refused")) + "\n";
            return out;
        }
        mgmt::command_output out;
        out.result = status_from(j.at("status").get<std::string>());
        out.text = j.at("output").get<std::string>();
        out.data = j.at("data");
        return out;
    } catch (const json::exception&) {
        return transport_failure(r);
    }
}

mgmt::command_output rest_backend::configure(std::string_view lines)
{
    auto r = request(socket_, "PATCH", "/config?format=ios", std::string(lines), "text/plain");
    if (r.status == 0) {
        return transport_failure(r);
    }
    try {
        // Rebuild the service's apply_result so both consoles word it the same way.
        const json j = json::parse(r.body);
        mgmt::apply_result ar;
        auto issues = [](const json& list) {
            std::vector<mgmt::config_issue> out;
            for (const auto& i : list) {
                out.push_back({i.value("source", ""), i.value("line", 0), i.value("path", ""),
                               i.value("message", ""), i.value("text", "")});
            }
            return out;
        };
        mgmt::command_output out;
        if (r.status == 200) {
            ar.generation = j.at("generation").get<std::uint64_t>();
            ar.warnings = issues(j.at("warnings"));
        } else {
            ar.result = mgmt::apply_result::outcome::rejected;
            ar.errors = issues(j.at("details"));
            out.result = mgmt::command_output::status::failed;
        }
        out.text = mgmt::describe(ar);
        out.data = j;
        return out;
    } catch (const json::exception&) {
        return transport_failure(r);
    }
}

std::vector<mgmt::command_spec> rest_backend::specs()
{
    std::vector<mgmt::command_spec> out;
    auto r = request(socket_, "GET", "/commands");
    if (r.status != 200) {
        return out;
    }
    try {
        const json j = json::parse(r.body); // kept alive for the loop below
        for (const auto& s : j.at("commands")) {
            out.push_back(mgmt::command_spec_from_json(s));
        }
    } catch (const json::exception&) {
        out.clear();
    }
    return out;
}

} // namespace gdoictl
