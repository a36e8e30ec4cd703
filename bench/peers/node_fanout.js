// The same fan-out with Node's `ws` package, one process: /sub sockets receive
// every message that arrives on /pub, sent to each in a loop.
const { WebSocketServer } = require('ws');
const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
const subscribers = new Set();
wss.on('connection', (ws, req) => {
  if (req.url === '/sub') {
    subscribers.add(ws);
    ws.on('close', () => subscribers.delete(ws));
  } else {
    ws.on('message', (data, isBinary) => {
      for (const s of subscribers) s.send(data, { binary: isBinary });
    });
  }
});
