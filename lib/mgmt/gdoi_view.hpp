// What management reads from the GDOI side of the daemon: the key server and the
// group members, read-only. The app implements it (app::gdoi_node), so lib/mgmt
// needs no socket or app code; tests implement it over in-process protocol objects.
#pragma once

#include "gdoi/gm.hpp"
#include "gdoi/ks.hpp"

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

} // namespace mgmt
