// Named per-lcore counters: each lcore writes only its own cache lines, with no
// atomic read-modify-write; the control lcore sums them on read.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace core {

inline constexpr std::size_t cache_line = 64;

class counter_set {
public:
    // names: one per counter, in index order. lcores: how many writers (index 0..lcores-1).
    counter_set(std::vector<std::string> names, unsigned lcores);

    std::size_t size() const { return names_.size(); }
    unsigned lcores() const { return lcores_; }
    const std::string& name(std::size_t idx) const { return names_[idx]; }
    std::optional<std::size_t> index(std::string_view name) const;

    // Hot path: only lcore `lcore` ever calls this for its own row. Relaxed
    // load + store compiles to a plain add; readers see a value that is at
    // worst one burst old.
    void add(unsigned lcore, std::size_t idx, std::uint64_t n = 1) noexcept
    {
        auto& c = row(lcore)[idx];
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    template <typename E>
    void add(unsigned lcore, E e, std::uint64_t n = 1) noexcept
    {
        add(lcore, static_cast<std::size_t>(e), n);
    }

    std::uint64_t get(unsigned lcore, std::size_t idx) const
    {
        return row(lcore)[idx].load(std::memory_order_relaxed);
    }
    std::uint64_t sum(std::size_t idx) const;
    // Every counter with its sum over lcores, in index order.
    std::vector<std::pair<std::string, std::uint64_t>> totals() const;
    // Control-plane "clear counters": racy against writers by design, as on any router.
    void reset();

private:
    struct alignas(cache_line) line {
        std::atomic<std::uint64_t> v[cache_line / sizeof(std::uint64_t)];
    };
    std::atomic<std::uint64_t>* row(unsigned lcore) const { return lines_[lcore * lines_per_row_].v; }

    std::vector<std::string> names_;
    unsigned lcores_;
    std::size_t lines_per_row_;
    std::unique_ptr<line[]> lines_;
};

} // namespace core
