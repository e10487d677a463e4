# A UDP stream whose integrity the integration tests check: the sender and the
# receiver each print "<datagrams> <sha256 of the payloads>"; equal lines mean the
# stream arrived whole and in order.
#   udp_stream.py recv ADDR PORT COUNT        (gives up 5 s after the last datagram)
#   udp_stream.py send ADDR PORT COUNT SIZE   (seeded payloads, 5 ms apart)
# A multicast ADDR works too: the receiver joins the group, the sender gives it a
# TTL of 8 so that routers forward it.
import hashlib
import ipaddress
import random
import socket
import sys
import time

mode, addr, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
h, n = hashlib.sha256(), 0
group = ipaddress.ip_address(addr).is_multicast
if mode == "recv":
    s.bind((addr, port))
    if group:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(addr) + socket.inet_aton("0.0.0.0"))
    s.settimeout(5)
    try:
        while n < count:
            data, _ = s.recvfrom(65535)
            h.update(data)
            n += 1
    except socket.timeout:
        pass
else:
    size = int(sys.argv[5])
    if group:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
    random.seed(7)
    for n in range(1, count + 1):
        data = bytes(random.getrandbits(8) for _ in range(size))
        h.update(data)
        s.sendto(data, (addr, port))
        time.sleep(0.005)
print(n, h.hexdigest())
