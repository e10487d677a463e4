// udp_transport on loopback: a burst is drained into the queue and handed on in
// arrival order, one datagram per io_context turn; a transport destroyed with
// datagrams still queued drops them without touching freed memory.
#include "gdoi/transport.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <vector>

using namespace gdoi;

namespace {

constexpr std::uint32_t loopback = 0x7f000001;

bytes numbered(std::uint32_t i)
{
    bytes b;
    put_u32(b, i);
    return b;
}

} // namespace

TEST_CASE("udp_transport hands on a burst in order, without loss", "[gdoi][transport]")
{
    boost::asio::io_context io;
    std::vector<std::uint32_t> got;
    udp_transport rx(io, {loopback, 0}, [&](const endpoint& from, byte_view d) {
        CHECK(from.addr == loopback);
        reader r(d);
        std::uint32_t v = 0;
        REQUIRE(r.u32(v));
        got.push_back(v);
    });
    udp_transport tx(io, {loopback, 0}, [](const endpoint&, byte_view) {});
    constexpr std::uint32_t burst = 200;
    for (std::uint32_t i = 0; i < burst; ++i) {
        tx.send(rx.local(), numbered(i));
    }
    while (got.size() < burst && io.run_one() > 0) {
    }
    REQUIRE(got.size() == burst);
    for (std::uint32_t i = 0; i < burst; ++i) {
        CHECK(got[i] == i);
    }
    CHECK(rx.received() == burst);
    CHECK(rx.queue_drops() == 0);
    CHECK(tx.sent() == burst);
}

TEST_CASE("a handler may destroy its transport with datagrams still queued", "[gdoi][transport]")
{
    boost::asio::io_context io;
    int handled = 0;
    std::unique_ptr<udp_transport> rx;
    rx = std::make_unique<udp_transport>(io, endpoint{loopback, 0}, [&](const endpoint&, byte_view) {
        ++handled;
        rx.reset();
    });
    udp_transport tx(io, {loopback, 0}, [](const endpoint&, byte_view) {});
    for (std::uint32_t i = 0; i < 5; ++i) {
        tx.send(rx->local(), numbered(i));
    }
    // Sends complete, the burst is drained, one datagram is handled and the rest dropped:
    // the handlers still posted for them run (poll) and must find the transport gone.
    while (rx != nullptr && io.run_one() > 0) {
    }
    io.poll();
    CHECK(handled == 1);
    CHECK(rx == nullptr);
}
