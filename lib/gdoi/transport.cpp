// udp_transport: async receive loop and fire-and-forget sends.
#include "gdoi/transport.hpp"

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include <memory>

namespace gdoi {

namespace {

boost::asio::ip::udp::endpoint to_asio(const endpoint& e)
{
    return {boost::asio::ip::address_v4(e.addr), e.port};
}

} // namespace

udp_transport::udp_transport(boost::asio::io_context& io, endpoint local, handler on_datagram)
    : socket_(io), on_datagram_(std::move(on_datagram))
{
    const auto ep = to_asio(local);
    socket_.open(ep.protocol());
    socket_.set_option(boost::asio::socket_base::reuse_address(true));
    boost::system::error_code ec;
    // Best effort: a smaller buffer only means the drain below matters more.
    socket_.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer_bytes), ec);
    socket_.non_blocking(true);
    socket_.bind(ep, ec);
    if (ec) {
        throw boost::system::system_error(ec, "cannot bind UDP " + ep.address().to_string() + ":" +
                                                  std::to_string(ep.port()));
    }
    wait_readable();
}

endpoint udp_transport::local() const
{
    const auto ep = socket_.local_endpoint();
    return {ep.address().to_v4().to_uint(), ep.port()};
}

void udp_transport::wait_readable()
{
    socket_.async_wait(boost::asio::ip::udp::socket::wait_read, [this](const boost::system::error_code& ec) {
        if (ec == boost::asio::error::operation_aborted) {
            return;
        }
        drain();
        wait_readable();
    });
}

void udp_transport::drain()
{
    boost::asio::ip::udp::endpoint from;
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = socket_.receive_from(boost::asio::buffer(buf_), from, 0, ec);
        if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
            break;
        }
        if (ec || !from.address().is_v4()) {
            continue; // e.g. ICMP port unreachable reported on the socket: nothing to hand on
        }
        ++received_;
        if (queue_.size() >= max_queued) {
            ++queue_drops_;
            continue;
        }
        queue_.push_back({{from.address().to_v4().to_uint(), from.port()}, bytes(buf_.begin(), buf_.begin() + n)});
    }
    post_handle_one();
}

void udp_transport::post_handle_one()
{
    if (queue_.empty() || handling_posted_) {
        return;
    }
    handling_posted_ = true;
    boost::asio::post(socket_.get_executor(), [this, alive = std::weak_ptr<int>(alive_)] {
        if (!alive.expired()) {
            handle_one();
        }
    });
}

void udp_transport::handle_one()
{
    handling_posted_ = false;
    if (queue_.empty()) {
        return;
    }
    auto d = std::move(queue_.front());
    queue_.pop_front();
    auto alive = std::weak_ptr<int>(alive_);
    on_datagram_(d.from, d.data);
    if (!alive.expired()) { // the handler may have destroyed us
        post_handle_one();
    }
}

void udp_transport::send(const endpoint& to, bytes data)
{
    // The buffer lives until the send completes.
    auto owned = std::make_shared<bytes>(std::move(data));
    socket_.async_send_to(boost::asio::buffer(*owned), to_asio(to),
                          [this, owned, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec,
                                                                             std::size_t) {
                              if (alive.expired()) {
                                  return; // closed by `clear crypto gdoi` with this send in flight
                              }
                              if (ec) {
                                  ++send_errors_;
                              } else {
                                  ++sent_;
                              }
                          });
}

} // namespace gdoi
