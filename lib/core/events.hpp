// Structured events named after Cisco's GET VPN syslog catalogue (seed 000, table 3,
// plus the seed 002/003 messages), printed as IOS-style text or as JSON lines.
#pragma once

#include "core/clock.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace core {

// RFC 5424 severities; the digit is the one Cisco prints in %GDOI-5-NAME.
enum class severity : std::uint8_t { emergency, alert, critical, error, warning, notice, info, debug };

std::string_view to_string(severity s);

struct event_kind {
    std::string_view name;     // GM_REGS_COMPL
    std::string_view facility; // GDOI, CRYPTO, or ROUTER for our own
    severity level;
    // A remote peer can make us raise it at will: such events are rate-limited.
    bool peer_triggered;
    std::string_view meaning;
};

// The whole catalogue, and lookup by name. Unknown names return nullptr.
const std::vector<event_kind>& event_catalogue();
const event_kind* find_event_kind(std::string_view name);

struct event {
    const event_kind* kind = nullptr;
    system_time time{};
    std::string text; // the human sentence, as IOS would print it
    std::vector<std::pair<std::string, std::string>> fields;

    std::string_view name() const { return kind->name; }
};

// "2026-11-23T13:31:06.873Z": RFC 3339 UTC with milliseconds.
std::string format_time(system_time t);
// "%GDOI-5-GM_REGS_COMPL: Registration to KS 10.0.0.1 complete ... (group=G1)"
std::string format_message(const event& e);
// format_message() after the time: "2026-11-23T13:31:06.873Z %GDOI-5-...".
std::string format_text(const event& e);
// One JSON object on one line: time, name, facility, severity, text, fields.
std::string format_json(const event& e);

// Fan-out of events to sinks (stderr, syslog, the REST stream), with rate limiting
// of peer-triggered events. Thread-safe: workers never raise events, but the
// control lcore and the REST threads may both publish.
class event_bus {
public:
    using sink = std::function<void(const event&)>;

    explicit event_bus(const clock& clk, duration rate_interval = std::chrono::seconds{10},
                       unsigned rate_burst = 5);

    // Raises the named event. An unknown name is a programming error and throws.
    // Returns false when the event was suppressed by the rate limit.
    bool raise(std::string_view name, std::string text,
               std::vector<std::pair<std::string, std::string>> fields = {});

    int subscribe(sink s);
    void unsubscribe(int id);

    // The last `backlog_size` events, oldest first (for GET /events).
    std::vector<event> backlog() const;
    std::uint64_t suppressed_total() const;

    static constexpr std::size_t backlog_size = 256;

private:
    struct rate_state {
        steady_time window_start{};
        unsigned sent = 0;
        std::uint64_t suppressed = 0;
    };

    const clock& clock_;
    duration interval_;
    unsigned burst_;
    mutable std::mutex mu_;
    int next_sink_ = 1;
    std::map<int, sink> sinks_;
    std::map<std::string_view, rate_state> rate_;
    std::vector<event> ring_;
    std::size_t ring_head_ = 0;
    std::uint64_t suppressed_total_ = 0;
};

} // namespace core
