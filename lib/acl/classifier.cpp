// acl: compiling merged entries into rte_acl rules and classifying bursts.
#include "acl/classifier.hpp"

#include <rte_acl.h>
#include <rte_errno.h>
#include <rte_ip.h>

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

namespace acl {

namespace {

enum : std::uint8_t { field_proto, field_src, field_dst, field_sport, field_dport, field_count };

// rte_acl reads its input four bytes at a time after a first one-byte field:
// proto alone, then src, dst, and both ports in one 4-byte group. Offsets are
// from the start of the IPv4 header (see key_size in the header).
constexpr std::uint32_t off_proto = offsetof(rte_ipv4_hdr, next_proto_id);
constexpr std::uint32_t off_src = offsetof(rte_ipv4_hdr, src_addr);
constexpr std::uint32_t off_dst = offsetof(rte_ipv4_hdr, dst_addr);
constexpr std::uint32_t off_ports = sizeof(rte_ipv4_hdr);
static_assert(off_proto == 9 && off_src == 12 && off_dst == 16 && off_ports == 20);
static_assert(off_ports + 4 == key_size);

constexpr rte_acl_field_def field_defs[field_count] = {
    {RTE_ACL_FIELD_TYPE_BITMASK, sizeof(std::uint8_t), field_proto, 0, off_proto},
    {RTE_ACL_FIELD_TYPE_MASK, sizeof(std::uint32_t), field_src, 1, off_src},
    {RTE_ACL_FIELD_TYPE_MASK, sizeof(std::uint32_t), field_dst, 2, off_dst},
    {RTE_ACL_FIELD_TYPE_RANGE, sizeof(std::uint16_t), field_sport, 3, off_ports},
    {RTE_ACL_FIELD_TYPE_RANGE, sizeof(std::uint16_t), field_dport, 3, off_ports + 2},
};

RTE_ACL_RULE_DEF(ipv4_rule, field_count);

// Names only need to be unique among live contexts; a process-wide counter
// guarantees it even for two builds of the same generation.
std::atomic<std::uint32_t> build_counter{0};

ipv4_rule make_rule(const ace& e, std::size_t index, std::uint32_t userdata, const port_range& sp,
                    const port_range& dp)
{
    ipv4_rule r{};
    r.data.category_mask = 1;
    // rte_acl returns the highest-priority match: earlier entries rank higher.
    r.data.priority = static_cast<std::int32_t>(RTE_ACL_MAX_PRIORITY - index);
    r.data.userdata = userdata;
    r.field[field_proto].value.u8 = e.protocol;
    r.field[field_proto].mask_range.u8 = e.protocol == proto_ip ? 0 : 0xff;
    r.field[field_src].value.u32 = e.src.addr;
    r.field[field_src].mask_range.u32 = e.src.len;
    r.field[field_dst].value.u32 = e.dst.addr;
    r.field[field_dst].mask_range.u32 = e.dst.len;
    r.field[field_sport].value.u16 = sp.lo;
    r.field[field_sport].mask_range.u16 = sp.hi;
    r.field[field_dport].value.u16 = dp.lo;
    r.field[field_dport].mask_range.u16 = dp.hi;
    return r;
}

std::string dpdk_error(const char* what, int err)
{
    return std::string(what) + ": " + std::strerror(err < 0 ? -err : err);
}

} // namespace

ipv4_key make_key(const std::uint8_t* ipv4) noexcept
{
    ipv4_key k{};
    const std::size_t ihl = static_cast<std::size_t>(ipv4[0] & 0x0fu) * 4u;
    k.bytes[0] = 0x45;
    k.bytes[off_proto] = ipv4[off_proto];
    std::memcpy(k.bytes + off_src, ipv4 + off_src, 8);
    std::memcpy(k.bytes + off_ports, ipv4 + ihl, 4);
    return k;
}

classifier classifier::build(std::span<const merged_entry> entries, direction dir,
                             std::uint64_t generation, int socket_id)
{
    if (entries.size() >= RTE_ACL_MAX_PRIORITY) {
        throw build_error("policy of " + std::to_string(entries.size()) +
                          " entries exceeds rte_acl's priority range");
    }
    classifier c;
    c.generation_ = generation;
    c.dir_ = dir;
    c.entries_ = entries.size();
    std::snprintf(c.name_, sizeof c.name_, "acl%c%" PRIx64 ".%" PRIx32,
                  dir == direction::outbound ? 'o' : 'i', generation,
                  build_counter.fetch_add(1, std::memory_order_relaxed));

    std::vector<ipv4_rule> rules;
    rules.reserve(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const merged_entry& m = entries[i];
        const ace e = dir == direction::outbound ? m.rule : mirror(m.rule);
        if (auto why = validate(e)) {
            throw build_error("entry " + std::to_string(i) + " (" + to_string(e) + "): " + *why);
        }
        const std::uint32_t userdata = m.userdata(static_cast<std::uint32_t>(i));
        if (verdict_of(userdata) == verdict::none) {
            throw build_error("entry " + std::to_string(i) + " has no verdict");
        }
        // neq is two ranges: one rte_acl rule per range pair, same priority.
        for (unsigned s = 0; s < e.sport.count; ++s) {
            for (unsigned d = 0; d < e.dport.count; ++d) {
                rules.push_back(make_rule(e, i, userdata, e.sport.ranges[s], e.dport.ranges[d]));
            }
        }
    }
    c.rules_ = rules.size();
    if (rules.empty()) {
        return c; // rte_acl cannot build an empty context; classify() reports none
    }

    // Someone else's context under our name would be returned, not created.
    if (rte_acl_find_existing(c.name_) != nullptr) {
        throw build_error(std::string("rte_acl context ") + c.name_ + " already exists");
    }
    rte_acl_param param{};
    param.name = c.name_;
    param.socket_id = socket_id;
    param.rule_size = RTE_ACL_RULE_SZ(field_count);
    param.max_rule_num = static_cast<std::uint32_t>(rules.size());
    c.ctx_ = rte_acl_create(&param);
    if (c.ctx_ == nullptr) {
        throw build_error(dpdk_error("rte_acl_create", rte_errno));
    }
    int rc = rte_acl_add_rules(c.ctx_, reinterpret_cast<const rte_acl_rule*>(rules.data()),
                               static_cast<std::uint32_t>(rules.size()));
    if (rc != 0) {
        throw build_error(dpdk_error("rte_acl_add_rules", rc));
    }
    rte_acl_config cfg{};
    cfg.num_categories = 1;
    cfg.num_fields = field_count;
    std::memcpy(cfg.defs, field_defs, sizeof field_defs);
    rc = rte_acl_build(c.ctx_, &cfg);
    if (rc != 0) {
        throw build_error(dpdk_error("rte_acl_build", rc));
    }
    return c;
}

classifier::classifier(classifier&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)),
      generation_(other.generation_),
      dir_(other.dir_),
      entries_(other.entries_),
      rules_(other.rules_)
{
    std::memcpy(name_, other.name_, sizeof name_);
}

classifier& classifier::operator=(classifier&& other) noexcept
{
    if (this != &other) {
        rte_acl_free(ctx_);
        ctx_ = std::exchange(other.ctx_, nullptr);
        generation_ = other.generation_;
        dir_ = other.dir_;
        entries_ = other.entries_;
        rules_ = other.rules_;
        std::memcpy(name_, other.name_, sizeof name_);
    }
    return *this;
}

classifier::~classifier()
{
    rte_acl_free(ctx_);
}

void classifier::classify(const std::uint8_t** data, std::uint32_t* results,
                          std::uint32_t n) const noexcept
{
    if (ctx_ == nullptr) {
        std::memset(results, 0, sizeof(std::uint32_t) * n);
        return;
    }
    // Valid context, one category, caller-sized arrays: cannot return -EINVAL.
    rte_acl_classify(ctx_, data, results, n, 1);
}

} // namespace acl
