// RFC 5424 formatting and the /dev/log sink.
#include "core/syslog.hpp"

#include <boost/asio/buffer.hpp>

#include <unistd.h>

#include <climits>

namespace core {

namespace {

// RFC 5424 header fields are printable US-ASCII without spaces, with a length cap;
// an empty one is the nil value "-".
std::string header_field(std::string_view v, std::size_t max)
{
    std::string out;
    for (char c : v.substr(0, max)) {
        out += (c > 32 && c < 127) ? c : '_';
    }
    return out.empty() ? "-" : out;
}

} // namespace

std::string format_rfc5424(const event& e, const syslog_origin& origin, unsigned facility)
{
    const unsigned pri = facility * 8 + static_cast<unsigned>(e.kind->level);
    return "<" + std::to_string(pri) + ">1 " + format_time(e.time) + " " + header_field(origin.hostname, 255) + " " +
           header_field(origin.app_name, 48) + " " + header_field(origin.procid, 128) + " " +
           header_field(e.kind->name, 32) + " - " + format_message(e);
}

syslog_sink::syslog_sink(boost::asio::io_context& io, std::string path, syslog_origin origin, report_fn report)
    : socket_(io), target_(path), origin_(std::move(origin)), report_(std::move(report))
{
    socket_.open();
    socket_.non_blocking(true);
}

void syslog_sink::operator()(const event& e)
{
    std::string line = format_rfc5424(e, origin_);
    if (line.size() > max_message) {
        line.resize(max_message);
    }
    std::string problem;
    {
        std::lock_guard lock(mu_);
        boost::system::error_code ec;
        socket_.send_to(boost::asio::buffer(line), target_, 0, ec);
        if (!ec) {
            ++sent_;
            down_ = false;
            return;
        }
        ++failed_;
        if (down_) {
            return;
        }
        down_ = true;
        problem = "cannot send events to syslog at " + target_.path() + ": " + ec.message() +
                  "; they still go to stderr and the REST stream";
    }
    if (report_) {
        report_(problem);
    }
}

std::uint64_t syslog_sink::sent() const
{
    std::lock_guard lock(mu_);
    return sent_;
}

std::uint64_t syslog_sink::failed() const
{
    std::lock_guard lock(mu_);
    return failed_;
}

syslog_origin local_syslog_origin()
{
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) != 0) {
        host[0] = '\0';
    }
    syslog_origin o;
    o.hostname = host;
    o.procid = std::to_string(::getpid());
    return o;
}

} // namespace core
