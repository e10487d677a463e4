// The thin transport under the GDOI protocol objects: one UDP socket (port 848 by
// default) on the control lcore's Boost.Asio io_context. It moves datagrams; the
// ks and gm objects decide what they mean.
#pragma once

#include "gdoi/bytes.hpp"
#include "gdoi/ks.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <array>
#include <cstdint>
#include <functional>

namespace gdoi {

class udp_transport {
public:
    using handler = std::function<void(const endpoint& from, byte_view datagram)>;

    // Binds local (address 0 = any). Throws boost::system::system_error when the
    // address cannot be bound, with the address in the message.
    udp_transport(boost::asio::io_context& io, endpoint local, handler on_datagram);
    udp_transport(const udp_transport&) = delete;
    udp_transport& operator=(const udp_transport&) = delete;

    void send(const endpoint& to, bytes data);
    endpoint local() const;

    std::uint64_t received() const { return received_; }
    std::uint64_t sent() const { return sent_; }
    std::uint64_t send_errors() const { return send_errors_; }

private:
    void receive();

    boost::asio::ip::udp::socket socket_;
    handler on_datagram_;
    boost::asio::ip::udp::endpoint from_;
    std::array<std::uint8_t, 65536> buf_{};
    std::uint64_t received_ = 0;
    std::uint64_t sent_ = 0;
    std::uint64_t send_errors_ = 0;
};

} // namespace gdoi
