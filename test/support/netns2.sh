# Sourced by test/integration/{crypto,multicast,seed003}.sh: a two-site GET VPN topology in network
# namespaces, every name carrying a per-run prefix, all removed by topo2_down.
#
#   host A 10.77.1.1 --- [lan0 10.77.1.254 | GM1 | wan0 10.99.0.1] ---
#       wan segment (one veth pair: g1-wan <-> g2-wan, captured on g2-wan) ---
#   [wan0 10.99.0.2 | GM2 | lan0 10.77.3.254] --- host B 10.77.3.1
#
# Each GM is a gdoi-router on two net_af_packet ports (g1-lan/g1-wan, g2-lan/g2-wan)
# whose addresses live on the TAP twins lan0 and wan0, as in test/support/netns.sh.

t2_prefix="gdc$$"
NS_HA="${t2_prefix}-ha"
NS_G1="${t2_prefix}-g1"
NS_G2="${t2_prefix}-g2"
NS_HB="${t2_prefix}-hb"
GM1_PID=""
GM2_PID=""

# quiet_veth NS DEV: no offloads (af_packet must see complete checksums).
quiet_veth() {
  ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1
  return 0
}

topo2_up() {
  local ns dev
  for ns in "$NS_HA" "$NS_G1" "$NS_G2" "$NS_HB"; do
    ip netns add "$ns" || return 1
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  ip link add g1-lan netns "$NS_G1" type veth peer name eth0 netns "$NS_HA" || return 1
  ip link add g2-lan netns "$NS_G2" type veth peer name eth0 netns "$NS_HB" || return 1
  ip link add g1-wan netns "$NS_G1" type veth peer name g2-wan netns "$NS_G2" || return 1
  ip -n "$NS_HA" addr add 10.77.1.1/24 dev eth0
  ip -n "$NS_HB" addr add 10.77.3.1/24 dev eth0
  ip -n "$NS_HA" link set eth0 up
  ip -n "$NS_HB" link set eth0 up
  ip -n "$NS_HA" route add default via 10.77.1.254
  ip -n "$NS_HB" route add default via 10.77.3.254
  quiet_veth "$NS_HA" eth0
  quiet_veth "$NS_HB" eth0
  # The GMs' af_packet ports belong to DPDK: their kernels ignore ARP on them
  # and drop IPv4 by strict reverse-path filtering (see netns.sh).
  for dev in g1-lan g1-wan; do
    ip -n "$NS_G1" link set "$dev" up
    ip -n "$NS_G1" link set "$dev" arp off
    ip netns exec "$NS_G1" sysctl -qw "net.ipv4.conf.$dev.rp_filter=1"
    quiet_veth "$NS_G1" "$dev"
  done
  for dev in g2-lan g2-wan; do
    ip -n "$NS_G2" link set "$dev" up
    ip -n "$NS_G2" link set "$dev" arp off
    ip netns exec "$NS_G2" sysctl -qw "net.ipv4.conf.$dev.rp_filter=1"
    quiet_veth "$NS_G2" "$dev"
  done
  return 0
}

# site_ports N [WAN_EXTRA [LAN_EXTRA [WAN_VDEV]]]: GM N's DPDK ports, addresses and
# route to the other site (N = 1 or 2), the platform part every two-site test config
# shares. The extra lines go under interface wan0 (crypto map, igmp, ...) and lan0;
# WAN_VDEV replaces wan0's af_packet device.
site_ports() {
  local n=$1 other=$((3 - $1))
  local wan_vdev=${4:-net_af_packet1,iface=g$n-wan,qdisc_bypass=0}
  local lan_net=$([ "$n" = 1 ] && echo 10.77.1 || echo 10.77.3)
  local far_net=$([ "$n" = 1 ] && echo 10.77.3 || echo 10.77.1)
  cat <<CFG
interface lan0
 dpdk-port vdev net_af_packet0,iface=g$n-lan
 ip address $lan_net.254 255.255.255.0
${3:-}
!
interface wan0
 dpdk-port vdev $wan_vdev
 ip address 10.99.0.$n 255.255.255.0
${2:-}
!
ip route $far_net.0 255.255.255.0 10.99.0.$other
CFG
}

# counter LOG NAME: NAME's value in the GM's latest stats line (0 if absent).
counter() {
  local v
  v=$(grep '^stats:' "$1" | tail -n 1 | grep -oE "[ (]$2 [0-9]+" | awk '{print $2}')
  echo "${v:-0}"
}
# fresh_stats LOG: waits for a stats line printed after now.
fresh_stats() {
  local n
  n=$(grep -c '^stats:' "$1")
  for _ in $(seq 1 30); do
    [ "$(grep -c '^stats:' "$1")" -gt "$n" ] && return 0
    sleep 0.1
  done
  return 1
}
in_a() { ip netns exec "$NS_HA" "$@"; }
in_b() { ip netns exec "$NS_HB" "$@"; }

# gm_start NS LOG ARGS...: starts gdoi-router ($GDOI_ROUTER) in NS and waits for
# "ready"; prints the PID on success.
gm_start() {
  local ns="$1" log="$2"; shift 2
  ip netns exec "$ns" "$GDOI_ROUTER" "$@" >"$log" 2>&1 &
  local pid=$! i
  for i in $(seq 1 200); do
    if grep -q '^ready' "$log" 2>/dev/null; then
      echo "$pid"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# gm_stop PID: SIGTERM and wait (the caller's shell started it through gm_start's
# background job, so wait on the PID may not apply; poll instead).
gm_stop() {
  local pid="$1" i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  return 0
}

topo2_down() {
  gm_stop "$GM1_PID"
  gm_stop "$GM2_PID"
  GM1_PID=""
  GM2_PID=""
  local ns
  for ns in "$NS_HA" "$NS_G1" "$NS_G2" "$NS_HB"; do
    ip netns del "$ns" 2>/dev/null
  done
  return 0
}

# topo2_cleanup: the EXIT trap of the two-site scripts. Stops the capture
# ($cap_pid) and key server ($ks_pid) they started, if any, takes the topology
# down and removes $work (kept with KEEP_WORK=1).
topo2_cleanup() {
  [ -n "${cap_pid:-}" ] && kill "$cap_pid" 2>/dev/null
  [ -n "${ks_pid:-}" ] && kill "$ks_pid" 2>/dev/null && wait "$ks_pid" 2>/dev/null
  topo2_down
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
