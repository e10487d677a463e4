// gdoi_node: sockets and key files around gdoi::ks and gdoi::gm.
#include "gdoi_node.hpp"

#include <sys/stat.h>

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
                     gdoi::sa_installer* installer, const std::string& keylog_path)
    : io_(io), clock_(clk), bus_(bus), setup_(std::move(setup)), installer_(installer)
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
            ks_ = std::make_unique<gdoi::ks>(*setup_.ks, clock_, bus_, keylog_.get());
            // A KS answers on every local address: GMs reach it on `server address ipv4`.
            ks_transport_ = std::make_unique<gdoi::udp_transport>(
                io_, gdoi::endpoint{0, 848}, [this](const gdoi::endpoint& from, gdoi::byte_view d) {
                    if (auto reply = ks_->handle(from, d)) {
                        ks_transport_->send(from, std::move(*reply));
                    }
                });
        }
        for (const auto& cfg : setup_.gms) {
            if (installer_ == nullptr) {
                return "group " + cfg.group + ": no data plane to install its SAs into";
            }
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
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
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
