# The demo's /db and /queries in Python's aiohttp with asyncpg, one process,
# a pool of 8 connections like the demo's.
import os
import random
import sys

import asyncpg
from aiohttp import web

SQL = "select id, randomnumber from world where id = $1"


async def start(app):
    app["pool"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=8, max_size=8)


async def stop(app):
    await app["pool"].close()


async def db(request):
    async with request.app["pool"].acquire() as conn:
        row = await conn.fetchrow(SQL, random.randint(1, 10000))
    return web.json_response({"id": row[0], "randomNumber": row[1]})


async def queries(request):
    try:
        n = min(max(int(request.query.get("n", "1")), 1), 500)
    except ValueError:
        n = 1
    async with request.app["pool"].acquire() as conn:
        stmt = await conn.prepare(SQL)
        rows = [await stmt.fetchrow(random.randint(1, 10000)) for _ in range(n)]
    return web.json_response([{"id": r[0], "randomNumber": r[1]} for r in rows])


app = web.Application()
app.on_startup.append(start)
app.on_cleanup.append(stop)
app.router.add_get("/db", db)
app.router.add_get("/queries", queries)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
