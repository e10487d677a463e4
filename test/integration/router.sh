#!/usr/bin/env bash
# Integration: the IPv4 router data plane in network namespaces. Host A
# (10.77.1.1) -- lan0 [router on af_packet ports] wan0 -- host B (10.77.2.1):
# forwarding with ARP, UDP and TCP intact, ICMP errors, fragmentation, the TAP
# exception path (ping, tcpdump, UDP 848 to a kernel socket), drop counters.
# $1: the router_node program (fastpath::runtime from command-line options).
set -u
. "$GDOI_SOURCE_ROOT/test/support/scenario.sh"
. "$GDOI_SOURCE_ROOT/test/support/netns.sh"
GDOI_ROUTER="$1"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'topo_down; rm -rf "$work"' EXIT
log="$work/router.log"

# counter NAME: its value in the router's latest "counters:" line (0 if absent).
counter() {
  local v
  v=$(grep '^counters:' "$log" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p")
  echo "${v:-0}"
}
# fresh_counters: waits for a stats line printed after now.
fresh_counters() {
  local n
  n=$(grep -c '^counters:' "$log")
  for _ in $(seq 1 30); do
    [ "$(grep -c '^counters:' "$log")" -gt "$n" ] && return 0
    sleep 0.1
  done
  return 1
}
in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }
in_r() { ip netns exec "$NS_R" "$@"; }

topo_up || { fail "topology could not be created"; scenario_exit; }
# The wan segment has a 1400-byte MTU (the router's wan0 gets it from --port).
ip -n "$NS_B" link set eth0 mtu 1400

scenario "the router starts on two af_packet ports with TAP twins addressed like them"
if router_start "$log" --port "lan0=net_af_packet0,iface=gdr-lan@10.77.1.254/24" \
    --port "wan0=net_af_packet1,iface=gdr-wan@10.77.2.254/24/mtu=1400" \
    --route 10.88.0.0/16,10.77.2.1 --stats-interval 1; then
  addrs="$(ip -n "$NS_R" -4 -o addr show lan0) $(ip -n "$NS_R" -4 -o addr show wan0)"
  mtu=$(ip -n "$NS_R" -o link show wan0 | sed -nE 's/.* mtu ([0-9]+) .*/\1/p')
  # The static route is the kernel's too, for its own traffic.
  kroute=$(ip -n "$NS_R" -4 route show 10.88.0.0/16)
  check "addresses: $addrs, wan0 mtu $mtu, kernel route: $kroute" test -n "$(grep -F 10.77.1.254/24 <<<"$addrs")" \
    -a -n "$(grep -F 10.77.2.254/24 <<<"$addrs")" -a "$mtu" = 1400 -a -n "$(grep 'via 10.77.2.1 dev wan0' <<<"$kroute")"
else
  fail "did not start: $(tail -5 "$log")"
  scenario_exit
fi

scenario "host A pings host B through the router, which resolved both hosts by ARP"
in_a ping -c 3 -i 0.2 -W 2 10.77.2.1 >"$work/ping" 2>&1; prc=$?
fresh_counters
check "ping rc=$prc: $(tail -n 2 "$work/ping"); $(grep '^stats:' "$log" | tail -n 1)" \
  test "$prc" -eq 0 -a "$(counter forwarded)" -ge 4 -a "$(counter arp_learned)" -ge 2

scenario "a UDP stream from A arrives at B intact"
in_b "$PY" "$GDOI_SOURCE_ROOT/test/support/udp_stream.py" recv 10.77.2.1 5001 50 >"$work/udp.out" 2>&1 &
udp_pid=$!
sleep 0.5
sent=$(in_a "$PY" "$GDOI_SOURCE_ROOT/test/support/udp_stream.py" send 10.77.2.1 5001 50 1200)
wait "$udp_pid"
check "sent: $sent, received: $(cat "$work/udp.out")" test "$sent" = "$(cat "$work/udp.out")"

scenario "a 2 MB TCP transfer from A to B arrives intact (PMTU discovery over the 1400-byte wan)"
in_b "$PY" - >"$work/tcp.out" 2>&1 <<'PYEOF' &
import hashlib, socket
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("10.77.2.1", 5002))
l.listen(1)
l.settimeout(20)
c, _ = l.accept()
c.settimeout(20)
h, n = hashlib.sha256(), 0
while True:
    d = c.recv(65536)
    if not d:
        break
    h.update(d)
    n += len(d)
print(n, h.hexdigest())
PYEOF
tcp_pid=$!
sleep 0.5
sent=$(in_a "$PY" - <<'PYEOF'
import hashlib, random, socket
random.seed(11)
data = random.randbytes(2 * 1024 * 1024)
s = socket.create_connection(("10.77.2.1", 5002), timeout=20)
s.sendall(data)
s.close()
print(len(data), hashlib.sha256(data).hexdigest())
PYEOF
)
wait "$tcp_pid"
check "sent: $sent, received: $(cat "$work/tcp.out")" test -n "$sent" -a "$sent" = "$(cat "$work/tcp.out")"

scenario "ping with TTL 1 gets time exceeded from 10.77.1.254"
in_a ping -c 1 -t 1 -W 2 10.77.2.1 >"$work/ttl" 2>&1
check "$(cat "$work/ttl")" grep -q 'From 10.77.1.254 .*Time to live exceeded' "$work/ttl"

scenario "ping to an unrouted address gets destination net unreachable from 10.77.1.254"
in_a ping -c 1 -W 2 192.0.2.1 >"$work/unreach" 2>&1
check "$(cat "$work/unreach")" grep -q 'From 10.77.1.254 .*Destination Net Unreachable' "$work/unreach"

scenario "a DF packet bigger than the wan MTU gets fragmentation needed with mtu 1400"
# Forget the path MTU the TCP transfer learnt, so that ping sends 1478 bytes.
in_a ip route flush cache
in_a ping -c 1 -W 2 -M do -s 1450 10.77.2.1 >"$work/df" 2>&1
check "$(cat "$work/df")" grep -q 'From 10.77.1.254 .*Frag needed.*mtu = 1400' "$work/df"

scenario "without DF the same size is fragmented by the router and answered"
in_a ping -c 2 -i 0.2 -W 2 -M dont -s 1450 10.77.2.1 >"$work/frag" 2>&1; frc=$?
fresh_counters
check "rc=$frc: $(tail -n 2 "$work/frag"), fragmented=$(counter fragmented)" \
  test "$frc" -eq 0 -a "$(counter fragmented)" -ge 2

scenario "ping to the router's own addresses is answered by the kernel through the TAP, and tcpdump sees it"
in_r timeout 8 tcpdump -l -n -i lan0 -c 2 icmp >"$work/tcpdump" 2>/dev/null &
dump_pid=$!
sleep 1
in_a ping -c 2 -i 0.2 -W 2 10.77.1.254 >"$work/own" 2>&1; orc=$?
in_a ping -c 1 -W 2 10.77.2.254 >>"$work/own" 2>&1; orc2=$?
wait "$dump_pid"
check "rc=$orc/$orc2: $(cat "$work/own"); tcpdump: $(cat "$work/tcpdump")" test "$orc" -eq 0 -a "$orc2" -eq 0 \
  -a -z "$(grep DUP "$work/own")" -a -n "$(grep 'ICMP echo request' "$work/tcpdump")" \
  -a -n "$(grep 'ICMP echo reply' "$work/tcpdump")"

scenario "a kernel UDP socket on 10.77.2.254:848 exchanges datagrams with host B through the DPDK port"
in_r "$PY" - >"$work/gdoi.out" 2>&1 <<'PYEOF' &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.2.254", 848))
s.settimeout(5)
data, peer = s.recvfrom(2000)
s.sendto(b"ack:" + data, peer)
print("got", data.decode(), "from", peer[0])
PYEOF
gdoi_pid=$!
sleep 0.5
reply=$(in_b "$PY" - <<'PYEOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.2.1", 848))
s.settimeout(5)
s.sendto(b"gdoi-hello", ("10.77.2.254", 848))
print(s.recvfrom(2000)[0].decode())
PYEOF
)
wait "$gdoi_pid"
check "reply: $reply, router side: $(cat "$work/gdoi.out")" test "$reply" = "ack:gdoi-hello"

scenario "a bad IPv4 header checksum and an unanswered neighbour are counted"
mac=$(ip -n "$NS_A" neigh show 10.77.1.254 | sed -nE 's/.* lladdr ([0-9a-f:]+).*/\1/p')
in_a "$PY" - "$mac" >/dev/null 2>&1 <<'PYEOF'
import sys
from scapy.all import Ether, IP, UDP, sendp
sendp(Ether(dst=sys.argv[1]) / IP(src="10.77.1.1", dst="10.77.2.1", chksum=0x1234) / UDP(dport=9), iface="eth0", verbose=False)
PYEOF
in_a ping -c 1 -W 1 10.77.2.99 >/dev/null 2>&1
sleep 3.5
fresh_counters
check "mac=$mac bad_ip=$(counter bad_ip) arp_failed=$(counter arp_failed)" \
  test -n "$mac" -a "$(counter bad_ip)" -ge 1 -a "$(counter arp_failed)" -ge 1

scenario "each provoked drop reason has its own counter"
check "$(grep '^counters:' "$log" | tail -n 1)" test "$(counter ttl_exceeded)" -ge 1 -a "$(counter no_route)" -ge 1 \
  -a "$(counter mtu_exceeded)" -ge 1 -a "$(counter icmp_sent)" -ge 3 -a "$(counter tap_tx)" -ge 3 \
  -a "$(counter tap_rx)" -ge 3 -a "$(grep '^stats:' "$log" | tail -n 1 | grep -c 'no_route')" -eq 1

scenario "SIGTERM stops the router with exit 0 and removes the TAP twins"
router_stop
check "rc=$STOP_RC after ${STOP_MS} ms, links: $(ip -n "$NS_R" -o link show | cut -d: -f2 | tr -d '\n')" \
  test "$STOP_RC" = 0 -a -z "$(ip -n "$NS_R" -o link show lan0 2>/dev/null)"

scenario_exit
