#!/usr/bin/env bash
# Integration: the management API and consoles against a running gdoi-router: REST over
# the UNIX socket (curl), gdoictl one-shot and piped, `gdoi-router -i`, loopback TCP with
# a token, and (in network namespaces) live port counters that agree across front ends.
set -u
. "$GDOI_SOURCE_ROOT/test/support/scenario.sh"
. "$GDOI_SOURCE_ROOT/test/support/netns.sh"
GDOI_ROUTER="$GDOI_BUILD_ROOT/app/gdoi-router/gdoi-router"
GDOICTL="$GDOI_BUILD_ROOT/app/gdoictl/gdoictl"
data="$GDOI_SOURCE_ROOT/test/data/configs"
work=$(mktemp -d)
sock="$work/run/mgmt.sock"
ks_pid=""
syslogd_pid=""
cleanup() {
  [ -n "$ks_pid" ] && kill "$ks_pid" 2>/dev/null && wait "$ks_pid" 2>/dev/null
  [ -n "$syslogd_pid" ] && kill "$syslogd_pid" 2>/dev/null && wait "$syslogd_pid" 2>/dev/null
  topo_down
  rm -rf "$work"
}
trap cleanup EXIT

api() { curl -s --max-time 5 --unix-socket "$sock" "$@"; }
ctl() { "$GDOICTL" --socket "$sock" "$@"; }
generation() { api http://gdoi/state/version | sed -nE 's/.*"generation": ([0-9]+).*/\1/p'; }
wait_ready() { # LOG PID
  local i
  for i in $(seq 1 100); do
    grep -q '^ready' "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# --- a stand-in for the syslog daemon: one line per datagram on its socket
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "ab", 0)
while True:
    out.write(s.recv(8192) + b"\n")' "$work/syslog.sock" "$work/syslog.txt" &
syslogd_pid=$!
for i in $(seq 1 50); do [ -S "$work/syslog.sock" ] && break; sleep 0.1; done

# --- a key server: control plane only, no DPDK; its configuration file is a copy, as
# write memory replaces it
cp "$data/seed003-ks1.cfg" "$work/ks.cfg"
chmod 640 "$work/ks.cfg"
"$GDOI_ROUTER" --config "$work/ks.cfg" --state-dir "$work/state" --mgmt-socket "$sock" \
  --syslog "$work/syslog.sock" >"$work/ks.log" 2>&1 &
ks_pid=$!

scenario "the daemon serves REST on a UNIX socket of mode 0600 in a directory it creates"
if wait_ready "$work/ks.log" "$ks_pid"; then
  mode=$(stat -c %a "$sock" 2>/dev/null)
  check "mode=$mode, log: $(cat "$work/ks.log")" test "$mode" = 600 -a -n "$(grep "REST API on unix:$sock" "$work/ks.log")"
else
  fail "did not start: $(cat "$work/ks.log")"
fi

scenario "gdoictl runs one command with IOS prefixes and exits 0"
out=$(ctl sh ver); rc=$?
check "rc=$rc, out: $out" test "$rc" = 0 -a -n "$(grep -x 'Roles: key server' <<<"$out")"

scenario "an ambiguous prefix and an unknown word are refused with exit 1"
ctl sh cry gdoi g >"$work/out" 2>&1; rc1=$?
ctl show bogus >"$work/out2" 2>&1; rc2=$?
check "rc=$rc1/$rc2, out: $(cat "$work/out" "$work/out2")" test "$rc1" = 1 -a "$rc2" = 1 \
  -a -n "$(grep -F '% Ambiguous command:  "sh cry gdoi g"' "$work/out")" \
  -a -n "$(grep -F "% Invalid input detected at '^' marker." "$work/out2")"

scenario "GDOI commands say plainly that the feature is not in this build yet"
ctl crypto gdoi ks rekey >"$work/out" 2>&1; rc=$?
code=$(api -o /dev/null -w '%{http_code}' -X POST http://gdoi/commands -d '{"command":"sh cry gdoi ks coop"}')
check "rc=$rc, http=$code, out: $(cat "$work/out")" test "$rc" = 1 -a "$code" = 501 \
  -a "$(cat "$work/out")" = "% crypto gdoi ks rekey: GDOI rekeys (GROUPKEY-PUSH) is not in this build yet"

scenario "clear crypto gdoi ks members needs --yes in gdoictl, then says what it did"
ctl clear crypto gdoi ks members >"$work/out" 2>&1; rc1=$?
ctl --yes clear crypto gdoi ks members >"$work/out2" 2>&1; rc2=$?
check "rc=$rc1/$rc2, out: $(cat "$work/out" "$work/out2")" test "$rc1" = 1 -a "$rc2" = 0 \
  -a -n "$(grep -F 'rerun with --yes' "$work/out")" \
  -a -n "$(grep -x "Removed 0 member(s) of group GDOI-GROUP1 from the key server's member table." "$work/out2")"

scenario "GET /config?format=ios is what show running-config prints"
api 'http://gdoi/config?format=ios' >"$work/rest.txt"
ctl show running-config >"$work/ctl.txt"
check "diff: $(diff "$work/rest.txt" "$work/ctl.txt" | head -5)" cmp -s "$work/rest.txt" "$work/ctl.txt"

scenario "malformed JSON, unknown fields, wrong types and oversize bodies are refused and change nothing"
g0=$(generation)
c1=$(api -o "$work/e1" -w '%{http_code}' -X PUT http://gdoi/config -d '{"groups": [')
c2=$(api -o "$work/e2" -w '%{http_code}' -X PATCH http://gdoi/config -d '{"bogus": true}')
c3=$(api -o "$work/e3" -w '%{http_code}' -X PATCH http://gdoi/config -d '{"dataplane": {"workers": "two"}}')
head -c 1100000 /dev/zero | tr '\0' ' ' >"$work/big"
c4=$(api -o "$work/e4" -w '%{http_code}' -X PUT http://gdoi/config --data-binary @"$work/big")
g1=$(generation)
check "codes $c1 $c2 $c3 $c4, generation $g0 -> $g1, $(cat "$work/e1" "$work/e4")" \
  test "$c1 $c2 $c3 $c4" = "400 400 400 413" -a "$g0" = 1 -a "$g1" = 1 \
  -a -n "$(grep -F '"error": "malformed JSON"' "$work/e1")" -a -n "$(grep -F '"path": "/bogus"' "$work/e2")"

scenario "configure terminal through gdoictl applies all lines or none"
printf 'ip route 10.9.0.0 255.255.0.0 192.168.111.1\ncrypto gdoi group X\n identiy number 3\n' | ctl configure terminal >"$work/out" 2>&1; rc1=$?
g1=$(generation)
printf 'ip route 10.9.0.0 255.255.0.0 192.168.111.1\n' | ctl conf t >"$work/out2" 2>&1; rc2=$?
g2=$(generation)
check "rc=$rc1/$rc2, gen=$g1/$g2, out: $(cat "$work/out" "$work/out2")" test "$rc1" = 1 -a "$rc2" = 0 \
  -a "$g1" = 1 -a "$g2" = 2 -a -n "$(grep -F 'line 3: unknown command' "$work/out")" \
  -a -n "$(ctl sh run | grep -x 'ip route 10.9.0.0 255.255.0.0 192.168.111.1')"

scenario "interactive gdoictl on a pipe runs each line and quits"
printf 'sh ver\nsh cry isakmp sa\nquit\n' | ctl >"$work/out" 2>&1; rc=$?
check "rc=$rc, out: $(cat "$work/out")" test "$rc" = 0 -a -n "$(grep -F 'Roles: key server' "$work/out")" \
  -a -n "$(grep -x 'dst             src             state          conn-id status' "$work/out")"

scenario "events reach syslog as RFC 5424 lines: CONFIG_I names gdoictl, then POLICY_CHANGE"
printf 'ip access-list extended getvpn-acl\n deny tcp any any eq 23\n' | ctl conf t >"$work/out" 2>&1; rc=$?
sleep 0.3
check "rc=$rc, syslog: $(cat "$work/syslog.txt")" test "$rc" = 0 \
  -a -n "$(grep -E '^<189>1 [0-9T:.-]+Z \S+ gdoi-router [0-9]+ ROUTER_START - %ROUTER-5-ROUTER_START: ' "$work/syslog.txt")" \
  -a -n "$(grep -E ' CONFIG_I - %SYS-5-CONFIG_I: Configured from gdoictl by unix socket \(generation=3\)$' "$work/syslog.txt")" \
  -a -n "$(grep -F "POLICY_CHANGE - %GDOI-5-POLICY_CHANGE: GDOI group GDOI-GROUP1 policy has changed. Use 'clear crypto gdoi group GDOI-GROUP1'" "$work/syslog.txt")"

scenario "a change GDOI cannot carry is refused whole before it applies, as it would stop a start"
g0=$(generation)
printf 'ip route 10.8.0.0 255.255.0.0 192.168.111.1\nip access-list extended getvpn-acl\n permit ip 10.0.0.0 0.255.0.255 any\n' |
  ctl conf t >"$work/out" 2>&1; rc=$?
g1=$(generation)
check "rc=$rc, generation $g0 -> $g1, out: $(cat "$work/out")" test "$rc" = 1 -a "$g0" = "$g1" \
  -a -n "$(grep -F 'non-contiguous wildcard cannot be sent in a GDOI TEK' "$work/out")" \
  -a -z "$(ctl sh run | grep -F '10.8.0.0')"

scenario "GET /events streams the backlog as JSON lines"
api -N --max-time 1 http://gdoi/events >"$work/events" 2>/dev/null
check "events: $(head -3 "$work/events")" grep -q '"name":"ROUTER_START"' "$work/events"

scenario "/metrics is Prometheus text with the running configuration generation"
api http://gdoi/metrics >"$work/metrics"
check "metrics: $(grep -E 'generation|gdoi_ks' "$work/metrics")" test -n "$(grep -x 'gdoi_config_generation 3' "$work/metrics")" \
  -a -n "$(grep -E '^gdoi_ks_members\{group="GDOI-GROUP1",key_server="[0-9.]+"\} 0$' "$work/metrics")" \
  -a -n "$(grep -E '^gdoi_ks_registrations_total\{key_server="[0-9.]+"\} 0$' "$work/metrics")"

scenario "write memory saves the running configuration to the --config file, keeping its mode"
ctl wr mem >"$work/out" 2>&1; rc=$?
check "rc=$rc, out: $(cat "$work/out"), mode $(stat -c %a "$work/ks.cfg")" test "$rc" = 0 \
  -a "$(cat "$work/out")" = "$(printf 'Building configuration...\n[OK]')" -a "$(stat -c %a "$work/ks.cfg")" = 640 \
  -a "$(ctl show startup-config)" = "$(ctl show running-config)"

scenario "SIGTERM removes the socket"
kill "$ks_pid"; wait "$ks_pid"; rc=$?; ks_pid=""
check "rc=$rc, socket left: $(ls "$sock" 2>&1)" test "$rc" = 0 -a ! -e "$sock"

scenario "a restart from the saved file comes back with the changes made over REST and gdoictl"
"$GDOI_ROUTER" --config "$work/ks.cfg" --state-dir "$work/state" --mgmt-socket "$sock" --syslog none \
  >"$work/ks2.log" 2>&1 &
ks_pid=$!
wait_ready "$work/ks2.log" "$ks_pid"
run=$(ctl sh run 2>&1)
check "running: $run" test -n "$(grep -x 'ip route 10.9.0.0 255.255.0.0 192.168.111.1' <<<"$run")" \
  -a -n "$(grep -E '^ deny +tcp any any eq (23|telnet)$' <<<"$run")"
kill "$ks_pid"; wait "$ks_pid"; ks_pid=""

scenario "TCP is refused without a token, and checks the bearer token"
"$GDOI_ROUTER" --config "$data/seed003-ks1.cfg" --state-dir "$work/state" --mgmt-socket none --mgmt-tcp 127.0.0.1:0 >"$work/out" 2>&1; rc1=$?
echo "tok-$RANDOM$RANDOM" >"$work/token"
"$GDOI_ROUTER" --config "$data/seed003-ks1.cfg" --state-dir "$work/state" --mgmt-socket none --mgmt-tcp 127.0.0.1:0 \
  --mgmt-token-file "$work/token" >"$work/tcp.log" 2>&1 &
ks_pid=$!
if wait_ready "$work/tcp.log" "$ks_pid"; then
  port=$(sed -nE 's/.*REST API on tcp:127\.0\.0\.1:([0-9]+).*/\1/p' "$work/tcp.log")
  c1=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/state/version")
  c2=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$work/token")" \
    "http://127.0.0.1:$port/state/version")
  check "rc=$rc1 ($(cat "$work/out")), port=$port, codes $c1 $c2" test "$rc1" = 2 -a "$c1" = 401 -a "$c2" = 200
else
  fail "did not start: $(cat "$work/tcp.log")"
fi
kill "$ks_pid" 2>/dev/null; wait "$ks_pid" 2>/dev/null; ks_pid=""

scenario "gdoi-router -i takes console commands on its terminal and quit stops it"
printf 'sh ver\nsh cry gdoi\nquit\n' | "$GDOI_ROUTER" --config "$data/seed003-ks1.cfg" --state-dir "$work/state" --mgmt-socket none -i \
  >"$work/out" 2>&1; rc=$?
check "rc=$rc, out: $(cat "$work/out")" test "$rc" = 0 -a -n "$(grep -F 'Roles: key server' "$work/out")" \
  -a -n "$(grep -F 'Key Server Information For Group GDOI-GROUP1:' "$work/out")" \
  -a -n "$(grep -F 'stopping on console quit' "$work/out")"

# --- two af_packet DPDK ports in network namespaces: live counters
topo_up || { fail "topology could not be created"; scenario_exit; }
cp "$GDOI_SOURCE_ROOT/docs/examples/router-2port.cfg" "$work/router.cfg"

scenario "the console, REST and /metrics report the same live port and lcore counters"
if router_start "$work/router.log" --config "$work/router.cfg" --mgmt-socket "$sock"; then
  ip netns exec "$NS_A" ping -c 3 -i 0.2 -W 1 10.77.2.1 >/dev/null 2>&1
  sleep 0.5
  same=no
  for attempt in 1 2 3; do # traffic may still trickle in between two reads
    rx_ctl=$(ctl --json show interfaces |
      python3 -c 'import json,sys; print([i["rx_packets"] for i in json.load(sys.stdin)["interfaces"] if i["name"]=="lan0"][0])')
    rx_prom=$(api http://gdoi/metrics | sed -nE 's/^gdoi_port_rx_packets_total\{port="lan0",port_id="[0-9]+"\} ([0-9]+)$/\1/p')
    lc_ctl=$(ctl sh lcores | awk 'NR==2 {print $3}')
    lc_prom=$(api http://gdoi/metrics | sed -nE 's/^gdoi_lcore_rx_packets_total\{lcore="[0-9]+",worker="0"\} ([0-9]+)$/\1/p')
    if [ -n "$rx_ctl" ] && [ "$rx_ctl" = "$rx_prom" ] && [ "$lc_ctl" = "$lc_prom" ] && [ "${rx_ctl:-0}" -gt 0 ]; then
      same=yes; break
    fi
    sleep 0.5
  done
  check "lan0 rx: gdoictl=$rx_ctl metrics=$rx_prom; w0 rx: gdoictl=$lc_ctl metrics=$lc_prom" test "$same" = yes

  scenario "/metrics carries the control thread's ARP and TAP counters"
  arp=$(api http://gdoi/metrics | sed -nE 's/^gdoi_control_arp_rx_total ([0-9]+)$/\1/p')
  tap=$(api http://gdoi/metrics | grep -c '^gdoi_control_tap_')
  check "arp_rx=$arp, tap families=$tap" test "${arp:-0}" -gt 0 -a "$tap" -ge 3

  scenario "ip route from configure terminal routes at once, and no ip route takes it out again"
  ip -n "$NS_B" addr add 10.66.0.1/32 dev lo
  in_a_ping() { ip netns exec "$NS_A" ping -c 2 -i 0.2 -W 1 10.66.0.1 >/dev/null 2>&1; }
  in_a_ping; before=$?
  printf 'ip route 10.66.0.0 255.255.0.0 10.77.2.1\n' | ctl configure terminal >"$work/ct1" 2>&1
  in_a_ping; with=$?
  kroute=$(ip -n "$NS_R" route show 10.66.0.0/16)
  printf 'no ip route 10.66.0.0 255.255.0.0 10.77.2.1\n' | ctl configure terminal >"$work/ct2" 2>&1
  in_a_ping; after=$?
  kgone=$(ip -n "$NS_R" route show 10.66.0.0/16)
  check "ping before=$before with=$with after=$after; kernel route '$kroute' then '$kgone'; $(cat "$work/ct1" "$work/ct2")" \
    test "$before" != 0 -a "$with" = 0 -a "$after" != 0 -a -n "$(grep -F 'via 10.77.2.1' <<<"$kroute")" -a -z "$kgone" \
    -a -z "$(grep -i restart "$work/ct1")"
  router_stop
else
  fail "did not start: $(tail -5 "$work/router.log")"
fi

scenario_exit
