// counter_set storage and summing.
#include "core/counters.hpp"

#include <stdexcept>

namespace core {

counter_set::counter_set(std::vector<std::string> names, unsigned lcores)
    : names_(std::move(names)), lcores_(lcores),
      lines_per_row_((names_.size() * sizeof(std::uint64_t) + cache_line - 1) / cache_line)
{
    if (lcores_ == 0 || names_.empty()) {
        throw std::invalid_argument("counter_set needs at least one counter and one lcore");
    }
    lines_ = std::make_unique<line[]>(lines_per_row_ * lcores_);
    reset();
}

std::optional<std::size_t> counter_set::index(std::string_view name) const
{
    for (std::size_t i = 0; i < names_.size(); ++i) {
        if (names_[i] == name) {
            return i;
        }
    }
    return std::nullopt;
}

std::uint64_t counter_set::sum(std::size_t idx) const
{
    std::uint64_t total = 0;
    for (unsigned l = 0; l < lcores_; ++l) {
        total += get(l, idx);
    }
    return total;
}

std::vector<std::pair<std::string, std::uint64_t>> counter_set::totals() const
{
    std::vector<std::pair<std::string, std::uint64_t>> out;
    out.reserve(names_.size());
    for (std::size_t i = 0; i < names_.size(); ++i) {
        out.emplace_back(names_[i], sum(i));
    }
    return out;
}

void counter_set::reset()
{
    for (std::size_t i = 0; i < lines_per_row_ * lcores_; ++i) {
        for (auto& c : lines_[i].v) {
            c.store(0, std::memory_order_relaxed);
        }
    }
}

} // namespace core
