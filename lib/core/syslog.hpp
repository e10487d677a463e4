// Events to the local syslog daemon: RFC 5424 lines over the /dev/log datagram
// socket, sent without blocking from the control thread that raises them.
#pragma once

#include "core/events.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/datagram_protocol.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace core {

// Cisco logs to local7 by default (`logging facility local7`); so do we.
inline constexpr unsigned syslog_facility_local7 = 23;

struct syslog_origin {
    std::string hostname; // "" prints the nil value "-"
    std::string app_name = "gdoi-router";
    std::string procid;   // "" prints "-"
};

// "<189>1 2026-11-23T13:31:06.873Z host gdoi-router 4242 KS_REGS_COMPL - %GDOI-5-KS_REGS_COMPL: ..."
// PRI = facility * 8 + the event's severity; MSGID is the event name (cut to the
// 32 characters RFC 5424 allows; MSG carries it whole); no structured data.
std::string format_rfc5424(const event& e, const syslog_origin& origin,
                           unsigned facility = syslog_facility_local7);

// An event_bus sink: one datagram per event to `path` (normally /dev/log). The socket
// is non-blocking, so a busy or missing syslog daemon drops lines instead of stalling
// the control plane. The first failure of an outage is reported once through
// `report`; the next success ends the outage.
class syslog_sink {
public:
    using report_fn = std::function<void(const std::string&)>;

    syslog_sink(boost::asio::io_context& io, std::string path, syslog_origin origin, report_fn report);

    void operator()(const event& e);

    std::uint64_t sent() const;
    std::uint64_t failed() const;

    // Longest datagram we send; longer lines are cut (RFC 5424 §6.1: 2048 should be accepted).
    static constexpr std::size_t max_message = 2048;

private:
    mutable std::mutex mu_; // events may be raised from REST handlers as well as timers
    boost::asio::local::datagram_protocol::socket socket_;
    boost::asio::local::datagram_protocol::endpoint target_;
    syslog_origin origin_;
    report_fn report_;
    bool down_ = false;
    std::uint64_t sent_ = 0;
    std::uint64_t failed_ = 0;
};

// This host's name and our pid, for syslog_origin.
syslog_origin local_syslog_origin();

} // namespace core
