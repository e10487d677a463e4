#!/usr/bin/env bash
# ESP engine benchmark (issue 3): our encrypt/decrypt rate on one worker lcore
# between two net_pcap ports, and in the same run the two ceilings on the same
# traffic and vdevs: crypto (dpdk-test-crypto-perf, crypto_aesni_mb) and I/O
# (dpdk-testpmd io forwarding). Prints a table and writes
# bench/results/latest.jsonl; the ratio is ours / (1 / (1/io + 1/crypto)).
#   scripts/bench.sh [--quick]      (--quick: every case briefly, < 3 minutes)
#       Each case also runs DPDK's ipsec-secgw on the same traffic right after
#       ours (scripts/bench-secgw.sh): columns secgw_Mpps and x_secgw. If it
#       cannot be built here, they print "-" (null in the JSON).
#   scripts/bench.sh --callgrind    instructions per packet of every case under
#       valgrind's callgrind (total, engine, crypto, our own, I/O): repeatable
#       on a loaded machine, where packet rates are not.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
quick=0
callgrind=0
case "${1:-}" in
    --quick) quick=1 ;;
    --callgrind) callgrind=1 ;;
esac
if [ "$quick" = 1 ]; then
    ours_s=1; io_s=2; crypto_ops=1000000
else
    ours_s=5; io_s=8; crypto_ops=20000000
fi
py=/usr/bin/python3
work=$(mktemp -d /tmp/gdoi-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
eal=(-l 0,1 -m 512 --no-huge --no-pci --no-shconf --log-level=error)

# Build the bench from the sources it needs, optimised, independent of the
# state of the rest of the tree.
# DPDK's ipsec-secgw for the side-by-side columns builds on the other core
# meanwhile (not needed for --callgrind).
secgw_dir=$work/secgw
if [ "$callgrind" = 0 ]; then
    "$top/scripts/bench-secgw.sh" build "$secgw_dir" &
    secgw_build=$!
fi
echo "building bench_esp ..." >&2
bin=$work/bench_esp
g++ -std=c++20 -O3 -g -DNDEBUG -I"$top/lib" $(pkg-config --cflags libdpdk | sed 's/-I/-isystem /g') \
    "$top/bench/esp/bench_esp.cpp" "$top"/lib/fastpath/esp/*.cpp \
    "$top/lib/tbar/replay.cpp" "$top/lib/tbar/clock.cpp" "$top/lib/tbar/metadata.cpp" \
    "$top/lib/core/counters.cpp" \
    -o "$bin" $(pkg-config --libs libdpdk) -lIPSec_MB -lpthread

echo "generating traffic ..." >&2
"$py" "$top/bench/esp/gen_traffic.py" "$work/pcap"

vdevs() {
    echo --vdev "net_pcap0,rx_pcap=$1,infinite_rx=1" --vdev "net_pcap1,tx_pcap=/dev/null"
}

pcap_of() { # dir xf mix
    if [ "$1" = enc ]; then echo "$work/pcap/clear-$3.pcap"; else echo "$work/pcap/$2-$3.pcap"; fi
}

if [ "$callgrind" = 1 ]; then
    # Only the worker loop is measured; intel-ipsec-mb takes its AVX2 code path
    # under valgrind (no AVX512 there), so crypto counts are not the VAES ones.
    mkdir -p "$top/bench/results"
    out=$top/bench/results/callgrind.jsonl
    : > "$out.tmp"
    printf '%-22s %8s %8s %8s %8s %8s %8s\n' case pkts total engine crypto own io
    for dir in enc dec; do
        for xf in gcm128 cbc128sha1; do
            for mix in 64 imix 1400; do
                res=$(valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --collect-atstart=no \
                    --toggle-collect='*worker_loop*' "$bin" "${eal[@]}" $(vdevs "$(pcap_of $dir $xf $mix)") -- \
                    "$dir" "$xf" 2 2>/dev/null)
                pkts=$(echo "$res" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["rx"])')
                ir=$(callgrind_annotate --inclusive=yes --tree=calling --threshold=100 "$work/cg.out" 2>/dev/null |
                    "$py" "$top/bench/esp/ir_per_packet.py" "$pkts")
                echo "$ir" | "$py" -c 'import json,sys; r=json.load(sys.stdin); print("%-22s %8d %8.0f %8.0f %8.0f %8.0f %8.0f" % (sys.argv[1], r["pkts"], r["total"], r["engine"], r["crypto"], r["own"], r["io"]))' "$dir-$xf-$mix"
                echo "$ir" | "$py" -c 'import json,sys; r=json.load(sys.stdin); r={"case": sys.argv[1], **r}; print(json.dumps(r))' "$dir-$xf-$mix" >> "$out.tmp"
            done
        done
    done
    mv "$out.tmp" "$out"
    echo "wrote $out" >&2
    exit 0
fi

# I/O ceiling: testpmd io forwarding on the same vdevs; median Tx-pps of port 1.
declare -A io_cache
io_ceiling() {
    local pcap=$1
    if [ -z "${io_cache[$pcap]:-}" ]; then
        io_cache[$pcap]=$(timeout -s INT $((io_s + 2)) dpdk-testpmd "${eal[@]}" $(vdevs "$pcap") -- \
            --forward-mode=io --nb-cores=1 --total-num-mbufs=16384 --auto-start --stats-period 1 2>/dev/null |
            awk '/Tx-pps:/ && $2 > 0 { print $2 }' | sort -n |
            awk '{ v[n++] = $1 } END { if (n == 0) { print 0; exit } printf "%.3f", v[int(n / 2)] / 1e6 }')
    fi
    echo "${io_cache[$pcap]}"
}

# Crypto ceiling for one buffer size: Mops from dpdk-test-crypto-perf throughput.
crypto_one() {
    local xf=$1 dir=$2 size=$3 args
    if [ "$xf" = gcm128 ]; then
        args=(--optype aead --aead-algo aes-gcm --aead-op "$([ "$dir" = enc ] && echo encrypt || echo decrypt)"
              --aead-key-sz 16 --aead-iv-sz 12 --aead-aad-sz 8 --digest-sz 16)
    else
        if [ "$dir" = enc ]; then
            args=(--optype cipher-then-auth --cipher-op encrypt --auth-op generate)
        else
            # crypto-perf wants a vector file for decrypt+verify; hash-then-encrypt
            # does the same HMAC and a CBC pass (CBC decryption is the faster one,
            # so this ceiling is a little low and the ratio a little high).
            args=(--optype auth-then-cipher --cipher-op encrypt --auth-op generate)
        fi
        args+=(--cipher-algo aes-cbc --cipher-key-sz 16 --cipher-iv-sz 16
               --auth-algo sha1-hmac --auth-key-sz 20 --digest-sz 12)
    fi
    dpdk-test-crypto-perf "${eal[@]}" --vdev crypto_aesni_mb0 -- --ptest throughput \
        --devtype crypto_aesni_mb "${args[@]}" --buffer-sz "$size" --burst-sz 32 \
        --total-ops "$crypto_ops" --silent 2>/dev/null |
        awk '$1 ~ /^[0-9]+$/ && NF >= 10 { print $8 }' | tail -n 1
}

# Bytes the cipher processes for an L2 frame of $1 bytes (FCS included):
# inner IPv4 + pad + 2, aligned to 4 (GCM) or 16 (CBC).
text_len() {
    local ip=$(($1 - 4 - 14)) align=$([ "$2" = gcm128 ] && echo 4 || echo 16)
    echo $(((ip + 2 + align - 1) / align * align))
}

# Crypto ceiling of a traffic mix: weighted harmonic mean over its sizes.
declare -A crypto_cache
crypto_ceiling() {
    local xf=$1 dir=$2 mix=$3 sizes key
    case $mix in
        64) sizes="64:1" ;;
        1400) sizes="1400:1" ;;
        imix) sizes="64:7 570:4 1518:1" ;;
    esac
    key=$xf-$dir-$mix
    if [ -z "${crypto_cache[$key]:-}" ]; then
        local total=0 inv=0 s w r
        for sw in $sizes; do
            s=${sw%%:*}; w=${sw##*:}
            r=$(crypto_one "$xf" "$dir" "$(text_len "$s" "$xf")")
            total=$((total + w))
            inv=$(awk -v i="$inv" -v w="$w" -v r="$r" 'BEGIN { printf "%.9f", i + w / r }')
        done
        crypto_cache[$key]=$(awk -v t="$total" -v i="$inv" 'BEGIN { printf "%.3f", t / i }')
    fi
    echo "${crypto_cache[$key]}"
}

secgw=1
wait "$secgw_build" || { secgw=0; echo "ipsec-secgw not available: no side-by-side" >&2; }

mkdir -p "$top/bench/results"
out=$top/bench/results/latest.jsonl
: > "$out.tmp"
fmt='%-22s %8s %8s %12s %10s %9s %7s %10s %10s %8s\n'
printf "$fmt" case Mpps Gbit/s crypto_Mops io_Mpps limit ratio engine_ns secgw_Mpps x_secgw
for dir in enc dec; do
    for xf in gcm128 cbc128sha1; do
        for mix in 64 imix 1400; do
            pcap=$(pcap_of "$dir" "$xf" "$mix")
            res=$("$bin" "${eal[@]}" $(vdevs "$pcap") -- "$dir" "$xf" "$ours_s")
            mpps=$(echo "$res" | "$py" -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["mpps"])')
            gbps=$(echo "$res" | "$py" -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["gbps"])')
            eng=$(echo "$res" | "$py" -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["engine_ns_per_pkt"])')
            io=$(io_ceiling "$pcap")
            cr=$(crypto_ceiling "$xf" "$dir" "$mix")
            limit=$(awk -v a="$io" -v b="$cr" 'BEGIN { printf "%.3f", 1 / (1 / a + 1 / b) }')
            ratio=$(awk -v m="$mpps" -v l="$limit" 'BEGIN { printf "%.3f", m / l }')
            name=$dir-$xf-$mix
            sg=null; vs=null
            if [ "$secgw" = 1 ]; then
                sg=$("$top/scripts/bench-secgw.sh" run "$secgw_dir" "$name" "$((ours_s + 1))")
                vs=$(awk -v m="$mpps" -v s="$sg" 'BEGIN { if (s > 0) printf "%.3f", m / s; else print "null" }')
            fi
            printf "$fmt" "$name" "$mpps" "$gbps" "$cr" "$io" "$limit" "$ratio" "$eng" "${sg/null/-}" "${vs/null/-}"
            printf '{"case":"%s","mpps":%s,"gbps":%s,"crypto_ceiling_mops":%s,"io_ceiling_mpps":%s,"serial_limit_mpps":%s,"limit_ratio":%s,"engine_ns_per_pkt":%s,"secgw_mpps":%s,"vs_secgw":%s,"quick":%s,"date":"%s"}\n' \
                "$name" "$mpps" "$gbps" "$cr" "$io" "$limit" "$ratio" "$eng" "$sg" "$vs" \
                "$([ "$quick" = 1 ] && echo true || echo false)" "$(date -u +%FT%TZ)" >> "$out.tmp"
        done
    done
done
mv "$out.tmp" "$out"
echo "wrote $out" >&2
