// EAL start-up: argv construction, hugepage detection and rte_eal_init.
#include "fastpath/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <sstream>

namespace fastpath {

namespace {

std::string read_text(const std::filesystem::path& path)
{
    std::ifstream in(path);
    if (!in) {
        return {};
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint64_t parse_u64(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    std::uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

// True when the user already passed one of these options, as "-l 0-3",
// "-l0-3", "--lcores x" or "--lcores=x".
bool user_sets(const std::vector<std::string>& extra, std::initializer_list<std::string_view> opts)
{
    for (const std::string& a : extra) {
        for (std::string_view o : opts) {
            const bool is_long = o.starts_with("--");
            if (a == o) {
                return true;
            }
            if (is_long && a.starts_with(std::string(o) + "=")) {
                return true;
            }
            if (!is_long && !a.starts_with("--") && a.starts_with(o)) {
                return true;
            }
        }
    }
    return false;
}

// Memory for --no-huge, where EAL defaults to only 64 MB: room for one mbuf
// pool (about 2.5 KB per mbuf, doubled for slack) plus EAL and driver state.
unsigned no_huge_memory_mb(unsigned mbufs)
{
    const unsigned pool_mb = static_cast<unsigned>((std::uint64_t{mbufs} * 5 * 1024 + (1 << 20) - 1) >> 20);
    return std::max(256u, 128u + pool_mb);
}

} // namespace

bool hugetlbfs_in_mounts(std::string_view mounts)
{
    std::istringstream in{std::string(mounts)};
    std::string line;
    while (std::getline(in, line)) {
        // "<source> <mountpoint> <fstype> <options> 0 0"
        std::istringstream fields(line);
        std::string source, point, fstype;
        if (fields >> source >> point >> fstype && fstype == "hugetlbfs") {
            return true;
        }
    }
    return false;
}

std::uint64_t meminfo_free_hugepages(std::string_view meminfo)
{
    constexpr std::string_view key = "HugePages_Free:";
    std::size_t pos = 0;
    while (pos < meminfo.size()) {
        const std::size_t end = std::min(meminfo.find('\n', pos), meminfo.size());
        const std::string_view line = meminfo.substr(pos, end - pos);
        if (line.starts_with(key)) {
            return parse_u64(line.substr(key.size()));
        }
        pos = end + 1;
    }
    return 0;
}

host_memory probe_host_memory()
{
    host_memory mem;
    mem.hugetlbfs_mounted = hugetlbfs_in_mounts(read_text("/proc/mounts"));
    // meminfo only covers the default page size; sysfs covers every size.
    std::uint64_t sysfs_free = 0;
    std::error_code ec;
    for (const auto& dir : std::filesystem::directory_iterator("/sys/kernel/mm/hugepages", ec)) {
        sysfs_free += parse_u64(read_text(dir.path() / "free_hugepages"));
    }
    mem.free_hugepages = std::max(meminfo_free_hugepages(read_text("/proc/meminfo")), sysfs_free);
    return mem;
}

eal_args build_eal_args(const runtime_options& opts, const host_memory& mem)
{
    eal_args out;
    auto& a = out.argv;
    const auto& extra = opts.extra_eal_args;
    a.emplace_back("gdoi-router");

    // Allowlist the configured PCI ports only; without any, skip the PCI scan.
    const bool any_pci = std::any_of(opts.ports.begin(), opts.ports.end(),
                                     [](const port_spec& p) { return p.pci; });
    if (!any_pci) {
        a.emplace_back("--no-pci");
    }
    for (const port_spec& p : opts.ports) {
        a.emplace_back(p.pci ? "-a" : "--vdev");
        a.push_back(p.spec);
    }

    // EAL ignores a second -l, so the user's own lcore option replaces ours.
    if (!user_sets(extra, {"-l", "-c", "--lcores"})) {
        a.emplace_back("-l");
        a.push_back("0-" + std::to_string(std::max(opts.workers, 1u)));
    }

    // A user --no-huge must not meet our --in-memory, which DPDK 22.11 refuses with it.
    const bool huge = mem.has_hugepages() && !user_sets(extra, {"--no-huge"});
    if (huge) {
        if (opts.file_prefix.empty()) {
            a.emplace_back("--in-memory");
        } else {
            a.emplace_back("--file-prefix");
            a.push_back(opts.file_prefix);
        }
    } else {
        // DPDK 22.11 treats --no-huge as legacy memory, which it refuses to
        // combine with --in-memory; --no-shconf is the same "no files" part.
        a.emplace_back("--no-huge");
        std::string mode;
        if (opts.file_prefix.empty()) {
            a.emplace_back("--no-shconf");
            mode = "--no-huge --no-shconf";
        } else {
            a.emplace_back("--file-prefix");
            a.push_back(opts.file_prefix);
            mode = "--no-huge --file-prefix " + opts.file_prefix;
        }
        if (!mem.has_hugepages()) {
            out.notice = std::string(mem.hugetlbfs_mounted ? "no free hugepages" : "no hugepages mounted") +
                ": running with " + mode;
        }
        if (!user_sets(extra, {"-m", "--socket-mem"})) {
            a.emplace_back("-m");
            a.push_back(std::to_string(no_huge_memory_mb(opts.mbufs)));
        }
    }

    // Keep EAL quiet; a user --log-level (even a global one) wins entirely.
    if (!user_sets(extra, {"--log-level"})) {
        // net_tap complains at error level about what containers lack (multiq
        // qdisc, flower for rte_flow), none of which the TAP twins use; a
        // real failure to create one is reported by the runtime itself. It
        // goes first: for a driver loaded later, EAL applies the first match.
        if (opts.exception_path && !opts.ports.empty()) {
            a.emplace_back("--log-level=pmd.net.tap:critical");
        }
        a.emplace_back("--log-level=*:warning");
    }

    a.insert(a.end(), extra.begin(), extra.end());
    return out;
}

std::string join_args(const std::vector<std::string>& argv)
{
    std::string s;
    for (const std::string& a : argv) {
        if (!s.empty()) {
            s += ' ';
        }
        s += a;
    }
    return s;
}

eal_status eal_init(const runtime_options& opts)
{
    eal_args args = build_eal_args(opts, probe_host_memory());
    eal_status st;
    st.notice = args.notice;

    // rte_eal_init permutes argv (getopt), so hand it a scratch pointer array.
    std::vector<char*> argv;
    argv.reserve(args.argv.size() + 1);
    for (std::string& s : args.argv) {
        argv.push_back(s.data());
    }
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(args.argv.size()), argv.data()) < 0) {
        const int err = rte_errno;
        st.error = err == EALREADY
            ? std::string("EAL is already initialised in this process")
            : "EAL initialisation failed (" + std::string(rte_strerror(err)) + ") with: " + join_args(args.argv);
    }
    return st;
}

} // namespace fastpath
