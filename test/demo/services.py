# Tiny real TCP services for `make demo` (python3 only, so a fresh Debian machine runs them):
# server-first greetings on 21, 22 and 25, an HTTP server on 80 and 8080. Listens on 0.0.0.0, so
# inside the testbed's target namespace every address of 198.18.0.0/16 answers.
import asyncio, sys

GREETINGS = {
    21: b"220 (vsFTPd 3.0.3) trawl demo\r\n",
    22: b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
    25: b"220 demo.example ESMTP Exim 4.96 Sun, 22 Nov 2026 10:00:00 +0000\r\n",
}
PAGE = b"<html><head><title>trawl demo</title></head><body>hello</body></html>\n"


def greeter(text):
    async def handle(reader, writer):
        try:
            writer.write(text)
            await writer.drain()
            await asyncio.wait_for(reader.read(1024), 5)
        except Exception:
            pass
        writer.close()
    return handle


async def http(reader, writer):
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.write(b"HTTP/1.1 200 OK\r\nServer: trawl-demo/1.0\r\nContent-Type: text/html\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(PAGE) + PAGE)
        await writer.drain()
    except Exception:
        pass
    writer.close()


async def main():
    servers = [await asyncio.start_server(greeter(t), "0.0.0.0", p, backlog=4096) for p, t in GREETINGS.items()]
    servers += [await asyncio.start_server(http, "0.0.0.0", p, backlog=4096) for p in (80, 8080)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))

asyncio.run(main())
