#!/usr/bin/env python3
"""WebSocket echo for load.sh: Debian's python3-websockets on 127.0.0.1:0.

Usage: ws_echo.py PORTFILE [--bad-accept]
Writes "ws=PORT" to PORTFILE once listening and echoes every message on any
path until killed. With --bad-accept it is no WebSocket server at all: it
answers every upgrade with a 101 whose Sec-WebSocket-Accept is wrong, so a
client that does not check the header is caught.
"""
import asyncio
import os
import sys

import websockets


async def echo(ws, path=None):
    try:
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass


async def bad_accept(reader, writer):
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
    await writer.drain()
    await reader.read()
    writer.close()


async def main():
    portfile = sys.argv[1]
    if "--bad-accept" in sys.argv[2:]:
        server = await asyncio.start_server(bad_accept, "127.0.0.1", 0)
    else:
        server = await websockets.serve(echo, "127.0.0.1", 0, ping_interval=None,
                                        max_size=2 ** 24)
    port = server.sockets[0].getsockname()[1]
    with open(portfile + ".tmp", "w") as f:
        f.write("ws=%d\n" % port)
    os.rename(portfile + ".tmp", portfile)
    await asyncio.Future()


asyncio.run(main())
