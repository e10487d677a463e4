#!/usr/bin/env python3
"""Instructions per packet of one bench_esp run under callgrind.

Reads `callgrind_annotate --inclusive=yes --tree=calling --threshold=100` on
stdin and the packet count as argv[1]; prints one JSON object:
  total   the worker loop (rx + engine + tx + bench bookkeeping)
  engine  inside esp_outbound / esp_inbound
  crypto  intel-ipsec-mb calls made by the engine (job API included)
  own     engine - crypto: our per-packet work
  io      net_pcap rx/tx (the I/O the bench pays, as testpmd would)
"""
import json
import re
import sys

line_re = re.compile(r"^\s*([\d,]+) \([ \d.]+%\)\s+([*>])\s+(.*)$")


def main():
    pkts = int(sys.argv[1])
    total = engine = crypto = io = 0
    block = ""
    for raw in sys.stdin:
        m = line_re.match(raw)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        kind, name = m.group(2), m.group(3)
        if kind == "*":
            block = name
            if "worker_loop" in name and "bench_esp.cpp" in name:
                total = max(total, ir)  # inlined parts have entries of their own
            continue
        if "worker_loop" in block:
            if "esp_outbound" in name or "esp_inbound" in name:
                engine += ir
            elif "net_pcap" in name or "rte_eth_" in name:
                io += ir
        elif "fastpath::esp::" in block and "libIPSec_MB" in name:
            crypto += ir
    per = lambda v: round(v / pkts, 1)
    print(json.dumps({"pkts": pkts, "total": per(total), "engine": per(engine), "crypto": per(crypto),
                      "own": per(engine - crypto), "io": per(io)}))


if __name__ == "__main__":
    main()
