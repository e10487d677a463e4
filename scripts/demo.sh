#!/usr/bin/env bash
# The main job on a fresh machine: a GET VPN in network namespaces. A gdoi-router
# key server on host B; two gdoi-router group members, each on two DPDK ports
# (net_af_packet), between site A (host A) and site B (host B). The members
# register with GDOI over UDP 848, then encrypt the traffic between the sites with
# header-preserving ESP. Shows the registrations, the counters, gdoictl reading
# live state, and a decoded packet of the WAN capture; tears everything down.
#   scripts/demo.sh [--capture FILE] [--keylog FILE]
#     --capture FILE  also write a pcap of everything that crossed the WAN segment
#     --keylog FILE   also write the Wireshark key log that decrypts that capture
set -euo pipefail
cd "$(dirname "$0")/.."

capture_out=""
keylog_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --capture) capture_out="${2:?--capture needs a FILE}"; shift 2 ;;
    --keylog) keylog_out="${2:?--keylog needs a FILE}"; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--capture FILE] [--keylog FILE]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (network namespaces and DPDK need it)" >&2; exit 2; }
scripts/install-deps.sh

echo "== building"
[ -f build/build.ninja ] || meson setup build -Dwerror=true >/dev/null
ninja -C build app/gdoi-router/gdoi-router app/gdoictl/gdoictl >/dev/null
GDOI_ROUTER="$PWD/build/app/gdoi-router/gdoi-router"
GDOICTL="$PWD/build/app/gdoictl/gdoictl"

. test/support/netns2.sh
work=$(mktemp -d /tmp/gdoi-demo.XXXXXX)
ks_pid=""
cap_pid=""
cleanup() {
  [ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null
  [ -n "$ks_pid" ] && kill "$ks_pid" 2>/dev/null && wait "$ks_pid" 2>/dev/null
  topo2_down
  rm -rf "$work"
}
trap cleanup EXIT

echo "== topology: host A 10.77.1.1 -- [GM1] -- WAN 10.99.0.0/24 -- [GM2] -- host B 10.77.3.1 (key server)"
topo2_up
for f in ks-site-b site-gm1 site-gm2; do "$GDOI_ROUTER" --check-config "docs/examples/$f.cfg" | tail -n 1; done

ip netns exec "$NS_G2" tcpdump -i g2-wan -w "$work/wan.pcap" -U >/dev/null 2>&1 &
cap_pid=$!
for _ in $(seq 1 50); do [ "$(stat -c %s "$work/wan.pcap" 2>/dev/null || echo 0)" -ge 24 ] && break; sleep 0.1; done

echo "== key server on host B (kernel sockets, no DPDK)"
ip netns exec "$NS_HB" "$GDOI_ROUTER" --config docs/examples/ks-site-b.cfg --state-dir "$work/ks-state" \
  --keylog "$work/keys.log" --mgmt-socket "$work/ks.sock" >"$work/ks.log" 2>&1 &
ks_pid=$!
for _ in $(seq 1 100); do grep -q '^ready' "$work/ks.log" && break; sleep 0.1; done
grep -q '^ready' "$work/ks.log" || { echo "demo.sh: key server did not start:" >&2; cat "$work/ks.log" >&2; exit 1; }

echo "== group members GM1 (site A) and GM2 (site B), each on two DPDK ports"
GM1_PID=$(gm_start "$NS_G1" "$work/gm1.log" --config docs/examples/site-gm1.cfg --stats-interval 1 \
  --keylog "$work/keys.log" --mgmt-socket "$work/gm1.sock") || { cat "$work/gm1.log" >&2; exit 1; }
GM2_PID=$(gm_start "$NS_G2" "$work/gm2.log" --config docs/examples/site-gm2.cfg --stats-interval 1 \
  --keylog "$work/keys.log" --mgmt-socket "$work/gm2.sock") || { cat "$work/gm2.log" >&2; exit 1; }
grep -m1 -E 'no-huge' "$work/gm1.log" || true
for _ in $(seq 1 100); do
  grep -q GM_REGS_COMPL "$work/gm1.log" && grep -q GM_REGS_COMPL "$work/gm2.log" && break
  sleep 0.1
done
echo "== registrations"
grep -h -E 'GM_REGS_COMPL' "$work/gm1.log" "$work/gm2.log" | cut -c1-160
grep -h -E 'KS_REGS_COMPL' "$work/ks.log" | cut -c1-160
grep -q GM_REGS_COMPL "$work/gm1.log" && grep -q GM_REGS_COMPL "$work/gm2.log" \
  || { echo "demo.sh: a member did not register" >&2; tail "$work/gm1.log" "$work/gm2.log" >&2; exit 1; }

echo "== gdoictl show crypto gdoi ks members (key server)"
"$GDOICTL" --socket "$work/ks.sock" show crypto gdoi ks members summary

echo "== host A pings host B across the WAN (encrypted between GM1 and GM2)"
ip netns exec "$NS_HA" ping -c 10 -i 0.1 -W 2 10.77.3.1 | tail -n 2
echo "== UDP 5555 is a local exception: it crosses in clear"
ip netns exec "$NS_HA" /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(b"hello in clear", ("10.77.3.1", 5555)) for _ in range(3)]'
sleep 1.3

echo "== counters"
for g in 1 2; do echo "GM$g $(grep '^stats:' "$work/gm$g.log" | tail -n 1)"; done
echo "== gdoictl show crypto gdoi (GM1)"
"$GDOICTL" --socket "$work/gm1.sock" show crypto gdoi || true
echo "== gdoictl show crypto ipsec sa (GM1)"
"$GDOICTL" --socket "$work/gm1.sock" show crypto ipsec sa || true
for g in 1 2; do
  echo "== gdoictl show crypto gdoi gm dataplane counters (GM$g)"
  "$GDOICTL" --socket "$work/gm$g.sock" show crypto gdoi gm dataplane counters || true
done
echo "== the same counters from GM2's /metrics (curl --unix-socket)"
curl -s --unix-socket "$work/gm2.sock" http://gdoi/metrics | grep -E '^gdoi_group_(encrypt|decrypt|bypass)_total' || true

kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null || true; cap_pid=""
echo "== the WAN capture: outer addresses are the hosts' own (header preservation)"
tcpdump -n -r "$work/wan.pcap" 2>/dev/null | grep -m2 ESP || true
tcpdump -n -r "$work/wan.pcap" 2>/dev/null | grep -m1 '\.5555' || true
echo "== the same packet decrypted by tshark with the key log"
esp=$(grep -m1 'uat:esp_sa:' "$work/keys.log")
tshark -r "$work/wan.pcap" -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
  -o "$esp" -Y 'esp && icmp' 2>/dev/null | head -n 2

[ -n "$capture_out" ] && cp "$work/wan.pcap" "$capture_out" && echo "== capture written to $capture_out"
[ -n "$keylog_out" ] && cp "$work/keys.log" "$keylog_out" && echo "== key log written to $keylog_out (tshark -o LINE for each line)"

enc=$(grep '^stats:' "$work/gm1.log" | tail -n 1 | grep -oE 'encrypt [0-9]+' | awk '{print $2}')
dec=$(grep '^stats:' "$work/gm2.log" | tail -n 1 | grep -oE 'decrypt [0-9]+' | awk '{print $2}')
gm_stop "$GM1_PID"; GM1_PID=""
gm_stop "$GM2_PID"; GM2_PID=""
kill "$ks_pid"; wait "$ks_pid" || true; ks_pid=""
if [ "${enc:-0}" -lt 10 ] || [ "${dec:-0}" -lt 10 ]; then
  echo "demo.sh: FAILED (GM1 encrypted ${enc:-0}, GM2 decrypted ${dec:-0})" >&2
  exit 1
fi
echo "== demo OK: GM1 encrypted $enc packets, GM2 decrypted $dec; all daemons stopped, namespaces removed"
