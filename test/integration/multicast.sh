#!/usr/bin/env bash
# Integration: multicast across the GET VPN. Host A 10.77.1.1 -- GM1 -- wan --
# GM2 -- host B 10.77.3.1 (test/support/netns2.sh), both members with
# `ip multicast-routing`, GM1 forwarding 239.1.1.1 out of wan0 and GM2 out of
# lan0, with a manual group SA whose policy permits the group. Checks: a UDP
# stream from A to 239.1.1.1 reaches B (joined) whole and in order; the wan
# carries it as ESP whose outer header is host A -> 239.1.1.1; scapy decrypts a
# captured packet to the first datagram; a TTL 1 datagram stays on A's segment;
# the counters moved.
set -u
. "$GDOI_SOURCE_ROOT/test/support/scenario.sh"
. "$GDOI_SOURCE_ROOT/test/support/netns2.sh"
GDOI_ROUTER="$GDOI_BUILD_ROOT/app/gdoi-router/gdoi-router"
PY=/usr/bin/python3
STREAM="$GDOI_SOURCE_ROOT/test/support/udp_stream.py"
work=$(mktemp -d)
cap_pid=""
trap topo2_cleanup EXIT

GROUP=239.1.1.1
SPI=0x1000
KEY=00112233445566778899aabbccddeeff  # AES-128
SALT=c0ffee01                         # RFC 4106 salt

# gm_config N GROUP_ON: GM N's configuration (N is also its sender ID); GROUP_ON is
# the interface (lan0 or wan0) that the group is forwarded out of.
gm_config() {
  local static=" ip igmp static-group $GROUP" wan=" crypto map cm" lan=""
  if [ "$2" = wan0 ]; then wan="$static
$wan"; else lan=$static; fi
  cat <<CFG
dataplane
 workers 1
!
ip multicast-routing
!
crypto gdoi group G1
 identity number 1
crypto gdoi manual-sa group G1 spi $SPI transform esp-gcm 128 key 0x$KEY$SALT sender-id $1 match address getvpn
!
crypto map cm 10 gdoi
 set group G1
!
$(site_ports "$1" "$wan" "$lan")
!
ip access-list extended getvpn
 permit ip 10.77.0.0 0.0.255.255 10.77.0.0 0.0.255.255
 permit ip 10.77.0.0 0.0.255.255 239.0.0.0 0.255.255.255
end
CFG
}


gm_config 1 wan0 >"$work/gm1.cfg"
gm_config 2 lan0 >"$work/gm2.cfg"
topo2_up || { fail "topology could not be created"; scenario_exit; }

scenario "both multicast configurations pass --check-config without multicast warnings"
"$GDOI_ROUTER" --check-config "$work/gm1.cfg" >"$work/chk" 2>&1 && "$GDOI_ROUTER" --check-config "$work/gm2.cfg" >>"$work/chk" 2>&1
check "$(cat "$work/chk")" test $? -eq 0 -a -z "$(grep -i 'igmp\|multicast' "$work/chk")"

scenario "both group members start"
GM1_PID=$(gm_start "$NS_G1" "$work/gm1.log" --config "$work/gm1.cfg" --mgmt-socket none --stats-interval 1)
GM2_PID=$(gm_start "$NS_G2" "$work/gm2.log" --config "$work/gm2.cfg" --mgmt-socket none --stats-interval 1)
if [ -n "$GM1_PID" ] && [ -n "$GM2_PID" ]; then
  pass
else
  fail "did not start: $(tail -5 "$work/gm1.log") / $(tail -5 "$work/gm2.log")"
  scenario_exit
fi

ip netns exec "$NS_G2" tcpdump -i g2-wan -w "$work/wan.pcap" -U >/dev/null 2>&1 &
cap_pid=$!
sleep 1

scenario "a UDP stream from host A to $GROUP reaches host B, joined to the group, intact"
in_b "$PY" "$STREAM" recv "$GROUP" 5001 50 >"$work/udp.out" 2>&1 &
udp_pid=$!
sleep 0.5
sent=$(in_a "$PY" "$STREAM" send "$GROUP" 5001 50 1000)
wait "$udp_pid"
check "sent: $sent, received: $(cat "$work/udp.out")" test "$sent" = "$(cat "$work/udp.out")"

scenario "a datagram with TTL 1 stays on host A's segment: GM1 drops it (ttl_exceeded)"
fresh_stats "$work/gm1.log"
before=$(counter "$work/gm1.log" ttl_exceeded)
in_a "$PY" - "$GROUP" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
for _ in range(3):
    s.sendto(b"ttl-one", (sys.argv[1], 5002))
PYEOF
sleep 1
fresh_stats "$work/gm1.log"
after=$(counter "$work/gm1.log" ttl_exceeded)
check "ttl_exceeded $before -> $after" test "$after" -ge $((before + 3))

# The busy-polling workers share the CPUs with tcpdump: give it time to drain.
sleep 2
kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; cap_pid=""

scenario "the wan carries the stream as ESP from host A to $GROUP (header preservation)"
tcpdump -n -r "$work/wan.pcap" 2>/dev/null >"$work/wan.txt"
n_esp=$(grep -c "10.77.1.1 > $GROUP: ESP(spi=$(printf '0x%08x' "$SPI")" "$work/wan.txt")
n_clear=$(grep -c "> $GROUP.5001: UDP" "$work/wan.txt")
check "ESP=$n_esp clear=$n_clear; $(head -3 "$work/wan.txt")" test "$n_esp" -ge 50 -a "$n_clear" -eq 0

scenario "the ESP on the wan goes to the group's Ethernet address"
tcpdump -e -n -r "$work/wan.pcap" 2>/dev/null >"$work/wan-e.txt"
check "$(grep ESP "$work/wan-e.txt" | head -2)" grep -q "> 01:00:5e:01:01:01, ethertype IPv4 .* 10.77.1.1 > $GROUP: ESP" "$work/wan-e.txt"

scenario "scapy decrypts a captured ESP packet to host A's first datagram"
dec=$("$PY" - "$work/wan.pcap" "$KEY$SALT" "$SPI" "$GROUP" <<'PYEOF' 2>&1
import random, sys
from scapy.all import rdpcap, IP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation
key, spi, group = bytes.fromhex(sys.argv[2]), int(sys.argv[3], 16), sys.argv[4]
random.seed(7)  # udp_stream.py's payloads
first = bytes(random.getrandbits(8) for _ in range(1000))
sa = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=key,
                         tunnel_header=IP(src="10.77.1.1", dst=group))
for p in rdpcap(sys.argv[1]):
    if IP in p and p[IP].proto == 50 and p[IP].dst == group:
        inner = sa.decrypt(p[IP])
        if UDP in inner and bytes(inner[UDP].payload) == first:
            print("decrypted", inner[IP].src, ">", inner[IP].dst, "udp", inner[UDP].dport, "ttl", inner[IP].ttl)
            break
else:
    print("no ESP packet decrypted to the first datagram")
PYEOF
)
check "$dec" grep -q "^decrypted 10.77.1.1 > $GROUP udp 5001 ttl 7" <<<"$dec"

scenario "the counters moved: GM1 forwarded and encrypted, GM2 decrypted and forwarded"
fresh_stats "$work/gm1.log"; fresh_stats "$work/gm2.log"
f1=$(counter "$work/gm1.log" mcast_forwarded); e1=$(counter "$work/gm1.log" encrypt)
f2=$(counter "$work/gm2.log" mcast_forwarded); d2=$(counter "$work/gm2.log" decrypt)
check "GM1 mcast_forwarded=$f1 encrypt=$e1, GM2 mcast_forwarded=$f2 decrypt=$d2; $(grep '^stats:' "$work/gm2.log" | tail -n 1)" \
  test "$f1" -ge 50 -a "$e1" -ge 50 -a "$f2" -ge 50 -a "$d2" -ge 50

scenario_exit
