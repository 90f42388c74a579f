#!/usr/bin/env python3
"""Many connections open at once to the native web server, each asking for its page twice over keep-alive.

usage: tests/httpd_concurrent.py PORT PAGE CONNECTIONS
Exits 0 when every answer is a 200 whose body is PAGE's bytes exactly; otherwise says what went wrong.
"""
import socket
import sys

REQUEST = b"GET / HTTP/1.1\r\nHost: mica\r\n\r\n"


def answer(sock, size):
    """One response from sock: (head, body), reading until the head and size bytes of body are in."""
    got = b""
    while b"\r\n\r\n" not in got or len(got.split(b"\r\n\r\n", 1)[1]) < size:
        data = sock.recv(65536)
        if not data:
            raise EOFError("the server closed a connection early")
        got += data
    return got.split(b"\r\n\r\n", 1)


def main():
    port, page, count = int(sys.argv[1]), open(sys.argv[2], "rb").read(), int(sys.argv[3])
    socks = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(count)]
    for _ in range(2):
        for s in socks:
            s.sendall(REQUEST)
        for s in socks:
            head, body = answer(s, len(page))
            if not head.startswith(b"HTTP/1.1 200 ") or body != page:
                sys.exit("a wrong answer: %r" % head[:40])
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
