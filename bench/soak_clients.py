#!/usr/bin/python3
"""Load for bench/soak.sh, all on one asyncio loop (Debian's python3-aiohttp):

  soak_clients.py hold PORT SECONDS KEEPALIVE SLOW IDLE_WS
      opens KEEPALIVE keep-alive connections (one request each, then held),
      SLOW clients that send a request head a byte at a time every few seconds
      (and start again when the server closes them) and IDLE_WS idle WebSockets
      on /ws/echo, while a probe sends GET /plaintext every 10 ms on its own
      connection; prints one JSON line: how many were held, probe p50/p99.
  soak_clients.py chat PORT SECONDS MEMBERS
      MEMBERS sockets in one /ws/chat room, one of them sending 10 messages a
      second; prints one JSON line: sent, received, members short of messages.
"""
import asyncio
import json
import sys
import time

import aiohttp

HOST = '127.0.0.1'


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else None


async def probe(port, seconds):
    latencies, errors = [], 0
    async with aiohttp.ClientSession() as session:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            start = time.monotonic()
            try:
                async with session.get(f'http://{HOST}:{port}/plaintext') as r:
                    await r.read()
                    errors += r.status != 200
            except aiohttp.ClientError:
                errors += 1
            latencies.append((time.monotonic() - start) * 1000)
            await asyncio.sleep(0.01)
    return latencies, errors


async def keepalive(port, stop):
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(b'GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n')
    await writer.drain()
    head = await reader.readuntil(b'\r\n\r\n')
    ok = head.startswith(b'HTTP/1.1 200')
    await stop.wait()
    writer.close()
    return ok


async def slow_header(port, stop, counts):
    request = b'GET /plaintext HTTP/1.1\r\nHost: x\r\nX-Slow: ' + b'a' * 64
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
            counts['slow_connections'] += 1
            for byte in request:
                if stop.is_set():
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(5)
            writer.close()
        except (ConnectionError, OSError):
            counts['slow_closed_by_server'] += 1
            await asyncio.sleep(1)


async def idle_ws(session, port, stop):
    ws = await session.ws_connect(f'http://{HOST}:{port}/ws/echo', autoping=True)
    await stop.wait()
    await ws.close()
    return True


async def hold(port, seconds, n_keepalive, n_slow, n_idle):
    stop = asyncio.Event()
    counts = {'slow_connections': 0, 'slow_closed_by_server': 0}
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn) as session:
        held = []
        for i in range(0, n_keepalive, 500):  # in batches, not a SYN flood
            held += [asyncio.create_task(keepalive(port, stop)) for _ in range(min(500, n_keepalive - i))]
            await asyncio.sleep(0.05)
        sockets = [asyncio.create_task(idle_ws(session, port, stop)) for _ in range(n_idle)]
        slow = [asyncio.create_task(slow_header(port, stop, counts)) for _ in range(n_slow)]
        await asyncio.sleep(5)  # all in place
        latencies, errors = await probe(port, seconds)
        stop.set()
        kept = sum(1 for r in await asyncio.gather(*held, return_exceptions=True) if r is True)
        ws_ok = sum(1 for r in await asyncio.gather(*sockets, return_exceptions=True) if r is True)
        for t in slow:
            t.cancel()
        await asyncio.gather(*slow, return_exceptions=True)
    print(json.dumps({'keepalive_held': kept, 'idle_websockets_held': ws_ok, **counts,
                      'probe_requests': len(latencies), 'probe_errors': errors,
                      'probe_p50_ms': round(percentile(latencies, 0.5), 2),
                      'probe_p99_ms': round(percentile(latencies, 0.99), 2)}))


async def chat(port, seconds, members):
    received = [0] * members
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        sockets = [await session.ws_connect(f'http://{HOST}:{port}/ws/chat?room=soak&name=m{i}')
                   for i in range(members)]

        async def read(i, ws):
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT and '"type":"message"' in msg.data:
                    received[i] += 1

        readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets)]
        await asyncio.sleep(1)
        before = list(received)  # history replayed to members that joined late
        sent = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            await sockets[0].send_json({'text': f'soak {sent}'})
            sent += 1
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)
        for ws in sockets:
            await ws.close()
        await asyncio.gather(*readers, return_exceptions=True)
    got = [r - b for r, b in zip(received, before)]
    print(json.dumps({'sent': sent, 'members': members, 'deliveries': sum(got),
                      'members_short': sum(1 for g in got if g < sent)}))


if __name__ == '__main__':
    mode, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if mode == 'hold':
        asyncio.run(hold(port, seconds, *map(int, sys.argv[4:7])))
    elif mode == 'chat':
        asyncio.run(chat(port, seconds, int(sys.argv[4])))
    else:
        sys.exit(__doc__)
