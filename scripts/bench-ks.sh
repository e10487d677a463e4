#!/usr/bin/env bash
# Key-server scale benchmark: a real gdoi-router key server in one network
# namespace, and gdoi-ks-load simulating many group members from another.
# Reports registrations per second for DH 14 and DH 19 (PSK), 2,000 members
# registering at once, and the key server's memory per registered member.
# Writes bench/results/ks.jsonl (one JSON object per case).
#   scripts/bench-ks.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-ks.sh: run as root (network namespaces)" >&2; exit 2; }
scripts/install-deps.sh

quick=0
[ "${1:-}" = "--quick" ] && quick=1
rate_members=${RATE_MEMBERS:-300}
scale_members=${SCALE_MEMBERS:-2000}
if [ $quick -eq 1 ]; then rate_members=100; scale_members=${SCALE_MEMBERS:-500}; fi

[ -f build/build.ninja ] || meson setup build -Dwerror=true >/dev/null
ninja -C build app/gdoi-router/gdoi-router bench/ks/gdoi-ks-load >/dev/null
router="$PWD/build/app/gdoi-router/gdoi-router"
load="$PWD/build/bench/ks/gdoi-ks-load"

ns_ks="gdrbench$$-ks"
ns_gm="gdrbench$$-gm"
work=$(mktemp -d)
ks_pid=""
cleanup() {
  [ -n "$ks_pid" ] && kill "$ks_pid" 2>/dev/null && wait "$ks_pid" 2>/dev/null
  ip netns del "$ns_ks" 2>/dev/null || true
  ip netns del "$ns_gm" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns_ks"
ip netns add "$ns_gm"
ip link add ks0 netns "$ns_ks" type veth peer name gm0 netns "$ns_gm"
ip -n "$ns_ks" addr add 10.88.0.1/16 dev ks0
ip -n "$ns_ks" link set ks0 up
ip -n "$ns_ks" link set lo up
ip -n "$ns_gm" link set gm0 up
ip -n "$ns_gm" link set lo up
# One source address per simulated member: 10.88.1.1 and up, as gdoi-ks-load counts.
{
  for i in $(seq 0 $((scale_members - 1))); do
    a=$((1 * 256 + 1 + i))
    echo "addr add 10.88.$((a / 256)).$((a % 256))/16 dev gm0"
  done
} >"$work/addrs"
ip -n "$ns_gm" -batch "$work/addrs"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

start_ks() {  # $1 = DH group
  cat >"$work/ks.cfg" <<CFG
crypto key generate rsa label BENCH-REKEY modulus 2048
crypto isakmp policy 10
 encr aes 128
 hash sha256
 authentication pre-share
 group $1
crypto isakmp key benchkey address 0.0.0.0
crypto ipsec transform-set gcm128 esp-gcm 128
crypto ipsec profile p
 set transform-set gcm128
crypto gdoi group BENCH
 identity number 4242
 server local
  rekey authentication mypubkey rsa BENCH-REKEY
  sa ipsec 1
   profile p
   match address ipv4 tek
  address ipv4 10.88.0.1
ip access-list extended tek
 permit ip 10.0.0.0 0.255.255.255 10.0.0.0 0.255.255.255
CFG
  ip netns exec "$ns_ks" taskset -c 0 "$router" --config "$work/ks.cfg" --state-dir "$work/state" \
    --mgmt-socket none >"$work/ks.log" 2>&1 &
  ks_pid=$!
  for _ in $(seq 1 100); do grep -q '^ready' "$work/ks.log" && return 0; sleep 0.1; done
  echo "key server did not start:" >&2; cat "$work/ks.log" >&2; exit 1
}
stop_ks() { kill "$ks_pid"; wait "$ks_pid" || true; ks_pid=""; cp "$work/ks.log" "${KS_LOG_COPY:-/dev/null}" 2>/dev/null || true; }

mkdir -p bench/results
out=bench/results/ks.jsonl
: >"$out"
run_case() {  # $1 dh, $2 members, $3 concurrency, $4 label
  start_ks "$1"
  local before after line
  before=$(rss_kb "$ks_pid")
  line=$(ip netns exec "$ns_gm" taskset -c 1 "$load" --ks 10.88.0.1 --local-base 10.88.1.1 --psk benchkey \
           --group-id 4242 --dh "$1" --members "$2" --concurrency "$3" --label "$4" --timeout "${LOAD_TIMEOUT:-300}") || true
  if [ -z "$line" ]; then
    echo "bench-ks.sh: the load generator reported nothing for $4" >&2
    exit 1
  fi
  after=$(rss_kb "$ks_pid")
  stop_ks
  /usr/bin/python3 - "$line" "$before" "$after" >>"$out" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
before, after = int(sys.argv[2]), int(sys.argv[3])
j["rss_bytes_per_member"] = round((after - before) * 1024 / max(j["succeeded"], 1))
print(json.dumps(j))
PY
  tail -n 1 "$out"
}

echo "== key server on core 0, simulated members on core 1"
run_case 14 "$rate_members" 32 "rate-dh14"
run_case 19 "$rate_members" 32 "rate-dh19"
run_case 14 "$scale_members" "$scale_members" "burst-dh14-$scale_members"

/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"{'case':<22}{'dh':>4}{'members':>9}{'ok':>7}{'failed':>8}{'reg/s':>9}{'KS bytes/member':>17}")
for r in rows:
    print(f"{r['case']:<22}{r['dh_group']:>4}{r['members']:>9}{r['succeeded']:>7}{r['failed']:>8}"
          f"{r['registrations_per_s']:>9.1f}{r['rss_bytes_per_member']:>17}")
PY
