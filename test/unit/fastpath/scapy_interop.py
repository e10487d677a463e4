#!/usr/bin/python3
"""Interop of the ESP engine with independent implementations.

For every transform scapy knows: our encrypt -> scapy decrypts, scapy encrypts
-> we decrypt (SecurityAssociation with tunnel_header = the inner addresses,
i.e. header preservation), and tshark's esp_sa decryption of our output
shows esp.icv_good and the inner packet. Writes "<passed> <failed>" to $GDOI_TEST_RESULTS/<name>.counts.
Usage: scapy_interop.py ESP_TOOL
"""
import os
import subprocess
import sys
import tempfile

from scapy.all import IP, UDP, Raw, wrpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

TOOL = sys.argv[1]
SPI = 0x1234abcd

# name, scapy crypt, scapy auth, cipher key bytes (GCM: + salt), auth key bytes,
# tshark encryption, tshark authentication
TRANSFORMS = [
    ("gcm128", "AES-GCM", "NULL", 20, 0, "AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
    ("gcm256", "AES-GCM", "NULL", 36, 0, "AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
    ("cbc128-sha1", "AES-CBC", "HMAC-SHA1-96", 16, 20, "AES-CBC [RFC3602]", "HMAC-SHA-1-96 [RFC2404]"),
    ("cbc256-sha1", "AES-CBC", "HMAC-SHA1-96", 32, 20, "AES-CBC [RFC3602]", "HMAC-SHA-1-96 [RFC2404]"),
    ("cbc128-sha256", "AES-CBC", "SHA2-256-128", 16, 32, "AES-CBC [RFC3602]", "HMAC-SHA-256-128 [RFC4868]"),
    ("cbc256-sha256", "AES-CBC", "SHA2-256-128", 32, 32, "AES-CBC [RFC3602]", "HMAC-SHA-256-128 [RFC4868]"),
    ("3des-sha1", "3DES", "HMAC-SHA1-96", 24, 20, "TripleDES-CBC [RFC2451]", "HMAC-SHA-1-96 [RFC2404]"),
]

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def inner_packets():
    pkts = []
    for i, size in enumerate([0, 1, 13, 64, 333, 1400]):
        pkts.append(IP(src="192.0.2.%d" % (i + 1), dst="198.51.100.%d" % (i + 7), tos=0xb8 if i % 2 else 0,
                       ttl=40 + i, flags="DF" if i % 2 else 0, id=100 + i)
                    / UDP(sport=1000 + i, dport=2000) / Raw(bytes((j * 7 + i) & 0xff for j in range(size))))
    return [IP(bytes(p)) for p in pkts]  # checksums filled in


def run_tool(mode, name, ckey, akey, lines, tmp):
    src = os.path.join(tmp, "in.hex")
    dst = os.path.join(tmp, "out.hex")
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run([TOOL, mode, name, hex(SPI), ckey.hex(), akey.hex() if akey else "-", src, dst], check=True)
    with open(dst) as f:
        return [l.strip() for l in f if l.strip()]


def main():
    inner = inner_packets()
    with tempfile.TemporaryDirectory() as tmp:
        for name, calgo, aalgo, ck, ak, ts_enc, ts_auth in TRANSFORMS:
            ckey = bytes((0x30 + i) & 0xff for i in range(ck))
            akey = bytes((0x90 + i) & 0xff for i in range(ak))
            kw = dict(crypt_algo=calgo, crypt_key=ckey, auth_algo=aalgo)
            if ak:
                kw["auth_key"] = akey

            # ours -> scapy
            out = run_tool("enc", name, ckey, akey, [bytes(p).hex() for p in inner], tmp)
            check(len(out) == len(inner), name + ": tool encrypted every packet")
            ours = []
            for p, line in zip(inner, out):
                e = IP(bytes.fromhex(line))
                ours.append(bytes(e))  # scapy's decrypt() below consumes the packet object
                check(e.proto == 50 and e.src == p.src and e.dst == p.dst and e.tos == p.tos and e.ttl == p.ttl
                      and e.flags == p.flags, name + ": outer header preserves the inner one")
                sa = SecurityAssociation(ESP, spi=SPI, tunnel_header=IP(src=p.src, dst=p.dst), **kw)
                try:
                    d = sa.decrypt(e)
                    check(bytes(d) == bytes(p), name + ": scapy decrypts ours to the original")
                except Exception as ex:  # noqa: BLE001 - any failure is a test failure
                    check(False, "%s: scapy decrypt raised %r" % (name, ex))

            # scapy -> ours
            lines = []
            for i, p in enumerate(inner):
                sa = SecurityAssociation(ESP, spi=SPI, tunnel_header=IP(src=p.src, dst=p.dst), **kw)
                sa.seq_num = i + 1
                lines.append(bytes(sa.encrypt(p)).hex())
            back = run_tool("dec", name, ckey, akey, lines, tmp)
            for p, line in zip(inner, back):
                check(line == bytes(p).hex(), name + ": we decrypt scapy's packet to the original (" + line[:20] + ")")
            # A tampered scapy packet is refused.
            bad = bytearray(bytes.fromhex(lines[3]))
            bad[len(bad) // 2] ^= 0x20
            res = run_tool("dec", name, ckey, akey, [bad.hex()], tmp)
            check(res == ["drop bad_icv"], name + ": tampered scapy packet dropped as bad_icv, got %r" % res)

            # tshark decrypts ours and finds every ICV good.
            pcap = os.path.join(tmp, name + ".pcap")
            wrpcap(pcap, [IP(b) for b in ours])
            uat = 'uat:esp_sa:"IPv4","*","*","0x%08x","%s","0x%s","%s","0x%s"' % (
                SPI, ts_enc, ckey.hex(), ts_auth, akey.hex())
            # UDP 2000 as plain data: an inner dissector exception would cut the ESP tree short.
            r = subprocess.run(["tshark", "-n", "-r", pcap, "-d", "udp.port==2000,data", "-o", "esp.enable_encryption_decode:TRUE",
                                "-o", "esp.enable_authentication_check:TRUE", "-o", uat,
                                "-T", "fields", "-E", "occurrence=l", "-e", "esp.icv_good", "-e", "esp.protocol",
                                "-e", "esp.pad_len", "-e", "udp.dstport"],
                               capture_output=True, text=True)
            rows = [l.split("\t") for l in r.stdout.splitlines()]
            # ICV good, trailer decrypted to next header 4, inner UDP found.
            good = [row for row in rows if len(row) == 4 and row[0] in ("1", "True")
                    and row[1] in ("4", "0x04", "0x4") and row[2] != "" and row[3] == "2000"]
            check(len(good) == len(inner), "%s: tshark decrypts all our packets (icv_good/next header/inner UDP): %r %s"
                  % (name, rows, r.stderr[:300]))

    res = os.environ.get("GDOI_TEST_RESULTS")
    if res:
        os.makedirs(res, exist_ok=True)
        with open(os.path.join(res, "scapy_interop.counts"), "w") as f:
            f.write("%d %d\n" % (passed, failed))
    print("scapy/tshark interop: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
