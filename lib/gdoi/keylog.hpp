// Debug key log (off by default): Wireshark UAT lines that let a capture of our
// registration and ESP traffic be decrypted. Each line is one `-o` value for tshark:
//   uat:ikev1_decryption_table:ICOOKIEHEX,ENCKEYHEX
//   uat:esp_sa:"IPv4","*","*","0xSPI","ENC-ALG","0xKEY","AUTH-ALG","0xAUTHKEY"
// This is the one place key material is written out; it exists for debugging only.
#pragma once

#include "gdoi/phase1.hpp"
#include "gdoi/policy.hpp"

#include <mutex>
#include <ostream>
#include <set>
#include <string>

namespace gdoi {

std::string ikev1_keylog_line(const ike_sa& sa);
std::string esp_keylog_line(const tek& t);

class key_log {
public:
    explicit key_log(std::ostream& out) : out_(out) {}
    void phase1(const ike_sa& sa);
    void esp(const tek& t);

private:
    std::mutex mu_;
    std::ostream& out_;
    std::set<std::string> written_; // one line per SA even when both ends share a log
};

} // namespace gdoi
