// Canonical IOS text for a config: the same order every time, every value explicit
// except the appliance defaults, kept unsupported lines first as IOS shows them.
#include "mgmt/ios_printer.hpp"

#include <algorithm>
#include <sstream>

namespace mgmt {

namespace {

std::string mask_of(unsigned prefix_len) { return prefix_to_mask(prefix_len).to_string(); }

std::string address_text(const address_match& m) {
    if (m.wildcard.value == 0xffffffffu && m.address.value == 0) {
        return "any";
    }
    if (m.wildcard.value == 0) {
        return "host " + m.address.to_string();
    }
    return m.address.to_string() + " " + m.wildcard.to_string();
}

std::string port_text(const port_match& m) {
    if (m.op == port_op::any) {
        return {};
    }
    std::string out = " " + std::string(to_string(m.op)) + " " + std::to_string(m.low);
    if (m.op == port_op::range) {
        out += " " + std::to_string(m.high);
    }
    return out;
}

std::string kek_text(kek_cipher c) { return std::string(to_string(c)); }

// esp-aes is 128 bits unless a size follows.
std::string cipher_text(const transform_set& t) {
    std::string out(to_string(t.cipher));
    const bool sized = t.cipher == esp_cipher::aes_cbc || t.cipher == esp_cipher::aes_gcm ||
                       t.cipher == esp_cipher::aes_gmac;
    if (sized && t.key_bits != 128) {
        out += " " + std::to_string(t.key_bits);
    }
    return out;
}

bool printed_numbered(const access_list& acl) {
    const bool numeric = !acl.name.empty() &&
                         std::all_of(acl.name.begin(), acl.name.end(), [](char c) { return c >= '0' && c <= '9'; });
    const auto has_seq = [](const ace& e) { return e.seq.has_value(); };
    return numeric && std::none_of(acl.entries.begin(), acl.entries.end(), has_seq);
}

void print_group(std::ostream& out, const gdoi_group& g) {
    out << "crypto gdoi group " << g.name << "\n";
    if (g.identity_number) {
        out << " identity number " << *g.identity_number << "\n";
    }
    if (g.identity_address) {
        out << " identity address ipv4 " << g.identity_address->to_string() << "\n";
    }
    for (const ipv4& s : g.servers) {
        out << " server address ipv4 " << s.to_string() << "\n";
    }
    if (g.passive) {
        out << " passive\n";
    }
    const gdoi_client& c = g.client;
    if (!c.rekey_encryption.empty()) {
        out << " client rekey encryption";
        for (kek_cipher k : c.rekey_encryption) {
            out << " " << kek_text(k);
        }
        out << "\n";
    }
    if (c.rekey_hash) {
        out << " client rekey hash " << to_string(*c.rekey_hash) << "\n";
    }
    if (!c.transform_sets.empty()) {
        out << " client transform-sets";
        for (const auto& t : c.transform_sets) {
            out << " " << t;
        }
        out << "\n";
    }
    if (!c.registration_interface.empty()) {
        out << " client registration interface " << c.registration_interface << "\n";
    }
    if (!g.server_local) {
        return;
    }
    const gdoi_server_local& s = *g.server_local;
    out << " server local\n";
    out << "  rekey algorithm " << kek_text(s.rekey_algorithm) << "\n";
    out << "  rekey lifetime seconds " << s.rekey_lifetime << "\n";
    if (s.rekey_retransmit) {
        out << "  rekey retransmit " << s.rekey_retransmit->interval;
        if (s.rekey_retransmit->number) {
            out << " number " << *s.rekey_retransmit->number;
        }
        if (s.rekey_retransmit->periodic) {
            out << " periodic";
        }
        out << "\n";
    }
    if (!s.rekey_rsa_key.empty()) {
        out << "  rekey authentication mypubkey rsa " << s.rekey_rsa_key << "\n";
    }
    if (s.rekey_unicast) {
        out << "  rekey transport unicast\n";
    }
    if (!s.rekey_address_acl.empty()) {
        out << "  rekey address ipv4 " << s.rekey_address_acl << "\n";
    }
    if (!s.authorization_address_acl.empty()) {
        out << "  authorization address ipv4 " << s.authorization_address_acl << "\n";
    }
    if (!s.authorization_identity.empty()) {
        out << "  authorization identity " << s.authorization_identity << "\n";
    }
    if (s.address) {
        out << "  address ipv4 " << s.address->to_string() << "\n";
    }
    if (s.sa_receive_only) {
        out << "  sa receive-only\n";
    }
    for (const gdoi_sa_ipsec& sa : s.sas) {
        out << "  sa ipsec " << sa.seq << "\n";
        if (!sa.profile.empty()) {
            out << "   profile " << sa.profile << "\n";
        }
        if (!sa.match_acl.empty()) {
            out << "   match address ipv4 " << sa.match_acl << "\n";
        }
        if (sa.replay == replay_kind::none) {
            out << "   no replay\n";
        } else {
            out << "   replay " << to_string(sa.replay) << " window-size " << sa.replay_window << "\n";
        }
    }
    if (s.redundancy) {
        out << "  redundancy\n";
        out << "   local priority " << s.redundancy->local_priority << "\n";
        for (const ipv4& peer : s.redundancy->peers) {
            out << "   peer address ipv4 " << peer.to_string() << "\n";
        }
    }
}

void print_crypto_map(std::ostream& out, const crypto_map& m) {
    if (!m.local_address.empty()) {
        out << "crypto map " << m.name << " local-address " << m.local_address << "\n";
    }
    if (m.fail_close) {
        out << "crypto map " << m.name << " gdoi fail-close\n";
        if (!m.fail_close->match_acl.empty()) {
            out << " match address " << m.fail_close->match_acl << "\n";
        }
        if (m.fail_close->activate) {
            out << " activate\n";
        }
    }
    for (const crypto_map_entry& e : m.entries) {
        out << "crypto map " << m.name << " " << e.seq << " gdoi\n";
        if (!e.group.empty()) {
            out << " set group " << e.group << "\n";
        }
        if (!e.match_acl.empty()) {
            out << " match address " << e.match_acl << "\n";
        }
    }
}

void print_interface(std::ostream& out, const interface_cfg& i) {
    out << "interface " << i.name << "\n";
    if (!i.description.empty()) {
        out << " description " << i.description << "\n";
    }
    if (i.port) {
        out << " dpdk-port " << to_string(i.port->kind) << " " << i.port->spec << "\n";
    }
    if (i.address) {
        out << " ip address " << i.address->addr.to_string() << " " << mask_of(i.address->prefix_len) << "\n";
    }
    if (i.mtu) {
        out << " mtu " << *i.mtu << "\n";
    }
    for (const igmp_join& j : i.igmp_joins) {
        out << " ip igmp join-group " << j.group.to_string();
        if (j.source) {
            out << " source " << j.source->to_string();
        }
        out << "\n";
    }
    for (const ipv4& g : i.igmp_static_groups) {
        out << " ip igmp static-group " << g.to_string() << "\n";
    }
    if (!i.crypto_map.empty()) {
        out << " crypto map " << i.crypto_map << "\n";
    }
    if (i.shutdown) {
        out << " shutdown\n";
    }
    for (const auto& line : i.unsupported) {
        out << " " << line << "\n";
    }
}

void print_access_list(std::ostream& out, const access_list& acl) {
    if (printed_numbered(acl)) {
        for (const ace& e : acl.entries) {
            out << "access-list " << acl.name << " " << print_ace(e, acl.extended) << "\n";
        }
        return;
    }
    out << "ip access-list " << (acl.extended ? "extended " : "standard ") << acl.name << "\n";
    for (const ace& e : acl.entries) {
        out << " ";
        if (e.seq) {
            out << *e.seq << " ";
        }
        out << print_ace(e, acl.extended) << "\n";
    }
}

} // namespace

std::string print_ace(const ace& e, bool extended) {
    if (!e.remark.empty()) {
        return "remark " + e.remark;
    }
    std::string out(to_string(e.action));
    if (extended) {
        out += " " + protocol_name(e.protocol) + " " + address_text(e.source) + port_text(e.source_port) + " " +
               address_text(e.destination) + port_text(e.destination_port);
        if (e.established) {
            out += " established";
        }
    } else {
        out += " " + address_text(e.source);
    }
    if (e.log) {
        out += " log";
    }
    return out;
}

std::string print_config(const config& cfg) {
    std::ostringstream out;
    for (const unsupported_block& b : cfg.unsupported) {
        out << b.text << "\n";
        for (const auto& child : b.children) {
            out << " " << child << "\n";
        }
    }
    out << "!\n";
    if (cfg.dataplane != dataplane_cfg{}) {
        out << "dataplane\n";
        out << " workers " << cfg.dataplane.workers << "\n";
        out << " mbufs " << cfg.dataplane.mbufs << "\n";
        out << " burst " << cfg.dataplane.burst << "\n";
        out << "!\n";
    }
    for (const rsa_key_cfg& k : cfg.rsa_keys) {
        out << "crypto key generate rsa general-keys label " << k.label << " modulus " << k.modulus
            << (k.exportable ? " exportable" : "") << "\n";
    }
    for (const isakmp_policy& p : cfg.isakmp.policies) {
        out << "crypto isakmp policy " << p.priority << "\n";
        out << " encryption " << to_string(p.encryption);
        if (p.encryption == ike_cipher::aes) {
            out << " " << p.key_bits;
        }
        out << "\n";
        out << " hash " << to_string(p.hash) << "\n";
        out << " authentication " << to_string(p.authentication) << "\n";
        out << " group " << p.dh_group << "\n";
        out << " lifetime " << p.lifetime << "\n";
    }
    for (const isakmp_key& k : cfg.isakmp.keys) {
        out << "crypto isakmp key " << k.key << " address " << k.address.to_string();
        const ipv4 implied = k.address.value == 0 ? ipv4{0} : ipv4{0xffffffffu};
        if (k.mask != implied) {
            out << " " << k.mask.to_string();
        }
        out << "\n";
    }
    if (const auto& ka = cfg.isakmp.keepalive) {
        out << "crypto isakmp keepalive " << ka->interval;
        if (ka->retry) {
            out << " " << *ka->retry;
        }
        out << " " << to_string(ka->mode) << "\n";
    }
    out << "!\n";
    if (cfg.ipsec.df_bit != df_bit_policy::copy) {
        out << "crypto ipsec df-bit " << to_string(cfg.ipsec.df_bit) << "\n";
    }
    for (const transform_set& t : cfg.ipsec.transform_sets) {
        out << "crypto ipsec transform-set " << t.name << " " << cipher_text(t);
        if (t.integrity != esp_integrity::none) {
            out << " " << to_string(t.integrity);
        }
        out << "\n mode " << to_string(t.mode) << "\n";
    }
    for (const ipsec_profile& p : cfg.ipsec.profiles) {
        out << "crypto ipsec profile " << p.name << "\n";
        out << " set security-association lifetime seconds " << p.sa_lifetime << "\n";
        if (!p.transform_set.empty()) {
            out << " set transform-set " << p.transform_set << "\n";
        }
    }
    out << "!\n";
    for (const gdoi_group& g : cfg.groups) {
        print_group(out, g);
        out << "!\n";
    }
    for (const crypto_map& m : cfg.crypto_maps) {
        print_crypto_map(out, m);
        out << "!\n";
    }
    for (const manual_sa& m : cfg.manual_sas) {
        std::ostringstream spi;
        spi << std::hex << m.spi;
        out << "crypto gdoi manual-sa group " << m.group << " spi 0x" << spi.str() << " transform "
            << to_string(m.cipher) << " " << m.key_bits << " key 0x" << m.key << " sender-id " << m.sender_id
            << " match address " << m.match_acl << "\n";
    }
    if (!cfg.manual_sas.empty()) {
        out << "!\n";
    }
    if (cfg.multicast_routing) {
        out << "ip multicast-routing\n!\n";
    }
    for (const interface_cfg& i : cfg.interfaces) {
        print_interface(out, i);
        out << "!\n";
    }
    for (const static_route& r : cfg.routes) {
        out << "ip route " << r.prefix.to_string() << " " << mask_of(r.prefix_len);
        if (!r.interface.empty()) {
            out << " " << r.interface;
        }
        if (r.next_hop) {
            out << " " << r.next_hop->to_string();
        }
        out << "\n";
    }
    out << "!\n";
    for (const access_list& acl : cfg.access_lists) {
        print_access_list(out, acl);
        out << "!\n";
    }
    out << "end\n";
    return out.str();
}

} // namespace mgmt
