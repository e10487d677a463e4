// Test tool for the interop checks: encrypts or decrypts packets with the ESP
// engine, reading and writing one hex-encoded IPv4 packet per line, so that a
// Python script can hand them to scapy and tshark.
//   esp_tool enc|dec TRANSFORM SPI CIPHER_KEY_HEX AUTH_KEY_HEX|- IN OUT
// dec writes "drop <reason>" for a packet the engine refused.
#include "engine_harness.hpp"

#include <fstream>
#include <iostream>

using namespace esp_test;

int main(int argc, char** argv)
{
    if (argc != 8) {
        std::cerr << "usage: esp_tool enc|dec TRANSFORM SPI CIPHER_KEY AUTH_KEY|- IN OUT\n";
        return 2;
    }
    try {
        const std::string mode = argv[1];
        const transform& x = find_transform(argv[2]);
        tek t;
        t.spi = static_cast<std::uint32_t>(std::stoul(argv[3], nullptr, 0));
        t.cipher = x.cipher;
        t.auth = x.auth;
        t.cipher_key = from_hex(argv[4]);
        t.auth_key = from_hex(argv[5]);
        harness h;
        if (auto r = h.table->install_sa(1, t); !r) {
            std::cerr << "install: " << *r.error << "\n";
            return 1;
        }
        (void)h.table->set_outbound(1, t.spi);
        const std::uint32_t ids[] = {0x2a};
        (void)h.table->set_sender_ids(1, 8, ids);
        const std::uint16_t slot = *h.table->group_slot(1);

        std::ifstream in(argv[6]);
        std::ofstream out(argv[7]);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty()) {
                continue;
            }
            fake_mbuf fm(from_hex(line));
            rte_mbuf* p[1] = {&fm.m};
            const auto before = h.total_drops();
            const std::uint16_t ok =
                mode == "enc" ? esp_outbound(*h.w, h.snap(), slot, p) : esp_inbound(*h.w, h.snap(), p);
            if (ok == 1) {
                out << to_hex(fm.data()) << "\n";
                continue;
            }
            std::string why = "unknown";
            for (std::size_t i = 0; i < h.drops->size(); ++i) {
                if (h.drops->sum(i) != 0 && h.total_drops() != before) {
                    why = h.drops->name(i);
                }
            }
            h.drops->reset();
            out << "drop " << why << "\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "esp_tool: " << e.what() << "\n";
        return 1;
    }
}
