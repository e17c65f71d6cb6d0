#!/usr/bin/env python3
"""A real SMTP server on loopback for peerwell's tests, with failure injection.

Usage: faulty_smtpd.py --out DIR [--rules JSON] [--port N]
                      [--tls starttls|tls --cert PEM --key PEM] [--auth USER:PASSWORD]

`--tls starttls` offers STARTTLS and refuses MAIL before it (530); `--tls tls`
speaks TLS from the first byte (implicit TLS). `--auth` requires AUTH PLAIN or
LOGIN with exactly these credentials (over TLS when TLS is on) before MAIL;
wrong credentials get 535.

Prints "listening PORT" on stdout once it accepts connections. Every message
it accepts (250 after DATA) is written to DIR as NNNNNN.eml (numbered in the
order accepted, written to a temporary file, synced and renamed), so a test
sees every acceptance, duplicates included. `--rules` is a JSON object:

  {"451": {"addr": N}}   answer RCPT TO:<addr> with 451 the first N times
  {"550": ["addr"]}      answer RCPT TO:<addr> with 550, always
  {"drop": {"addr": N}}  close the connection after DATA the first N times
  {"stall": {"addr": N}} never answer DATA the first N times
  {"delay_ms": M}        wait M ms after DATA before accepting each message
"""

import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, out, rules):
        self.out = out
        self.rules = rules
        self.counts = {}
        self.accepted = 0
        self.lock = asyncio.Lock()

    def _take(self, kind, addr):
        """True while `addr` still has failures of `kind` left."""
        limit = self.rules.get(kind, {}).get(addr, 0)
        used = self.counts.get((kind, addr), 0)
        if used < limit:
            self.counts[(kind, addr)] = used + 1
            return True
        return False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rules.get("550", []):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if self._take("451", address):
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpt = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        if self._take("drop", rcpt):
            server.transport.close()
            return "421 closing"
        if self._take("stall", rcpt):
            await asyncio.sleep(3600)
        delay = self.rules.get("delay_ms", 0)
        if delay:
            await asyncio.sleep(delay / 1000)
        async with self.lock:
            self.accepted += 1
            name = "%06d.eml" % self.accepted
            tmp = os.path.join(self.out, "." + name + ".tmp")
            data = envelope.original_content or envelope.content
            if isinstance(data, str):
                data = data.encode("utf-8")
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.rename(tmp, os.path.join(self.out, name))
        return "250 2.0.0 accepted"


def authenticator(expected):
    user, password = expected.split(":", 1)

    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--rules", default="{}")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls", choices=["starttls", "tls"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    handler = Handler(args.out, json.loads(args.rules))
    context = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    options = {"hostname": "faulty.test", "decode_data": False}
    if args.tls == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if args.auth:
        options.update(
            authenticator=authenticator(args.auth),
            auth_required=True,
            # aiosmtpd only knows of STARTTLS; with implicit TLS every
            # connection is encrypted from the start.
            auth_require_tls=args.tls == "starttls",
        )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, **options),
        host="127.0.0.1",
        port=args.port,
        ssl=context if args.tls == "tls" else None,
    )
    port = server.sockets[0].getsockname()[1]
    print("listening %d" % port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
