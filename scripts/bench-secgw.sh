#!/usr/bin/env bash
# DPDK's reference IPsec gateway (examples/ipsec-secgw from Debian's dpdk-doc) on the
# same traffic, vdevs and EAL options as scripts/bench.sh, one worker lcore, so our
# ESP engine can be compared with it side by side in one run (issue 3).
#
# The example is built from a temporary copy, changed in one place only: it asks
# the ports for RX checksum offload, which net_pcap does not have. Nothing of it is
# kept. Decrypt input carries one fixed outer address pair (ipsec-secgw's inbound
# tunnel SA checks it; see bench/esp/gen_secgw_traffic.py).
#
#   scripts/bench-secgw.sh [--quick]    table on stdout, bench/results/secgw.jsonl
# Environment: SECGW_CASES="enc-gcm128-64 ..." to run only some cases.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
secs=6
[ "${1:-}" = "--quick" ] && secs=3
py=/usr/bin/python3
examples=/usr/share/dpdk/examples/ipsec-secgw

if [ ! -f "$examples/ipsec-secgw.c" ]; then
    echo "installing dpdk-doc (ipsec-secgw sources) ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpdk-doc >/dev/null
fi

work=$(mktemp -d /tmp/gdoi-secgw.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "building ipsec-secgw from $examples ..." >&2
cp -r "$examples" "$work/src"
cp -r "$(dirname "$examples")/common" "$work/common" 2>/dev/null || true
sed -i 's/\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,/.offloads = 0,/' "$work/src/ipsec-secgw.c"
grep -q '\.offloads = 0,' "$work/src/ipsec-secgw.c" \
    || { echo "bench-secgw: could not remove the RX checksum offload requirement" >&2; exit 1; }
make -C "$work/src" >"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }
secgw=$work/src/build/ipsec-secgw

echo "generating traffic ..." >&2
"$py" "$top/bench/esp/gen_traffic.py" "$work/pcap" >/dev/null
"$py" "$top/bench/esp/gen_secgw_traffic.py" "$work/pcap" >/dev/null

# Keys as bench_esp.cpp and gen_traffic.py: byte i = 0x30 + i, auth byte i = 0x90 + i.
hexkey() { "$py" -c "print(':'.join('%02x' % ($1 + i) for i in range($2)))"; }
sa_algo() {
    if [ "$1" = gcm128 ]; then
        echo "aead_algo aes-128-gcm aead_key $(hexkey 0x30 20)"
    else
        echo "cipher_algo aes-128-cbc cipher_key $(hexkey 0x30 16) auth_algo sha1-hmac auth_key $(hexkey 0x90 20)"
    fi
}
# SPI 0x1234abcd as in gen_traffic.py. ipsec-secgw wants an inbound and an outbound SA
# whatever the direction measured; the unused one protects nothing the traffic hits.
write_cfg() {
    local xf=$1 algo
    algo=$(sa_algo "$xf")
    cat >"$work/$xf.cfg" <<EOF
sa out 5 $algo mode ipv4-tunnel src 172.16.0.1 dst 172.16.0.2
sa in 305441741 $algo mode ipv4-tunnel src 10.1.0.1 dst 10.2.0.1
sp ipv4 out esp protect 5 pri 1 dst 10.2.0.0/16 sport 0:65535 dport 0:65535
sp ipv4 in esp protect 305441741 pri 1 dst 10.2.0.0/16 sport 0:65535 dport 0:65535
rt ipv4 dst 172.16.0.0/16 port 1
rt ipv4 dst 10.2.0.0/16 port 1
EOF
}

# One case: Mpps = median of the per-second growth of "Total packets sent" (-t 1).
run_case() {
    local dir=$1 xf=$2 mix=$3 pcap unprotected
    if [ "$dir" = enc ]; then
        pcap=$work/pcap/clear-$mix.pcap; unprotected=0x2
    else
        pcap=$work/pcap/secgw-$xf-$mix.pcap; unprotected=0x1
    fi
    # Main lcore only: ipsec-secgw gives every enabled lcore a TX queue, and net_pcap
    # has one. The stats alarm runs on the EAL interrupt thread, not this lcore.
    # timeout ends it with SIGINT, by design: its status is not a failure here.
    { timeout -s INT $((secs + 2)) "$secgw" -l 1 -m 512 --no-huge --no-pci --no-shconf --log-level=error \
        --vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" --vdev "net_pcap1,tx_pcap=/dev/null" \
        --vdev crypto_aesni_mb0 -- -p 0x3 -P -u "$unprotected" --config "(0,0,1),(1,0,1)" \
        -f "$work/$xf.cfg" -t 1 2>&1 || true; } | tr -d '\033' |
        awk '/Total packets sent:/ { n++; if (n > 2) print $4 - last; last = $4 }' | sort -n |
        awk '{ v[n++] = $1 } END { if (n == 0) { print 0; exit } printf "%.3f", v[int(n / 2)] / 1e6 }'
}

mkdir -p "$top/bench/results"
out=$top/bench/results/secgw.jsonl
: >"$out.tmp"
printf '%-22s %10s\n' case secgw_Mpps
for xf in gcm128 cbc128sha1; do
    write_cfg "$xf"
done
for dir in enc dec; do
    for xf in gcm128 cbc128sha1; do
        for mix in 64 imix 1400; do
            name=$dir-$xf-$mix
            if [ -n "${SECGW_CASES:-}" ] && [[ " $SECGW_CASES " != *" $name "* ]]; then
                continue
            fi
            mpps=$(run_case "$dir" "$xf" "$mix")
            printf '%-22s %10s\n' "$name" "$mpps"
            printf '{"case":"%s","secgw_mpps":%s,"date":"%s"}\n' "$name" "$mpps" "$(date -u +%FT%TZ)" >>"$out.tmp"
        done
    done
done
mv "$out.tmp" "$out"
echo "wrote $out" >&2
