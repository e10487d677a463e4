// Every counter the service can read, in the Prometheus text exposition format
// (GET /metrics). Labels: port, lcore (and worker); group and key_server on the
// GDOI samples that service::add_metrics_source() brings in.
#pragma once

#include "mgmt/service.hpp"

#include <string>

namespace mgmt {

std::string prometheus_metrics(const service& svc);

} // namespace mgmt
