#!/usr/bin/env bash
# Integration: GDOI registration across processes. Host B (10.77.2.1) runs a
# gdoi-router key server on kernel sockets; the router namespace runs a gdoi-router
# group member on two af_packet DPDK ports whose UDP 848 socket reaches the key
# server through the wan0 TAP twin. Checks both sides' events, the member table,
# that tshark dissects the capture with no Malformed, and that the key log lets
# tshark decrypt Main Mode and the GROUPKEY-PULL.
set -u
. "$GDOI_SOURCE_ROOT/test/support/scenario.sh"
. "$GDOI_SOURCE_ROOT/test/support/netns.sh"
GDOI_ROUTER="$GDOI_BUILD_ROOT/app/gdoi-router/gdoi-router"
GDOICTL="$GDOI_BUILD_ROOT/app/gdoictl/gdoictl"
work=$(mktemp -d)
ks_pid=""
cap_pid=""
cleanup() {
  [ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null
  [ -n "$ks_pid" ] && kill "$ks_pid" 2>/dev/null && wait "$ks_pid" 2>/dev/null
  topo_down
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

cp "$GDOI_SOURCE_ROOT/docs/examples/ks-hostb.cfg" "$work/ks.cfg"
cp "$GDOI_SOURCE_ROOT/docs/examples/gm-2port.cfg" "$work/gm.cfg"
topo_up || { fail "topology"; scenario_exit; }

scenario "the key server and the group member configurations pass --check-config"
"$GDOI_ROUTER" --check-config "$work/ks.cfg" >"$work/chk" 2>&1 && "$GDOI_ROUTER" --check-config "$work/gm.cfg" >>"$work/chk" 2>&1
check "$(cat "$work/chk")" test $? -eq 0

scenario "the key server starts on kernel sockets in host B's namespace"
ip netns exec "$NS_B" tcpdump -i eth0 -w "$work/wan.pcap" -U udp port 848 >/dev/null 2>&1 &
cap_pid=$!
# tcpdump writes the pcap header once it is capturing: wait for it, or the
# registration (a few milliseconds) may be over before the capture starts.
for _ in $(seq 1 50); do [ "$(stat -c %s "$work/wan.pcap" 2>/dev/null || echo 0)" -ge 24 ] && break; sleep 0.1; done
ip netns exec "$NS_B" "$GDOI_ROUTER" --config "$work/ks.cfg" --state-dir "$work/state" --keylog "$work/keys.log" \
  --mgmt-socket "$work/ks.sock" >"$work/ks.log" 2>&1 &
ks_pid=$!
for _ in $(seq 1 100); do grep -q '^ready' "$work/ks.log" && break; sleep 0.1; done
check "$(cat "$work/ks.log")" grep -q '^ready' "$work/ks.log"

scenario "the rekey RSA key is generated once and kept owner-only"
check "$(ls -l "$work/state" 2>&1)" test "$(stat -c %a "$work/state/KS-REKEY.pem" 2>/dev/null)" = 600

scenario "the group member registers over UDP 848 through its DPDK port"
if router_start "$work/gm.log" --config "$work/gm.cfg" --keylog "$work/keys.log" --mgmt-socket none; then
  for _ in $(seq 1 100); do grep -q 'GM_REGS_COMPL' "$work/gm.log" && break; sleep 0.1; done
  check "$(tail -20 "$work/gm.log")" grep -q 'GM_REGS_COMPL' "$work/gm.log"
else
  fail "did not start: $(tail -20 "$work/gm.log")"
fi

scenario "the key server logs the registration with the seed's event names"
check "$(grep -E 'KS_|GDOI' "$work/ks.log" | tail -5)" \
  bash -c "grep -q KS_FIRST_GM '$work/ks.log' && grep -q 'KS_REGS_COMPL' '$work/ks.log'"

scenario "the group member installed the TEK into the data plane's ESP SA table"
check "$(grep -E 'GM_|SA_TEK|REJECT' "$work/gm.log" | tail -5)" \
  bash -c "grep -q 'SA_TEK_UPDATED\|GM_INSTALL_POLICIES_SUCCESS' '$work/gm.log' && ! grep -q GM_REJECTING_SA_PAYLOAD '$work/gm.log'"

sleep 0.5
kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; cap_pid=""

scenario "tshark dissects every registration message with no Malformed"
tshark -r "$work/wan.pcap" -d udp.port==848,isakmp -V >"$work/dissect" 2>&1
n=$(grep -c 'Internet Security Association and Key Management Protocol' "$work/dissect")
check "messages=$n; $(grep -m3 -i malformed "$work/dissect")" \
  test "$n" -ge 10 -a -z "$(grep -i -E 'malformed|Expert Info \(Error' "$work/dissect")"

scenario "with the key log, tshark decrypts the GROUPKEY-PULL and shows the SA TEK and KD"
args=()
while read -r line; do
  case "$line" in uat:ikev1_decryption_table:*) args+=(-o "$line") ;; esac
done <"$work/keys.log"
tshark -r "$work/wan.pcap" -d udp.port==848,isakmp "${args[@]}" -V >"$work/decrypted" 2>&1
check "keylog lines=${#args[@]}; $(grep -m5 -E 'Payload: (SA TEK|Key Download|Sequence)' "$work/decrypted")" \
  bash -c "grep -q 'Key Download' '$work/decrypted' && grep -q 'SA TEK\|TEK' '$work/decrypted'"

scenario "gdoictl on the key server's socket lists the group member in show crypto gdoi ks members"
GDOICTL_KS=("$GDOICTL" --socket "$work/ks.sock")
"${GDOICTL_KS[@]}" show crypto gdoi ks members >"$work/members.txt" 2>&1; rc=$?
check "rc=$rc, out: $(cat "$work/members.txt")" \
  bash -c "test $rc = 0 && grep -q '^Group Member ID    : 10.77.2.254 ' '$work/members.txt' && grep -q '^ GM State          : Registered' '$work/members.txt'"

scenario "POST /commands over the socket returns the same text as gdoictl, and the member in its data"
curl -s --max-time 5 --unix-socket "$work/ks.sock" -X POST http://gdoi/commands \
  -d '{"command":"sh cry gdoi ks members"}' >"$work/members.json"
python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["output"])' "$work/members.json" >"$work/members.rest" 2>&1
addr=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["members"][0]["address"])' "$work/members.json" 2>&1)
"${GDOICTL_KS[@]}" --json show crypto gdoi ks members >"$work/members.ctl.json" 2>&1
same_data=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"] == json.load(open(sys.argv[2])))' \
  "$work/members.json" "$work/members.ctl.json" 2>&1)
check "addr=$addr same_data=$same_data diff: $(diff "$work/members.txt" "$work/members.rest" | head -5)" \
  bash -c "test '$addr' = 10.77.2.254 -a '$same_data' = True && cmp -s '$work/members.txt' '$work/members.rest'"

scenario "show crypto gdoi on the key server shows the group, its member count and TEK"
"${GDOICTL_KS[@]}" show crypto gdoi >"$work/gdoi.txt" 2>&1; rc=$?
check "rc=$rc, out: $(head -30 "$work/gdoi.txt")" \
  bash -c "test $rc = 0 && grep -q '^    Group Members            : 1$' '$work/gdoi.txt' && grep -q '^        spi: 0x' '$work/gdoi.txt' && grep -q 'remaining key lifetime' '$work/gdoi.txt'"

scenario "show crypto isakmp sa on the key server lists the member's ISAKMP SA as GDOI_IDLE"
"${GDOICTL_KS[@]}" show crypto isakmp sa >"$work/isakmp.txt" 2>&1; rc=$?
check "rc=$rc, out: $(cat "$work/isakmp.txt")" \
  bash -c "test $rc = 0 && grep -qE '^[0-9.]+ +10\.77\.2\.254 +GDOI_IDLE +[0-9]+ ACTIVE$' '$work/isakmp.txt'"

router_stop
scenario_exit
