#!/usr/bin/python3
"""Decrypt input for DPDK's ipsec-secgw (scripts/bench-secgw.sh): the same frames,
sizes and keys as gen_traffic.py, but every packet's outer header carries the one
tunnel address pair ipsec-secgw's inbound SA checks (10.1.0.1 -> 10.2.0.1). Our
engine gets outer = inner (header preservation); the crypto work is identical.
Usage: gen_secgw_traffic.py OUTDIR
Writes OUTDIR/secgw-{gcm128,cbc128sha1}-{64,imix,1400}.pcap
"""
import os
import sys

from scapy.all import IP, Ether, wrpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_traffic import KEYS, MIXES, SPI, frame  # noqa: E402

TUNNEL_SRC = "10.1.0.1"
TUNNEL_DST = "10.2.0.1"


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for mix, sizes in MIXES.items():
        clear = [Ether(bytes(frame(s, i))) for i, s in enumerate(sizes * (48 // len(sizes) or 1))]
        for xf, kw in KEYS.items():
            sa = SecurityAssociation(ESP, spi=SPI, tunnel_header=IP(src=TUNNEL_SRC, dst=TUNNEL_DST, ttl=64), **kw)
            enc = []
            for i, f in enumerate(clear):
                sa.seq_num = i + 1
                enc.append(Ether(src=f.src, dst=f.dst) / sa.encrypt(IP(bytes(f[IP]))))
            wrpcap(os.path.join(out, "secgw-%s-%s.pcap" % (xf, mix)), enc)


if __name__ == "__main__":
    main()
