# Python's http.server and urllib over TCP on 127.0.0.1, inside one machine; and an asyncio TCP echo on ::1 or 127.0.0.1.
import asyncio
import http.server
import socket
import threading
import urllib.request


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from %s\n" % self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
port = server.server_address[1]
t = threading.Thread(target=server.serve_forever)
t.start()
for path in ("/", "/index.html", "/a/b?c=d"):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path)) as r:
        print(r.status, r.read().decode().strip())
server.shutdown()
server.server_close()
t.join()

try:
    socket.create_connection(("127.0.0.1", port), timeout=5)
except ConnectionRefusedError:
    print("closed port: connection refused")


async def echo(reader, writer):
    writer.write((await reader.readline()).upper())
    await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"over tcp\n")
    print("asyncio:", (await reader.readline()).decode().strip())
    writer.close()
    server.close()
    await server.wait_closed()


asyncio.run(main())
