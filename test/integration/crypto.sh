#!/usr/bin/env bash
# Integration: site-to-site GET VPN encryption through two group members with
# manual group SAs (crypto gdoi manual-sa, a test aid). Host A 10.77.1.1 -- GM1
# -- wan segment -- GM2 -- host B 10.77.3.1 (test/support/netns2.sh). Checks:
# ping and a UDP stream arrive; the wan carries ESP whose outer addresses are
# the hosts' (header preservation); scapy decrypts a captured packet to the
# original ICMP; a local deny crosses in clear; clear traffic that should be
# encrypted is dropped; the encrypt/decrypt/bypass/policy_drop counters move;
# last, GM2 restarts with its wan on net_pcap, and ESP that scapy fragments after
# encryption is reassembled by GM2 and reaches host B.
# With the argument ks-keyed the same checks run with keys from a real key server
# on host B (GDOI registration of both members through the routed network)
# instead of the manual SA; the SPI and key for scapy then come from --keylog.
# GM1 then has fail-close activated and starts before the key server: A's ping is
# dropped (fail_close_drop) while the fail-close ACL's TCP port crosses in clear,
# until registration. Both modes also carry a 1 MB TCP transfer, and compare
# GM1's `show crypto gdoi gm dataplane counters` with its /metrics.
set -u
keying=${1:-manual}
[ "$keying" = ks-keyed ] && SCENARIO_NAME=ks-keyed
. "$GDOI_SOURCE_ROOT/test/support/scenario.sh"
. "$GDOI_SOURCE_ROOT/test/support/netns2.sh"
GDOI_ROUTER="$GDOI_BUILD_ROOT/app/gdoi-router/gdoi-router"
PY=/usr/bin/python3
work=$(mktemp -d)
cap_pid=""
ks_pid=""
trap topo2_cleanup EXIT

SPI=0x1000
KEY=00112233445566778899aabbccddeeff  # AES-128
SALT=c0ffee01                         # RFC 4106 salt: the key's last 4 bytes

# The group's keying: a manual SA, or registration to the key server on host B.
keying_lines() {
  if [ "$keying" = ks-keyed ]; then
    cat <<CFG
crypto isakmp policy 10
 encr aes 256
 hash sha256
 authentication pre-share
 group 19
crypto isakmp key s3cret address 10.77.3.1
crypto gdoi group G1
 identity number 1
 server address ipv4 10.77.3.1
CFG
  else
    cat <<CFG
crypto gdoi group G1
 identity number 1
crypto gdoi manual-sa group G1 spi $SPI transform esp-gcm 128 key 0x$KEY$SALT sender-id $1 match address getvpn
CFG
  fi
}

# fail_close_lines: GM1's fail-close (ks-keyed only): TCP to port 7777 passes in clear.
fail_close_lines() {
  [ "$keying" = ks-keyed ] || return 0
  cat <<CFG
crypto map cm gdoi fail-close
 match address fail-close-acl
 activate
ip access-list extended fail-close-acl
 deny tcp any any eq 7777
CFG
}

# gm_config N [EXTRA_LINES [WAN_VDEV]]: GM N's configuration (N is also its manual
# sender ID); WAN_VDEV replaces wan0's af_packet device.
gm_config() {
  cat <<CFG
dataplane
 workers 1
!
$(keying_lines "$1")
!
${2:-}
crypto map cm 10 gdoi
 set group G1
 match address local-deny
!
$(site_ports "$1" " crypto map cm" "" "${3:-}")
!
ip access-list extended getvpn
 permit ip 10.77.0.0 0.0.255.255 10.77.0.0 0.0.255.255
ip access-list extended local-deny
 deny udp any any eq 5555
 deny udp any eq 5555 any
end
CFG
}


gm_config 1 "$(fail_close_lines)" >"$work/gm1.cfg"
gm_config 2 >"$work/gm2.cfg"
topo2_up || { fail "topology could not be created"; scenario_exit; }

# start_ks: the key server on host B (ks-keyed), after the fail-close checks.
start_ks() {
  scenario "the key server on host B starts"
  cat >"$work/ks.cfg" <<'CFG'
crypto isakmp policy 10
 encr aes 256
 hash sha256
 authentication pre-share
 group 19
crypto isakmp key s3cret address 0.0.0.0
crypto ipsec transform-set gcm128 esp-gcm 128
crypto ipsec profile tek
 set transform-set gcm128
crypto gdoi group G1
 identity number 1
 server local
  rekey authentication mypubkey rsa KS-REKEY
  sa ipsec 1
   profile tek
   match address ipv4 getvpn
   replay time window-size 5
  address ipv4 10.77.3.1
ip access-list extended getvpn
 permit ip 10.77.0.0 0.0.255.255 10.77.0.0 0.0.255.255
end
CFG
  ip netns exec "$NS_HB" "$GDOI_ROUTER" --config "$work/ks.cfg" --state-dir "$work/state" --mgmt-socket none \
    >"$work/ks.log" 2>&1 &
  ks_pid=$!
  for _ in $(seq 1 100); do grep -q '^ready' "$work/ks.log" && break; sleep 0.1; done
  check "$(cat "$work/ks.log")" grep -q '^ready' "$work/ks.log"
}

if [ "$keying" = ks-keyed ]; then
  keylog_args=(--keylog "$work/keys.log")
else
  scenario "both group member configurations with a manual SA pass --check-config"
  "$GDOI_ROUTER" --check-config "$work/gm1.cfg" >"$work/chk" 2>&1 && "$GDOI_ROUTER" --check-config "$work/gm2.cfg" >>"$work/chk" 2>&1
  check "$(cat "$work/chk")" test $? -eq 0 -a -n "$(grep 'test and benchmark aid' "$work/chk")"
  keylog_args=()
fi

scenario "both group members start with their keying installed ($keying)"
GM1_PID=$(gm_start "$NS_G1" "$work/gm1.log" --config "$work/gm1.cfg" --mgmt-socket "$work/gm1.sock" \
  --stats-interval 1 "${keylog_args[@]}")
GM2_PID=$(gm_start "$NS_G2" "$work/gm2.log" --config "$work/gm2.cfg" --mgmt-socket none --stats-interval 1)
if [ -n "$GM1_PID" ] && [ -n "$GM2_PID" ]; then
  check "$(grep -h REJECT "$work/gm1.log" "$work/gm2.log")" test -z "$(grep -h REJECT "$work/gm1.log" "$work/gm2.log")"
else
  fail "did not start: $(tail -5 "$work/gm1.log") / $(tail -5 "$work/gm2.log")"
  scenario_exit
fi

# tcp_send PORT BYTES: host B receives on PORT, host A sends BYTES random bytes;
# prints "SENT-SHA256 RECEIVED-SHA256" (or the error).
tcp_send() {
  in_b "$PY" - "$1" >"$work/tcp.out" 2>&1 <<'PYEOF' &
import hashlib, socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("10.77.3.1", int(sys.argv[1])))
srv.listen(1)
srv.settimeout(20)
try:
    c, _ = srv.accept()
    c.settimeout(20)
    h = hashlib.sha256()
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b)
    print(h.hexdigest())
except OSError as e:
    print("error", e)
PYEOF
  local rpid=$!
  sleep 0.5
  local sent
  sent=$(in_a "$PY" - "$1" "$2" <<'PYEOF' 2>&1
import hashlib, os, socket, sys
data = os.urandom(int(sys.argv[2]))
s = socket.create_connection(("10.77.3.1", int(sys.argv[1])), timeout=20)
s.sendall(data)
s.close()
print(hashlib.sha256(data).hexdigest())
PYEOF
)
  wait "$rpid"
  echo "$sent $(cat "$work/tcp.out")"
}

if [ "$keying" = ks-keyed ]; then
  scenario "fail-close before registration: A's ping is dropped by GM1 and counted"
  in_a ping -c 3 -i 0.3 -W 1 10.77.3.1 >"$work/fc-ping" 2>&1; fprc=$?
  fresh_stats "$work/gm1.log"
  fcd=$(counter "$work/gm1.log" fail_close_drop)
  check "ping rc=$fprc fail_close_drop=$fcd; $(grep '^stats:' "$work/gm1.log" | tail -n 1)" \
    test "$fprc" -ne 0 -a "$fcd" -ge 3

  scenario "fail-close before registration: the fail-close ACL's deny line (TCP 7777) crosses in clear"
  r=$(tcp_send 7777 20000)
  read -r fc_sent fc_got <<<"$r"
  check "$r" test -n "$fc_sent" -a "$fc_sent" = "$fc_got"

  scenario "show crypto map gdoi fail-close says it is in force"
  fco=$(ip netns exec "$NS_G1" "$GDOI_BUILD_ROOT/app/gdoictl/gdoictl" --socket "$work/gm1.sock" \
    show crypto map gdoi fail-close 2>&1)
  check "$fco" grep -q 'Fail-Close In Force for group G1: yes' <<<"$fco"

  start_ks
  scenario "both members register to the key server through the routed network"
  # They started before the key server: a retransmission of MM1 finds it.
  for _ in $(seq 1 300); do
    grep -q GM_REGS_COMPL "$work/gm1.log" && grep -q GM_REGS_COMPL "$work/gm2.log" && break
    sleep 0.1
  done
  check "$(grep -h -E 'GM_|KS_' "$work/gm1.log" "$work/gm2.log" "$work/ks.log" | tail -8)" \
    bash -c "grep -q GM_REGS_COMPL '$work/gm1.log' && grep -q GM_REGS_COMPL '$work/gm2.log'"
  # The TEK the key server handed out, from GM1's key log: SPI and key || salt.
  esp_line=$(grep -m1 'uat:esp_sa:' "$work/keys.log" || true)
  SPI=$(sed -E 's/.*"(0x[0-9a-fA-F]+)","AES-GCM.*/\1/' <<<"$esp_line")
  KEYSALT=$(sed -E 's/.*\[RFC4106\]","0x([0-9a-fA-F]+)".*/\1/' <<<"$esp_line")
else
  KEYSALT=$KEY$SALT
fi
spi_hex=$(printf '0x%08x' "$SPI")

# On GM2's end of the wan: what GM1 sent arrives from the wire, what GM2 sends
# is seen on the way out (its wan port keeps the qdisc path, qdisc_bypass=0).
ip netns exec "$NS_G2" tcpdump -i g2-wan -w "$work/wan.pcap" -U >/dev/null 2>&1 &
cap_pid=$!
sleep 1

scenario "host A pings host B across the encrypted wan"
in_a ping -c 4 -i 0.3 -W 2 10.77.3.1 >"$work/ping" 2>&1; prc=$?
# The first echo may wait for ARP on both sides; a second round must be clean.
[ "$prc" -eq 0 ] || { in_a ping -c 3 -i 0.3 -W 2 10.77.3.1 >"$work/ping" 2>&1; prc=$?; }
check "ping rc=$prc: $(tail -n 2 "$work/ping")" test "$prc" -eq 0

scenario "a UDP stream from A arrives at B intact"
in_b "$PY" "$GDOI_SOURCE_ROOT/test/support/udp_stream.py" recv 10.77.3.1 5001 50 >"$work/udp.out" 2>&1 &
udp_pid=$!
sleep 0.5
sent=$(in_a "$PY" "$GDOI_SOURCE_ROOT/test/support/udp_stream.py" send 10.77.3.1 5001 50 1000)
wait "$udp_pid"
check "sent: $sent, received: $(cat "$work/udp.out")" test "$sent" = "$(cat "$work/udp.out")"

scenario "without DF a packet too big once encapsulated is fragmented before encryption and answered"
in_a ping -c 2 -i 0.3 -W 2 -M dont -s 1450 10.77.3.1 >"$work/frag" 2>&1; frc=$?
fresh_stats "$work/gm1.log"
check "rc=$frc: $(grep transmitted "$work/frag"), GM1 fragmented=$(counter "$work/gm1.log" fragmented)" \
  test "$frc" -eq 0 -a "$(counter "$work/gm1.log" fragmented)" -ge 2

scenario "with DF set the same size gets fragmentation needed with room for ESP"
in_a ping -c 1 -W 2 -M do -s 1450 10.77.3.1 >"$work/df" 2>&1
check "$(cat "$work/df")" grep -qE 'Frag needed and DF set \(mtu = 14[0-9][0-9]\)' "$work/df"

# After the DF checks: the transfer teaches host A the path MTU.
scenario "a 1 MB TCP transfer from A arrives at B intact, encrypted"
fresh_stats "$work/gm1.log"
enc_before=$(counter "$work/gm1.log" encrypt)
r=$(tcp_send 7000 1048576)
read -r tcp_sent tcp_got <<<"$r"
fresh_stats "$work/gm1.log"
enc_after=$(counter "$work/gm1.log" encrypt)
check "$r; GM1 encrypt $enc_before -> $enc_after" \
  test -n "$tcp_sent" -a "$tcp_sent" = "$tcp_got" -a "$enc_after" -ge $((enc_before + 700))

scenario "UDP to port 5555 (the local deny) crosses in clear and arrives"
in_b "$PY" - >"$work/deny.out" 2>&1 <<'PYEOF' &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.3.1", 5555))
s.settimeout(5)
try:
    print(s.recvfrom(2000)[0].decode())
except socket.timeout:
    print("timeout")
PYEOF
deny_pid=$!
sleep 0.5
in_a "$PY" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"in-the-clear", ("10.77.3.1", 5555))'
wait "$deny_pid"
check "received: $(cat "$work/deny.out")" test "$(cat "$work/deny.out")" = "in-the-clear"

# Two busy-polling workers share the CPUs with tcpdump: give it time to drain.
sleep 2
kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; cap_pid=""

scenario "the wan carries ESP whose outer source and destination are host A and host B"
tcpdump -n -r "$work/wan.pcap" 2>/dev/null >"$work/wan.txt"
n_esp=$(grep -c "10.77.1.1 > 10.77.3.1: ESP(spi=$spi_hex" "$work/wan.txt")
n_esp_back=$(grep -c "10.77.3.1 > 10.77.1.1: ESP(spi=$spi_hex" "$work/wan.txt")
n_clear_icmp=$(grep -c 'ICMP echo' "$work/wan.txt")
check "A->B ESP=$n_esp B->A ESP=$n_esp_back clear ICMP=$n_clear_icmp; $(head -5 "$work/wan.txt")" \
  test "$n_esp" -ge 50 -a "$n_esp_back" -ge 1 -a "$n_clear_icmp" -eq 0

scenario "the local-deny UDP is in clear on the wan"
check "$(grep 5555 "$work/wan.txt")" grep -q '10.77.1.1\.[0-9]* > 10.77.3.1\.5555: UDP' "$work/wan.txt"

scenario "scapy decrypts a captured ESP packet to host A's ICMP echo request"
# With keys from the key server the group runs TBAR (replay time): the plaintext
# then starts with our metadata block (docs/wire.md, ESP next header 253).
dec=$("$PY" - "$work/wan.pcap" "$KEYSALT" "$SPI" <<'PYEOF' 2>&1
import struct, sys
from scapy.all import rdpcap, IP, ICMP
from scapy.layers.ipsec import ESP, SecurityAssociation
key = bytes.fromhex(sys.argv[2])
sa = SecurityAssociation(ESP, spi=int(sys.argv[3], 16), crypt_algo="AES-GCM", crypt_key=key,
                         tunnel_header=IP(src="10.77.1.1", dst="10.77.3.1"))
for p in rdpcap(sys.argv[1]):
    if IP in p and p[IP].proto == 50 and p[IP].src == "10.77.1.1":
        plain = sa.crypt_algo.decrypt(sa, p[ESP], sa.crypt_key, sa.crypt_algo.icv_size)
        data, note = bytes(plain.data), ""
        if plain.nh == 253:
            version, nh, len4, _flags, stamp = struct.unpack("!BBBBQ", data[:12])
            if version != 1 or nh != 4:
                continue
            data, note = data[len4 * 4:], " (TBAR pseudotime %d)" % stamp
        elif plain.nh != 4:
            continue
        inner = IP(data)
        if ICMP in inner and inner[ICMP].type == 8:
            print("decrypted", inner[IP].src, ">", inner[IP].dst, "icmp echo-request id", inner[ICMP].id, note)
            break
else:
    print("no ESP-protected ICMP echo request found")
PYEOF
)
check "$dec" grep -q '^decrypted 10.77.1.1 > 10.77.3.1 icmp echo-request' <<<"$dec"

scenario "cleartext that the policy says must be encrypted is dropped by GM2 (policy drop)"
before=$(counter "$work/gm2.log" policy_drop)
# Host A's packets are encrypted by GM1, so forge one on the wan from GM1's side.
mac2=$(ip netns exec "$NS_G2" cat /sys/class/net/g2-wan/address)
ip netns exec "$NS_G1" "$PY" - "$mac2" >"$work/forge" 2>&1 <<'PYEOF'
import sys
from scapy.all import Ether, IP, ICMP, sendp
sendp(Ether(dst=sys.argv[1]) / IP(src="10.77.1.1", dst="10.77.3.1") / ICMP(), iface="g1-wan", count=3, verbose=False)
PYEOF
sleep 1.5
fresh_stats "$work/gm2.log"
after=$(counter "$work/gm2.log" policy_drop)
check "policy_drop $before -> $after; $(cat "$work/forge")" test "$after" -ge $((before + 3))

scenario "the counters moved: GM1 and GM2 both encrypted, decrypted and bypassed"
fresh_stats "$work/gm1.log"; fresh_stats "$work/gm2.log"
e1=$(counter "$work/gm1.log" encrypt); d1=$(counter "$work/gm1.log" decrypt); b1=$(counter "$work/gm1.log" bypass)
e2=$(counter "$work/gm2.log" encrypt); d2=$(counter "$work/gm2.log" decrypt); b2=$(counter "$work/gm2.log" bypass)
check "GM1 encrypt=$e1 decrypt=$d1 bypass=$b1, GM2 encrypt=$e2 decrypt=$d2 bypass=$b2; $(grep '^stats:' "$work/gm2.log" | tail -n 1)" \
  test "$e1" -ge 58 -a "$d2" -ge 58 -a "$e2" -ge 4 -a "$d1" -ge 4 -a "$b1" -ge 1 -a "$b2" -ge 1

scenario "gdoictl's dataplane counters equal GM1's /metrics"
# compare_counters: the names whose two readings differ (none when equal).
compare_counters() {
  local show metrics name v m bad=""
  show=$(ip netns exec "$NS_G1" "$GDOI_BUILD_ROOT/app/gdoictl/gdoictl" --socket "$work/gm1.sock" --json \
    show crypto gdoi gm dataplane counters 2>&1)
  metrics=$(ip netns exec "$NS_G1" curl -s --unix-socket "$work/gm1.sock" http://gdoi/metrics)
  for name in encrypt decrypt no_sa invalid_sa encaps_fail decap_fail invalid_prot verify_fail replay_fail tbar_fail \
      policy_drop fail_close_drop bypass; do
    v=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["groups"][0]["counters"][sys.argv[2]])' \
      "$show" "$name" 2>/dev/null)
    m=$(grep -E "^gdoi_group_${name}_total\{group=\"G1\"\} " <<<"$metrics" | awk '{print $2}')
    [ -n "$v" ] && [ "$v" = "$m" ] || bad="$bad $name:$v/$m"
  done
  echo "$bad"
}
# Read back to back; retried once in case traffic moved a counter in between.
mismatch=$(compare_counters)
[ -z "$mismatch" ] || mismatch=$(compare_counters)
check "mismatches:$mismatch encrypt=$(counter "$work/gm1.log" encrypt)" test -z "$mismatch"

scenario "GM2 restarts with its wan port on net_pcap"
# DPDK's af_packet PMD joins a PACKET_FANOUT group with the DEFRAG flag: the
# kernel reassembles IPv4 fragments before GM2 would see them. libpcap does
# not, so for the reassembly check GM2's wan0 is a net_pcap port on the same
# veth (inbound direction only, the interface's MAC).
gm_stop "$GM2_PID"
gm_config 2 "" "net_pcap0,rx_iface_in=g2-wan,tx_iface=g2-wan,phy_mac=1" >"$work/gm2-pcap.cfg"
GM2_PID=$(gm_start "$NS_G2" "$work/gm2-pcap.log" --config "$work/gm2-pcap.cfg" --mgmt-socket none \
  --stats-interval 1)
if [ -n "$GM2_PID" ] && [ "$keying" = ks-keyed ]; then
  for _ in $(seq 1 100); do grep -q GM_REGS_COMPL "$work/gm2-pcap.log" && break; sleep 0.1; done
fi
check "$(tail -5 "$work/gm2-pcap.log")" test -n "$GM2_PID" -a \
  \( "$keying" != ks-keyed -o -n "$(grep GM_REGS_COMPL "$work/gm2-pcap.log")" \)

scenario "ESP fragmented after encryption is reassembled by GM2, decrypted and delivered to host B"
# A peer that fragments after encryption, forged from GM1's side of the wan:
# scapy, knowing the group key, encrypts a 1200-byte UDP datagram from A to B
# and sends the ESP packet as 3 IPv4 fragments. Neither mode keeps a counter
# replay window (manual SA: no replay; the key server: replay time, TBAR), so
# the sequence number (1) cannot stop GM1's packets; and this scenario is the
# last. A ping from A to B runs meanwhile: GM2 learns B's address, and with
# TBAR the plaintext starts with our metadata block (docs/wire.md), stamped
# with GM1's current pseudotime, read from one of its packets to B.
fresh_stats "$work/gm2-pcap.log"
reasm_before=$(counter "$work/gm2-pcap.log" reassembled)
in_b "$PY" - >"$work/reasm.out" 2>&1 <<'PYEOF' &
import hashlib, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.3.1", 5004))
s.settimeout(15)
try:
    data = s.recvfrom(4000)[0]
    print(len(data), hashlib.sha256(data).hexdigest())
except socket.timeout:
    print("timeout")
PYEOF
reasm_pid=$!
tbar=none
[ "$keying" = ks-keyed ] && tbar=tbar
in_a ping -c 40 -i 0.2 -W 1 10.77.3.1 >/dev/null 2>&1 &
ping_pid=$!
sleep 1
ip netns exec "$NS_G1" "$PY" - "$mac2" "$KEYSALT" "$SPI" "$tbar" >"$work/reasm.sent" 2>&1 <<'PYEOF'
import hashlib, socket, struct, sys
from scapy.all import Ether, IP, UDP, Raw, fragment, sniff
from scapy.layers.ipsec import ESP, SecurityAssociation, _ESPPlain
mac, key, spi, tbar = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3], 16), sys.argv[4] == "tbar"
sa = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=key,
                         tunnel_header=IP(src="10.77.1.1", dst="10.77.3.1"))
payload = bytes((i * 7 + 3) & 0xff for i in range(1200))
inner = IP(src="10.77.1.1", dst="10.77.3.1") / UDP(sport=40000, dport=5004) / Raw(payload)
if tbar:
    got = sniff(iface="g1-wan", filter="ip proto 50 and src host 10.77.1.1", count=1, timeout=10)
    plain = sa.crypt_algo.decrypt(sa, got[0][ESP], sa.crypt_key, sa.crypt_algo.icv_size)
    stamp = struct.unpack("!Q", bytes(plain.data)[4:12])[0]
    esp = _ESPPlain(spi=spi, seq=1, iv=sa.crypt_algo.generate_iv(), nh=253,
                    data=struct.pack("!BBBBQ", 1, 4, 3, 0, stamp) + bytes(inner))
    esp = sa.crypt_algo.encrypt(sa, sa.crypt_algo.pad(esp), sa.crypt_key, sa.crypt_algo.icv_size)
    pkt = IP(bytes(IP(src="10.77.1.1", dst="10.77.3.1", proto=50) / esp))
else:
    pkt = IP(bytes(sa.encrypt(inner, seq_num=1)))
frags = fragment(pkt, fragsize=480)
# Past the qdisc, so past the taps on g1-wan too: GM1's af_packet port must not
# take these frames for received ones (the kernel would reassemble them for it,
# and GM1 decrypt and forward the datagram to B itself).
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(263, 20, 1)  # SOL_PACKET, PACKET_QDISC_BYPASS
s.bind(("g1-wan", 0))
src = open("/sys/class/net/g1-wan/address").read().strip()
for f in frags:
    s.send(bytes(Ether(dst=mac, src=src) / f))
print(len(frags), "fragments of", len(pkt), "bytes:", len(payload), hashlib.sha256(payload).hexdigest())
PYEOF
wait "$reasm_pid"
kill "$ping_pid" 2>/dev/null; wait "$ping_pid" 2>/dev/null
fresh_stats "$work/gm2-pcap.log"
reasm_after=$(counter "$work/gm2-pcap.log" reassembled)
check "sent: $(cat "$work/reasm.sent"); B received: $(cat "$work/reasm.out"); GM2 reassembled $reasm_before -> $reasm_after" \
  test "$(awk '{print $1}' "$work/reasm.sent")" = 3 -a "$(awk '{print $(NF-1), $NF}' "$work/reasm.sent")" = "$(cat "$work/reasm.out")" \
  -a "$reasm_after" -ge $((reasm_before + 1))

scenario_exit
