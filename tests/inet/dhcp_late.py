#!/usr/bin/env python3
"""A DHCP server that answers late, on the other end of a guest's dgram network device (127.0.0.1 only).

QEMU's virtio-net device with a dgram backend sends every guest frame as one UDP datagram to this
script's socket and takes every datagram sent to its own socket as one received frame, so the script
speaks Ethernet itself. It stays silent for LATE seconds after the guest's first DHCPDISCOVER (lx falls
back to 10.0.2.15/24 via 10.0.2.2 after 3 s), then offers ADDRESS/24 with no router for 120 s and
acknowledges the request for it. With RENEWED, it refuses the renewal (lwIP's first, 60 s on; a DHCPNAK
takes the address away) and gives RENEWED instead. After each acknowledgement the script asks by ARP who
has the new address (the guest must answer: it claimed it) and who has the one before (nobody may answer).
It answers ARP for its own address, which a renewal (sent to the server) asks first.
usage: dhcp_late.py OWN_PORT GUEST_PORT LATE ADDRESS TOTAL [RENEWED]
"""
import socket
import struct
import sys
import time

SERVER_IP = bytes([10, 0, 2, 2])
SERVER_MAC = bytes.fromhex("525500000002")
BROADCAST = b"\xff" * 6
FALLBACK_IP = bytes([10, 0, 2, 15])
MAGIC = b"\x63\x82\x53\x63"
failures = 0


def report(name, ok, detail=""):
    global failures
    print(("ok inet/%s" % name) if ok else ("not ok inet/%s: %s" % (name, detail)), flush=True)
    failures += not ok


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(dst_mac, payload):
    """An Ethernet frame of an IPv4 UDP datagram from the server's port 67 to the broadcast address's 68."""
    udp = struct.pack("!HHHH", 67, 68, 8 + len(payload), 0) + payload  # checksum 0: none, as IPv4 allows
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, SERVER_IP, b"\xff" * 4)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + SERVER_MAC + struct.pack("!H", 0x0800) + ip + udp


def dhcp_of(frame):
    """(message type, xid, chaddr) of a DHCP request in frame (UDP from port 68 to 67), or None."""
    if len(frame) < 14 + 20 + 8 + 240 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return None
    ihl = (frame[14] & 15) * 4
    udp = frame[14 + ihl:]
    if struct.unpack("!HH", udp[:4]) != (68, 67):
        return None
    bootp = udp[8:]
    if len(bootp) < 240 or bootp[236:240] != MAGIC:
        return None
    xid, chaddr = bootp[4:8], bootp[28:44]
    opts, i, kind = bootp[240:], 0, None
    while i < len(opts) and opts[i] != 255:
        if opts[i] == 0:
            i += 1
            continue
        if i + 1 >= len(opts):
            break
        if opts[i] == 53 and opts[i + 1] == 1 and i + 2 < len(opts):
            kind = opts[i + 2]
        i += 2 + opts[i + 1]
    return (kind, xid, chaddr) if kind else None


def reply(kind, xid, chaddr, address):
    """A DHCPOFFER (2) or DHCPACK (5) of address/24 for 120 s, no router; or a DHCPNAK (6)."""
    bootp = struct.pack("!BBBB", 2, 1, 6, 0) + xid + b"\0" * 8 + address + SERVER_IP + b"\0" * 4 + chaddr
    bootp += b"\0" * 192 + MAGIC
    bootp += bytes([53, 1, kind, 54, 4]) + SERVER_IP
    if kind != 6:
        bootp += bytes([51, 4]) + struct.pack("!I", 120) + bytes([1, 4, 255, 255, 255, 0])
    bootp += b"\xff"
    return udp_frame(BROADCAST, bootp.ljust(300, b"\0"))


def arp(op, dst_mac, target_mac, target):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + SERVER_MAC + SERVER_IP + target_mac + target
    return dst_mac + SERVER_MAC + struct.pack("!H", 0x0806) + body


def arp_request(target):
    return arp(1, BROADCAST, b"\0" * 6, target)


def is_arp_request_for_server(frame):
    return len(frame) >= 42 and frame[12:14] == b"\x08\x06" and frame[20:22] == b"\x00\x01" and frame[38:42] == SERVER_IP


def is_arp_reply(frame, sender):
    return len(frame) >= 42 and frame[12:14] == b"\x08\x06" and frame[20:22] == b"\x00\x02" and frame[28:32] == sender


class Checks:
    """The ARP checks after an acknowledgement: the new address answers, the one before does not."""

    def __init__(self, name, new, old, acked):
        self.name, self.new, self.old, self.acked = name, new, old, acked
        self.asked_new = self.asked_old = None
        self.new_answered = self.old_answered = False

    def step(self, s, to, now):
        """Send what is due; True once done."""
        if not self.asked_new and now > self.acked + 1.5:
            self.asked_new = now
            s.sendto(arp_request(self.new), to)
        if self.asked_new and not self.asked_old and (self.new_answered or now > self.asked_new + 3):
            self.asked_old = now
            s.sendto(arp_request(self.old), to)
        return self.asked_old is not None and now > self.asked_old + 2

    def seen(self, frame):
        self.new_answered |= is_arp_reply(frame, self.new)
        self.old_answered |= self.asked_old is not None and is_arp_reply(frame, self.old)

    def report(self):
        report("%s-arp-new-address" % self.name, self.new_answered, "no ARP answer for the leased address")
        report("%s-arp-old-gone" % self.name, self.asked_old is not None and not self.old_answered,
               "the address before answered (or was not asked)")


def main():
    own, guest, late, total = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[5])
    addresses = [socket.inet_aton(a) for a in [sys.argv[4]] + sys.argv[6:7]]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", own))
    to = ("127.0.0.1", guest)
    end = time.monotonic() + total
    first = None  # when the first DISCOVER came
    ignored = 0
    lease = 0  # the address being offered: addresses[lease]
    naks = 0
    checks = []  # one per acknowledgement
    guest_mac = b"\0" * 6
    while time.monotonic() < end:
        now = time.monotonic()
        if len(checks) == len(addresses) and all(c.step(s, to, now) for c in checks):
            break
        for c in checks:
            c.step(s, to, now)
        s.settimeout(0.2)
        try:
            frame = s.recv(4096)
        except socket.timeout:
            continue
        for c in checks:
            c.seen(frame)
        if is_arp_request_for_server(frame):
            s.sendto(arp(2, frame[6:12], frame[6:12], frame[28:32]), to)
        d = dhcp_of(frame)
        if not d:
            continue
        kind, xid, chaddr = d
        guest_mac = chaddr[:6]
        if first is None:
            first = now
        if now < first + late:
            ignored += 1
            continue
        if kind == 1 and lease < len(addresses):
            s.sendto(reply(2, xid, chaddr, addresses[lease]), to)
        elif kind == 3 and len(checks) == lease + 1 and lease + 1 < len(addresses):
            s.sendto(reply(6, xid, chaddr, b"\0" * 4), to)  # the renewal: refused, the next offer is another
            naks += 1
            lease += 1
        elif kind == 3 and len(checks) == lease and lease < len(addresses):
            s.sendto(reply(5, xid, chaddr, addresses[lease]), to)
            before = addresses[lease - 1] if lease else FALLBACK_IP
            checks.append(Checks("dhcp-late" if not lease else "dhcp-renew", addresses[lease], before, now))
    report("dhcp-late-silent-first", ignored >= 2, "%d DISCOVERs left unanswered in the first %g s" % (ignored, late))
    report("dhcp-late-acked", len(checks) >= 1, "no REQUEST for the late offer (guest %s)" % guest_mac.hex())
    if len(addresses) > 1:
        report("dhcp-renew-refused-and-acked", naks == 1 and len(checks) == 2,
               "%d renewals refused, %d leases acknowledged" % (naks, len(checks)))
    for c in checks:
        c.report()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
