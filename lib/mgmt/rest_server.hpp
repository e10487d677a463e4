// The REST API (docs/api.md): HTTP/1.1 with JSON bodies over a UNIX socket (mode 0600)
// and optionally loopback TCP with a bearer token, all on the caller's io_context.
#pragma once

#include "mgmt/commands.hpp"
#include "mgmt/service.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace mgmt {

// One request and its answer, without sockets: the routing and error mapping of the
// API, shared by the server and the tests.
struct rest_request {
    std::string method; // "GET", "PUT", ...
    std::string target; // "/config?format=ios"
    std::string body;
    // Who sends it, for SYS-5-CONFIG_I: gdoictl (by its User-Agent) or any other REST client.
    change_origin origin{"REST", "unix socket"};
};

struct rest_response {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string allow; // for 405
};

rest_response handle_request(service& svc, const command_registry& reg, const rest_request& req);
// {"error": message, "details": details} with the status.
rest_response error_response(unsigned status, const std::string& message,
                             const nlohmann::json& details = nlohmann::json::array());

struct rest_options {
    std::string unix_path;          // "" = no UNIX socket
    std::string tcp_address;        // "" = no TCP listener; must be a loopback address
    std::uint16_t tcp_port = 0;     // 0 = any free port (tests)
    std::string token;              // required with TCP: "Authorization: Bearer <token>"
    std::size_t body_limit = 1 << 20;
    std::chrono::milliseconds io_timeout{10'000}; // to read one request or write one response
    std::size_t stream_queue_limit = 4096;        // events queued for a slow /events reader
};

class rest_server {
public:
    rest_server(boost::asio::io_context& io, service& svc, const command_registry& reg, rest_options opts);
    ~rest_server();
    rest_server(const rest_server&) = delete;
    rest_server& operator=(const rest_server&) = delete;

    // Binds the listeners and starts accepting. Returns "" or an error naming the socket.
    std::string start();
    // Closes the listeners and every connection, and removes the UNIX socket file.
    void stop();
    // The bound TCP port (after start), 0 without TCP.
    std::uint16_t tcp_port() const;

    struct impl; // the listeners and sessions, in rest_server.cpp

private:
    std::shared_ptr<impl> impl_;
};

} // namespace mgmt
