// Start-up allocation of per-worker crypto state (control plane; reports failure).
#include "fastpath/esp/lcore_crypto.hpp"

#include "fastpath/esp/drop.hpp"

#include <cstring>
#include <string>
#include <sys/random.h>

namespace fastpath::esp {

worker_ctx::~worker_ctx()
{
    if (mgr != nullptr) {
        free_mb_mgr(mgr);
    }
    explicit_bzero(cbc_iv_key, sizeof(cbc_iv_key));
}

made<std::unique_ptr<worker_ctx>> make_worker_ctx(unsigned worker, core::counter_set& drops,
                                                  core::counter_set& events)
{
    made<std::unique_ptr<worker_ctx>> r;
    if (worker >= max_workers) {
        r.error = "worker index out of range";
        return r;
    }
    auto w = std::make_unique<worker_ctx>();
    w->worker = worker;
    w->drops = &drops;
    w->events = &events;
    w->mgr = alloc_mb_mgr(0);
    if (w->mgr == nullptr) {
        r.error = "intel-ipsec-mb: alloc_mb_mgr failed";
        return r;
    }
    IMB_ARCH arch;
    init_mb_mgr_auto(w->mgr, &arch);
    if (imb_get_errno(w->mgr) != 0) {
        r.error = std::string("intel-ipsec-mb: ") + imb_get_strerror(imb_get_errno(w->mgr));
        return r;
    }
    // CBC IVs must be unpredictable: AES of a counter under a key nobody else knows.
    std::uint8_t key[16];
    if (getrandom(key, sizeof(key), 0) != sizeof(key) ||
        getrandom(w->cbc_iv_ctr, sizeof(w->cbc_iv_ctr), 0) != sizeof(w->cbc_iv_ctr) ||
        getrandom(&w->ip_id, sizeof(w->ip_id), 0) != sizeof(w->ip_id)) {
        r.error = "getrandom failed";
        return r;
    }
    alignas(16) std::uint8_t dec[16 * 15];
    IMB_AES_KEYEXP_128(w->mgr, key, w->cbc_iv_key, dec);
    explicit_bzero(key, sizeof(key));
    explicit_bzero(dec, sizeof(dec));
    // Each refill counts through the low 32 bits from zero, so it never
    // carries into the part that tells refills apart.
    std::memset(w->cbc_iv_ctr + 12, 0, 4);
    r.value = std::move(w);
    return r;
}

std::unique_ptr<core::counter_set> make_drop_counters()
{
    return std::make_unique<core::counter_set>(drop_counter_names(), max_workers);
}

std::unique_ptr<core::counter_set> make_event_counters()
{
    return std::make_unique<core::counter_set>(event_counter_names(), max_workers);
}

} // namespace fastpath::esp
