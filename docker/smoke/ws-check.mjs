// WebSockets as a browser would use them, through whatever serves `base`:
// /ws/echo answers, and a chat member sees its own message come back.
//   node docker/smoke/ws-check.mjs ws://127.0.0.1:8080   (after npm ci --prefix docker/smoke)
import WebSocket from 'ws';

const base = process.argv[2];

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
  });
}

// The next text frame that `wanted` accepts, within 5 s.
function next(ws, wanted = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
    ws.addEventListener('message', function handler(event) {
      if (!wanted(event.data)) return;
      clearTimeout(timer);
      ws.removeEventListener('message', handler);
      resolve(event.data);
    });
  });
}

const echo = await open(`${base}/ws/echo`);
const echoed = next(echo);
echo.send('hello through the balancer');
if ((await echoed) !== 'hello through the balancer') throw new Error('/ws/echo did not echo');
echo.close(1000);

const name = `smoke-${process.pid}`;
const chat = await open(`${base}/ws/chat?room=smoke&name=${name}`);
const mine = next(chat, (data) => JSON.parse(data).type === 'message' && JSON.parse(data).name === name);
chat.send(JSON.stringify({ text: 'hi' }));
const message = JSON.parse(await mine);
if (message.text !== 'hi' || message.room !== 'smoke') throw new Error(`unexpected chat event ${JSON.stringify(message)}`);
chat.close(1000);
console.log(`ws-check: echo and chat work through ${base}`);
