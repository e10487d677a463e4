#!/usr/bin/env bash
# DPDK's reference IPsec gateway (examples/ipsec-secgw from Debian's dpdk-doc) on the
# same traffic, vdevs and EAL options as scripts/bench.sh, one worker lcore, so our
# ESP engine is compared with it side by side in one run (issue 3). bench.sh calls
# it for every case; it also runs on its own.
#
# The example is built from a temporary copy, changed in one place only: it asks
# the ports for RX checksum offload, which net_pcap does not have. Nothing of it is
# kept. Decrypt input carries one fixed outer address pair (ipsec-secgw's inbound
# tunnel SA checks it; see bench/esp/gen_secgw_traffic.py).
#
#   scripts/bench-secgw.sh [--quick]        every case: table, bench/results/secgw.jsonl
#   scripts/bench-secgw.sh build DIR        build it and its traffic into DIR
#   scripts/bench-secgw.sh run DIR CASE S   one case (enc-gcm128-64, ...) for S seconds: Mpps
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
examples=/usr/share/dpdk/examples/ipsec-secgw

# Keys as bench_esp.cpp and gen_traffic.py: byte i = 0x30 + i, auth byte i = 0x90 + i.
hexkey() { "$py" -c "print(':'.join('%02x' % ($1 + i) for i in range($2)))"; }
sa_algo() {
    if [ "$1" = gcm128 ]; then
        echo "aead_algo aes-128-gcm aead_key $(hexkey 0x30 20)"
    else
        echo "cipher_algo aes-128-cbc cipher_key $(hexkey 0x30 16) auth_algo sha1-hmac auth_key $(hexkey 0x90 20)"
    fi
}

build() {
    local dir=$1 xf algo
    if [ ! -f "$examples/ipsec-secgw.c" ]; then
        echo "installing dpdk-doc (ipsec-secgw sources) ..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpdk-doc >/dev/null
    fi
    mkdir -p "$dir"
    echo "building ipsec-secgw from $examples ..." >&2
    rm -rf "$dir/src" && cp -r "$examples" "$dir/src"
    sed -i 's/\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,/.offloads = 0,/' "$dir/src/ipsec-secgw.c"
    grep -q '\.offloads = 0,' "$dir/src/ipsec-secgw.c" \
        || { echo "bench-secgw: could not remove the RX checksum offload requirement" >&2; return 1; }
    make -j"$(nproc)" -C "$dir/src" >"$dir/build.log" 2>&1 || { tail -20 "$dir/build.log" >&2; return 1; }
    "$py" "$top/bench/esp/gen_traffic.py" "$dir/pcap" >/dev/null
    "$py" "$top/bench/esp/gen_secgw_traffic.py" "$dir/pcap" >/dev/null
    # SPI 0x1234abcd as in gen_traffic.py. ipsec-secgw wants an inbound and an outbound SA
    # whatever the direction measured.
    for xf in gcm128 cbc128sha1; do
        algo=$(sa_algo "$xf")
        cat >"$dir/$xf.cfg" <<CFG
sa out 5 $algo mode ipv4-tunnel src 172.16.0.1 dst 172.16.0.2
sa in 305441741 $algo mode ipv4-tunnel src 10.1.0.1 dst 10.2.0.1
sp ipv4 out esp protect 5 pri 1 dst 10.2.0.0/16 sport 0:65535 dport 0:65535
sp ipv4 in esp protect 305441741 pri 1 dst 10.2.0.0/16 sport 0:65535 dport 0:65535
rt ipv4 dst 172.16.0.0/16 port 1
rt ipv4 dst 10.2.0.0/16 port 1
CFG
    done
}

# run DIR CASE SECONDS: Mpps = median per-second growth of "Total packets sent" (-t 1),
# from the second report on (the first second includes start-up).
run() {
    local dir=$1 name=$2 secs=$3 dir_ xf mix pcap unprotected
    IFS=- read -r dir_ xf mix <<<"$name"
    if [ "$dir_" = enc ]; then
        pcap=$dir/pcap/clear-$mix.pcap; unprotected=0x2
    else
        pcap=$dir/pcap/secgw-$xf-$mix.pcap; unprotected=0x1
    fi
    # Main lcore only: ipsec-secgw gives every enabled lcore a TX queue, and net_pcap
    # has one. The stats alarm runs on the EAL interrupt thread, not this lcore.
    # timeout ends it with SIGINT, by design: its status is not a failure here.
    { timeout -s INT $((secs + 2)) "$dir/src/build/ipsec-secgw" -l 1 -m 512 --no-huge --no-pci --no-shconf \
        --log-level=error --vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" --vdev "net_pcap1,tx_pcap=/dev/null" \
        --vdev crypto_aesni_mb0 -- -p 0x3 -P -u "$unprotected" --config "(0,0,1),(1,0,1)" \
        -f "$dir/$xf.cfg" -t 1 2>&1 || true; } | tr -d '\033' |
        awk '/Total packets sent:/ { n++; if (n > 1) print $4 - last; last = $4 }' | sort -n |
        awk '{ v[n++] = $1 } END { if (n == 0) { print 0; exit } printf "%.3f", v[int(n / 2)] / 1e6 }'
}

case "${1:-}" in
    build) build "$2"; exit ;;
    run) run "$2" "$3" "$4"; exit ;;
esac

secs=6
[ "${1:-}" = "--quick" ] && secs=3
work=$(mktemp -d /tmp/gdoi-secgw.XXXXXX)
trap 'rm -rf "$work"' EXIT
build "$work"
mkdir -p "$top/bench/results"
out=$top/bench/results/secgw.jsonl
: >"$out.tmp"
printf '%-22s %10s\n' case secgw_Mpps
for d in enc dec; do
    for xf in gcm128 cbc128sha1; do
        for mix in 64 imix 1400; do
            name=$d-$xf-$mix
            mpps=$(run "$work" "$name" "$secs")
            printf '%-22s %10s\n' "$name" "$mpps"
            printf '{"case":"%s","secgw_mpps":%s,"date":"%s"}\n' "$name" "$mpps" "$(date -u +%FT%TZ)" >>"$out.tmp"
        done
    done
done
mv "$out.tmp" "$out"
echo "wrote $out" >&2
