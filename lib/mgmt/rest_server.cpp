// REST routing (handle_request) and the Boost.Beast server: one asynchronous session
// per connection with a timeout on every read and write, so no client can stall another.
#include "mgmt/rest_server.hpp"

#include "mgmt/config_json.hpp"
#include "mgmt/ios_printer.hpp"
#include "mgmt/metrics.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <type_traits>

namespace mgmt {

namespace net = boost::asio;
namespace http = boost::beast::http;
using json = nlohmann::json;

// ---- routing ------------------------------------------------------------------------------

namespace {

struct target_parts {
    std::string path;
    std::map<std::string, std::string> query;
};

std::string percent_decode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            unsigned v = 0;
            if (std::sscanf(std::string(s.substr(i + 1, 2)).c_str(), "%2x", &v) == 1) {
                out += static_cast<char>(v);
                i += 2;
                continue;
            }
        }
        out += s[i] == '+' ? ' ' : s[i];
    }
    return out;
}

target_parts split_target(std::string_view target)
{
    target_parts t;
    auto q = target.find('?');
    t.path = std::string(target.substr(0, q));
    while (t.path.size() > 1 && t.path.back() == '/') {
        t.path.pop_back();
    }
    if (q == std::string_view::npos) {
        return t;
    }
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view kv = rest.substr(0, amp);
        auto eq = kv.find('=');
        t.query[percent_decode(kv.substr(0, eq))] =
            eq == std::string_view::npos ? std::string{} : percent_decode(kv.substr(eq + 1));
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    }
    return t;
}

rest_response json_response(unsigned status, const json& j)
{
    return {status, "application/json", j.dump(2) + "\n", {}};
}

rest_response method_not_allowed(const std::string& allow)
{
    auto r = error_response(405, "method not allowed; this resource takes " + allow);
    r.allow = allow;
    return r;
}

// JSON bodies: a parse error is a 400 naming the position.
std::optional<json> parse_body(const std::string& body, rest_response& err)
{
    try {
        return json::parse(body);
    } catch (const json::parse_error& e) {
        err = error_response(400, "malformed JSON", json::array({{{"message", e.what()}, {"byte", e.byte}}}));
        return std::nullopt;
    }
}

rest_response apply_response(const apply_result& r)
{
    json details = json::array();
    for (const auto& e : r.errors) {
        details.push_back(to_json(e));
    }
    switch (r.result) {
    case apply_result::outcome::applied:
        return json_response(200, to_json(r));
    case apply_result::outcome::bad_request:
        return error_response(400, "invalid configuration JSON; nothing was applied", details);
    case apply_result::outcome::rejected:
        break;
    }
    return error_response(422, "configuration rejected; nothing was applied", details);
}

std::optional<std::string> format_of(const target_parts& t, rest_response& err)
{
    auto it = t.query.find("format");
    if (it == t.query.end() || it->second == "json") {
        return std::string("json");
    }
    if (it->second == "ios") {
        return std::string("ios");
    }
    err = error_response(400, "format must be json or ios, not '" + it->second + "'");
    return std::nullopt;
}

rest_response config_endpoint(service& svc, const rest_request& req, const target_parts& t)
{
    rest_response err;
    auto fmt = format_of(t, err);
    if (!fmt) {
        return err;
    }
    const bool ios = *fmt == "ios";
    if (req.method == "GET") {
        const auto cfg = svc.running();
        if (ios) {
            return {200, "text/plain; charset=utf-8", print_config(cfg), {}};
        }
        return json_response(200, to_json(cfg));
    }
    if (req.method == "PUT" || req.method == "PATCH") {
        if (ios) {
            return apply_response(req.method == "PUT" ? svc.replace_text(req.body, req.origin)
                                                      : svc.merge_lines(req.body, req.origin));
        }
        auto body = parse_body(req.body, err);
        if (!body) {
            return err;
        }
        if (!body->is_object()) {
            return error_response(400, "the configuration must be a JSON object");
        }
        return apply_response(req.method == "PUT" ? svc.replace_json(*body, req.origin)
                                                  : svc.merge_patch(*body, req.origin));
    }
    return method_not_allowed("GET, PUT, PATCH");
}

unsigned status_of(command_output::status s)
{
    switch (s) {
    case command_output::status::ok:
        return 200;
    case command_output::status::invalid:
    case command_output::status::interactive:
        return 400;
    case command_output::status::not_built:
        return 501;
    case command_output::status::needs_confirmation:
        return 428;
    case command_output::status::failed:
        return 422;
    }
    return 500;
}

rest_response command_response(const command_output& out, const std::string& line)
{
    json j = {{"command", line}, {"status", to_string(out.result)}, {"output", out.text}, {"data", out.data}};
    if (!out.ok()) {
        // The last line says what is wrong ("% Invalid input detected at '^' marker.").
        std::string text = out.text;
        while (!text.empty() && text.back() == '\n') {
            text.pop_back();
        }
        auto nl = text.rfind('\n');
        j["error"] = nl == std::string::npos ? text : text.substr(nl + 1);
        j["details"] = json::array();
    }
    return json_response(status_of(out.result), j);
}

rest_response commands_endpoint(service& svc, const command_registry& reg, const rest_request& req,
                                 const target_parts& t)
{
    if (t.path == "/commands" && req.method == "GET") {
        json list = json::array();
        for (const auto& s : reg.specs()) {
            list.push_back(to_json(s));
        }
        return json_response(200, {{"commands", list}});
    }
    if (req.method != "POST") {
        return method_not_allowed(t.path == "/commands" ? "GET, POST" : "POST");
    }
    std::string line;
    bool confirm = false;
    rest_response err;
    json body = json::object();
    if (!req.body.empty() || t.path == "/commands") {
        auto parsed = parse_body(req.body, err);
        if (!parsed) {
            return err;
        }
        body = std::move(*parsed);
    }
    if (!body.is_object()) {
        return error_response(400, "the request must be a JSON object");
    }
    json details = json::array();
    for (const auto& [key, value] : body.items()) {
        if (key == "confirm") {
            if (!value.is_boolean()) {
                details.push_back({{"path", "/confirm"}, {"message", "must be true or false"}});
            } else {
                confirm = value.get<bool>();
            }
        } else if (key == "command" && t.path == "/commands") {
            if (!value.is_string()) {
                details.push_back({{"path", "/command"}, {"message", "must be a string"}});
            } else {
                line = value.get<std::string>();
            }
        } else {
            details.push_back({{"path", "/" + key}, {"message", "unknown field"}});
        }
    }
    if (!details.empty()) {
        return error_response(400, "invalid command request", details);
    }
    if (t.path == "/commands") {
        if (line.find_first_not_of(" \t") == std::string::npos) {
            return error_response(400, "invalid command request",
                                  json::array({{{"path", "/command"}, {"message", "a command line is required"}}}));
        }
    } else {
        // /commands/show/interfaces: one word per path segment.
        std::string_view rest = std::string_view(t.path).substr(std::string_view("/commands/").size());
        while (!rest.empty()) {
            auto slash = rest.find('/');
            line += (line.empty() ? "" : " ") + percent_decode(rest.substr(0, slash));
            rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        }
    }
    if (line.find_first_of("\r\n") != std::string::npos) {
        return error_response(400, "a command is one line");
    }
    return command_response(reg.run(svc, line, confirm), line);
}

} // namespace

rest_response error_response(unsigned status, const std::string& message, const json& details)
{
    return json_response(status, {{"error", message}, {"details", details}});
}

rest_response handle_request(service& svc, const command_registry& reg, const rest_request& req)
{
    const auto t = split_target(req.target);
    if (t.path == "/config") {
        return config_endpoint(svc, req, t);
    }
    if (t.path == "/commands" || t.path.starts_with("/commands/")) {
        return commands_endpoint(svc, reg, req, t);
    }
    const bool known = t.path == "/state/interfaces" || t.path == "/state/lcores" || t.path == "/state/version" ||
                       t.path == "/state/events" || t.path == "/metrics" || t.path == "/events";
    if (!known) {
        return error_response(404, "no such resource: " + t.path);
    }
    if (req.method != "GET") {
        return method_not_allowed("GET");
    }
    if (t.path == "/state/interfaces") {
        return json_response(200, interfaces_json(svc));
    }
    if (t.path == "/state/lcores") {
        return json_response(200, lcores_json(svc));
    }
    if (t.path == "/state/version") {
        return json_response(200, version_json(svc));
    }
    if (t.path == "/metrics") {
        return {200, "text/plain; version=0.0.4; charset=utf-8", prometheus_metrics(svc), {}};
    }
    std::size_t n = core::event_bus::backlog_size;
    if (auto it = t.query.find("n"); it != t.query.end()) {
        char* end = nullptr;
        const unsigned long v = std::strtoul(it->second.c_str(), &end, 10);
        if (it->second.empty() || *end != '\0' || it->second[0] == '-') {
            return error_response(400, "n must be a number of events");
        }
        n = v;
    }
    const auto events = svc.recent_events(n);
    if (t.path == "/state/events") {
        return json_response(200, {{"events", events_json(events)}});
    }
    // /events without a server: the backlog as JSON lines (the server streams instead).
    std::string body;
    for (const auto& e : events) {
        body += core::format_json(e) + "\n";
    }
    return {200, "application/x-ndjson", body, {}};
}

// ---- server -------------------------------------------------------------------------------

namespace {

class session_base {
public:
    virtual ~session_base() = default;
    virtual void close() = 0;
    virtual void push_event(const std::string& line) = 0;
};

std::string chunk(const std::string& data)
{
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

bool same_secret(std::string_view a, std::string_view b)
{
    // No early exit on the first differing byte: timing says nothing about the token.
    unsigned diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned>(a[i] ^ (i < b.size() ? b[i] : 0));
    }
    return diff == 0;
}

} // namespace

struct rest_server::impl : std::enable_shared_from_this<impl> {
    impl(net::io_context& i, service& s, const command_registry& r, rest_options o)
        : io(i), svc(s), reg(r), opts(std::move(o))
    {
    }

    net::io_context& io;
    service& svc;
    const command_registry& reg;
    rest_options opts;
    std::optional<net::local::stream_protocol::acceptor> unix_acceptor;
    std::optional<net::ip::tcp::acceptor> tcp_acceptor;
    std::vector<std::weak_ptr<session_base>> sessions;
    std::vector<std::weak_ptr<session_base>> streams;
    int sink = 0;
    bool stopped = false;
    bool unix_bound = false;

    void track(std::vector<std::weak_ptr<session_base>>& list, const std::shared_ptr<session_base>& s)
    {
        std::erase_if(list, [](const auto& w) { return w.expired(); });
        list.push_back(s);
    }

    void broadcast(const std::string& line)
    {
        std::erase_if(streams, [](const auto& w) { return w.expired(); });
        auto copy = streams; // push_event may close a session and change the list
        for (const auto& w : copy) {
            if (auto s = w.lock()) {
                s->push_event(line);
            }
        }
    }

    template <class Acceptor>
    void accept(Acceptor& acceptor, bool tcp);

    std::string bind_unix();
    std::string bind_tcp();
};

namespace {

template <class Socket>
class session final : public session_base, public std::enable_shared_from_this<session<Socket>> {
public:
    session(Socket s, std::shared_ptr<rest_server::impl> srv, bool tcp)
        : sock_(std::move(s)), srv_(std::move(srv)), tcp_(tcp), timer_(sock_.get_executor())
    {
    }

    void start() { read_request(); }

    void close() override
    {
        disarm();
        boost::system::error_code ec;
        sock_.shutdown(Socket::shutdown_both, ec);
        sock_.close(ec);
    }

    void push_event(const std::string& line) override
    {
        if (!streaming_ || !sock_.is_open()) {
            return;
        }
        if (queue_.size() >= srv_->opts.stream_queue_limit) {
            close(); // a reader this slow would hold memory without bound
            return;
        }
        queue_.push_back(chunk(line));
        if (!writing_) {
            write_next();
        }
    }

private:
    void arm()
    {
        const unsigned gen = ++timer_gen_;
        timer_.expires_after(srv_->opts.io_timeout);
        timer_.async_wait([w = this->weak_from_this(), gen](const boost::system::error_code& ec) {
            auto self = w.lock();
            if (!ec && self && self->timer_gen_ == gen) {
                self->close();
            }
        });
    }
    void disarm()
    {
        ++timer_gen_;
        timer_.cancel();
    }

    void read_request()
    {
        parser_.emplace();
        parser_->body_limit(srv_->opts.body_limit);
        parser_->header_limit(16 * 1024);
        arm();
        http::async_read(sock_, buf_, *parser_,
                         [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                             self->on_read(ec);
                         });
    }

    void on_read(const boost::system::error_code& ec)
    {
        disarm();
        if (ec == http::error::body_limit) {
            respond(error_response(413, "request body over " + std::to_string(srv_->opts.body_limit) + " bytes"),
                    false);
            return;
        }
        if (ec == http::error::header_limit) {
            respond(error_response(431, "request header over 16384 bytes"), false);
            return;
        }
        if (ec && ec.category() == make_error_code(http::error::bad_target).category() && ec != http::error::end_of_stream &&
            ec != http::error::partial_message) {
            respond(error_response(400, "malformed HTTP request: " + ec.message()), false);
            return;
        }
        if (ec || srv_->stopped) {
            close();
            return;
        }
        auto& req = parser_->get();
        const bool keep = req.keep_alive();
        if (tcp_) {
            const auto auth = req[http::field::authorization];
            if (!same_secret(std::string_view(auth.data(), auth.size()), "Bearer " + srv_->opts.token)) {
                respond(error_response(401, "a bearer token is required (Authorization: Bearer <token>)"), keep);
                return;
            }
        }
        std::string target(req.target());
        if (req.method() == http::verb::get && (target == "/events" || target.starts_with("/events?"))) {
            start_stream();
            return;
        }
        rest_request r{std::string(req.method_string()), target, std::move(req.body()), origin(req)};
        rest_response resp;
        try {
            resp = handle_request(srv_->svc, srv_->reg, r);
        } catch (const std::exception& e) {
            resp = error_response(500, std::string("internal error: ") + e.what());
        }
        respond(resp, keep);
    }

    change_origin origin(const http::request<http::string_body>& req)
    {
        const auto agent = req[http::field::user_agent];
        change_origin o{std::string_view(agent.data(), agent.size()).starts_with("gdoictl") ? "gdoictl" : "REST",
                        "unix socket"};
        if constexpr (std::is_same_v<Socket, net::ip::tcp::socket>) {
            boost::system::error_code ec;
            const auto peer = sock_.remote_endpoint(ec);
            o.by = ec ? "tcp" : "tcp " + peer.address().to_string();
        }
        return o;
    }

    void respond(const rest_response& r, bool keep)
    {
        auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
        res->set(http::field::server, "gdoi-router");
        res->set(http::field::content_type, r.content_type);
        if (!r.allow.empty()) {
            res->set(http::field::allow, r.allow);
        }
        if (r.status == 401) {
            res->set(http::field::www_authenticate, "Bearer");
        }
        res->body() = r.body;
        res->keep_alive(keep);
        res->prepare_payload();
        arm();
        http::async_write(sock_, *res,
                          [self = this->shared_from_this(), res, keep](const boost::system::error_code& ec,
                                                                       std::size_t) {
                              self->disarm();
                              if (ec || !keep || self->srv_->stopped) {
                                  self->close();
                                  return;
                              }
                              self->read_request();
                          });
    }

    void start_stream()
    {
        streaming_ = true;
        queue_.push_back("HTTP/1.1 200 OK\r\nServer: gdoi-router\r\nContent-Type: application/x-ndjson\r\n"
                         "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (const auto& e : srv_->svc.events().backlog()) {
            queue_.push_back(chunk(core::format_json(e) + "\n"));
        }
        srv_->track(srv_->streams, this->shared_from_this());
        write_next();
        watch_close();
    }

    // The client sends nothing more on a stream: a read that completes means it left.
    void watch_close()
    {
        sock_.async_read_some(net::buffer(drain_),
                              [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                                  if (ec) {
                                      self->close();
                                  } else {
                                      self->watch_close();
                                  }
                              });
    }

    void write_next()
    {
        if (queue_.empty() || !sock_.is_open()) {
            writing_ = false;
            return;
        }
        writing_ = true;
        arm();
        net::async_write(sock_, net::buffer(queue_.front()),
                         [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                             self->disarm();
                             if (ec) {
                                 self->writing_ = false;
                                 self->close();
                                 return;
                             }
                             self->queue_.pop_front();
                             self->write_next();
                         });
    }

    Socket sock_;
    std::shared_ptr<rest_server::impl> srv_;
    bool tcp_;
    net::steady_timer timer_;
    unsigned timer_gen_ = 0;
    boost::beast::flat_buffer buf_;
    std::optional<http::request_parser<http::string_body>> parser_;
    bool streaming_ = false;
    bool writing_ = false;
    std::deque<std::string> queue_;
    std::array<char, 256> drain_{};
};

} // namespace

template <class Acceptor>
void rest_server::impl::accept(Acceptor& acceptor, bool tcp)
{
    acceptor.async_accept([self = shared_from_this(), &acceptor, tcp](const boost::system::error_code& ec,
                                                                      typename Acceptor::protocol_type::socket s) {
        if (self->stopped || ec == net::error::operation_aborted) {
            return;
        }
        if (!ec) {
            auto sess = std::make_shared<session<decltype(s)>>(std::move(s), self, tcp);
            self->track(self->sessions, sess);
            sess->start();
        }
        self->accept(acceptor, tcp);
    });
}

std::string rest_server::impl::bind_unix()
{
    namespace fs = std::filesystem;
    const fs::path path(opts.unix_path);
    std::error_code fec;
    if (path.has_parent_path()) {
        fs::create_directories(path.parent_path(), fec);
        if (fec) {
            return "cannot create " + path.parent_path().string() + ": " + fec.message();
        }
    }
    struct stat st {};
    if (::lstat(opts.unix_path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            return opts.unix_path + " exists and is not a socket";
        }
        // A socket nobody answers on is left over from a daemon that died: reuse the name.
        net::local::stream_protocol::socket probe(io);
        boost::system::error_code ec;
        probe.connect(net::local::stream_protocol::endpoint(opts.unix_path), ec);
        if (!ec) {
            return opts.unix_path + " is in use by another process";
        }
        ::unlink(opts.unix_path.c_str());
    }
    boost::system::error_code ec;
    unix_acceptor.emplace(io);
    unix_acceptor->open(net::local::stream_protocol(), ec);
    if (!ec) {
        // Created 0600 from the start: no window in which others could connect.
        const mode_t old = ::umask(0177);
        unix_acceptor->bind(net::local::stream_protocol::endpoint(opts.unix_path), ec);
        ::umask(old);
    }
    if (!ec) {
        unix_bound = true;
        ::chmod(opts.unix_path.c_str(), 0600);
        unix_acceptor->listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        unix_acceptor.reset();
        return "cannot listen on " + opts.unix_path + ": " + ec.message();
    }
    return {};
}

std::string rest_server::impl::bind_tcp()
{
    if (opts.token.empty()) {
        return "no TCP listener without a token";
    }
    boost::system::error_code ec;
    const auto addr = net::ip::make_address(opts.tcp_address, ec);
    if (ec || !addr.is_loopback()) {
        return "the TCP listener must be on a loopback address, not '" + opts.tcp_address + "'";
    }
    const net::ip::tcp::endpoint ep(addr, opts.tcp_port);
    tcp_acceptor.emplace(io);
    tcp_acceptor->open(ep.protocol(), ec);
    if (!ec) {
        tcp_acceptor->set_option(net::socket_base::reuse_address(true), ec);
        tcp_acceptor->bind(ep, ec);
    }
    if (!ec) {
        tcp_acceptor->listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        tcp_acceptor.reset();
        return "cannot listen on " + opts.tcp_address + ":" + std::to_string(opts.tcp_port) + ": " + ec.message();
    }
    return {};
}

rest_server::rest_server(net::io_context& io, service& svc, const command_registry& reg, rest_options opts)
    : impl_(std::make_shared<impl>(io, svc, reg, std::move(opts)))
{
}

rest_server::~rest_server() { stop(); }

std::string rest_server::start()
{
    if (!impl_->opts.unix_path.empty()) {
        if (auto err = impl_->bind_unix(); !err.empty()) {
            return err;
        }
    }
    if (!impl_->opts.tcp_address.empty()) {
        if (auto err = impl_->bind_tcp(); !err.empty()) {
            stop();
            return err;
        }
    }
    // Events may be raised on any thread: hop onto the io_context before touching sessions.
    std::weak_ptr<impl> weak = impl_;
    impl_->sink = impl_->svc.events().subscribe([weak](const core::event& e) {
        if (auto s = weak.lock()) {
            net::post(s->io, [weak, line = core::format_json(e) + "\n"] {
                if (auto s2 = weak.lock(); s2 && !s2->stopped) {
                    s2->broadcast(line);
                }
            });
        }
    });
    if (impl_->unix_acceptor) {
        impl_->accept(*impl_->unix_acceptor, false);
    }
    if (impl_->tcp_acceptor) {
        impl_->accept(*impl_->tcp_acceptor, true);
    }
    return {};
}

void rest_server::stop()
{
    auto& s = *impl_;
    if (s.stopped) {
        return;
    }
    s.stopped = true;
    if (s.sink != 0) {
        s.svc.events().unsubscribe(s.sink);
        s.sink = 0;
    }
    boost::system::error_code ec;
    if (s.unix_acceptor) {
        s.unix_acceptor->close(ec);
    }
    if (s.tcp_acceptor) {
        s.tcp_acceptor->close(ec);
    }
    if (s.unix_bound) {
        ::unlink(s.opts.unix_path.c_str());
    }
    for (const auto& w : s.sessions) {
        if (auto sess = w.lock()) {
            sess->close();
        }
    }
    for (const auto& w : s.streams) {
        if (auto sess = w.lock()) {
            sess->close();
        }
    }
}

std::uint16_t rest_server::tcp_port() const
{
    if (!impl_->tcp_acceptor) {
        return 0;
    }
    boost::system::error_code ec;
    auto ep = impl_->tcp_acceptor->local_endpoint(ec);
    return ec ? 0 : ep.port();
}

} // namespace mgmt
