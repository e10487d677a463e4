// EAL start-up: turn runtime_options into an EAL argv (a pure function, so it
// is testable without EAL), pick --no-huge when the host has no hugepages, and
// run rte_eal_init.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fastpath/options.hpp"

namespace fastpath {

// What the host offers for DPDK memory.
struct host_memory {
    bool hugetlbfs_mounted = false;
    std::uint64_t free_hugepages = 0;  // over all page sizes

    bool has_hugepages() const { return hugetlbfs_mounted && free_hugepages > 0; }
};

// Parsers for /proc/mounts and /proc/meminfo text.
bool hugetlbfs_in_mounts(std::string_view mounts);
std::uint64_t meminfo_free_hugepages(std::string_view meminfo);
// Reads /proc/mounts, /proc/meminfo and /sys/kernel/mm/hugepages/*/free_hugepages.
host_memory probe_host_memory();

struct eal_args {
    std::vector<std::string> argv;  // argv[0] is the program name
    std::string notice;             // one line for the caller to print, or empty
};

// Pure: the EAL argv for these options on a host with this memory.
eal_args build_eal_args(const runtime_options& opts, const host_memory& mem);

// Result of eal_init: error is empty on success.
struct eal_status {
    std::string error;
    std::string notice;
    bool ok() const { return error.empty(); }
};

// Probes the host, builds the argv and runs rte_eal_init (once per process).
eal_status eal_init(const runtime_options& opts);

// The argv joined with spaces, for messages.
std::string join_args(const std::vector<std::string>& argv);

} // namespace fastpath
