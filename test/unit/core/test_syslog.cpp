// Events to syslog: RFC 5424 lines on a datagram socket bound at a temporary path
// standing in for /dev/log, read back and parsed.
#include "core/syslog.hpp"

#include <boost/asio/buffer.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <stdlib.h>

using namespace std::chrono_literals;
namespace local = boost::asio::local;

namespace {

// A fake /dev/log: a bound datagram socket in a fresh directory.
struct fake_syslogd {
    boost::asio::io_context io;
    std::filesystem::path dir;
    std::string path;
    local::datagram_protocol::socket socket{io};

    fake_syslogd()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "gdoi-syslog-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        dir = tmpl;
        path = (dir / "log").string();
        socket.open();
        socket.bind(local::datagram_protocol::endpoint(path));
        socket.non_blocking(true);
    }
    ~fake_syslogd() { std::filesystem::remove_all(dir); }

    // Every datagram waiting on the socket.
    std::vector<std::string> drain()
    {
        std::vector<std::string> out;
        char buf[4096];
        boost::system::error_code ec;
        for (;;) {
            const auto n = socket.receive(boost::asio::buffer(buf), 0, ec);
            if (ec) {
                return out;
            }
            out.emplace_back(buf, n);
        }
    }
};

struct rfc5424_line {
    unsigned pri = 0;
    std::string time, host, app, procid, msgid, sd, msg;
};

// <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG
rfc5424_line parse(const std::string& line)
{
    static const std::regex re(R"(^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-) (.*)$)");
    std::smatch m;
    REQUIRE(std::regex_match(line, m, re));
    return {static_cast<unsigned>(std::stoul(m[1])), m[2], m[3], m[4], m[5], m[6], m[7], m[8]};
}

} // namespace

TEST_CASE("events reach syslog as RFC 5424 lines with PRI from the severity and the name as MSGID", "[syslog]")
{
    fake_syslogd d;
    core::manual_clock clk;
    core::event_bus bus(clk);
    std::vector<std::string> reports;
    core::syslog_sink sink(d.io, d.path, {"ks-1", "gdoi-router", "4242"},
                           [&](const std::string& r) { reports.push_back(r); });
    bus.subscribe(std::ref(sink));

    bus.raise("GM_REGS_COMPL", "Registration to KS 10.0.0.1 complete for group G1", {{"group", "G1"}});
    bus.raise("KS_UNAUTHORIZED", "unauthorized member 10.9.9.9", {{"group", "G1"}});
    bus.raise("CONFIG_I", "Configured from console by console");
    const auto lines = d.drain();
    REQUIRE(lines.size() == 3);

    const auto a = parse(lines[0]);
    CHECK(a.pri == 23 * 8 + 5); // local7.notice
    CHECK(a.time == "2023-11-14T22:13:20.000Z");
    CHECK(a.host == "ks-1");
    CHECK(a.app == "gdoi-router");
    CHECK(a.procid == "4242");
    CHECK(a.msgid == "GM_REGS_COMPL");
    CHECK(a.msg == "%GDOI-5-GM_REGS_COMPL: Registration to KS 10.0.0.1 complete for group G1 (group=G1)");

    const auto b = parse(lines[1]);
    CHECK(b.pri == 23 * 8 + 1); // alert
    CHECK(b.msgid == "KS_UNAUTHORIZED");
    const auto c = parse(lines[2]);
    CHECK(c.msg == "%SYS-5-CONFIG_I: Configured from console by console");
    CHECK(sink.sent() == 3);
    CHECK(reports.empty());
}

TEST_CASE("rate-limited peer-triggered events reach syslog with their suppressed count", "[syslog]")
{
    fake_syslogd d;
    core::manual_clock clk;
    core::event_bus bus(clk, 10s, 2);
    core::syslog_sink sink(d.io, d.path, {"h", "gdoi-router", "1"}, nullptr);
    bus.subscribe(std::ref(sink));
    for (int i = 0; i < 6; ++i) {
        bus.raise("KS_HASH_FAIL", "bad hash from 10.0.1.1");
    }
    CHECK(d.drain().size() == 2); // four suppressed
    clk.advance(10s);
    bus.raise("KS_HASH_FAIL", "bad hash from 10.0.1.1");
    const auto lines = d.drain();
    REQUIRE(lines.size() == 1);
    const auto l = parse(lines[0]);
    CHECK(l.msgid == "KS_HASH_FAIL");
    CHECK(l.pri == 23 * 8 + 3);
    CHECK(l.msg == "%GDOI-3-KS_HASH_FAIL: bad hash from 10.0.1.1 (suppressed=4)");
}

TEST_CASE("a missing syslog socket is reported once, then events carry on elsewhere", "[syslog]")
{
    fake_syslogd d;
    const std::string missing = (d.dir / "no-such-log").string();
    core::manual_clock clk;
    core::event_bus bus(clk);
    std::vector<std::string> reports;
    std::vector<std::string> others;
    core::syslog_sink sink(d.io, missing, {}, [&](const std::string& r) { reports.push_back(r); });
    bus.subscribe(std::ref(sink));
    bus.subscribe([&](const core::event& e) { others.emplace_back(e.name()); });
    for (int i = 0; i < 5; ++i) {
        bus.raise("GM_RECV_REKEY", "rekey");
    }
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].find(missing) != std::string::npos);
    CHECK(sink.failed() == 5);
    CHECK(others.size() == 5); // the other sinks are not disturbed

    // Nil values in the header when the origin is unknown; long names are cut for MSGID only.
    core::event e{core::find_event_kind("COOP_KS_BLOCK_NEW_GM_REGISTER_ELECTION"), clk.wall(), "blocked", {}};
    const auto l = parse(core::format_rfc5424(e, {"", "gdoi-router", ""}));
    CHECK(l.host == "-");
    CHECK(l.procid == "-");
    CHECK(l.msgid == "COOP_KS_BLOCK_NEW_GM_REGISTER_EL");
    CHECK(l.msg == "%GDOI-5-COOP_KS_BLOCK_NEW_GM_REGISTER_ELECTION: blocked");
}
