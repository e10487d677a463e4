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
#include <deque>
#include <memory>
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
    // Datagrams dropped because the user-space queue was full.
    std::uint64_t queue_drops() const { return queue_drops_; }

    // A burst (thousands of members registering at once) must not overflow the kernel
    // queue while one datagram costs a DH computation: the socket is drained into this
    // queue whenever it is readable, and the queue is handled one datagram per turn of
    // the io_context, so draining runs between any two handled datagrams.
    static constexpr std::size_t max_queued = 16384;
    static constexpr int receive_buffer_bytes = 4 << 20; // asked for; the kernel caps it at rmem_max

private:
    struct datagram {
        endpoint from;
        bytes data;
    };
    void wait_readable();
    void drain();
    void handle_one();
    void post_handle_one();

    boost::asio::ip::udp::socket socket_;
    handler on_datagram_;
    std::array<std::uint8_t, 65536> buf_{};
    std::deque<datagram> queue_;
    bool handling_posted_ = false;
    // Posted handlers check it: a transport destroyed with datagrams queued ignores them.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    std::uint64_t received_ = 0;
    std::uint64_t sent_ = 0;
    std::uint64_t send_errors_ = 0;
    std::uint64_t queue_drops_ = 0;
};

} // namespace gdoi
