#!/usr/bin/env python3
"""UDP relay of labbench's flannel agent (udp backend).

Opens the TUN device (IFF_TUN | IFF_NO_PI, like flanneld's flannel0) and relays packets:
a packet read from the TUN is sent, unchanged apart from its TTL, as the payload of one UDP
datagram to port <port> of the PublicIP that leases its destination subnet; a datagram
received on <bind>:<port> is written to the TUN. As flannel's proxy does, the inner TTL is
decremented (and the header checksum fixed) on both legs, and a packet with no route gets an
ICMP "net unreachable" back.

The agent keeps all the logic: it sends the subnet table on stdin, one JSON object per line:
    {"routes": [["10.5.2.0/24", "192.168.100.13"], ...]}
The relay prints {"ready": true} on stdout once the TUN exists and the socket is bound, and
exits when stdin closes (the agent is gone). Python 3.6+, standard library only.
"""
import argparse
import fcntl
import json
import os
import select
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
MAX_PACKET = 65535


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ip_to_int(text):
    return struct.unpack("!I", socket.inet_aton(text))[0]


def parse_routes(message):
    routes = []
    for subnet, public_ip in message.get("routes", []):
        network, length = subnet.split("/")
        length = int(length)
        mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF if length else 0
        routes.append((ip_to_int(network) & mask, mask, length, public_ip))
    routes.sort(key=lambda r: -r[2])  # longest prefix first
    return routes


def lookup(routes, dst):
    for network, mask, _, public_ip in routes:
        if dst & mask == network:
            return public_ip
    return None


def header_checksum(header):
    total = 0
    for i in range(0, len(header), 2):
        total += (header[i] << 8) + header[i + 1]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def decrement_ttl(packet):
    """Decrements the IPv4 TTL in place and fixes the checksum; False when the packet must die."""
    if len(packet) < 20 or packet[0] >> 4 != 4:
        return False
    ihl = (packet[0] & 0x0F) * 4
    if packet[8] <= 1 or len(packet) < ihl:
        return False
    packet[8] -= 1
    packet[10:12] = b"\x00\x00"
    packet[10:12] = struct.pack("!H", header_checksum(packet[:ihl]))
    return True


def net_unreachable(packet, own_address):
    """An ICMP type 3 code 0 from own_address back to the packet's source."""
    ihl = (packet[0] & 0x0F) * 4
    quoted = bytes(packet[: ihl + 8])
    icmp = bytearray(struct.pack("!BBHI", 3, 0, 0, 0) + quoted)
    icmp[2:4] = struct.pack("!H", header_checksum(icmp + (b"\x00" if len(icmp) % 2 else b"")))
    total = 20 + len(icmp)
    header = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, 1, 0, socket.inet_aton(own_address), bytes(packet[12:16])))
    header[10:12] = struct.pack("!H", header_checksum(header))
    return bytes(header + icmp)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", default="flannel0")
    parser.add_argument("--bind", required=True, help="address to receive on (flannel's IfaceAddr)")
    parser.add_argument("--port", type=int, default=8285)
    parser.add_argument("--address", required=True, help="this host's flannel0 address, source of ICMP errors")
    args = parser.parse_args()

    tun = open_tun(args.dev)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.bind, args.port))
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()

    routes = []
    control = sys.stdin.buffer
    pending = b""
    while True:
        readable, _, _ = select.select([tun, sock, control], [], [])
        if control in readable:
            chunk = os.read(control.fileno(), 65536)
            if not chunk:
                return 0
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if line.strip():
                    routes = parse_routes(json.loads(line.decode()))
        if tun in readable:
            packet = bytearray(os.read(tun, MAX_PACKET))
            if len(packet) >= 20 and packet[0] >> 4 == 4:
                public_ip = lookup(routes, struct.unpack("!I", bytes(packet[16:20]))[0])
                if public_ip is None:
                    os.write(tun, net_unreachable(packet, args.address))
                elif decrement_ttl(packet):
                    try:
                        sock.sendto(packet, (public_ip, args.port))
                    except OSError as err:
                        sys.stderr.write("send to %s failed: %s\n" % (public_ip, err))
        if sock in readable:
            packet = bytearray(sock.recv(MAX_PACKET))
            if decrement_ttl(packet):
                try:
                    os.write(tun, packet)
                except OSError as err:
                    sys.stderr.write("write to %s failed: %s\n" % (args.dev, err))


if __name__ == "__main__":
    sys.exit(main())
