# WebSocket echo in Python's aiohttp, one process, as the aiohttp docs write it.
import sys

from aiohttp import WSMsgType, web


async def echo(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


app = web.Application()
app.router.add_get("/ws/echo", echo)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
