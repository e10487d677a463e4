// acl: a merged policy compiled into an rte_acl context (IPv4 5-tuple), one
// per generation and direction, classifying a whole burst in one call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "acl/merge.hpp"

struct rte_acl_ctx;

namespace acl {

// Raised by classifier::build when DPDK refuses the context or the rules.
class build_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// outbound matches the merged entries as written; inbound matches their
// mirror (src <-> dst, sport <-> dport), for decrypted and clear packets
// arriving from the other members.
enum class direction : std::uint8_t { outbound, inbound };

// Input convention of classify(): each data pointer points at the first
// byte of an IPv4 header (in an mbuf: rte_pktmbuf_mtod_offset(m, const
// uint8_t*, m->l2_len)), and key_size bytes from it are readable. rte_acl
// reads the protocol at offset 9, addresses at 12 and 16 and the ports at
// 20 and 22, i.e. right after an option-less header. A packet with IHL > 5
// is classified through an ipv4_key from make_key() instead. Non-initial
// fragments carry no ports: reassemble them before classification.
inline constexpr std::size_t key_size = 24;

// The bytes rte_acl reads, laid out as an option-less IPv4 header + ports.
struct ipv4_key {
    alignas(4) std::uint8_t bytes[key_size];
};

// Copies protocol, addresses and the first four L4 bytes (found through
// IHL) of an IPv4 header into a key. ipv4 must have IHL * 4 + 4 readable bytes.
ipv4_key make_key(const std::uint8_t* ipv4) noexcept;

// An immutable compiled policy. Built on the control lcore; classify() is
// safe from any number of workers at once. The owner frees it (rte_acl_free)
// by destroying it, after RCU says no worker still reads it.
class classifier {
public:
    // Compiles `entries` (match order = priority order). The context name is
    // unique per process and carries the generation and direction, because
    // rte_acl_create hands back an existing context of the same name.
    // socket_id -1 is SOCKET_ID_ANY. Throws build_error.
    static classifier build(std::span<const merged_entry> entries, direction dir,
                            std::uint64_t generation, int socket_id = -1);

    classifier(classifier&& other) noexcept;
    classifier& operator=(classifier&& other) noexcept;
    classifier(const classifier&) = delete;
    classifier& operator=(const classifier&) = delete;
    ~classifier();

    // results[i] = userdata of the first merged entry data[i] matches, 0 when
    // none does (decode with verdict_of / value_of). One rte_acl_classify
    // call for the whole burst; no allocation, logging or exceptions.
    void classify(const std::uint8_t** data, std::uint32_t* results, std::uint32_t n) const noexcept;

    std::uint64_t generation() const { return generation_; }
    direction dir() const { return dir_; }
    const char* name() const { return name_; }
    std::size_t entry_count() const { return entries_; }
    std::size_t rule_count() const { return rules_; } // rte_acl rules (neq expands)

private:
    classifier() = default;

    rte_acl_ctx* ctx_ = nullptr; // null for an empty policy: everything is none
    std::uint64_t generation_ = 0;
    direction dir_ = direction::outbound;
    std::size_t entries_ = 0;
    std::size_t rules_ = 0;
    char name_[32] = {}; // RTE_ACL_NAMESIZE
};

} // namespace acl
