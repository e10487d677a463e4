// Independent oracle: the registration written as a pcap (UDP 848) is dissected by
// tshark without errors, and with our key log tshark decrypts MM5/MM6 and the PULL.
#include "fixture.hpp"
#include "gdoi/cert.hpp"
#include "gdoi/keylog.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace gdoi_test;

namespace {

void le32(std::ofstream& f, std::uint32_t v)
{
    char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
    f.write(b, 4);
}

void le16(std::ofstream& f, std::uint16_t v)
{
    char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
    f.write(b, 2);
}

// pcap (LINKTYPE_RAW = 101): 24-byte file header, 16-byte record headers, IPv4+UDP.
void write_pcap(const std::filesystem::path& path, const std::vector<wire_msg>& msgs)
{
    std::ofstream f(path, std::ios::binary);
    le32(f, 0xa1b2c3d4);
    le16(f, 2);
    le16(f, 4);
    le32(f, 0);
    le32(f, 0);
    le32(f, 65535);
    le32(f, 101);
    std::uint32_t t = 1'700'000'000;
    for (const auto& m : msgs) {
        bytes pkt;
        auto total = static_cast<std::uint16_t>(20 + 8 + m.data.size());
        put_u8(pkt, 0x45);
        put_u8(pkt, 0);
        put_u16(pkt, total);
        put_u32(pkt, 0x40000000); // id 0, DF
        put_u8(pkt, 64);
        put_u8(pkt, 17);
        put_u16(pkt, 0);
        put_u32(pkt, m.from.addr);
        put_u32(pkt, m.to.addr);
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < 20; i += 2) {
            sum += static_cast<std::uint32_t>(pkt[i] << 8 | pkt[i + 1]);
        }
        while (sum >> 16) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        set_u16(pkt, 10, static_cast<std::uint16_t>(~sum));
        put_u16(pkt, m.from.port);
        put_u16(pkt, m.to.port);
        put_u16(pkt, static_cast<std::uint16_t>(8 + m.data.size()));
        put_u16(pkt, 0); // no UDP checksum (allowed for IPv4)
        append(pkt, m.data);
        le32(f, t++);
        le32(f, 0);
        le32(f, static_cast<std::uint32_t>(pkt.size()));
        le32(f, static_cast<std::uint32_t>(pkt.size()));
        f.write(reinterpret_cast<const char*>(pkt.data()), static_cast<std::streamsize>(pkt.size()));
    }
}

std::string run(const std::string& cmd)
{
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
        out.append(buf, n);
    }
    ::pclose(p);
    return out;
}

bool have_tshark() { return std::system("command -v tshark >/dev/null 2>&1") == 0; }

std::size_t count_of(const std::string& hay, const std::string& needle)
{
    std::size_t n = 0;
    for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

} // namespace

TEST_CASE("tshark dissects and, with the key log, decrypts the registration", "[gdoi][wireshark]")
{
    if (!have_tshark()) {
        WARN("tshark not installed: Wireshark oracle not run");
        return;
    }
    std::stringstream keylog;
    key_log keys(keylog);
    testbed tb(ks_cfg(), gm_cfg(), &keys);
    tb.register_all();
    auto probe = tb.member->dpd_probe();
    REQUIRE(probe);
    tb.transcript.push_back({"DPD", gm1_ep, ks_ep, probe->data});
    auto ack = tb.to_ks("DPD-ACK", probe->data);
    REQUIRE(ack);
    CHECK_FALSE(tb.to_gm("after DPD-ACK", *ack));

    auto dir = std::filesystem::temp_directory_path() / ("gdoi-ws-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto pcap = dir / "registration.pcap";
    write_pcap(pcap, tb.transcript);
    {
        std::ofstream k(dir / "keylog.txt");
        k << keylog.str();
    }
    if (const char* corpus = std::getenv("GDOI_WRITE_CORPUS")) {
        for (const auto& m : tb.transcript) {
            std::ofstream c(std::filesystem::path(corpus) / (m.label + ".bin"), std::ios::binary);
            c.write(reinterpret_cast<const char*>(m.data.data()), static_cast<std::streamsize>(m.data.size()));
        }
        // Plaintext GDOI payloads too, so the fuzzer reaches the nested SA and KD decoders.
        const auto* g = tb.server->group("GETVPN");
        message plain;
        plain.hdr.exchange = exchange_type::groupkey_pull;
        plain.hdr.message_id = 1;
        gap_payload gap{{attribute::basic(gap_attr::sender_id_request, 4)}};
        plain.payloads = {{payload_type::hash, bytes(32, 1)},
                          {payload_type::sa, build_group_sa(*g).encode()},
                          {payload_type::gap, gap.encode()},
                          {payload_type::seq, seq_payload{7}.encode()},
                          {payload_type::kd, build_kd(*g, {8, {1, 2}}).encode()},
                          {payload_type::notify, notify_payload{1, 1, notify_r_u_there, bytes(16, 3), bytes(4, 0)}.encode()},
                          {payload_type::del, delete_payload{2, 1, 16, {bytes(16, 4)}}.encode()},
                          {payload_type::cert, cert_payload{4, bytes(20, 5)}.encode()}};
        auto wire = plain.encode();
        std::ofstream c(std::filesystem::path(corpus) / "plain_gdoi.bin", std::ios::binary);
        c.write(reinterpret_cast<const char*>(wire.data()), static_cast<std::streamsize>(wire.size()));
    }

    // The key log: one ikev1 line for the phase-1 SA, one esp line per TEK.
    std::vector<std::string> lines;
    {
        std::istringstream in(keylog.str());
        for (std::string l; std::getline(in, l);) {
            lines.push_back(l);
        }
    }
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == ikev1_keylog_line(*tb.member->sa()));
    CHECK(lines[0].find(to_hex(tb.member->sa()->icookie)) != std::string::npos);
    CHECK(lines[1].rfind("uat:esp_sa:\"IPv4\"", 0) == 0);

    const std::string base = "tshark -r '" + pcap.string() + "' -d udp.port==848,isakmp -V 2>&1";
    auto plain = run(base);
    INFO(plain.substr(0, 4000));
    CHECK(plain.find("Malformed") == std::string::npos);
    CHECK(plain.find("Expert Info (Error") == std::string::npos);
    CHECK(count_of(plain, "Exchange type: Identity Protection (Main Mode) (2)") == 6);
    CHECK(count_of(plain, "Exchange type: Quick Mode (32)") == 4);
    CHECK(plain.find("Security Association (1)") != std::string::npos);
    CHECK(plain.find("Key Exchange (4)") != std::string::npos);
    CHECK(plain.find("Nonce (10)") != std::string::npos);
    CHECK(plain.find("Vendor ID (13)") != std::string::npos);
    CHECK(plain.find("RFC 3706 DPD") != std::string::npos);

    std::string opts;
    for (const auto& l : lines) {
        opts += " -o '" + l + "'";
    }
    auto dec = run("tshark -r '" + pcap.string() + "' -d udp.port==848,isakmp" + opts + " -V 2>&1");
    INFO(dec.substr(0, 20000));
    CHECK(dec.find("Malformed") == std::string::npos);
    CHECK(dec.find("Expert Info (Error") == std::string::npos);
    // MM5/MM6 decrypted: the identities are readable.
    CHECK(dec.find("Identification Data:10.0.1.1") != std::string::npos);
    CHECK(dec.find("Identification Data:10.0.0.1") != std::string::npos);
    CHECK(count_of(dec, "Hash (8)") >= 6);
    // GROUPKEY-PULL decrypted: ID_KEY_ID 1234, the GDOI SA with SA KEK (Wireshark 4.0 shows
    // the KEK fields inline under the SA), SA TEK, GAP, SEQ and KD with our values.
    CHECK(dec.find("ID_KEY_ID: 000004d2") != std::string::npos);
    CHECK(dec.find("Domain of interpretation: GDOI (2)") != std::string::npos);
    CHECK(dec.find("SA Attribute Next Payload: 000f") != std::string::npos);
    const auto* gk = tb.server->group("GETVPN");
    CHECK(dec.find("SPI: " + to_hex(gk->kek->spi)) != std::string::npos);
    // One SA TEK per KS ACL line: 3 permits and the 2 deny lines (SPI 0, ACL_DENY) of
    // the fixture's ACL, all dissected without Malformed.
    CHECK(count_of(dec, "SA TEK Payload (16)") == 5);
    CHECK(count_of(dec, "Transform ID: 0\n") == 2);
    CHECK(count_of(dec, "Type: Private use (32005)") == 2);
    CHECK(dec.find("SRC ID Port: 848") != std::string::npos); // deny udp any eq 848 any
    char spi[32];
    std::snprintf(spi, sizeof spi, "SPI: %08x", gk->teks[0].spi);
    CHECK(dec.find(spi) != std::string::npos);
    CHECK(dec.find("Address Preservation: Source-and-Destination (4)") != std::string::npos);
    CHECK(dec.find("SA Direction: Symmetric (3)") != std::string::npos);
    CHECK(dec.find("Group Associated Policy (22)") != std::string::npos);
    CHECK(dec.find("Sequence Number: " + std::to_string(gk->seq)) != std::string::npos);
    CHECK(dec.find("Key Download (17)") != std::string::npos);
    CHECK(dec.find("Number of Key Packets: 4") != std::string::npos);
    CHECK(dec.find("Type: KEK (2)") != std::string::npos);
    CHECK(dec.find("Type: SID (4)") != std::string::npos);
    CHECK(dec.find(to_hex(gk->teks[0].enc_key)) != std::string::npos);
    // DPD in Informational exchanges, decrypted.
    CHECK(count_of(dec, "Exchange type: Informational (5)") == 2);
    CHECK(dec.find("R-U-THERE (36136)") != std::string::npos);
    CHECK(dec.find("R-U-THERE-ACK (36137)") != std::string::npos);
    if (std::getenv("GDOI_KEEP_PCAP") == nullptr) {
        std::filesystem::remove_all(dir);
    }
}

TEST_CASE("tshark: RSA-signature Main Mode (ID DN, CERT, SIG) and a DH 20 / 3DES SA decrypt cleanly",
          "[gdoi][wireshark][certs]")
{
    if (!have_tshark()) {
        WARN("tshark not installed: Wireshark oracle not run");
        return;
    }
    auto read = [](const std::string& name) {
        std::ifstream in(std::filesystem::path(GDOI_TEST_DATA) / "gdoi" / "certs" / name);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    auto p = proposal(dh_group::ecp384, {cipher_alg::des3_cbc, 192}, hash_alg::sha384);
    p.auth = auth_method::rsa_sig;
    auto kc = ks_cfg({p});
    kc.phase1.certs = std::make_shared<const cert_auth>(
        cert_auth::load({read("ks1.pem"), read("ks1.key"), {read("ca.pem")}, true}).value());
    auto gc = gm_cfg(gm1_ep, {p});
    gc.phase1.certs = std::make_shared<const cert_auth>(
        cert_auth::load({read("gm1.pem"), read("gm1.key"), {read("ca.pem")}, true}).value());
    std::stringstream keylog;
    key_log keys(keylog);
    testbed tb(std::move(kc), std::move(gc), &keys);
    tb.register_all();

    auto dir = std::filesystem::temp_directory_path() / ("gdoi-ws-rsa-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto pcap = dir / "registration.pcap";
    write_pcap(pcap, tb.transcript);
    auto line = ikev1_keylog_line(*tb.member->sa());
    auto dec = run("tshark -r '" + pcap.string() + "' -d udp.port==848,isakmp -o '" + line + "' -V 2>&1");
    {
        std::ofstream d(dir / "tshark.txt");
        d << dec;
    }
    INFO("tshark output: " << (dir / "tshark.txt").string());
    CHECK(dec.find("Malformed") == std::string::npos);
    CHECK(dec.find("Expert Info (Error") == std::string::npos);
    CHECK(count_of(dec, "Payload: Certificate (6)") == 2);
    CHECK(count_of(dec, "Payload: Signature (9)") == 2);
    CHECK(dec.find("ID_DER_ASN1_DN") != std::string::npos);
    CHECK(dec.find("id-at-organizationalUnitName=GETVPN") != std::string::npos);
    CHECK(dec.find("id-at-commonName=ks1") != std::string::npos);
    CHECK(dec.find("Key Download (17)") != std::string::npos);
    if (std::getenv("GDOI_KEEP_PCAP") == nullptr) {
        std::filesystem::remove_all(dir);
    }
}
