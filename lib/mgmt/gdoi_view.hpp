// What management reads from the GDOI side of the daemon: the key server and the
// group members, read-only. The app implements it (app::gdoi_node), so lib/mgmt
// needs no socket or app code; tests implement it over in-process protocol objects.
#pragma once

#include "gdoi/gm.hpp"
#include "gdoi/ks.hpp"

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

// What the GDOI commands that change state act on (clear ks members, ipsec direction):
// the same objects, writable, on the control thread. The app implements it too.
class gdoi_control {
public:
    virtual ~gdoi_control() = default;
    // nullptr when this box is no key server.
    virtual gdoi::ks* writable_key_server() = 0;
    // The group member of `group`, nullptr when this box is none.
    virtual gdoi::gm* writable_member(std::string_view group) = 0;
};

} // namespace mgmt
