# The demo's /plaintext and /json in Python's aiohttp, one process, no access
# log; plus /slow (200 ms) for bench/client.sh's sequential-vs-concurrent run.
import asyncio
import sys

from aiohttp import web


async def plaintext(request):
    return web.Response(text="Hello, World!")


async def json_hello(request):
    return web.json_response({"message": "Hello, World!"})


async def slow(request):
    await asyncio.sleep(0.2)
    return web.Response(text="slow")


app = web.Application()
app.router.add_get("/slow", slow)
app.router.add_get("/plaintext", plaintext)
app.router.add_get("/json", json_hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
