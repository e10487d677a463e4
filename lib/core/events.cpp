// Event catalogue, formatting and the event bus.
#include "core/events.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <stdexcept>

namespace core {

std::string_view to_string(severity s)
{
    switch (s) {
    case severity::emergency: return "emergency";
    case severity::alert: return "alert";
    case severity::critical: return "critical";
    case severity::error: return "error";
    case severity::warning: return "warning";
    case severity::notice: return "notice";
    case severity::info: return "info";
    case severity::debug: return "debug";
    }
    return "unknown";
}

namespace {

using enum severity;

// Levels follow the seeds where a log line shows them (%GDOI-5-GM_REGS_COMPL), and
// Cisco's usual level for the family elsewhere.
const std::vector<event_kind> catalogue = {
    // Group member
    {"GM_REGSTER", "CRYPTO", notice, false, "Start registration to a key server (Cisco spells it GM_REGSTER)."},
    {"GM_REGS_COMPL", "GDOI", notice, false, "Registration complete."},
    {"GM_INSTALL_POLICIES_SUCCESS", "GDOI", notice, false, "The downloaded policy was installed in the data plane."},
    {"GM_ACL_MERGE", "GDOI", notice, false, "The ACL differences between a GM and KS are resolved and a merge took place."},
    {"GM_ACL_PERMIT", "GDOI", warning, false, "The GM can support only an ACL for deny; traffic matching the permit entry will be dropped."},
    {"GM_CLEAR_REGISTER", "GDOI", notice, false, "The clear crypto gdoi command has been executed by the local GM."},
    {"GM_CM_ATTACH", "GDOI", notice, false, "A crypto map has been attached for the local GM."},
    {"GM_CM_DETACH", "GDOI", notice, false, "A crypto map has been detached for the local GM."},
    {"GM_CONV_SA_DUPLEX", "GDOI", notice, false, "IPsec SAs have been converted to bidirectional mode in a group on a GM."},
    {"GM_CONV_SA_DUPLEX_LOCAL", "GDOI", notice, false, "IPsec SAs have been converted to bidirectional mode in a group on a GM by a CLI command."},
    {"GM_DELETE", "GDOI", notice, false, "A GM has been deleted in a group from a KS."},
    {"GM_ENABLE_GDOI_CM", "GDOI", notice, false, "A GM has enabled ACL on a GDOI crypto map in a group with a KS."},
    {"GM_HASH_FAIL", "GDOI", error, true, "During GDOI registration protocol, a message sent by the KS has bad or no hash."},
    {"GM_INCOMPLETE_CFG", "GDOI", error, false, "Registration cannot be completed because the GDOI group configuration is missing the group ID, server ID, or both."},
    {"GM_NO_IPSEC_FLOWS", "GDOI", error, false, "The IPsec flow limit is reached. Cannot create any more IPsec SAs."},
    {"GM_NO_CRYPTO_ENGINE", "GDOI", error, false, "No crypto engine is found due to a lack of resources or an unsupported feature requested."},
    {"GM_RE_REGISTER", "GDOI", notice, false, "The IPsec SA created for one group may have expired or been cleared. Need to re-register to the KS."},
    {"GM_RECV_DELETE", "GDOI", warning, false, "A message sent by the KS to delete the GM has been received."},
    {"GM_RECV_DELETE_IMMEDIATE", "GDOI", warning, false, "A message sent by the KS to delete the GM immediately has been received."},
    {"GM_RECV_REKEY", "GDOI", notice, false, "Rekey received."},
    {"GM_REJECTING_SA_PAYLOAD", "GDOI", error, true, "During GDOI registration protocol, a proposal sent by the KS was refused by the local GM."},
    {"GM_REKEY_TRANS_2_MULTI", "GDOI", notice, false, "A GM has transitioned from unicast rekey to multicast rekey."},
    {"GM_REKEY_TRANS_2_UNI", "GDOI", notice, false, "A GM has transitioned from multicast rekey to unicast rekey."},
    {"GM_SA_INGRESS", "GDOI", notice, false, "A receive-only ACL has been received by a GM from a KS in a group."},
    {"GM_UNREGISTER", "GDOI", notice, false, "A GM has left the group."},
    {"SA_KEK_UPDATED", "GDOI", notice, false, "The KEK was updated."},
    {"SA_TEK_UPDATED", "GDOI", notice, false, "A TEK was updated."},
    {"POLICY_CHANGE", "GDOI", notice, false, "The group policy changed; a rekey carries the new policy."},
    {"GDOI_REKEY_FAILURE", "GDOI", error, true, "During GDOI rekey the payload parsing failed on this GM from the KS."},
    {"GDOI_REKEY_SEQ_FAILURE", "GDOI", error, true, "The rekey message is rejected because the sequence number antireplay check failed."},
    {"PSEUDO_TIME_LARGE", "GDOI", error, true, "The rekey has a larger pseudotime that exceeds the allowable pseudotime difference."},
    {"PSEUDO_TIME_TOO_OLD", "GDOI", error, true, "The rekey has a smaller pseudotime that exceeds the allowable pseudotime difference."},
    {"REPLAY_FAILED", "GDOI", error, true, "A GM or KS has failed an antireplay check."},
    {"GDOI_ACL_NUM", "GDOI", warning, false, "The ACL has too many entries."},
    {"GDOI_ON_OFF", "CRYPTO", info, false, "GDOI is enabled or disabled on an interface."},
    {"RECVD_PKT_INV_SPI", "CRYPTO", warning, true, "An IPsec packet arrived with an SPI that has no SA."},
    {"RECVD_PKT_NOT_IPSEC", "CRYPTO", warning, true, "A cleartext packet arrived that the policy says must be encrypted."},
    // Key server
    {"KS_BAD_ID", "GDOI", error, true, "A configuration mismatch exists between a local KS and a GM during GDOI registration."},
    {"KS_BLACKHOLE_ACK", "GDOI", error, true, "A KS has reached a condition of null route messages from a GM."},
    {"KS_CLEAR_REGISTER", "GDOI", notice, false, "The clear crypto gdoi command has been executed by the local KS."},
    {"KS_CONV_SAS_DUPLEX", "GDOI", notice, false, "IPsec SAs have been converted to bidirectional mode in a group."},
    {"KS_CONV_SAS_INGRESS", "GDOI", notice, false, "IPsec SAs have been converted to receive-only mode in a group."},
    {"KS_FIRST_GM", "GDOI", info, false, "A local KS has received the first GM joining the group."},
    {"KS_GM_REJECTS_SA_PAYLOAD", "GDOI", error, true, "During GDOI registration, a proposal sent by the KS was refused by the GM."},
    {"KS_GM_REVOKED", "GDOI", error, true, "During rekey protocol, an unauthorized member tried to join a group."},
    {"KS_GROUP_ADD", "GDOI", notice, false, "A configuration command has been executed to add a KS in a group."},
    {"KS_GROUP_DELETE", "GDOI", notice, false, "A configuration command has been executed to remove a KS from a group."},
    {"KS_HASH_FAIL", "GDOI", error, true, "During GDOI registration protocol, a message sent by the GM has a bad or no hash."},
    {"KS_LAST_GM", "GDOI", info, false, "The last GM has left the group on the local KS."},
    {"KS_NACK_GM_EJECT", "GDOI", warning, false, "The KS has not received ACK messages from a GM and has ejected it."},
    {"KS_NO_RSA_KEYS", "GDOI", error, false, "RSA keys were not created or they are missing."},
    {"KS_REGS_COMPL", "GDOI", notice, false, "The KS has successfully completed a registration in a group."},
    {"KS_REKEY_TRANS_2_MULTI", "GDOI", notice, false, "The group has transitioned from unicast rekey to multicast rekey."},
    {"KS_REKEY_TRANS_2_UNI", "GDOI", notice, false, "The group has transitioned from multicast rekey to unicast rekey."},
    {"KS_SEND_MCAST_REKEY", "GDOI", notice, false, "Sending multicast rekey."},
    {"KS_SEND_UNICAST_REKEY", "GDOI", notice, false, "Sending unicast rekey."},
    {"KS_UNAUTHORIZED", "GDOI", alert, true, "During GDOI registration protocol, an unauthorized member tried to join a group."},
    {"KS_UNSOL_ACK", "GDOI", warning, true, "The KS has received an unsolicited ACK message from a past GM or is under a DoS attack."},
    {"UNAUTHORIZED_IPADDR", "GDOI", alert, true, "A registration came from an address the group's authorization list does not permit."},
    {"UNAUTHORIZED_IDENTITY", "GDOI", alert, true, "A registration came with an identity the group's authorization list does not permit."},
    // Cooperative key servers
    {"COOP_CONFIG_MISMATCH", "GDOI", warning, false, "The configuration of the primary KS and a secondary KS are mismatched."},
    {"COOP_KS_ADD", "GDOI", notice, false, "A KS has been added to the list of cooperative KSs in a group."},
    {"COOP_KS_ELECTION", "GDOI", notice, false, "The local KS has entered the election process in a group."},
    {"COOP_KS_REACH", "GDOI", notice, false, "The reachability between the configured cooperative KSs is restored."},
    {"COOP_KS_REMOVE", "GDOI", notice, false, "A KS has been removed from the list of cooperative KSs in a group."},
    {"COOP_KS_TRANS_TO_PRI", "GDOI", notice, false, "The local KS transitioned to a primary role from being a secondary server in a group."},
    {"COOP_KS_UNAUTH", "GDOI", error, true, "An unauthorized remote server tried to contact the local KS in a group."},
    {"COOP_KS_UNREACH", "GDOI", error, false, "The reachability between the configured cooperative KSs is lost."},
    {"COOP_KS_VER_MISMATCH", "GDOI", warning, false, "KSs are running different versions of the software."},
    {"COOP_PACKET_DROPPED", "GDOI", warning, false, "A COOP packet was too large to send."},
    {"COOP_KS_BLOCK_NEW_GM_REGISTER", "GDOI", notice, false, "The secondary KS temporarily blocks GM registration: no valid pseudotime from the primary KS."},
    {"COOP_KS_BLOCK_NEW_GM_REGISTER_ELECTION", "GDOI", notice, false, "The KS temporarily blocks GM registration during election."},
    {"COOP_KS_VALID_ANN_TIMER_EXPIRED", "GDOI", notice, false, "The secondary KS keeps receiving ANNs with invalid pseudotimes and blocks new registrations."},
    {"GDOI_ANN_TIMESTAMP_LARGE", "GDOI", warning, true, "An ANN from the primary KS has a pseudotime larger than the allowed difference."},
    {"GDOI_ANN_TIMESTAMP_TOO_OLD", "GDOI", warning, true, "An ANN from the primary KS has a pseudotime smaller than the allowed difference."},
    // IOS system messages
    {"CONFIG_I", "SYS", notice, false, "The running configuration was changed (console, REST or gdoictl)."},
    // The appliance itself (not in Cisco's catalogue)
    {"ROUTER_START", "ROUTER", notice, false, "gdoi-router started."},
    {"ROUTER_STOP", "ROUTER", notice, false, "gdoi-router is stopping."},
    {"CONFIG_WARNING", "ROUTER", warning, false, "The configuration has a line that was kept but is not acted on."},
    {"PORT_LINK", "ROUTER", notice, false, "A port's link changed state."},
    {"SYSLOG_DOWN", "ROUTER", warning, false, "Events cannot reach syslog; they still go to stderr and the REST stream."},
    {"LEGACY_ALGORITHM", "ROUTER", warning, false, "A legacy algorithm (3DES, DH group 2 or 5) is in use."},
    {"KS_SID_EXHAUSTED", "ROUTER", error, true, "A group has no sender ID left for a member that asked for some; its registration was refused."},
};

} // namespace

const std::vector<event_kind>& event_catalogue() { return catalogue; }

const event_kind* find_event_kind(std::string_view name)
{
    for (const auto& k : catalogue) {
        if (k.name == name) {
            return &k;
        }
    }
    return nullptr;
}

std::string format_time(system_time t)
{
    using namespace std::chrono;
    const auto secs = time_point_cast<seconds>(t);
    const auto ms = duration_cast<milliseconds>(t - secs).count();
    const std::time_t tt = system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

std::string format_message(const event& e)
{
    std::string out = "%" + std::string(e.kind->facility) + "-" +
                      std::to_string(static_cast<int>(e.kind->level)) + "-" + std::string(e.kind->name) + ": " +
                      e.text;
    if (!e.fields.empty()) {
        out += " (";
        for (std::size_t i = 0; i < e.fields.size(); ++i) {
            out += (i ? " " : "") + e.fields[i].first + "=" + e.fields[i].second;
        }
        out += ")";
    }
    return out;
}

std::string format_text(const event& e) { return format_time(e.time) + " " + format_message(e); }

std::string format_json(const event& e)
{
    nlohmann::json j;
    j["time"] = format_time(e.time);
    j["name"] = e.kind->name;
    j["facility"] = e.kind->facility;
    j["severity"] = to_string(e.kind->level);
    j["level"] = static_cast<int>(e.kind->level);
    j["text"] = e.text;
    auto& f = j["fields"] = nlohmann::json::object();
    for (const auto& [k, v] : e.fields) {
        f[k] = v;
    }
    return j.dump();
}

event_bus::event_bus(const clock& clk, duration rate_interval, unsigned rate_burst)
    : clock_(clk), interval_(rate_interval), burst_(rate_burst)
{
}

bool event_bus::raise(std::string_view name, std::string text, std::vector<std::pair<std::string, std::string>> fields)
{
    const event_kind* kind = find_event_kind(name);
    if (kind == nullptr) {
        throw std::logic_error("event not in the catalogue: " + std::string(name));
    }
    event e{kind, clock_.wall(), std::move(text), std::move(fields)};
    std::vector<sink> targets;
    {
        std::lock_guard lock(mu_);
        if (kind->peer_triggered) {
            // A fixed window per event name: at most burst_ events per interval_; the
            // first event after a window with suppressions reports how many were dropped.
            auto& rs = rate_[kind->name];
            const auto now = clock_.now();
            if (now - rs.window_start >= interval_) {
                rs.window_start = now;
                rs.sent = 0;
            }
            if (rs.sent >= burst_) {
                ++rs.suppressed;
                ++suppressed_total_;
                return false;
            }
            ++rs.sent;
            if (rs.suppressed > 0) {
                e.fields.emplace_back("suppressed", std::to_string(rs.suppressed));
                rs.suppressed = 0;
            }
        }
        if (ring_.size() < backlog_size) {
            ring_.push_back(e);
        } else {
            ring_[ring_head_] = e;
            ring_head_ = (ring_head_ + 1) % backlog_size;
        }
        for (const auto& [id, s] : sinks_) {
            targets.push_back(s);
        }
    }
    // Sinks run outside the lock so that a sink may itself read the backlog.
    for (const auto& s : targets) {
        s(e);
    }
    return true;
}

int event_bus::subscribe(sink s)
{
    std::lock_guard lock(mu_);
    const int id = next_sink_++;
    sinks_.emplace(id, std::move(s));
    return id;
}

void event_bus::unsubscribe(int id)
{
    std::lock_guard lock(mu_);
    sinks_.erase(id);
}

std::vector<event> event_bus::backlog() const
{
    std::lock_guard lock(mu_);
    std::vector<event> out;
    out.reserve(ring_.size());
    for (std::size_t i = 0; i < ring_.size(); ++i) {
        out.push_back(ring_[(ring_head_ + i) % ring_.size()]);
    }
    return out;
}

std::uint64_t event_bus::suppressed_total() const
{
    std::lock_guard lock(mu_);
    return suppressed_total_;
}

} // namespace core
