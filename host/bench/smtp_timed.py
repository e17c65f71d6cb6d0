#!/usr/bin/env python3
"""A small SMTP server for the failover benchmark (host/bench/replicas.sh).

    smtp_timed.py PORT LOG [DELAY]

Accepts every message on 127.0.0.1:PORT after waiting DELAY seconds (default
0.25) before answering the end of DATA, as a slow relay would, so that the
outbox drains slowly enough to be sending through every leader kill. Appends
one line per accepted message to LOG: the wall-clock time of acceptance
(seconds since the epoch) and the Message-ID. Nothing else of a message is
kept.
"""

import asyncio
import re
import sys
import time

PORT, LOG = int(sys.argv[1]), sys.argv[2]
DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else 0.25
MESSAGE_ID = re.compile(rb"^message-id:\s*(\S+)", re.I | re.M)


async def reply(writer, line):
    writer.write(line.encode() + b"\r\n")
    await writer.drain()


async def read_data(reader):
    """The message up to the lone dot, or None when the client went away."""
    lines = []
    while True:
        line = await reader.readline()
        if not line:
            return None
        if line in (b".\r\n", b".\n"):
            return b"".join(lines)
        lines.append(line)


async def session(reader, writer):
    try:
        await reply(writer, "220 bench ESMTP")
        while True:
            line = await reader.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                await reply(writer, "250 bench")
            elif verb == b"DATA":
                await reply(writer, "354 go ahead")
                data = await read_data(reader)
                if data is None:
                    return
                await asyncio.sleep(DELAY)
                found = MESSAGE_ID.search(data)
                mid = found.group(1).decode("ascii", "replace") if found else "-"
                with open(LOG, "a") as log:
                    log.write(f"{time.time():.3f} {mid}\n")
                await reply(writer, "250 queued")
            elif verb == b"QUIT":
                await reply(writer, "221 bye")
                return
            else:
                await reply(writer, "250 ok")
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(session, "127.0.0.1", PORT)
    async with server:
        await server.serve_forever()


asyncio.run(main())
