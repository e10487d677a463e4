# Sourced by scripts/demo.sh and the integration tests: a routed host-A | router |
# host-B topology in network namespaces, and helpers that start and stop the router.
# Everything created here is named with a per-run prefix and removed by topo_down.

topo_prefix="gdr$$"
NS_A="${topo_prefix}-a"
NS_R="${topo_prefix}-r"
NS_B="${topo_prefix}-b"
ROUTER_PID=""

# Two subnets: host A 10.77.1.1/24 (gateway 10.77.1.254, the router's lan0) and
# host B 10.77.2.1/24 (gateway 10.77.2.254, the router's wan0). The router's
# DPDK ports are af_packet vdevs on gdr-lan and gdr-wan, which carry no address
# in the router's kernel; its addresses live on the TAP twins lan0 and wan0.
topo_up() {
  ip netns add "$NS_A" && ip netns add "$NS_R" && ip netns add "$NS_B" || return 1
  ip link add gdr-lan netns "$NS_R" type veth peer name eth0 netns "$NS_A" || return 1
  ip link add gdr-wan netns "$NS_R" type veth peer name eth0 netns "$NS_B" || return 1
  local ns
  for ns in "$NS_A" "$NS_R" "$NS_B"; do
    ip -n "$ns" link set lo up
    # Quiet links: no IPv6 autoconfiguration chatter in the counters.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  ip -n "$NS_A" addr add 10.77.1.1/24 dev eth0
  ip -n "$NS_B" addr add 10.77.2.1/24 dev eth0
  ip -n "$NS_A" link set eth0 up
  ip -n "$NS_B" link set eth0 up
  ip -n "$NS_A" route add default via 10.77.1.254
  ip -n "$NS_B" route add default via 10.77.2.254
  ip -n "$NS_R" link set gdr-lan up
  ip -n "$NS_R" link set gdr-wan up
  # The af_packet ports belong to DPDK, as a vfio-bound NIC would: the router's
  # kernel must not answer on them too (it would, for the addresses on its TAP
  # twins). af_packet still sees every frame; the kernel ignores ARP on them
  # (NOARP) and drops IPv4 by strict reverse-path filtering, since its routes
  # to the hosts point at the TAPs.
  local dev
  for dev in gdr-lan gdr-wan; do
    ip -n "$NS_R" link set "$dev" arp off
    ip netns exec "$NS_R" sysctl -qw "net.ipv4.conf.$dev.rp_filter=1"
  done
  # veth leaves checksums to offload; af_packet must see complete ones.
  ip netns exec "$NS_A" ethtool -K eth0 tx off rx off tso off gso off gro off >/dev/null 2>&1
  ip netns exec "$NS_B" ethtool -K eth0 tx off rx off tso off gso off gro off >/dev/null 2>&1
  ip netns exec "$NS_R" ethtool -K gdr-lan tx off rx off tso off gso off gro off >/dev/null 2>&1
  ip netns exec "$NS_R" ethtool -K gdr-wan tx off rx off tso off gso off gro off >/dev/null 2>&1
  return 0
}

# router_start LOG ARGS...: starts $GDOI_ROUTER in the router namespace, waits until
# it reports "ready" (or exits), and leaves its PID in ROUTER_PID.
router_start() {
  local log="$1"; shift
  ip netns exec "$NS_R" "$GDOI_ROUTER" "$@" >"$log" 2>&1 &
  ROUTER_PID=$!
  local i
  for i in $(seq 1 200); do
    grep -q '^ready' "$log" 2>/dev/null && return 0
    kill -0 "$ROUTER_PID" 2>/dev/null || { wait "$ROUTER_PID"; ROUTER_PID=""; return 1; }
    sleep 0.1
  done
  return 1
}

# router_stop: SIGTERM, then waits. Sets STOP_RC (exit code) and STOP_MS (milliseconds).
# Runs in the calling shell: only it can wait for the router it started.
router_stop() {
  STOP_RC=none
  STOP_MS=0
  [ -n "$ROUTER_PID" ] || return 0
  local t0 t1
  t0=$(date +%s%N)
  kill -TERM "$ROUTER_PID" 2>/dev/null
  STOP_RC=0
  wait "$ROUTER_PID" || STOP_RC=$?
  t1=$(date +%s%N)
  ROUTER_PID=""
  STOP_MS=$(( (t1 - t0) / 1000000 ))
}

topo_down() {
  if [ -n "$ROUTER_PID" ]; then
    kill -KILL "$ROUTER_PID" 2>/dev/null
    wait "$ROUTER_PID" 2>/dev/null
    ROUTER_PID=""
  fi
  local ns
  for ns in "$NS_A" "$NS_R" "$NS_B"; do
    ip netns del "$ns" 2>/dev/null
  done
  return 0
}
