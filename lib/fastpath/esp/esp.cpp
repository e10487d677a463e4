// ESP engine fast path: per-packet header work around intel-ipsec-mb jobs. No
// logs, syscalls, exceptions, allocation or locks here (DESIGN: fast path rules).
#include "fastpath/esp/esp.hpp"

#include "fastpath/esp/drop.hpp"
#include "tbar/metadata.hpp"

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>
#include <numeric>

namespace fastpath::esp {

namespace {

constexpr std::uint8_t proto_esp = 50;
constexpr std::uint8_t proto_ipv4 = 4;
constexpr std::uint32_t ipv4_len = 20;
constexpr std::uint32_t esp_hdr_len = 8;

inline std::uint16_t get16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
inline std::uint32_t get32(const std::uint8_t* p)
{
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
// Network-order stores as one byte swap and one move (built from single bytes,
// GCC left some as byte moves and shifts).
inline void put16(std::uint8_t* p, std::uint16_t v)
{
    v = __builtin_bswap16(v);
    std::memcpy(p, &v, sizeof(v));
}
inline void put32(std::uint8_t* p, std::uint32_t v)
{
    v = __builtin_bswap32(v);
    std::memcpy(p, &v, sizeof(v));
}
inline void put64(std::uint8_t* p, std::uint64_t v)
{
    v = __builtin_bswap64(v);
    std::memcpy(p, &v, sizeof(v));
}

inline std::uint8_t fail(drop_reason r) { return static_cast<std::uint8_t>(static_cast<unsigned>(r) + 1); }

// ---- code paths, one instantiation per transform and direction -------------

// AES-GCM (RFC 4106) as a direct single-buffer call: intel-ipsec-mb has no
// multi-buffer GCM, so a job would only add its queue and checks (about 250
// instructions a packet). Encrypts or decrypts in place; the tag goes to a.tag.
template <bool Enc, std::size_t KeyBytes>
void gcm_direct(worker_ctx& w, const sa_rt& sa, pkt_scratch&, const job_args& a) noexcept
{
    std::uint8_t* text = a.esp + esp_hdr_len + sa.iv_len;
    if constexpr (KeyBytes == 16) {
        if constexpr (Enc) {
            IMB_AES128_GCM_ENC(w.mgr, &sa.keys.gcm, &w.gcm_ctx, text, text, a.text_len, a.nonce, a.aad, a.aad_len,
                               a.tag, 16);
        } else {
            IMB_AES128_GCM_DEC(w.mgr, &sa.keys.gcm, &w.gcm_ctx, text, text, a.text_len, a.nonce, a.aad, a.aad_len,
                               a.tag, 16);
        }
    } else {
        if constexpr (Enc) {
            IMB_AES256_GCM_ENC(w.mgr, &sa.keys.gcm, &w.gcm_ctx, text, text, a.text_len, a.nonce, a.aad, a.aad_len,
                               a.tag, 16);
        } else {
            IMB_AES256_GCM_DEC(w.mgr, &sa.keys.gcm, &w.gcm_ctx, text, text, a.text_len, a.nonce, a.aad, a.aad_len,
                               a.tag, 16);
        }
    }
}

// RFC 4543: nothing is encrypted; SPI, sequence number, IV, payload and trailer
// are all authenticated data.
template <IMB_HASH_ALG Hash>
void fill_gmac(const sa_rt& sa, IMB_JOB* j, const job_args& a) noexcept
{
    j->cipher_mode = IMB_CIPHER_NULL;
    j->hash_alg = Hash;
    j->cipher_direction = IMB_DIR_ENCRYPT;
    j->chain_order = IMB_ORDER_HASH_CIPHER;
    j->src = a.esp;
    j->dst = a.esp;
    j->cipher_start_src_offset_in_bytes = 0;
    j->msg_len_to_cipher_in_bytes = 0;
    j->hash_start_src_offset_in_bytes = 0;
    j->msg_len_to_hash_in_bytes = esp_hdr_len + sa.iv_len + a.text_len;
    j->u.GMAC._key = &sa.keys.gcm;
    j->u.GMAC._iv = a.nonce;
    j->u.GMAC.iv_len_in_bytes = 12;
    j->auth_tag_output = a.tag;
    j->auth_tag_output_len_in_bytes = 16;
}

// CBC (AES or 3DES) with HMAC; the ICV covers the ESP header, IV and ciphertext
// (plus the ESN high half, which the caller placed right after them).
// Aes: known to be AES-CBC (the burst API's jobs), which skips the 3DES test.
template <bool Enc, bool Aes = false>
void fill_cbc_hmac(const sa_rt& sa, IMB_JOB* j, const job_args& a) noexcept
{
    j->cipher_mode = sa.cipher_mode;
    j->hash_alg = sa.hash_alg;
    j->cipher_direction = Enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
    j->chain_order = Enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    if (!Aes && sa.cipher_mode == IMB_CIPHER_DES3) {
        j->enc_keys = sa.des3_ptrs;
        j->dec_keys = sa.des3_ptrs;
    } else {
        j->enc_keys = sa.keys.aes.enc;
        j->dec_keys = sa.keys.aes.dec;
    }
    j->key_len_in_bytes = sa.key_len;
    const std::uint32_t off = esp_hdr_len + sa.iv_len;
    j->src = a.esp;
    j->dst = a.esp + off;
    j->cipher_start_src_offset_in_bytes = off;
    j->msg_len_to_cipher_in_bytes = a.text_len;
    j->iv = a.esp + esp_hdr_len;
    j->iv_len_in_bytes = sa.iv_len;
    j->hash_start_src_offset_in_bytes = 0;
    j->msg_len_to_hash_in_bytes = off + a.text_len + a.hash_extra;
    j->u.HMAC._hashed_auth_key_xor_ipad = sa.ipad;
    j->u.HMAC._hashed_auth_key_xor_opad = sa.opad;
    j->auth_tag_output = a.tag;
    j->auth_tag_output_len_in_bytes = sa.icv_len;
}

void reject(worker_ctx& w, pkt_scratch& ps, drop_reason r) noexcept
{
    ps.status = fail(r);
    ++w.burst_bad;
}

void complete(worker_ctx& w, IMB_JOB* j) noexcept
{
    auto* ps = static_cast<pkt_scratch*>(j->user_data);
    if (j->status != IMB_STATUS_COMPLETED && ps->status == 0) {
        reject(w, *ps, drop_reason::crypto_error);
    }
}

// Transforms outside the burst API (3DES, GMAC): queue a job on the manager;
// whatever completes now is checked now, the rest at the burst's flush.
template <void (*Fill)(const sa_rt&, IMB_JOB*, const job_args&) noexcept>
void via_job(worker_ctx& w, const sa_rt& sa, pkt_scratch& ps, const job_args& a) noexcept
{
    IMB_JOB* j = IMB_GET_NEXT_JOB(w.mgr);
    Fill(sa, j, a);
    j->user_data = &ps;
    j = IMB_SUBMIT_JOB(w.mgr);
    while (j != nullptr) {
        complete(w, j);
        j = IMB_GET_COMPLETED_JOB(w.mgr);
    }
}

// Completes the job API's queue. The burst API below shares the manager's
// multi-buffer lanes (HMAC-SHA1 of a 3DES job, say), so they must be empty
// before a batch runs.
void drain_jobs(worker_ctx& w) noexcept
{
    IMB_JOB* j;
    while ((j = IMB_FLUSH_JOB(w.mgr)) != nullptr) {
        complete(w, j);
    }
}

// The batch's jobs, longest first. Each lane of the multi-buffer code takes the
// next job when its own ends, and the batch lasts until its last job ends: a
// long packet queued behind short ones keeps the other lanes idle at the end
// (IMIX). Equal lengths (already in order) are left where they are.
IMB_JOB* longest_first(worker_ctx& w, unsigned n) noexcept
{
    const auto longer = [&w](std::uint16_t a, std::uint16_t b) {
        return w.batch[a].msg_len_to_hash_in_bytes > w.batch[b].msg_len_to_hash_in_bytes;
    };
    std::uint16_t order[max_burst];
    std::iota(order, order + n, std::uint16_t{0});
    if (std::is_sorted(order, order + n, longer)) {
        return w.batch;
    }
    std::sort(order, order + n, longer);
    for (unsigned i = 0; i < n; ++i) {
        w.batch_sorted[i] = w.batch[order[i]];
    }
    return w.batch_sorted;
}

// AES-CBC+HMAC through the synchronous burst API: the whole batch is ciphered
// with every lane of the multi-buffer code busy, then hashed (or hashed, then
// deciphered). The job API would leave lanes half empty at each burst's flush
// and add its queue on top (about 450 of 1,450 instructions a 64-byte packet).
template <bool Enc, IMB_KEY_SIZE_BYTES Key, IMB_HASH_ALG Hash>
void cbc_hmac_run(worker_ctx& w) noexcept
{
    drain_jobs(w);
    const unsigned n = w.batch_n;
    w.batch_n = 0;
    w.batch_run = nullptr;
    IMB_JOB* jobs = longest_first(w, n);
    std::uint32_t done;
    if constexpr (Enc) {
        // Outbound jobs carry only lengths and pointers of our own making (the
        // SA was checked at install), so the library's per-job checks are
        // skipped, as DPDK's aesni_mb driver does: about 44 instructions of
        // 1,360 a 64-byte packet. Inbound lengths come from the wire: checked.
        done = IMB_SUBMIT_CIPHER_BURST_NOCHECK(w.mgr, jobs, n, IMB_CIPHER_CBC, IMB_DIR_ENCRYPT, Key);
        if (done == n) {
            done = IMB_SUBMIT_HASH_BURST_NOCHECK(w.mgr, jobs, n, Hash);
        }
    } else {
        done = IMB_SUBMIT_HASH_BURST(w.mgr, jobs, n, Hash);
        if (done == n) {
            done = IMB_SUBMIT_CIPHER_BURST(w.mgr, jobs, n, IMB_CIPHER_CBC, IMB_DIR_DECRYPT, Key);
        }
    }
    if (done != n) { // a job intel-ipsec-mb refused stops the whole batch: fail closed
        for (unsigned i = 0; i < n; ++i) {
            if (w.batch_ps[i]->status == 0) {
                reject(w, *w.batch_ps[i], drop_reason::crypto_error);
            }
        }
    }
}

template <bool Enc, IMB_KEY_SIZE_BYTES Key, IMB_HASH_ALG Hash>
void cbc_hmac_batch(worker_ctx& w, const sa_rt& sa, pkt_scratch& ps, const job_args& a) noexcept
{
    constexpr void (*run)(worker_ctx&) noexcept = cbc_hmac_run<Enc, Key, Hash>;
    if (w.batch_run != run) {
        if (w.batch_run != nullptr) {
            w.batch_run(w); // another kind is pending (inbound bursts may mix SAs)
        }
        w.batch_run = run;
    }
    fill_cbc_hmac<Enc, true>(sa, &w.batch[w.batch_n], a);
    w.batch_ps[w.batch_n++] = &ps;
}

// Completes everything the burst queued.
void flush(worker_ctx& w) noexcept
{
    if (w.batch_run != nullptr) {
        w.batch_run(w);
    }
    drain_jobs(w);
}

// ---- burst helpers ------------------------------------------------------------

// Good first (in order), bad after; counts each bad packet under its reason.
// Only runs when something in the burst failed.
std::uint16_t compact(worker_ctx& w, std::span<rte_mbuf*> pkts, std::size_t n) noexcept
{
    if (w.burst_bad == 0) {
        return static_cast<std::uint16_t>(n);
    }
    std::size_t good = 0;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t st = w.pkts[i].status;
        if (st == 0) {
            pkts[good++] = pkts[i];
        } else {
            w.drops->add(w.worker, std::size_t{st} - 1u);
            w.bad[bad++] = pkts[i];
        }
    }
    for (std::size_t i = 0; i < bad; ++i) {
        pkts[good + i] = w.bad[i];
    }
    return static_cast<std::uint16_t>(good);
}

// Caps a burst at max_burst; the excess is dropped (and stays after the rest).
std::size_t clamp_burst(worker_ctx& w, std::span<rte_mbuf*> pkts) noexcept
{
    w.burst_bad = 0;
    if (pkts.size() <= max_burst) {
        return pkts.size();
    }
    w.drops->add(w.worker, drop_reason::burst_too_large, pkts.size() - max_burst);
    return max_burst;
}

// Moves the L2 header. For the usual Ethernet size the copy is two overlapping
// 8-byte words held in registers, both loaded before either is stored, inlined
// (GCC turns even a 14-byte memmove into a library call, and a 14-byte buffer
// into a stack copy whose reload stalls store forwarding: 40 % of esp_inbound's
// own cycles in a profile).
inline void move_l2(std::uint8_t* to, const std::uint8_t* from, std::uint32_t l2) noexcept
{
    if (l2 == 14) {
        std::uint64_t lo;
        std::uint64_t hi;
        std::memcpy(&lo, from, 8);
        std::memcpy(&hi, from + 6, 8);
        std::memcpy(to, &lo, 8);
        std::memcpy(to + 6, &hi, 8);
    } else if (l2 != 0) {
        std::memmove(to, from, l2);
    }
}

// Constant-time compare: an ICV check must not leak how many bytes matched.
// Eight bytes at a time (ICVs are 12 or 16 bytes).
bool icv_equal(const std::uint8_t* a, const std::uint8_t* b, unsigned n) noexcept
{
    std::uint64_t d = 0;
    unsigned i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t x;
        std::uint64_t y;
        std::memcpy(&x, a + i, 8);
        std::memcpy(&y, b + i, 8);
        d |= x ^ y;
    }
    for (; i < n; ++i) {
        d |= static_cast<std::uint8_t>(a[i] ^ b[i]);
    }
    return d == 0;
}

// ---- transforms known at compile time -------------------------------------------
// The per-packet code is instantiated for issue 3's two cases, AES-GCM-128 and
// AES-CBC-128 + HMAC-SHA1-96, with their sizes as constants and the cipher call
// inlined, and for any transform, which reads the sizes from the SA and calls
// its code path through the pointer. Picked once per burst outbound, once per
// packet inbound.
struct xf_any {
    static unsigned iv_len(const sa_rt& sa) noexcept { return sa.iv_len; }
    static unsigned icv_len(const sa_rt& sa) noexcept { return sa.icv_len; }
    static unsigned pad_align(const sa_rt& sa) noexcept { return sa.pad_align; }
    static bool counter_mode(const sa_rt& sa) noexcept { return sa.counter_mode; }
    template <bool Enc>
    static void crypt(worker_ctx& w, const sa_rt& sa, pkt_scratch& ps, const job_args& a) noexcept
    {
        (Enc ? sa.outb : sa.inb)(w, sa, ps, a);
    }
};

// The sizes sa_install gives an AES-GCM SA (RFC 4106: 8-byte IV, 16-byte ICV).
struct xf_gcm128 {
    static constexpr unsigned iv_len(const sa_rt&) noexcept { return 8; }
    static constexpr unsigned icv_len(const sa_rt&) noexcept { return 16; }
    static constexpr unsigned pad_align(const sa_rt&) noexcept { return 4; }
    static constexpr bool counter_mode(const sa_rt&) noexcept { return true; }
    template <bool Enc>
    static void crypt(worker_ctx& w, const sa_rt& sa, pkt_scratch& ps, const job_args& a) noexcept
    {
        gcm_direct<Enc, 16>(w, sa, ps, a);
    }
};

// The sizes sa_install gives an AES-CBC-128 SA with HMAC-SHA1-96 (RFC 3602:
// 16-byte IV and blocks; RFC 2404: 12-byte ICV).
struct xf_cbc128sha1 {
    static constexpr unsigned iv_len(const sa_rt&) noexcept { return 16; }
    static constexpr unsigned icv_len(const sa_rt&) noexcept { return 12; }
    static constexpr unsigned pad_align(const sa_rt&) noexcept { return 16; }
    static constexpr bool counter_mode(const sa_rt&) noexcept { return false; }
    template <bool Enc>
    static void crypt(worker_ctx& w, const sa_rt& sa, pkt_scratch& ps, const job_args& a) noexcept
    {
        cbc_hmac_batch<Enc, IMB_KEY_128_BYTES, IMB_AUTH_HMAC_SHA_1>(w, sa, ps, a);
    }
};

// select_paths gave the SA the AES-GCM-128 code path.
inline bool is_gcm128(const sa_rt& sa) noexcept
{
    return sa.inb == &gcm_direct<false, 16>;
}

// ... or the AES-CBC-128 + HMAC-SHA1-96 one.
inline bool is_cbc128sha1(const sa_rt& sa) noexcept
{
    return sa.inb == &cbc_hmac_batch<false, IMB_KEY_128_BYTES, IMB_AUTH_HMAC_SHA_1>;
}

// ---- outbound -----------------------------------------------------------------

// Makes the next max_burst CBC IVs in one call: AES-CTR over zeros gives
// E_k(ctr), E_k(ctr + 1), ..., the same unpredictable IVs as one AES block per
// packet, but pipelined (one AES call a packet cost about as much as the rest
// of the packet's own work). Runs between packets' jobs, never during a batch.
bool refill_cbc_ivs(worker_ctx& w) noexcept
{
    std::memset(w.cbc_ivs, 0, sizeof(w.cbc_ivs));
    IMB_JOB j{};
    j.cipher_mode = IMB_CIPHER_CNTR;
    j.cipher_direction = IMB_DIR_ENCRYPT;
    j.chain_order = IMB_ORDER_CIPHER_HASH;
    j.hash_alg = IMB_AUTH_NULL;
    j.enc_keys = w.cbc_iv_key;
    j.dec_keys = w.cbc_iv_key;
    j.key_len_in_bytes = IMB_KEY_128_BYTES;
    j.src = &w.cbc_ivs[0][0];
    j.dst = &w.cbc_ivs[0][0];
    j.msg_len_to_cipher_in_bytes = sizeof(w.cbc_ivs);
    j.iv = w.cbc_iv_ctr;
    j.iv_len_in_bytes = 16;
    if (IMB_SUBMIT_CIPHER_BURST(w.mgr, &j, 1, IMB_CIPHER_CNTR, IMB_DIR_ENCRYPT, IMB_KEY_128_BYTES) != 1) {
        return false;
    }
    for (int i = 11; i >= 0 && ++w.cbc_iv_ctr[i] == 0; --i) { // next refill: the 96-bit part + 1
    }
    w.cbc_iv_next = 0;
    return true;
}

// What is the same for every packet of an outbound burst.
struct outb_burst {
    bool no_iv = false;           // CBC IVs could not be made: refuse
    bool no_sender = false;       // counter mode without a sender ID: refuse
    std::uint64_t iv_hi = 0;      // sender ID, shifted into the IV's high bits
    std::uint64_t iv_last = 0;    // this worker's IV counter may not reach this
    std::uint8_t df_keep = 0x40;  // outer DF = (inner DF & keep) | set
    std::uint8_t df_set = 0;
};

outb_burst outb_setup(worker_ctx& w, const sa_rt& sa, const outb_opts& o, std::size_t n) noexcept
{
    outb_burst b;
    if (!sa.counter_mode && max_burst - w.cbc_iv_next < n) {
        b.no_iv = !refill_cbc_ivs(w);
    }
    const unsigned low_bits = 64 - o.sid_bits;
    b.iv_last = low_bits >= 64 ? UINT64_MAX : (std::uint64_t{1} << low_bits) - 1;
    b.no_sender = sa.counter_mode && o.sender_id == no_sender_id;
    b.iv_hi = o.sid_bits == 0 || b.no_sender ? 0 : std::uint64_t{o.sender_id} << low_bits;
    if (o.df == df_policy::set) {
        b.df_keep = 0;
        b.df_set = 0x40;
    } else if (o.df == df_policy::clear) {
        b.df_keep = 0;
    }
    return b;
}

// Builds headers and trailer of one packet and returns its job arguments; on
// failure sets ps.status and leaves the mbuf untouched.
template <class X>
bool outb_prepare(worker_ctx& w, const sa_rt& sa, const outb_burst& b, const outb_opts& o, rte_mbuf* m,
                  pkt_scratch& ps, std::uint64_t seq, job_args& a) noexcept
{
    if (m->nb_segs != 1) {
        reject(w, ps, drop_reason::multi_segment);
        return false;
    }
    const std::uint32_t l2 = m->l2_len;
    const std::uint32_t len = m->data_len;
    std::uint8_t* d = rte_pktmbuf_mtod(m, std::uint8_t*);
    if (len < l2 + ipv4_len) {
        reject(w, ps, drop_reason::not_ipv4);
        return false;
    }
    const std::uint8_t* in = d + l2;
    const std::uint32_t ihl = (in[0] & 0x0fu) * 4u;
    const std::uint32_t tot = get16(in + 2);
    if ((in[0] >> 4) != 4 || ihl < ipv4_len || tot < ihl || l2 + tot > len) {
        reject(w, ps, drop_reason::not_ipv4);
        return false;
    }
    const std::uint32_t meta = sa.tbar ? tbar::metadata_size : 0;
    const std::uint32_t plen = meta + tot;
    const std::uint32_t pad = (0u - (plen + 2)) & (X::pad_align(sa) - 1u); // pad_align is a power of two
    const std::uint32_t hdr = ipv4_len + esp_hdr_len + X::iv_len(sa) + meta;
    const std::uint32_t extra = len - l2 - tot; // L2 padding to drop
    const std::uint32_t tail = pad + 2 + X::icv_len(sa);
    if (rte_pktmbuf_headroom(m) < hdr) {
        reject(w, ps, drop_reason::no_headroom);
        return false;
    }
    if (rte_pktmbuf_tailroom(m) + extra < tail || plen + hdr + tail > UINT16_MAX) {
        reject(w, ps, drop_reason::no_tailroom);
        return false;
    }
    if (b.no_sender) {
        reject(w, ps, drop_reason::no_sender_id);
        return false;
    }
    if (b.no_iv) {
        reject(w, ps, drop_reason::crypto_error);
        return false;
    }
    if (X::counter_mode(sa) && w.iv_counter >= b.iv_last) {
        reject(w, ps, drop_reason::seq_exhausted); // this worker's IV space is used up
        return false;
    }
    // Headers go in front of the inner packet, the trailer after it; the data
    // never moves (only the L2 header does).
    std::uint8_t* nd = d - hdr;
    move_l2(nd, d, l2);
    m->data_off = static_cast<std::uint16_t>(m->data_off - hdr);
    const std::uint32_t new_len = len - extra + hdr + tail;
    m->data_len = static_cast<std::uint16_t>(new_len);
    m->pkt_len = new_len;
    std::uint8_t* outer = nd + l2;
    std::uint8_t* esp = outer + ipv4_len;
    std::uint8_t* iv = esp + esp_hdr_len;
    std::uint8_t* payload = iv + X::iv_len(sa);
    in = payload + meta;
    std::uint8_t* t = payload + plen;

    // ESP trailer: monotonic padding 1, 2, 3, ... (RFC 4303 §2.4).
    for (std::uint32_t i = 0; i < pad; ++i) {
        t[i] = static_cast<std::uint8_t>(i + 1);
    }
    t[pad] = static_cast<std::uint8_t>(pad);
    t[pad + 1] = sa.tbar ? sa.tbar_nh : proto_ipv4;
    if (sa.tbar) {
        tbar::encode({proto_ipv4, o.pseudotime}, std::span<std::uint8_t>(payload, meta));
    }

    // Outer IPv4: a copy of the inner addresses, DSCP/ECN and TTL (header preservation).
    const auto total = static_cast<std::uint16_t>(ipv4_len + esp_hdr_len + X::iv_len(sa) + plen + tail);
    const std::uint16_t id = w.ip_id++;
    const std::uint8_t df = static_cast<std::uint8_t>((in[6] & b.df_keep) | b.df_set);
    const std::uint8_t tos = in[1];
    const std::uint8_t ttl = in[8];
    std::memcpy(outer, sa.hdr_tmpl, sizeof(sa.hdr_tmpl)); // outer IPv4 and SPI
    outer[1] = tos;
    put16(outer + 2, total);
    put16(outer + 4, id);
    outer[6] = df;
    outer[8] = ttl;
    std::memcpy(outer + 12, in + 12, 8);
    // Checksum from the values, not by reading the header back: a wide load over
    // fresh narrow stores stalls store forwarding (it showed in profiles).
    std::uint32_t sum = (0x4500u | tos) + total + id + (std::uint32_t{df} << 8) +
                        (std::uint32_t{ttl} << 8 | proto_esp) + get16(in + 12) + get16(in + 14) +
                        get16(in + 16) + get16(in + 18);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    put16(outer + 10, static_cast<std::uint16_t>(~sum));

    put32(esp + 4, static_cast<std::uint32_t>(seq));

    if (X::counter_mode(sa)) {
        // RFC 6054: sender ID in the high bits, this worker's counter below.
        put64(iv, b.iv_hi | ++w.iv_counter);
        std::memcpy(ps.nonce, sa.salt, 4);
        std::memcpy(ps.nonce + 4, iv, 8);
    } else {
        // Unpredictable CBC IV: E_k(counter), k random per worker, made ahead.
        std::memcpy(iv, w.cbc_ivs[w.cbc_iv_next++], X::iv_len(sa));
    }
    if (sa.esn) {
        std::memcpy(ps.aad, esp, 4);
        put32(ps.aad + 4, static_cast<std::uint32_t>(seq >> 32));
        put32(ps.aad + 8, static_cast<std::uint32_t>(seq));
        a.aad = ps.aad;
    } else {
        a.aad = esp; // SPI || sequence number, as on the wire
    }
    a.esp = esp;
    a.text_len = plen + pad + 2;
    a.hash_extra = 0;
    a.aad_len = sa.esn ? 12 : 8;
    if (sa.esn && !X::counter_mode(sa)) {
        // RFC 4303 §3.3.2.1: the high half is hashed after the trailer, not
        // sent: the ICV overwrites it once the hash is done.
        put32(t + pad + 2, static_cast<std::uint32_t>(seq >> 32));
        a.hash_extra = 4;
    }
    a.nonce = ps.nonce;
    a.tag = t + pad + 2; // the ICV goes straight into the packet
    ps.inner_len = tot;
    return true;
}

// Returns the inner bytes of the packets handed to the cipher.
template <class X>
std::uint64_t outb_run(worker_ctx& w, const sa_rt& sa, const outb_burst& b, const outb_opts& o, std::span<rte_mbuf*> pkts,
              std::size_t n, const tbar::seq_reservation& r) noexcept
{
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < n; ++i) {
        pkt_scratch& ps = w.pkts[i];
        ps.status = 0;
        if (i >= r.count) {
            reject(w, ps, drop_reason::seq_exhausted);
            continue;
        }
        job_args a;
        if (outb_prepare<X>(w, sa, b, o, pkts[i], ps, r.first + i, a)) {
            X::template crypt<true>(w, sa, ps, a);
            bytes += ps.inner_len;
        }
    }
    return bytes;
}

} // namespace

std::uint16_t esp_outbound_sa(worker_ctx& w, const sa_rt& sa, const outb_opts& o,
                              std::span<rte_mbuf*> pkts) noexcept
{
    const std::size_t n = clamp_burst(w, pkts);
    if (n == 0) {
        return 0;
    }
    const tbar::seq_reservation r = sa.seq.reserve(static_cast<std::uint32_t>(n));
    if (sa.seq.near_wrap()) {
        w.events->add(w.worker, esp_event::seq_near_wrap);
    }
    const outb_burst b = outb_setup(w, sa, o, n);
    std::uint64_t bytes = is_gcm128(sa)       ? outb_run<xf_gcm128>(w, sa, b, o, pkts, n, r)
                          : is_cbc128sha1(sa) ? outb_run<xf_cbc128sha1>(w, sa, b, o, pkts, n, r)
                                              : outb_run<xf_any>(w, sa, b, o, pkts, n, r);
    flush(w);
    if (w.burst_bad != 0) { // recount without what the cipher refused at the flush
        bytes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            bytes += w.pkts[i].status == 0 ? w.pkts[i].inner_len : 0;
        }
    }
    const std::uint16_t good = compact(w, pkts.first(n), n);
    sa_worker& mine = sa.workers[w.worker];
    mine.enc_pkts.add(good);
    mine.enc_bytes.add(bytes);
    w.events->add(w.worker, esp_event::encrypted, good);
    return good;
}

std::uint16_t esp_outbound(worker_ctx& w, const sa_snapshot& s, std::uint16_t group_slot,
                           std::span<rte_mbuf*> pkts) noexcept
{
    const group_rt& g = s.group(group_slot);
    if (g.outbound == nullptr) {
        const std::size_t n = clamp_burst(w, pkts);
        for (std::size_t i = 0; i < n; ++i) {
            reject(w, w.pkts[i], drop_reason::no_sa);
        }
        return compact(w, pkts.first(n), n);
    }
    outb_opts o;
    o.df = s.df();
    o.pseudotime = g.clock.now(w.now_ns);
    o.sender_id = g.sender_id[w.worker];
    o.sid_bits = g.sid_bits;
    return esp_outbound_sa(w, *g.outbound, o, pkts);
}

// ---- inbound --------------------------------------------------------------------

namespace {

// The part of inbound that depends on the SA's transform; runs its cipher.
// end: where the outer IPv4 packet ends in the frame.
template <class X>
void inb_crypt(worker_ctx& w, const sa_rt& sa, rte_mbuf* m, pkt_scratch& ps, std::uint8_t* esp, std::uint32_t esp_len,
               std::uint32_t end) noexcept
{
    const std::uint32_t fixed = esp_hdr_len + X::iv_len(sa) + X::icv_len(sa);
    if (esp_len < fixed + 2 || ((esp_len - fixed) & (X::pad_align(sa) - 1u)) != 0) {
        reject(w, ps, drop_reason::truncated);
        return;
    }
    const std::uint32_t seq_lo = get32(esp + 4);
    std::uint64_t seq = seq_lo;
    if (sa.replay) {
        const auto c = sa.workers[w.worker].window.check(seq_lo);
        if (!c) {
            reject(w, ps, drop_reason::replay);
            return;
        }
        seq = *c;
    }
    if (end < m->data_len) {
        m->data_len = static_cast<std::uint16_t>(end); // drop L2 padding
        m->pkt_len = end;
    }
    ps.seq = seq;
    ps.esp = esp;
    ps.text_len = esp_len - fixed;
    job_args a;
    a.esp = esp;
    a.aad = esp; // SPI || sequence number, as on the wire (without ESN)
    a.text_len = ps.text_len;
    a.hash_extra = 0;
    a.aad_len = sa.esn ? 12 : 8;
    if (X::counter_mode(sa)) {
        std::memcpy(ps.nonce, sa.salt, 4);
        std::memcpy(ps.nonce + 4, esp + esp_hdr_len, 8);
        if (sa.esn) {
            std::memcpy(ps.aad, esp, 4);
            put32(ps.aad + 4, static_cast<std::uint32_t>(seq >> 32));
            put32(ps.aad + 8, seq_lo);
            a.aad = ps.aad;
        }
    } else if (sa.esn) {
        // The high half is hashed where the ICV sits: keep the ICV aside first.
        std::uint8_t* icv = esp + esp_hdr_len + X::iv_len(sa) + ps.text_len;
        std::memcpy(ps.icv_rx, icv, X::icv_len(sa));
        put32(icv, static_cast<std::uint32_t>(seq >> 32));
        a.hash_extra = 4;
    }
    a.nonce = ps.nonce;
    a.tag = ps.tag;
    X::template crypt<false>(w, sa, ps, a);
}

template <class X>
void inb_finish(worker_ctx& w, const sa_snapshot& s, rte_mbuf* m, pkt_scratch& ps) noexcept;

// Inbound up to the cipher: outer header checks and the SPI lookup, then the
// SA's transform takes over.
void inb_start(worker_ctx& w, const sa_snapshot& s, rte_mbuf* m, pkt_scratch& ps) noexcept
{
    if (m->nb_segs != 1) {
        reject(w, ps, drop_reason::multi_segment);
        return;
    }
    const std::uint32_t l2 = m->l2_len;
    const std::uint32_t len = m->data_len;
    std::uint8_t* d = rte_pktmbuf_mtod(m, std::uint8_t*);
    if (len < l2 + ipv4_len) {
        reject(w, ps, drop_reason::truncated);
        return;
    }
    std::uint8_t* outer = d + l2;
    const std::uint32_t ihl = (outer[0] & 0x0fu) * 4u;
    const std::uint32_t tot = get16(outer + 2);
    if ((outer[0] >> 4) != 4 || ihl < ipv4_len) {
        reject(w, ps, drop_reason::not_ipv4);
        return;
    }
    if (tot < ihl || l2 + tot > len) {
        reject(w, ps, drop_reason::truncated);
        return;
    }
    if (outer[9] != proto_esp) {
        reject(w, ps, drop_reason::not_esp);
        return;
    }
    if ((get16(outer + 6) & 0x3fff) != 0) {
        reject(w, ps, drop_reason::fragment);
        return;
    }
    const std::uint32_t esp_len = tot - ihl;
    if (esp_len < esp_hdr_len) {
        reject(w, ps, drop_reason::truncated);
        return;
    }
    std::uint8_t* esp = outer + ihl;
    const std::uint32_t spi = get32(esp);
    // Bursts are mostly one SA: reuse the previous packet's lookup.
    const sa_rt* sa = (ps.sa != nullptr && ps.sa->spi == spi) ? ps.sa : s.lookup(spi);
    if (sa == nullptr) {
        reject(w, ps, drop_reason::no_sa);
        return;
    }
    ps.sa = sa;
    if (is_gcm128(*sa)) {
        inb_crypt<xf_gcm128>(w, *sa, m, ps, esp, esp_len, l2 + tot);
        // AES-GCM is done when its call returns: verify and strip now, while
        // the packet is still in L1, not after the rest of the burst.
        if (ps.status == 0) {
            inb_finish<xf_gcm128>(w, s, m, ps);
            ps.finished = true;
        }
    } else if (is_cbc128sha1(*sa)) {
        inb_crypt<xf_cbc128sha1>(w, *sa, m, ps, esp, esp_len, l2 + tot);
    } else {
        inb_crypt<xf_any>(w, *sa, m, ps, esp, esp_len, l2 + tot);
    }
}

// After decryption: verify, commit replay, check trailer and TBAR, strip.
template <class X>
void inb_finish(worker_ctx& w, const sa_snapshot& s, rte_mbuf* m, pkt_scratch& ps) noexcept
{
    const sa_rt& sa = *ps.sa;
    std::uint8_t* payload = ps.esp + esp_hdr_len + X::iv_len(sa);
    const std::uint32_t clen = ps.text_len;
    const std::uint8_t* icv = sa.esn && !X::counter_mode(sa) ? ps.icv_rx : payload + clen;
    if (!icv_equal(ps.tag, icv, X::icv_len(sa))) {
        reject(w, ps, drop_reason::bad_icv);
        return;
    }
    const std::uint8_t nh = payload[clen - 1];
    const std::uint32_t pad = payload[clen - 2];
    if (pad + 2 > clen) {
        reject(w, ps, drop_reason::bad_pad);
        return;
    }
    const std::uint8_t* p = payload + clen - 2 - pad;
    std::uint8_t pad_diff = 0;
    for (std::uint32_t i = 0; i < pad; ++i) {
        pad_diff |= static_cast<std::uint8_t>(p[i] ^ (i + 1));
    }
    if (pad_diff != 0) {
        reject(w, ps, drop_reason::bad_pad);
        return;
    }
    std::uint32_t inner_off = 0;
    std::uint32_t inner_len = clen - 2 - pad;
    if (sa.tbar && nh == sa.tbar_nh) {
        const std::span<const std::uint8_t> body(payload, inner_len);
        const auto md = tbar::decode(body);
        if (!md || md->inner_next_header != proto_ipv4 || tbar::consumed(body) > inner_len) {
            reject(w, ps, drop_reason::bad_next_header);
            return;
        }
        if (!s.group(sa.group_slot).clock.in_window(md->pseudotime, w.now_ns)) {
            reject(w, ps, drop_reason::tbar_window);
            return;
        }
        inner_off = static_cast<std::uint32_t>(tbar::consumed(body));
        inner_len -= inner_off;
    } else if (nh != proto_ipv4) {
        reject(w, ps, drop_reason::bad_next_header);
        return;
    } else if (sa.tbar) {
        reject(w, ps, drop_reason::tbar_missing);
        return;
    }
    const std::uint8_t* in = payload + inner_off;
    if (inner_len < ipv4_len || (in[0] >> 4) != 4 || (in[0] & 0x0f) < 5 || get16(in + 2) != inner_len) {
        reject(w, ps, drop_reason::bad_inner);
        return;
    }
    // Every SA here is header-preserving (outbound copies the inner addresses
    // out), so a genuine packet's outer source and destination are its inner,
    // authenticated ones. RSS hashes the outer pair: insisting on equality
    // sends every accepted copy of a packet to one queue, where that worker's
    // replay window sees them all (docs/wire.md, "Counter-mode replay").
    const std::uint32_t l2 = m->l2_len;
    std::uint8_t* d = rte_pktmbuf_mtod(m, std::uint8_t*);
    if (std::memcmp(d + l2 + 12, in + 12, 8) != 0) {
        reject(w, ps, drop_reason::outer_mismatch);
        return;
    }
    // Committed last: only a packet that is accepted moves the window.
    if (sa.replay && !sa.workers[w.worker].window.commit(ps.seq)) {
        reject(w, ps, drop_reason::replay);
        return;
    }
    // Keep the L2 header in front of the inner packet; drop outer IP, ESP, IV, TBAR.
    const auto strip = static_cast<std::uint16_t>((payload + inner_off) - (d + l2));
    move_l2(d + strip, d, l2);
    m->data_off = static_cast<std::uint16_t>(m->data_off + strip);
    m->data_len = static_cast<std::uint16_t>(l2 + inner_len);
    m->pkt_len = l2 + inner_len;
    ps.inner_len = inner_len;
}

// Adds a run of good packets of one SA to its counts.
void count_dec(const worker_ctx& w, const sa_rt* sa, std::uint64_t pkts, std::uint64_t bytes) noexcept
{
    if (pkts != 0) {
        sa_worker& mine = sa->workers[w.worker];
        mine.dec_pkts.add(pkts);
        mine.dec_bytes.add(bytes);
    }
}

} // namespace

std::uint16_t esp_inbound(worker_ctx& w, const sa_snapshot& s, std::span<rte_mbuf*> pkts) noexcept
{
    const std::size_t n = clamp_burst(w, pkts);
    const sa_rt* prev = nullptr;
    for (std::size_t i = 0; i < n; ++i) {
        pkt_scratch& ps = w.pkts[i];
        ps.status = 0;
        ps.finished = false;
        ps.sa = prev;
        inb_start(w, s, pkts[i], ps);
        prev = ps.sa;
    }
    flush(w);
    const sa_rt* run_sa = nullptr;
    std::uint64_t run_pkts = 0, run_bytes = 0;
    for (std::size_t i = 0; i < n; ++i) {
        pkt_scratch& ps = w.pkts[i];
        if (ps.status != 0) {
            continue;
        }
        if (!ps.finished) {
            if (is_cbc128sha1(*ps.sa)) {
                inb_finish<xf_cbc128sha1>(w, s, pkts[i], ps);
            } else {
                inb_finish<xf_any>(w, s, pkts[i], ps);
            }
        }
        if (ps.status != 0) {
            continue;
        }
        if (ps.sa != run_sa) {
            count_dec(w, run_sa, run_pkts, run_bytes);
            run_sa = ps.sa;
            run_pkts = 0;
            run_bytes = 0;
        }
        ++run_pkts;
        run_bytes += ps.inner_len;
    }
    count_dec(w, run_sa, run_pkts, run_bytes);
    const std::uint16_t good = compact(w, pkts.first(n), n);
    w.events->add(w.worker, esp_event::decrypted, good);
    return good;
}

std::uint64_t tsc_ns(std::uint64_t cycles) noexcept
{
    const std::uint64_t hz = rte_get_tsc_hz();
    return static_cast<std::uint64_t>(static_cast<unsigned __int128>(cycles) * 1'000'000'000u / hz);
}

bool crypt_one(worker_ctx& w, const sa_rt& sa, bool encrypt, const job_args& a) noexcept
{
    pkt_scratch& ps = w.pkts[0];
    ps.status = 0;
    w.burst_bad = 0;
    (encrypt ? sa.outb : sa.inb)(w, sa, ps, a);
    flush(w);
    return ps.status == 0;
}

esp_paths select_paths(cipher_alg c, auth_alg a, std::size_t key_len) noexcept
{
    switch (c) {
    case cipher_alg::aes_gcm:
        if (key_len == 32) {
            return {gcm_direct<true, 32>, gcm_direct<false, 32>};
        }
        return {gcm_direct<true, 16>, gcm_direct<false, 16>};
    case cipher_alg::aes_gmac:
        if (key_len == 32) {
            return {via_job<fill_gmac<IMB_AUTH_AES_GMAC_256>>, via_job<fill_gmac<IMB_AUTH_AES_GMAC_256>>};
        }
        return {via_job<fill_gmac<IMB_AUTH_AES_GMAC_128>>, via_job<fill_gmac<IMB_AUTH_AES_GMAC_128>>};
    case cipher_alg::aes_cbc:
        if (a == auth_alg::hmac_sha1_96) {
            if (key_len == 32) {
                return {cbc_hmac_batch<true, IMB_KEY_256_BYTES, IMB_AUTH_HMAC_SHA_1>,
                        cbc_hmac_batch<false, IMB_KEY_256_BYTES, IMB_AUTH_HMAC_SHA_1>};
            }
            return {cbc_hmac_batch<true, IMB_KEY_128_BYTES, IMB_AUTH_HMAC_SHA_1>,
                    cbc_hmac_batch<false, IMB_KEY_128_BYTES, IMB_AUTH_HMAC_SHA_1>};
        }
        if (a == auth_alg::hmac_sha256_128) {
            if (key_len == 32) {
                return {cbc_hmac_batch<true, IMB_KEY_256_BYTES, IMB_AUTH_HMAC_SHA_256>,
                        cbc_hmac_batch<false, IMB_KEY_256_BYTES, IMB_AUTH_HMAC_SHA_256>};
            }
            return {cbc_hmac_batch<true, IMB_KEY_128_BYTES, IMB_AUTH_HMAC_SHA_256>,
                    cbc_hmac_batch<false, IMB_KEY_128_BYTES, IMB_AUTH_HMAC_SHA_256>};
        }
        return {};
    case cipher_alg::des3_cbc:
        if (a == auth_alg::none) {
            return {};
        }
        return {via_job<fill_cbc_hmac<true>>, via_job<fill_cbc_hmac<false>>};
    }
    return {};
}

} // namespace fastpath::esp
