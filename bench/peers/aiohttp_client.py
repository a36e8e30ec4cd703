# N GET requests through one aiohttp.ClientSession, LIMIT connections at most
# (the connector's limit: the rest wait), all started at once as fetch does.
# Prints the wall time in ms.
import asyncio
import sys
import time

import aiohttp


async def main(url, n, limit):
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit)) as session:

        async def one():
            async with session.get(url) as r:
                await r.read()
                return r.status

        start = time.perf_counter()
        statuses = await asyncio.gather(*(one() for _ in range(n)))
        ms = (time.perf_counter() - start) * 1000
        assert statuses.count(200) == n, "not every request got a 200"
        print(f"{ms:.1f}")


asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
