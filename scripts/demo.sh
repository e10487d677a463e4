#!/usr/bin/env bash
# The main job on a fresh machine: build gdoi-router and gdoictl; run a key server
# on host B and a group member that routes between host A and host B on two DPDK
# ports (net_af_packet) in network namespaces; show the member registering over
# UDP 848 through its DPDK port, traffic crossing the router, the port and lcore
# counters rising (read live with gdoictl), and tear everything down.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (network namespaces and DPDK need it)" >&2; exit 2; }
scripts/install-deps.sh

echo "== building"
[ -f build/build.ninja ] || meson setup build -Dwerror=true >/dev/null
ninja -C build app/gdoi-router/gdoi-router app/gdoictl/gdoictl >/dev/null
GDOI_ROUTER="$PWD/build/app/gdoi-router/gdoi-router"
GDOICTL="$PWD/build/app/gdoictl/gdoictl"

. test/support/netns.sh
work=$(mktemp -d /tmp/gdoi-demo.XXXXXX)
log="$work/gm.log"
ks_pid=""
trap '[ -n "$ks_pid" ] && kill "$ks_pid" 2>/dev/null; topo_down; rm -rf "$work"' EXIT

echo "== topology: host A 10.77.1.1 ($NS_A) -- lan0 [gdoi-router ($NS_R)] wan0 -- host B 10.77.2.1 ($NS_B)"
topo_up
config=docs/examples/gm-2port.cfg
"$GDOI_ROUTER" --check-config docs/examples/ks-hostb.cfg
"$GDOI_ROUTER" --check-config "$config"

echo "== key server on host B: gdoi-router --config docs/examples/ks-hostb.cfg (kernel sockets, no DPDK)"
ip netns exec "$NS_B" "$GDOI_ROUTER" --config docs/examples/ks-hostb.cfg --state-dir "$work/ks-state" \
  --mgmt-socket "$work/ks.sock" >"$work/ks.log" 2>&1 &
ks_pid=$!
for _ in $(seq 1 100); do grep -q '^ready' "$work/ks.log" && break; sleep 0.1; done
grep -q '^ready' "$work/ks.log" || { echo "demo.sh: key server did not start:" >&2; cat "$work/ks.log" >&2; exit 1; }

echo "== group member in the router namespace: gdoi-router --config $config"
if ! router_start "$log" --config "$config" --stats-interval 1 --mgmt-socket "$work/gm.sock"; then
  echo "demo.sh: gdoi-router did not start:" >&2
  cat "$log" >&2
  exit 1
fi
sed -n '1,/^ready/p' "$log"
for _ in $(seq 1 100); do grep -q 'GM_REGS_COMPL' "$log" && break; sleep 0.1; done
echo "== registration (group member, then key server):"
grep -E 'GM_REGSTER|GM_REGS_COMPL|GM_INSTALL' "$log" || { echo "demo.sh: the member did not register" >&2; exit 1; }
grep -E 'KS_FIRST_GM|KS_REGS_COMPL' "$work/ks.log"
sleep 1.2
before=$(grep '^stats:' "$log" | tail -n 1)
echo "== counters before: $before"

echo "== the router's TAP twins in its namespace (the kernel side of the exception path)"
ip -n "$NS_R" -br addr show dev lan0 || true
ip -n "$NS_R" -br addr show dev wan0 || true

echo "== host A pings host B through the router (ARP resolved by the router)"
ip netns exec "$NS_A" ping -c 10 -i 0.1 -W 1 10.77.2.1 | tail -n 2
echo "== host A pings the router's lan0 address (answered by the kernel through the TAP)"
ip netns exec "$NS_A" ping -c 3 -i 0.2 -W 1 10.77.1.254 | tail -n 2 || echo "(no replies)"
sleep 1.2
after=$(grep '^stats:' "$log" | tail -n 1)
echo "== counters after:  $after"
echo "== gdoictl show interfaces (live, over the member's REST socket)"
"$GDOICTL" --socket "$work/gm.sock" show interfaces

router_stop; rc=$STOP_RC; ms=$STOP_MS
kill "$ks_pid"; wait "$ks_pid" || true; ks_pid=""
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
