// gdoictl's side of the REST API: one HTTP/1.1 request per call over the daemon's
// UNIX socket, and a console_backend that runs console commands through it.
#pragma once

#include "mgmt/console.hpp"

#include <string>

namespace gdoictl {

struct http_reply {
    unsigned status = 0; // 0: the request did not get through
    std::string body;
    std::string error; // transport error when status == 0
};

http_reply request(const std::string& socket_path, const std::string& method, const std::string& target,
                   const std::string& body = {}, const std::string& content_type = "application/json");

class rest_backend final : public mgmt::console_backend {
public:
    explicit rest_backend(std::string socket_path) : socket_(std::move(socket_path)) {}

    mgmt::command_output run(std::string_view line, bool confirmed) override;
    mgmt::command_output configure(std::string_view lines) override;
    std::vector<mgmt::command_spec> specs() override;

private:
    std::string socket_;
};

} // namespace gdoictl
