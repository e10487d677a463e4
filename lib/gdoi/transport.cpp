// udp_transport: async receive loop and fire-and-forget sends.
#include "gdoi/transport.hpp"

#include <boost/asio/ip/address_v4.hpp>
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
    socket_.bind(ep, ec);
    if (ec) {
        throw boost::system::system_error(ec, "cannot bind UDP " + ep.address().to_string() + ":" +
                                                  std::to_string(ep.port()));
    }
    receive();
}

endpoint udp_transport::local() const
{
    const auto ep = socket_.local_endpoint();
    return {ep.address().to_v4().to_uint(), ep.port()};
}

void udp_transport::receive()
{
    socket_.async_receive_from(boost::asio::buffer(buf_), from_,
                               [this](const boost::system::error_code& ec, std::size_t n) {
                                   if (ec == boost::asio::error::operation_aborted) {
                                       return;
                                   }
                                   if (!ec && from_.address().is_v4()) {
                                       ++received_;
                                       on_datagram_({from_.address().to_v4().to_uint(), from_.port()},
                                                    byte_view(buf_.data(), n));
                                   }
                                   receive();
                               });
}

void udp_transport::send(const endpoint& to, bytes data)
{
    // The buffer lives until the send completes.
    auto owned = std::make_shared<bytes>(std::move(data));
    socket_.async_send_to(boost::asio::buffer(*owned), to_asio(to),
                          [this, owned](const boost::system::error_code& ec, std::size_t) {
                              if (ec) {
                                  ++send_errors_;
                              } else {
                                  ++sent_;
                              }
                          });
}

} // namespace gdoi
