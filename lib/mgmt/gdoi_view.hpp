// What management reads from the GDOI side of the daemon: the key server and the
// group members, read-only. The app implements it (app::gdoi_node), so lib/mgmt
// needs no socket or app code; tests implement it over in-process protocol objects.
#pragma once

#include "gdoi/gm.hpp"
#include "gdoi/ks.hpp"
#include "mgmt/config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mgmt {

class gdoi_view {
public:
    virtual ~gdoi_view() = default;
    // nullptr when this box is no key server.
    virtual const gdoi::ks* key_server() const = 0;
    // One per `crypto gdoi group` with a client (GM) role, in configuration order.
    virtual std::vector<const gdoi::gm*> members() const = 0;
};

// What `clear crypto gdoi [group G]` did.
struct clear_outcome {
    std::string error;                   // set: nothing was changed
    std::vector<std::string> ks_groups;  // key-server groups started again (or removed)
    std::vector<std::string> gm_groups;  // members that dropped their keys and register again
    std::vector<std::string> gm_stopped; // members the configuration no longer has
};

// What the GDOI commands that change state act on (clear ks members, ipsec direction):
// the same objects, writable, on the control thread. The app implements it too.
class gdoi_control {
public:
    virtual ~gdoi_control() = default;
    // nullptr when this box is no key server.
    virtual gdoi::ks* writable_key_server() = 0;
    // The group member of `group`, nullptr when this box is none.
    virtual gdoi::gm* writable_member(std::string_view group) = 0;
    // `clear crypto gdoi [group G]` (every group when empty), as on IOS the way a
    // configuration change takes effect: the key server's groups start again from
    // `running` (new keys, no members) and the members drop their SAs and register
    // again with `running`'s settings. An unknown group or a configuration GDOI
    // cannot carry changes nothing.
    virtual clear_outcome clear_groups(const config& running, std::string_view group) = 0;
};

} // namespace mgmt
