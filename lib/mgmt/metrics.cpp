// Prometheus text format 0.0.4: one HELP/TYPE header per metric family, then samples.
#include "mgmt/metrics.hpp"

#include <cstdio>
#include <map>
#include <vector>

namespace mgmt {

namespace {

// Label values escape backslash, double quote and newline.
std::string escape(std::string_view v)
{
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

// Metric names allow [a-zA-Z0-9_:]; anything else in a counter name becomes '_'.
std::string metric_name(std::string_view v)
{
    std::string out;
    for (char c : v) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        out += ok ? c : '_';
    }
    return out;
}

struct family {
    std::string help;
    std::string type;
    std::vector<std::string> samples; // "{labels} value"
};

class writer {
public:
    void add(const std::string& name, const std::string& help, const std::string& type, const std::string& labels,
             std::uint64_t value)
    {
        auto [it, fresh] = families_.try_emplace(name);
        if (fresh) {
            order_.push_back(name);
            it->second.help = help;
            it->second.type = type;
        }
        it->second.samples.push_back((labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(value));
    }
    std::string str() const
    {
        std::string out;
        for (const auto& name : order_) {
            const auto& f = families_.at(name);
            out += "# HELP " + name + " " + f.help + "\n";
            out += "# TYPE " + name + " " + f.type + "\n";
            for (const auto& s : f.samples) {
                out += name + s + "\n";
            }
        }
        return out;
    }

private:
    std::vector<std::string> order_;
    std::map<std::string, family> families_;
};

} // namespace

std::string prometheus_metrics(const service& svc)
{
    writer w;
    w.add("gdoi_uptime_seconds", "Seconds since gdoi-router started.", "gauge", "",
          static_cast<std::uint64_t>(svc.uptime().count()));
    w.add("gdoi_config_generation", "Generation of the running configuration (1 at start-up).", "gauge", "",
          svc.generation());
    w.add("gdoi_events_suppressed_total", "Peer-triggered events dropped by the rate limit.", "counter", "",
          svc.events().suppressed_total());
    for (const auto& p : svc.ports()) {
        const std::string l = "port=\"" + escape(p.name) + "\",port_id=\"" + std::to_string(p.port_id) + "\"";
        w.add("gdoi_port_link_up", "1 when the port's link is up.", "gauge", l, p.link_up ? 1 : 0);
        w.add("gdoi_port_speed_mbps", "Link speed in Mbit/s, 0 when down or unknown.", "gauge", l, p.speed_mbps);
        w.add("gdoi_port_rx_packets_total", "Packets received by the port.", "counter", l, p.rx_packets);
        w.add("gdoi_port_rx_bytes_total", "Bytes received by the port.", "counter", l, p.rx_bytes);
        w.add("gdoi_port_rx_missed_total", "Packets the port dropped for lack of RX descriptors.", "counter", l,
              p.rx_missed);
        w.add("gdoi_port_rx_errors_total", "Erroneous packets received.", "counter", l, p.rx_errors);
        w.add("gdoi_port_tx_packets_total", "Packets sent by the port.", "counter", l, p.tx_packets);
        w.add("gdoi_port_tx_bytes_total", "Bytes sent by the port.", "counter", l, p.tx_bytes);
        w.add("gdoi_port_tx_errors_total", "Packets the port failed to send.", "counter", l, p.tx_errors);
        w.add("gdoi_port_dropped_total", "Packets received on the port that the data plane dropped.", "counter", l,
              p.dropped);
        for (std::size_t q = 0; q < p.queues.size(); ++q) {
            const std::string ql = l + ",queue=\"" + std::to_string(q) + "\"";
            const auto& c = p.queues[q];
            w.add("gdoi_port_queue_rx_packets_total", "Packets received on the queue.", "counter", ql, c.rx_packets);
            w.add("gdoi_port_queue_rx_bytes_total", "Bytes received on the queue.", "counter", ql, c.rx_bytes);
            w.add("gdoi_port_queue_tx_packets_total", "Packets sent on the queue.", "counter", ql, c.tx_packets);
            w.add("gdoi_port_queue_tx_bytes_total", "Bytes sent on the queue.", "counter", ql, c.tx_bytes);
        }
    }
    for (const auto& g : svc.crypto_groups()) {
        const std::string l = "group=\"" + escape(g.group) + "\"";
        w.add("gdoi_group_fail_close", "1 while fail-close is in force for the group.", "gauge", l,
              g.fail_close ? 1 : 0);
        for (const auto& [name, value] : g.counters) {
            w.add("gdoi_group_" + metric_name(name) + "_total", "Crypto-map counter " + name + " of the group.",
                  "counter", l, value);
        }
        for (const auto& sa : g.sas) {
            char spi[16];
            std::snprintf(spi, sizeof spi, "0x%08x", sa.spi);
            const std::string sl = l + ",spi=\"" + spi + "\"";
            w.add("gdoi_sa_encrypted_packets_total", "Packets the SA encrypted.", "counter", sl, sa.enc_pkts);
            w.add("gdoi_sa_encrypted_bytes_total", "Inner IPv4 bytes the SA encrypted.", "counter", sl, sa.enc_bytes);
            w.add("gdoi_sa_decrypted_packets_total", "Packets the SA decrypted and verified.", "counter", sl,
                  sa.dec_pkts);
            w.add("gdoi_sa_decrypted_bytes_total", "Inner IPv4 bytes the SA decrypted.", "counter", sl, sa.dec_bytes);
        }
    }
    for (const auto& [name, value] : svc.control_counters()) {
        w.add("gdoi_control_" + metric_name(name) + "_total", "Control thread counter " + name + " (ARP, TAP, tables).",
              "counter", "", value);
    }
    for (const auto& lc : svc.lcores()) {
        const std::string l =
            "lcore=\"" + std::to_string(lc.lcore_id) + "\",worker=\"" + std::to_string(lc.worker) + "\"";
        for (const auto& [name, value] : lc.counters) {
            w.add("gdoi_lcore_" + metric_name(name) + "_total", "Worker counter " + name + ".", "counter", l, value);
        }
    }
    for (const auto& m : svc.extra_metrics()) {
        std::string labels;
        for (const auto& [k, v] : m.labels) {
            labels += (labels.empty() ? "" : ",") + k + "=\"" + escape(v) + "\"";
        }
        w.add(m.name, m.help, m.type, labels, m.value);
    }
    return w.str();
}

} // namespace mgmt
