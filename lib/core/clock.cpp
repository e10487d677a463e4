// manual_clock and asio_clock.
#include "core/clock.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unordered_map>
#include <vector>

namespace core {

manual_clock::manual_clock(system_time wall_start) : wall_start_(wall_start) {}

timer_id manual_clock::schedule(duration d, std::function<void()> fn)
{
    if (d < duration::zero()) {
        d = duration::zero();
    }
    const timer_id id = next_id_++;
    timers_.emplace(now_ + d, entry{id, std::move(fn)});
    return id;
}

void manual_clock::cancel(timer_id id)
{
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
        if (it->second.id == id) {
            timers_.erase(it);
            return;
        }
    }
}

bool manual_clock::run_next()
{
    if (timers_.empty()) {
        return false;
    }
    auto it = timers_.begin();
    if (it->first > now_) {
        now_ = it->first;
    }
    auto fn = std::move(it->second.fn);
    timers_.erase(it);
    fn();
    return true;
}

std::size_t manual_clock::advance(duration d)
{
    const steady_time target = now_ + d;
    std::size_t fired = 0;
    // Timers with equal due times fire in the order they were scheduled (multimap keeps it).
    while (!timers_.empty() && timers_.begin()->first <= target) {
        run_next();
        ++fired;
    }
    now_ = target;
    return fired;
}

struct asio_clock::impl {
    boost::asio::io_context& io;
    timer_id next_id = 1;
    std::unordered_map<timer_id, std::unique_ptr<boost::asio::steady_timer>> timers;
};

asio_clock::asio_clock(boost::asio::io_context& io) : impl_(std::make_unique<impl>(impl{io, 1, {}})) {}

asio_clock::~asio_clock()
{
    for (auto& [id, t] : impl_->timers) {
        t->cancel();
    }
}

timer_id asio_clock::schedule(duration d, std::function<void()> fn)
{
    const timer_id id = impl_->next_id++;
    auto timer = std::make_unique<boost::asio::steady_timer>(impl_->io);
    timer->expires_after(d);
    timer->async_wait([this, id, fn = std::move(fn)](const boost::system::error_code& ec) {
        // A timer cancelled after it completed still runs its handler with success:
        // the missing entry is what says it was cancelled.
        if (ec || impl_->timers.erase(id) == 0) {
            return;
        }
        fn();
    });
    impl_->timers.emplace(id, std::move(timer));
    return id;
}

void asio_clock::cancel(timer_id id)
{
    auto it = impl_->timers.find(id);
    if (it == impl_->timers.end()) {
        return;
    }
    it->second->cancel();
    impl_->timers.erase(it);
}

std::size_t asio_clock::pending() const { return impl_->timers.size(); }

} // namespace core
