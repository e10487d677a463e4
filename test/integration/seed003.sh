#!/usr/bin/env bash
# Integration (issue 5): seed 003's GET VPN, its configurations adapted only in
# addresses and in the appliance's own lines (DPDK ports, worker count).
# Host B runs seed 003's KS1 (test/data/configs/seed003-ks1.cfg: DH group 2, AES-CBC
# + HMAC-SHA1 TEK, TBAR window 5 s, an ACL whose deny lines exempt GDOI and BGP);
# GM1 and GM2 run seed 003's CE configuration (seed003-gm1.cfg) on DPDK ports.
#   host A 10.77.1.1 -- [GM1] -- wan 10.99.0.0/24 -- [GM2] -- host B 10.77.3.1 (KS1)
# Checks: both members register; each shows the key server's ACL in its order;
# host A's ping crosses encrypted with preserved addresses and decrypts with the
# key log; BGP (TCP 179, a KS deny line) crosses in clear; GM1's encrypt count is
# GM2's decrypt count and the other way round. Then a new deny line on KS1 takes
# effect at clear crypto gdoi on KS1 and the CEs: new keys, ICMP in clear.
set -u
SCENARIO_NAME=seed003
. "$GDOI_SOURCE_ROOT/test/support/scenario.sh"
. "$GDOI_SOURCE_ROOT/test/support/netns2.sh"
GDOI_ROUTER="$GDOI_BUILD_ROOT/app/gdoi-router/gdoi-router"
GDOICTL="$GDOI_BUILD_ROOT/app/gdoictl/gdoictl"
PY=/usr/bin/python3
data="$GDOI_SOURCE_ROOT/test/data/configs"
work=$(mktemp -d)
cap_pid=""
ks_pid=""
trap topo2_cleanup EXIT

# The seed's key server address becomes host B's.
sed 's/192\.168\.111\.111/10.77.3.1/g' "$data/seed003-ks1.cfg" >"$work/ks.cfg"
# A CE: the seed's lines with host B's address, its "int e0/0" replaced by our two
# DPDK ports (the crypto map goes on the WAN port).
gm_config() {
  echo "dataplane"
  echo " workers 1"
  sed -e 's/192\.168\.111\.111/10.77.3.1/g' -e '/^int e0\/0/,$d' "$data/seed003-gm1.cfg"
  site_ports "$1" " crypto map gdoimap"
  echo "end"
}
gm_config 1 >"$work/gm1.cfg"
gm_config 2 >"$work/gm2.cfg"

ctl() { local sock=$1; shift; "$GDOICTL" --socket "$sock" "$@"; }

scenario "seed 003's KS1 and CE configurations pass --check-config, DH group 2 flagged as legacy"
"$GDOI_ROUTER" --check-config "$work/ks.cfg" >"$work/chk" 2>&1; rc1=$?
"$GDOI_ROUTER" --check-config "$work/gm1.cfg" >>"$work/chk" 2>&1; rc2=$?
check "rc=$rc1/$rc2: $(cat "$work/chk")" test "$rc1" = 0 -a "$rc2" = 0 \
  -a -n "$(grep 'legacy DH group 2' "$work/chk")"

topo2_up || { fail "topology could not be created"; scenario_exit; }

scenario "KS1 starts on host B"
ip netns exec "$NS_HB" "$GDOI_ROUTER" --config "$work/ks.cfg" --state-dir "$work/state" \
  --mgmt-socket "$work/ks.sock" --syslog none >"$work/ks.log" 2>&1 &
ks_pid=$!
for _ in $(seq 1 100); do grep -q '^ready' "$work/ks.log" && break; sleep 0.1; done
check "$(cat "$work/ks.log")" grep -q '^ready' "$work/ks.log"

scenario "both CEs start on DPDK ports and register to KS1"
GM1_PID=$(gm_start "$NS_G1" "$work/gm1.log" --config "$work/gm1.cfg" --mgmt-socket "$work/gm1.sock" \
  --syslog none --stats-interval 1 --keylog "$work/keys.log")
GM2_PID=$(gm_start "$NS_G2" "$work/gm2.log" --config "$work/gm2.cfg" --mgmt-socket "$work/gm2.sock" \
  --syslog none --stats-interval 1)
for _ in $(seq 1 300); do
  grep -q GM_REGS_COMPL "$work/gm1.log" && grep -q GM_REGS_COMPL "$work/gm2.log" && break
  sleep 0.1
done
check "$(grep -h -E 'GM_|KS_|REJECT' "$work/gm1.log" "$work/gm2.log" "$work/ks.log" | tail -8)" \
  bash -c "grep -q GM_REGS_COMPL '$work/gm1.log' && grep -q GM_REGS_COMPL '$work/gm2.log' \
           && ! grep -q REJECT '$work/gm1.log' '$work/gm2.log'"

scenario "KS1 lists both members in GDOI-GROUP1"
out=$(ctl "$work/ks.sock" show crypto gdoi ks members 2>&1)
check "$out" bash -c "grep -q 10.99.0.1 <<<'$out' && grep -q 10.99.0.2 <<<'$out' && grep -q GDOI-GROUP1 <<<'$out'"

scenario "each CE shows the key server's ACL in its order: GDOI and BGP exempt, the rest protected"
acl=$(ctl "$work/gm1.sock" --json show crypto gdoi gm acl 2>&1)
lines=$("$PY" -c '
import json, sys
d = json.load(sys.stdin)
for e in d["groups"][0]["downloaded"]:
    print(e["text"])' <<<"$acl" 2>&1)
expected=$(cat <<'TXT'
deny udp any port = 848 any
deny udp any any port = 848
deny tcp any port = 179 any
deny tcp any any port = 179
permit ip any any
TXT
)
check "got: $lines" test "$lines" = "$expected"

# The TEK from GM1's key log: SPI, AES key, HMAC-SHA1 key.
esp_line=$(grep -m1 'uat:esp_sa:' "$work/keys.log" 2>/dev/null || true)
SPI=$(sed -E 's/^[^,]*,[^,]*,[^,]*,"(0x[0-9a-fA-F]+)".*/\1/' <<<"$esp_line")
ENC=$(sed -E 's/^[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,"0x([0-9a-fA-F]+)".*/\1/' <<<"$esp_line")
AUTH=$(sed -E 's/.*,"0x([0-9a-fA-F]+)"$/\1/' <<<"$esp_line")

ip netns exec "$NS_G2" tcpdump -i g2-wan -w "$work/wan.pcap" -U >/dev/null 2>&1 &
cap_pid=$!
sleep 1

scenario "host A pings host B across the group (AES-CBC + HMAC-SHA1, TBAR)"
out=$(in_a ping -c 5 -i 0.3 -W 2 10.77.3.1 2>&1); rc=$?
check "rc=$rc: $out" test "$rc" = 0

scenario "BGP (TCP 179, a deny line of the key server's ACL) crosses in clear"
in_b "$PY" - <<'PYEOF' >"$work/bgp.out" 2>&1 &
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.3.1", 179)); s.listen(1); s.settimeout(10)
c, _ = s.accept(); print(c.recv(100).decode())
PYEOF
bgp_pid=$!
sleep 0.5
in_a "$PY" -c '
import socket, time
for _ in range(20):
    try:
        s = socket.create_connection(("10.77.3.1", 179), timeout=2); break
    except OSError: time.sleep(0.2)
s.sendall(b"OPEN-bgp-in-clear")' 2>&1
wait "$bgp_pid"
sleep 1
kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; cap_pid=""
clear_bgp=$(tcpdump -nr "$work/wan.pcap" 'tcp port 179 and host 10.77.1.1' 2>/dev/null | wc -l)
check "received: $(cat "$work/bgp.out"); clear TCP 179 on the wan: $clear_bgp" \
  test "$(cat "$work/bgp.out")" = OPEN-bgp-in-clear -a "$clear_bgp" -gt 0

scenario "the wan carries ESP between the hosts' own addresses, and scapy decrypts it with the key log"
dec=$("$PY" - "$work/wan.pcap" "$SPI" "$ENC" "$AUTH" <<'PYEOF' 2>&1
import struct, sys
from scapy.all import rdpcap, IP, ICMP
from scapy.layers.ipsec import ESP, SecurityAssociation
sa = SecurityAssociation(ESP, spi=int(sys.argv[2], 16), crypt_algo="AES-CBC", crypt_key=bytes.fromhex(sys.argv[3]),
                         auth_algo="HMAC-SHA1-96", auth_key=bytes.fromhex(sys.argv[4]),
                         tunnel_header=IP(src="10.77.1.1", dst="10.77.3.1"))
for p in rdpcap(sys.argv[1]):
    if IP in p and p[IP].proto == 50 and p[IP].src == "10.77.1.1" and p[IP].dst == "10.77.3.1":
        sa.auth_algo.verify(p[ESP], sa.auth_key)  # raises on a bad ICV
        plain = sa.crypt_algo.decrypt(sa, p[ESP], sa.crypt_key, sa.auth_algo.icv_size)
        data = bytes(plain.data)
        if plain.nh != 253 or data[0] != 1 or data[1] != 4:
            print("not a TBAR block: next header", plain.nh); break
        stamp = struct.unpack("!Q", data[4:12])[0]
        inner = IP(data[data[2] * 4:])
        if ICMP in inner and inner[ICMP].type == 8:
            print("decrypted", inner.src, ">", inner.dst, "echo-request, TBAR pseudotime", stamp)
            break
else:
    print("no ESP from host A to host B")
PYEOF
)
check "$dec" grep -q "decrypted 10.77.1.1 > 10.77.3.1 echo-request" <<<"$dec"

scenario "every side's counters agree: GM1 encrypt = GM2 decrypt and GM2 encrypt = GM1 decrypt"
fresh_stats "$work/gm1.log"; fresh_stats "$work/gm2.log"
e1=$(counter "$work/gm1.log" encrypt); d1=$(counter "$work/gm1.log" decrypt)
e2=$(counter "$work/gm2.log" encrypt); d2=$(counter "$work/gm2.log" decrypt)
check "GM1 encrypt=$e1 decrypt=$d1, GM2 encrypt=$e2 decrypt=$d2" \
  test "$e1" -ge 5 -a "$e1" = "$d2" -a "$e2" = "$d1" -a "$e2" -ge 5

scenario "show crypto ipsec sa counts GM1's encrypted packets per SA, as /metrics does"
sa_out=$(ctl "$work/gm1.sock" show crypto ipsec sa 2>&1)
encaps=$(grep -oE '#pkts encaps: [0-9]+' <<<"$sa_out" | head -n 1 | awk '{print $3}')
metric=$(curl -s --unix-socket "$work/gm1.sock" http://gdoi/metrics |
  awk -v spi="$SPI" 'index($0, "gdoi_sa_encrypted_packets_total{") == 1 && index($0, "spi=\"" spi "\"") { print $2 }')
check "encaps=${encaps:-none} metric=${metric:-none}: $sa_out" test -n "$encaps" -a "${encaps:-0}" -ge 5 -a "$encaps" = "$metric"

scenario "/metrics carries the ESP engine's drop reasons per lcore, as show lcores does"
lc=$(ctl "$work/gm1.sock" --json show lcores 2>&1)
want=$("$PY" -c '
import json, sys
c = json.load(sys.stdin)["lcores"][0]["counters"]
print(" ".join(f"{k}={c[k]}" for k in ("esp_bad_icv", "esp_encrypted", "esp_seq_near_wrap")))' <<<"$lc" 2>&1)
got=$(curl -s --unix-socket "$work/gm1.sock" http://gdoi/metrics | awk '
  /^gdoi_lcore_esp_(bad_icv|encrypted|seq_near_wrap)_total\{.*worker="0"/ {
    name = $1; sub(/^gdoi_lcore_/, "", name); sub(/_total\{.*/, "", name); v[name] = $2 }
  END { printf "esp_bad_icv=%s esp_encrypted=%s esp_seq_near_wrap=%s", v["esp_bad_icv"], v["esp_encrypted"], v["esp_seq_near_wrap"] }')
check "show lcores: $want; /metrics: $got" test -n "$want" -a "$want" = "$got"

# A policy change on the key server, applied the way IOS applies one without a rekey:
# clear crypto gdoi on the key server, then on each member (seed 000).
sed '/permit ip any any$/i\ deny   icmp any any' "$work/ks.cfg" >"$work/ks-icmp.cfg"
spis() {
  ctl "$1" --json show crypto ipsec sa 2>&1 | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(sorted({str(t["spi"]) for g in d["groups"] for t in g["teks"]})))' 2>&1
}

scenario "a changed key-server ACL is applied to the running configuration and says it waits for clear crypto gdoi"
put=$(curl -s --unix-socket "$work/ks.sock" -X PUT --data-binary @"$work/ks-icmp.cfg" \
  'http://gdoi/config?format=ios' 2>&1)
acl_now=$(ctl "$work/gm1.sock" show crypto gdoi gm acl 2>&1)
running=$(ctl "$work/ks.sock" show running-config 2>&1)
check "PUT: $put; GM1: $acl_now" test -n "$(grep -E '"applied": ?true' <<<"$put")" \
  -a -n "$(grep -F "clear crypto gdoi [group G]" <<<"$put")" -a -z "$(grep -i icmp <<<"$acl_now")" \
  -a -n "$(grep -E '^ deny +icmp any any' <<<"$running")"

scenario "clear crypto gdoi on KS1 and both CEs: a new TEK, both re-register and show the new deny line"
old_spi=$(spis "$work/gm1.sock")
ctl "$work/ks.sock" clear crypto gdoi >"$work/clear-ks" 2>&1; rc0=$? # without --yes: refused
ctl "$work/ks.sock" --yes clear crypto gdoi >>"$work/clear-ks" 2>&1; rc1=$?
ctl "$work/gm1.sock" --yes clear crypto gdoi group GDOI-GROUP1 >"$work/clear-gm" 2>&1; rc2=$?
ctl "$work/gm2.sock" --yes clear crypto gdoi >>"$work/clear-gm" 2>&1; rc3=$?
for _ in $(seq 1 300); do
  [ "$(grep -c GM_REGS_COMPL "$work/gm1.log")" -ge 2 ] && [ "$(grep -c GM_REGS_COMPL "$work/gm2.log")" -ge 2 ] && break
  sleep 0.1
done
new_spi=$(spis "$work/gm1.sock")
acl2=$(ctl "$work/gm2.sock" show crypto gdoi gm acl 2>&1)
regs=$(grep -c GM_REGS_COMPL "$work/gm2.log")
check "rc=$rc0/$rc1/$rc2/$rc3 SPI $old_spi -> $new_spi, GM2 registrations $regs; $(cat "$work/clear-ks" "$work/clear-gm"); GM2: $acl2" \
  test "$rc0" != 0 -a "$rc1" = 0 -a "$rc2" = 0 -a "$rc3" = 0 -a -n "$new_spi" -a "$old_spi" != "$new_spi" \
  -a -n "$(grep KS_CLEAR_REGISTER "$work/ks.log")" -a -n "$(grep GM_CLEAR_REGISTER "$work/gm1.log")" \
  -a "$regs" -ge 2 -a -n "$(grep -E 'deny +icmp' <<<"$acl2")"

scenario "after the clear, ICMP crosses the wan in clear and the rest stays encrypted"
ip netns exec "$NS_G2" tcpdump -i g2-wan -w "$work/wan2.pcap" -U >/dev/null 2>&1 &
cap_pid=$!
sleep 1
out=$(in_a ping -c 3 -i 0.3 -W 2 10.77.3.1 2>&1); rc=$?
in_a "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3): s.sendto(b"still-encrypted", ("10.77.3.1", 9999))' 2>&1
sleep 1
kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; cap_pid=""
icmp_clear=$(tcpdump -nr "$work/wan2.pcap" 'icmp and host 10.77.1.1' 2>/dev/null | wc -l)
udp_clear=$(tcpdump -nr "$work/wan2.pcap" 'udp port 9999' 2>/dev/null | wc -l)
esp=$(tcpdump -nr "$work/wan2.pcap" 'ip proto 50 and src 10.77.1.1' 2>/dev/null | wc -l)
check "ping rc=$rc; clear ICMP $icmp_clear, clear UDP 9999 $udp_clear, ESP from A $esp" \
  test "$rc" = 0 -a "$icmp_clear" -ge 6 -a "$udp_clear" = 0 -a "$esp" -ge 3

scenario_exit
