#!/usr/bin/env bash
# Integration: gdoi-router's command line, --check-config on the seed configurations,
# and a real boot on two af_packet DPDK ports routing between two hosts' subnets in
# network namespaces (test/support/netns.sh; the routing itself: test/integration/router.sh).
set -u
. "$GDOI_SOURCE_ROOT/test/support/scenario.sh"
. "$GDOI_SOURCE_ROOT/test/support/netns.sh"
GDOI_ROUTER="$GDOI_BUILD_ROOT/app/gdoi-router/gdoi-router"
data="$GDOI_SOURCE_ROOT/test/data/configs"
work=$(mktemp -d)
trap 'topo_down; rm -rf "$work"' EXIT

scenario "an unknown option exits 2 with one line"
"$GDOI_ROUTER" --bogus >"$work/out" 2>"$work/err"; rc=$?
check "rc=$rc, stderr: $(cat "$work/err")" test "$rc" -eq 2 -a "$(wc -l <"$work/err")" -eq 1 -a ! -s "$work/out"

scenario "a missing configuration file exits 2 naming the file"
"$GDOI_ROUTER" --config "$work/nope.cfg" 2>"$work/err"; rc=$?
check "rc=$rc, stderr: $(cat "$work/err")" test "$rc" -eq 2 -a "$(wc -l <"$work/err")" -eq 1 \
  -a -n "$(grep -F "$work/nope.cfg" "$work/err")"

scenario "--check-config accepts every seed example configuration as pasted"
bad=""
n=0
for f in "$data"/seed*.cfg; do
  case "$f" in *unsupported*) continue ;; esac
  n=$((n + 1))
  "$GDOI_ROUTER" --check-config "$f" >"$work/out" 2>&1 || bad="$bad $(basename "$f")"
done
check "rejected:$bad (of $n)" test -z "$bad" -a "$n" -gt 0

scenario "--check-config lists the harmless lines it keeps as warnings with line numbers"
"$GDOI_ROUTER" --check-config "$data/seed000-ks1.cfg" >"$work/out" 2>&1
check "output: $(head -5 "$work/out")" grep -qE ':[0-9]+: warning: .*hostname KS1' "$work/out"

scenario "a typo in crypto gdoi group exits 2 with its line number"
"$GDOI_ROUTER" --check-config "$data/bad-typo-gdoi.cfg" >"$work/out" 2>&1; rc=$?
line=$(grep -n 'identiy' "$data/bad-typo-gdoi.cfg" | cut -d: -f1)
check "rc=$rc, line=$line, output: $(cat "$work/out")" test "$rc" -eq 2 -a -n "$(grep -E ":$line: error" "$work/out")"

scenario "a group member whose crypto-map interface has no DPDK port does not start"
"$GDOI_ROUTER" --config "$data/seed003-gm1.cfg" >"$work/out" 2>&1; rc=$?
check "rc=$rc, output: $(cat "$work/out")" test "$rc" -eq 2 -a -n "$(grep -i 'dpdk-port' "$work/out")"

# --- a real boot in network namespaces
topo_up || { fail "topology could not be created"; scenario_exit; }
cp "$GDOI_SOURCE_ROOT/docs/examples/router-2port.cfg" "$work/router.cfg"

scenario "boots on two af_packet ports, says it runs without hugepages, and reports ready"
if router_start "$work/router.log" --config "$work/router.cfg" --stats-interval 1; then
  if grep -q HugePages_Total:\ *0 /proc/meminfo || ! grep -q hugetlbfs /proc/mounts; then
    check "log: $(head -5 "$work/router.log")" grep -q 'no-huge' "$work/router.log"
  else
    pass
  fi
else
  fail "did not start: $(tail -5 "$work/router.log")"
fi

scenario "host A's traffic towards host B reaches the worker, its ARP reaches the kernel through the lan0 TAP twin"
ip netns exec "$NS_A" ping -c 5 -i 0.2 -W 1 10.77.2.1 >"$work/ping" 2>&1
sleep 1.3
last=$(grep '^stats:' "$work/router.log" | tail -n 1)
rx=$(sed -nE 's/.* w0@lcore[0-9]+ rx ([0-9]+) .*/\1/p' <<<"$last")
# What the worker punts is written to the TAP: the kernel counts it as lan0's RX.
to_kernel=$(ip netns exec "$NS_R" cat /sys/class/net/lan0/statistics/rx_packets 2>/dev/null)
check "stats: $last, lan0 TAP packets to the kernel: ${to_kernel:-none}" test "${rx:-0}" -ge 2 -a "${to_kernel:-0}" -ge 1

scenario "SIGTERM stops it with exit 0 within one second, leaving no process behind"
router_stop; rc=$STOP_RC; ms=$STOP_MS
left=$(pgrep -f "$work/router.cfg" || true)
check "rc=$rc after ${ms} ms, left: $left" test "$rc" = 0 -a "$ms" -lt 1000 -a -z "$left"

scenario "a key-server-only configuration runs without starting DPDK"
if router_start "$work/ks.log" --config "$data/seed003-ks1.cfg" --state-dir "$work/state"; then
  router_stop; rc=$STOP_RC; ms=$STOP_MS
  check "rc=$rc, log: $(cat "$work/ks.log")" test "$rc" = 0 -a -z "$(grep -i 'EAL' "$work/ks.log")"
else
  fail "did not start: $(cat "$work/ks.log")"
fi

scenario_exit
