// The REST API: routing and errors (handle_request), the same data as the console,
// and the real server on a UNIX socket: permissions, limits, slow clients, the
// event stream, the TCP token, and 50 concurrent readers during configuration changes.
#include "fixture.hpp"

#include "mgmt/config_json.hpp"
#include "mgmt/metrics.hpp"
#include "mgmt/rest_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

namespace net = boost::asio;
namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

mgmt::rest_response call(test::fixture& f, const std::string& method, const std::string& target,
                         const std::string& body = {})
{
    return mgmt::handle_request(f.svc, f.commands, {method, target, body});
}

json body_of(const mgmt::rest_response& r) { return json::parse(r.body); }

mgmt::rest_options unix_opts(const std::string& path)
{
    mgmt::rest_options o;
    o.unix_path = path;
    return o;
}

mgmt::rest_options tcp_opts(const std::string& address, const std::string& token)
{
    mgmt::rest_options o;
    o.tcp_address = address;
    o.token = token;
    return o;
}

// A running server on its own io_context thread, with a socket in a fresh directory.
struct live_server {
    test::fixture f;
    net::io_context io;
    net::executor_work_guard<net::io_context::executor_type> work{io.get_executor()};
    std::filesystem::path dir;
    std::string path;
    std::unique_ptr<mgmt::rest_server> server;
    std::thread thread;

    explicit live_server(mgmt::rest_options opts = {})
    {
        char tmpl[] = "/tmp/gdoi-mgmt-test-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        dir = tmpl;
        path = (dir / "run" / "mgmt.sock").string();
        opts.unix_path = path;
        server = std::make_unique<mgmt::rest_server>(io, f.svc, f.commands, opts);
        auto err = server->start();
        REQUIRE(err.empty());
        thread = std::thread([this] { io.run(); });
    }
    ~live_server()
    {
        net::post(io, [this] { server->stop(); });
        work.reset();
        thread.join();
        server.reset();
        std::filesystem::remove_all(dir);
    }
};

void set_timeouts(int fd)
{
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

struct reply {
    unsigned status = 0;
    std::string body;
};

template <class Socket>
reply exchange(Socket& sock, const std::string& method, const std::string& target, const std::string& body,
               const std::string& auth = {})
{
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "test");
    if (!auth.empty()) {
        req.set(http::field::authorization, auth);
    }
    req.body() = body;
    req.keep_alive(false);
    req.prepare_payload();
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    return {res.result_int(), res.body()};
}

reply unix_request(const std::string& path, const std::string& method, const std::string& target,
                   const std::string& body = {})
{
    net::io_context io;
    net::local::stream_protocol::socket sock(io);
    sock.connect(net::local::stream_protocol::endpoint(path));
    set_timeouts(sock.native_handle());
    return exchange(sock, method, target, body);
}

} // namespace

TEST_CASE("REST and the console return the same text and data")
{
    test::fixture f;
    for (const char* line : {"show interfaces", "show lcores", "show version", "show running-config"}) {
        INFO(line);
        auto rest = call(f, "POST", "/commands", json{{"command", line}}.dump());
        REQUIRE(rest.status == 200);
        auto console = f.run(line);
        CHECK(body_of(rest)["output"] == console.text);
        CHECK(body_of(rest)["data"] == console.data);
    }
    CHECK(body_of(call(f, "GET", "/state/interfaces")) == f.run("sh int").data);
    CHECK(body_of(call(f, "GET", "/state/lcores")) == f.run("sh lcores").data);
    CHECK(body_of(call(f, "GET", "/state/version")) == f.run("sh ver").data);
    CHECK(call(f, "GET", "/config?format=ios").body == f.run("sh run").text);
    CHECK(body_of(call(f, "GET", "/config")) == mgmt::to_json(f.svc.running()));
    CHECK(body_of(call(f, "POST", "/commands/show/interfaces"))["output"] == f.run("sh int").text);
}

TEST_CASE("/metrics carries every port and lcore counter with its labels, as the console shows them")
{
    test::fixture f;
    auto r = call(f, "GET", "/metrics");
    REQUIRE(r.status == 200);
    CHECK(r.content_type.starts_with("text/plain; version=0.0.4"));
    const auto& m = r.body;
    CHECK(m.find("# TYPE gdoi_port_rx_packets_total counter\n") != std::string::npos);
    CHECK(m.find("gdoi_port_rx_packets_total{port=\"wan0\",port_id=\"0\"} 1200\n") != std::string::npos);
    CHECK(m.find("gdoi_port_queue_rx_packets_total{port=\"wan0\",port_id=\"0\",queue=\"0\"} 1200\n") !=
          std::string::npos);
    CHECK(m.find("gdoi_port_queue_tx_bytes_total{port=\"wan0\",port_id=\"0\",queue=\"0\"} 140000\n") !=
          std::string::npos);
    CHECK(m.find("gdoi_port_tx_errors_total{port=\"wan0\",port_id=\"0\"} 2\n") != std::string::npos);
    CHECK(m.find("gdoi_port_link_up{port=\"lan0\",port_id=\"1\"} 0\n") != std::string::npos);
    for (const auto& [name, value] : f.dataplane.lcores_[0].counters) {
        INFO(name);
        CHECK(m.find("gdoi_lcore_" + name + "_total{lcore=\"1\",worker=\"0\"} " + std::to_string(value) + "\n") !=
              std::string::npos);
    }
    CHECK(m.find("gdoi_uptime_seconds 3723\n") != std::string::npos);
    // The control thread's counters (ARP, TAP exception path), one family each.
    for (const auto& [name, value] : f.dataplane.control_) {
        INFO(name);
        CHECK(m.find("# TYPE gdoi_control_" + name + "_total counter\n") != std::string::npos);
        CHECK(m.find("\ngdoi_control_" + name + "_total " + std::to_string(value) + "\n") != std::string::npos);
    }
}

TEST_CASE("/metrics adds the samples of registered sources with their labels")
{
    test::fixture f;
    f.svc.add_metrics_source([] {
        return std::vector<mgmt::metric_sample>{
            {"gdoi_gm_registered", "1 while registered.", "gauge", {{"group", "G\"1"}, {"key_server", "10.0.0.1"}}, 1},
            {"gdoi_gm_registered", "1 while registered.", "gauge", {{"group", "G2"}}, 0}};
    });
    const auto m = call(f, "GET", "/metrics").body;
    CHECK(m.find("# HELP gdoi_gm_registered 1 while registered.\n# TYPE gdoi_gm_registered gauge\n"
                 "gdoi_gm_registered{group=\"G\\\"1\",key_server=\"10.0.0.1\"} 1\n"
                 "gdoi_gm_registered{group=\"G2\"} 0\n") != std::string::npos);
}

TEST_CASE("bad requests get a JSON error with a fitting status and change nothing")
{
    test::fixture f;
    const auto before = f.svc.running();
    struct bad {
        const char* method;
        const char* target;
        std::string body;
        unsigned status;
        const char* error;
    };
    for (const auto& b : {
             bad{"PUT", "/config", "{\"routes\": [", 400, "malformed JSON"},
             bad{"PATCH", "/config", "{\"bogus\": 1}", 400, "invalid configuration JSON; nothing was applied"},
             bad{"PATCH", "/config", "{\"dataplane\": {\"burst\": \"x\"}}", 400,
                 "invalid configuration JSON; nothing was applied"},
             bad{"PUT", "/config", "[1, 2]", 400, "the configuration must be a JSON object"},
             bad{"PATCH", "/config?format=ios", "crypto gdoi group G1\n identiy number 3\n", 422,
                 "configuration rejected; nothing was applied"},
             bad{"PUT", "/config?format=yaml", "{}", 400, "format must be json or ios, not 'yaml'"},
             bad{"DELETE", "/config", "", 405, "method not allowed; this resource takes GET, PUT, PATCH"},
             bad{"GET", "/nope", "", 404, "no such resource: /nope"},
             bad{"POST", "/commands", "{\"command\": \"show bogus\"}", 400, "% Invalid input detected at '^' marker."},
             bad{"POST", "/commands", "{\"command\": 7}", 400, "invalid command request"},
             bad{"POST", "/commands", "{\"command\": \"sh ver\", \"extra\": 1}", 400, "invalid command request"},
             bad{"POST", "/commands", "{\"command\": \"sh cry gdoi\"}", 501,
                 "% show crypto gdoi: GDOI registration is not in this build yet"},
             bad{"POST", "/commands", "{\"command\": \"conf t\"}", 400,
                 "% configure terminal is a console mode: use the console or gdoictl, or PUT/PATCH /config over "
                 "REST"},
             bad{"GET", "/state/events?n=x", "", 400, "n must be a number of events"},
         }) {
        INFO(b.method << " " << b.target << " " << b.body);
        auto r = call(f, b.method, b.target, b.body);
        CHECK(r.status == b.status);
        auto j = body_of(r);
        CHECK(j["error"] == b.error);
        CHECK(j["details"].is_array());
    }
    CHECK(call(f, "DELETE", "/config").allow == "GET, PUT, PATCH");
    CHECK(f.svc.running() == before);
    CHECK(f.svc.generation() == 1);
}

TEST_CASE("a destructive command over REST needs confirm: true")
{
    test::fixture f;
    f.commands.add({"clear crypto gdoi", "Re-register", true}, [](mgmt::service&, const auto&) {
        mgmt::command_output out;
        out.text = "done\n";
        return out;
    });
    CHECK(call(f, "POST", "/commands", R"({"command": "clear cry gdoi"})").status == 428);
    auto ok = call(f, "POST", "/commands", R"({"command": "clear cry gdoi", "confirm": true})");
    CHECK(ok.status == 200);
    CHECK(body_of(ok)["output"] == "done\n");
}

TEST_CASE("the UNIX socket is mode 0600 in a directory that is created, and is removed on stop")
{
    std::string path;
    {
        live_server s;
        path = s.path;
        struct stat st {};
        REQUIRE(::stat(s.path.c_str(), &st) == 0);
        CHECK(S_ISSOCK(st.st_mode));
        CHECK((st.st_mode & 0777) == 0600);
        CHECK(unix_request(s.path, "GET", "/state/version").status == 200);
        std::promise<void> stopped;
        net::post(s.io, [&s, &stopped] {
            s.server->stop();
            stopped.set_value();
        });
        stopped.get_future().wait();
        CHECK_FALSE(std::filesystem::exists(path));
    }
}

TEST_CASE("a second server on a socket in use refuses to start; a stale socket is replaced")
{
    live_server s;
    net::io_context io;
    core::manual_clock clock;
    core::event_bus events(clock);
    mgmt::service svc(events, clock, mgmt::config{}, nullptr, {"0.1.0", {}});
    mgmt::rest_server second(io, svc, s.f.commands, unix_opts(s.path));
    CHECK(second.start() == s.path + " is in use by another process");
}

TEST_CASE("oversize bodies get 413, garbage gets 400, and the server keeps serving")
{
    live_server s;
    {
        // The server answers as soon as it reads a Content-Length over the limit.
        net::io_context io;
        net::local::stream_protocol::socket sock(io);
        sock.connect(net::local::stream_protocol::endpoint(s.path));
        set_timeouts(sock.native_handle());
        net::write(sock, net::buffer(std::string("PUT /config HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n")));
        boost::beast::flat_buffer buf;
        http::response<http::string_body> res;
        http::read(sock, buf, res);
        CHECK(res.result_int() == 413);
        CHECK(json::parse(res.body())["error"] == "request body over 1048576 bytes");
    }
    {
        net::io_context io;
        net::local::stream_protocol::socket sock(io);
        sock.connect(net::local::stream_protocol::endpoint(s.path));
        set_timeouts(sock.native_handle());
        net::write(sock, net::buffer(std::string("THIS IS NOT HTTP\r\n\r\n")));
        boost::beast::flat_buffer buf;
        http::response<http::string_body> res;
        http::read(sock, buf, res);
        CHECK(res.result_int() == 400);
        CHECK(json::parse(res.body())["error"].get<std::string>().starts_with("malformed HTTP request"));
    }
    CHECK(unix_request(s.path, "GET", "/state/version").status == 200);
    CHECK(s.f.svc.generation() == 1);
}

TEST_CASE("a client that sends half a request neither blocks others nor stays connected")
{
    mgmt::rest_options opts;
    opts.io_timeout = std::chrono::milliseconds(300);
    live_server s(opts);
    net::io_context io;
    net::local::stream_protocol::socket slow(io);
    slow.connect(net::local::stream_protocol::endpoint(s.path));
    set_timeouts(slow.native_handle());
    net::write(slow, net::buffer(std::string("GET /state/version HTTP/1.1\r\nHost: x\r\n")));
    // Served while the slow one is stuck in its headers.
    CHECK(unix_request(s.path, "GET", "/state/interfaces").status == 200);
    // The slow one is dropped after the timeout: its read ends, with no response.
    char c = 0;
    boost::system::error_code ec;
    net::read(slow, net::buffer(&c, 1), ec);
    CHECK(ec == net::error::eof);
}

TEST_CASE("GET /events streams the backlog, then live events, as JSON lines")
{
    live_server s;
    s.f.events.raise("ROUTER_START", "gdoi-router started: router");
    net::io_context io;
    net::local::stream_protocol::socket sock(io);
    sock.connect(net::local::stream_protocol::endpoint(s.path));
    set_timeouts(sock.native_handle());
    net::write(sock, net::buffer(std::string("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")));
    std::string got;
    auto read_until = [&](const std::string& what) {
        char buf[512];
        while (got.find(what) == std::string::npos) {
            boost::system::error_code ec;
            auto n = sock.read_some(net::buffer(buf), ec);
            if (ec) {
                return false;
            }
            got.append(buf, n);
        }
        return true;
    };
    REQUIRE(read_until("\"ROUTER_START\""));
    CHECK(got.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(got.find("Transfer-Encoding: chunked") != std::string::npos);
    s.f.events.raise("CONFIG_WARNING", "live one");
    REQUIRE(read_until("live one"));
    auto line_start = got.find("{\"facility\":\"ROUTER\"", got.find("ROUTER_START"));
    REQUIRE(line_start != std::string::npos);
    auto line = got.substr(line_start, got.find('\n', line_start) - line_start);
    CHECK(json::parse(line)["name"] == "CONFIG_WARNING");
}

TEST_CASE("TCP needs a loopback address and a token, and checks it")
{
    test::fixture f;
    net::io_context io;
    {
        mgmt::rest_server no_token(io, f.svc, f.commands, tcp_opts("127.0.0.1", ""));
        CHECK(no_token.start() == "no TCP listener without a token");
        mgmt::rest_server public_addr(io, f.svc, f.commands, tcp_opts("0.0.0.0", "secret"));
        CHECK(public_addr.start() == "the TCP listener must be on a loopback address, not '0.0.0.0'");
    }
    mgmt::rest_server server(io, f.svc, f.commands, tcp_opts("127.0.0.1", "s3cret-token"));
    REQUIRE(server.start().empty());
    const auto port = server.tcp_port();
    REQUIRE(port != 0);
    std::thread t([&io] { io.run(); });
    auto get = [&](const std::string& auth) {
        net::io_context cio;
        net::ip::tcp::socket sock(cio);
        sock.connect({net::ip::make_address("127.0.0.1"), port});
        set_timeouts(sock.native_handle());
        return exchange(sock, "GET", "/state/version", "", auth);
    };
    CHECK(get("").status == 401);
    CHECK(get("Bearer wrong").status == 401);
    CHECK(get("Bearer s3cret-token").status == 200);
    net::post(io, [&server] { server.stop(); });
    t.join();
}

TEST_CASE("50 clients reading while configuration changes are applied all get whole answers")
{
    live_server s;
    constexpr int clients = 50;
    constexpr int reads_each = 10;
    constexpr int changes = 20;
    std::atomic<int> ok{0};
    std::atomic<int> bad{0};
    std::vector<std::thread> readers;
    for (int c = 0; c < clients; ++c) {
        readers.emplace_back([&, c] {
            for (int i = 0; i < reads_each; ++i) {
                try {
                    const int kind = (c + i) % 3;
                    reply r = kind == 0   ? unix_request(s.path, "GET", "/config")
                              : kind == 1 ? unix_request(s.path, "GET", "/state/interfaces")
                                          : unix_request(s.path, "POST", "/commands", R"({"command":"sh run"})");
                    auto j = json::parse(r.body);
                    // A whole configuration, never a half-applied one.
                    const bool whole = kind != 0 || mgmt::from_json(j).ok();
                    (r.status == 200 && whole ? ok : bad)++;
                } catch (const std::exception&) {
                    bad++;
                }
            }
        });
    }
    int applied = 0;
    for (int i = 0; i < changes; ++i) {
        const std::string line = "interface lan0\n description change " + std::to_string(i) + "\n";
        auto r = unix_request(s.path, "PATCH", "/config?format=ios", line);
        applied += r.status == 200 ? 1 : 0;
        // Every other change is invalid and must apply nothing.
        auto rejected = unix_request(s.path, "PATCH", "/config?format=ios", "interface lan0\n mtu x\n");
        CHECK(rejected.status == 422);
    }
    for (auto& t : readers) {
        t.join();
    }
    CHECK(bad == 0);
    CHECK(ok == clients * reads_each);
    CHECK(applied == changes);
    CHECK(s.f.svc.generation() == 1 + changes);
    CHECK(s.f.svc.running().find_interface("lan0")->description == "change 19");
}
