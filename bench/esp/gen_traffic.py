#!/usr/bin/python3
"""Traffic for bench/esp: Ethernet/IPv4/UDP frames, in clear (encrypt input)
and ESP-encrypted with the bench keys (decrypt input), written as pcaps.
Sizes are L2 frame sizes including the 4-byte FCS (64 B frame = 60 B in pcap).
Usage: gen_traffic.py OUTDIR
Writes OUTDIR/{clear,gcm128,cbc128sha1}-{64,imix,1400}.pcap
"""
import os
import sys

from scapy.all import IP, UDP, Ether, Raw, wrpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

SPI = 0x1234abcd
KEYS = {
    # must match bench_esp.cpp bench_tek(): byte i = 0x30 + i, auth byte i = 0x90 + i
    "gcm128": dict(crypt_algo="AES-GCM", crypt_key=bytes(0x30 + i for i in range(20)), auth_algo="NULL"),
    "cbc128sha1": dict(crypt_algo="AES-CBC", crypt_key=bytes(0x30 + i for i in range(16)),
                       auth_algo="HMAC-SHA1-96", auth_key=bytes(0x90 + i for i in range(20))),
}
MIXES = {
    "64": [64],
    "imix": [64] * 7 + [570] * 4 + [1518],  # 7:4:1
    "1400": [1400],
}
FLOWS = 16


def frame(size, i):
    # size includes the FCS the pcap does not carry
    payload = size - 4 - 14 - 20 - 8
    return (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
            / IP(src="10.1.0.%d" % (1 + i % FLOWS), dst="10.2.0.%d" % (1 + i % FLOWS), ttl=64)
            / UDP(sport=1024 + i % FLOWS, dport=5001) / Raw(bytes(payload)))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for mix, sizes in MIXES.items():
        clear = [Ether(bytes(frame(s, i))) for i, s in enumerate(sizes * (48 // len(sizes) or 1))]
        wrpcap(os.path.join(out, "clear-%s.pcap" % mix), clear)
        for xf, kw in KEYS.items():
            enc = []
            for i, f in enumerate(clear):
                ip = f[IP]
                sa = SecurityAssociation(ESP, spi=SPI, tunnel_header=IP(src=ip.src, dst=ip.dst, ttl=64), **kw)
                sa.seq_num = i + 1
                enc.append(Ether(src=f.src, dst=f.dst) / sa.encrypt(IP(bytes(ip))))
            wrpcap(os.path.join(out, "%s-%s.pcap" % (xf, mix)), enc)


if __name__ == "__main__":
    main()
