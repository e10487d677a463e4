#!/usr/bin/env bash
# The main job on a fresh machine: build gdoi-router, run it as an IPv4 router on
# two DPDK ports (net_af_packet) between two hosts' subnets in network namespaces,
# send traffic through it, show the port and lcore counters rising, and tear
# everything down.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (network namespaces and DPDK need it)" >&2; exit 2; }
scripts/install-deps.sh

echo "== building"
[ -f build/build.ninja ] || meson setup build -Dwerror=true >/dev/null
ninja -C build app/gdoi-router/gdoi-router >/dev/null
GDOI_ROUTER="$PWD/build/app/gdoi-router/gdoi-router"

. test/support/netns.sh
log=$(mktemp /tmp/gdoi-demo.XXXXXX.log)
trap 'topo_down; rm -f "$log"' EXIT

echo "== topology: host A 10.77.1.1 ($NS_A) -- lan0 [gdoi-router ($NS_R)] wan0 -- host B 10.77.2.1 ($NS_B)"
topo_up
config=docs/examples/router-2port.cfg
"$GDOI_ROUTER" --check-config "$config"

echo "== starting gdoi-router --config $config"
if ! router_start "$log" --config "$config" --stats-interval 1; then
  echo "demo.sh: gdoi-router did not start:" >&2
  cat "$log" >&2
  exit 1
fi
sed -n '1,/^ready/p' "$log"
sleep 1.2
before=$(grep '^stats:' "$log" | tail -n 1)
echo "== counters before: $before"

echo "== the router's TAP twins in its namespace (the kernel side of the exception path)"
ip -n "$NS_R" -br addr show dev lan0 || true
ip -n "$NS_R" -br addr show dev wan0 || true

echo "== host A pings host B through the router (ARP resolved by the router)"
ip netns exec "$NS_A" ping -c 10 -i 0.1 -W 1 10.77.2.1 | tail -n 2 || echo "(no replies)"
echo "== host A pings the router's lan0 address (answered by the kernel through the TAP)"
ip netns exec "$NS_A" ping -c 3 -i 0.2 -W 1 10.77.1.254 | tail -n 2 || echo "(no replies)"
sleep 1.2
after=$(grep '^stats:' "$log" | tail -n 1)
echo "== counters after:  $after"

router_stop; rc=$STOP_RC; ms=$STOP_MS
echo "== gdoi-router stopped with exit code $rc after SIGTERM in ${ms} ms"
grep -E '^(final|stopped)' "$log" || true

# The demo fails loudly if nothing moved.
rx_before=$(sed -E 's/.* w0@lcore[0-9]+ rx ([0-9]+) .*/\1/' <<<"$before")
rx_after=$(sed -E 's/.* w0@lcore[0-9]+ rx ([0-9]+) .*/\1/' <<<"$after")
if [ "$rc" -ne 0 ] || [ "${rx_after:-0}" -le "${rx_before:-0}" ]; then
  echo "demo.sh: FAILED (exit $rc, worker rx $rx_before -> $rx_after)" >&2
  exit 1
fi
echo "== demo OK: worker lcore rx rose from $rx_before to $rx_after packets"
