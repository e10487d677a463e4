// gdoi_node: sockets and key files around gdoi::ks and gdoi::gm.
#include "gdoi_node.hpp"

#include <sys/stat.h>

#include <algorithm>

#include <filesystem>
#include <sstream>

namespace app {

mgmt::rsa_key_source rsa_keys_in(const std::string& dir)
{
    return [dir](const std::string& label, unsigned modulus) -> gdoi::result<std::shared_ptr<const gdoi::rsa_key>> {
        namespace fs = std::filesystem;
        const fs::path path = fs::path(dir) / (label + ".pem");
        std::error_code ec;
        if (fs::exists(path, ec)) {
            std::ifstream in(path);
            std::stringstream pem;
            pem << in.rdbuf();
            auto k = gdoi::rsa_key::from_pem(pem.str());
            if (!k) {
                return gdoi::make_error(k.err().code, path.string() + ": " + k.err().detail);
            }
            return std::shared_ptr<const gdoi::rsa_key>(std::make_shared<gdoi::rsa_key>(std::move(*k)));
        }
        auto k = gdoi::rsa_key::generate(modulus);
        if (!k) {
            return k.err();
        }
        fs::create_directories(dir, ec);
        // Private key material: owner-only before a byte is written.
        const mode_t old = ::umask(077);
        {
            std::ofstream out(path);
            out << k->private_pem();
        }
        ::umask(old);
        return std::shared_ptr<const gdoi::rsa_key>(std::make_shared<gdoi::rsa_key>(std::move(*k)));
    };
}

gdoi_node::gdoi_node(boost::asio::io_context& io, core::clock& clk, core::event_bus& bus, mgmt::gdoi_setup setup,
                     gdoi::sa_installer* installer, const std::string& keylog_path, mgmt::rsa_key_source keys,
                     unsigned sender_ids)
    : io_(io), clock_(clk), bus_(bus), setup_(std::move(setup)), installer_(installer), keys_(std::move(keys)),
      sender_ids_(sender_ids)
{
    if (!keylog_path.empty()) {
        keylog_file_.open(keylog_path, std::ios::app);
        keylog_ = std::make_unique<gdoi::key_log>(keylog_file_);
    }
}

gdoi_node::~gdoi_node() = default;

std::string gdoi_node::start()
{
    if (keylog_ && !keylog_file_) {
        return "cannot open the key log file";
    }
    try {
        if (setup_.ks) {
            start_key_server(*setup_.ks);
        }
        for (const auto& cfg : setup_.gms) {
            if (installer_ == nullptr) {
                return "group " + cfg.group + ": no data plane to install its SAs into";
            }
            start_member(cfg);
        }
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

void gdoi_node::start_key_server(const gdoi::ks_config& cfg)
{
    ks_ = std::make_unique<gdoi::ks>(cfg, clock_, bus_, keylog_.get());
    // A KS answers on every local address: GMs reach it on `server address ipv4`.
    ks_transport_ = std::make_unique<gdoi::udp_transport>(
        io_, gdoi::endpoint{0, 848}, [this](const gdoi::endpoint& from, gdoi::byte_view d) {
            if (auto reply = ks_->handle(from, d)) {
                ks_transport_->send(from, std::move(*reply));
            }
        });
}

void gdoi_node::start_member(const gdoi::gm_config& cfg)
{
    auto slot = std::make_unique<gm_slot>();
    gm_slot* sp = slot.get();
    sp->gm = std::make_unique<gdoi::gm>(cfg, clock_, bus_, *installer_, keylog_.get());
    sp->transport = std::make_unique<gdoi::udp_transport>(
        io_, gdoi::endpoint{cfg.local_addr, 848}, [sp](const gdoi::endpoint& from, gdoi::byte_view d) {
            if (auto out = sp->gm->handle(from, d)) {
                sp->transport->send(out->to, std::move(out->data));
            }
        });
    // Retransmissions, moving down the server list and re-registration come from timers.
    sp->gm->set_sender([sp](const gdoi::outbound& out) { sp->transport->send(out.to, out.data); });
    auto first = sp->gm->start();
    sp->transport->send(first.to, std::move(first.data));
    gms_.push_back(std::move(slot));
}

mgmt::clear_outcome gdoi_node::clear_groups(const mgmt::config& running, std::string_view group)
{
    mgmt::clear_outcome out;
    auto next = mgmt::build_gdoi_setup(running, keys_, sender_ids_);
    if (!next.ok()) {
        for (const auto& d : next.problems) {
            out.error += (out.error.empty() ? "" : "; ") + d.message;
        }
        return out;
    }
    const auto selected = [&](std::string_view name) { return group.empty() || name == group; };
    const auto configured_member = [&](std::string_view name) -> const gdoi::gm_config* {
        for (const auto& c : next.gms) {
            if (c.group == name) {
                return &c;
            }
        }
        return nullptr;
    };
    if (!group.empty()) {
        const bool known = (ks_ && ks_->group(group)) || writable_member(group) != nullptr ||
                           configured_member(group) != nullptr ||
                           (next.ks && std::any_of(next.ks->groups.begin(), next.ks->groups.end(),
                                                   [&](const gdoi::group_policy& p) { return p.name == group; }));
        if (!known) {
            out.error = "Group " + std::string(group) + " not found";
            return out;
        }
    }
    if (installer_ == nullptr && std::any_of(next.gms.begin(), next.gms.end(), [&](const gdoi::gm_config& c) {
            return selected(c.group) && writable_member(c.group) == nullptr;
        })) {
        out.error = "no data plane to install a new member's SAs into: restart gdoi-router";
        return out;
    }
    try {
        // Key server: its settings and the named groups from the running configuration.
        if (ks_) {
            gdoi::ks_config kc = next.ks ? *next.ks : ks_->config();
            if (!next.ks) {
                kc.groups.clear(); // no `server local` left: the named groups go
            }
            out.ks_groups = ks_->reload(std::move(kc), group);
            if (ks_->config().groups.empty()) {
                ks_transport_.reset();
                ks_.reset();
            }
        } else if (next.ks && std::any_of(next.ks->groups.begin(), next.ks->groups.end(),
                                          [&](const gdoi::group_policy& p) { return selected(p.name); })) {
            start_key_server(*next.ks);
            for (const auto& p : ks_->config().groups) {
                out.ks_groups.push_back(p.name);
            }
        }
        // Members: each named one drops its keys (back to fail-close when it had it)
        // and registers again with its new settings.
        for (auto it = gms_.begin(); it != gms_.end();) {
            const gdoi::gm_config old = (*it)->gm->config();
            if (!selected(old.group)) {
                ++it;
                continue;
            }
            (*it)->gm->clear_registration();
            it = gms_.erase(it); // closes its socket before the new one binds
            const auto* now = configured_member(old.group);
            if (old.fail_close && (now == nullptr || !now->fail_close)) {
                installer_->set_fail_close(old.group, false, {});
            }
            if (now == nullptr) {
                out.gm_stopped.push_back(old.group);
            }
        }
        for (const auto& c : next.gms) {
            if (selected(c.group) && writable_member(c.group) == nullptr) {
                start_member(c);
                out.gm_groups.push_back(c.group);
            }
        }
    } catch (const std::exception& e) {
        out.error = e.what();
    }
    return out;
}

std::vector<const gdoi::gm*> gdoi_node::members() const
{
    std::vector<const gdoi::gm*> out;
    for (const auto& s : gms_) {
        out.push_back(s->gm.get());
    }
    return out;
}

gdoi::gm* gdoi_node::writable_member(std::string_view group)
{
    for (const auto& s : gms_) {
        if (s->gm->config().group == group) {
            return s->gm.get();
        }
    }
    return nullptr;
}

} // namespace app
