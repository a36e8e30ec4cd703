// The demo's /plaintext and /json in Node's http module, one process.
const http = require('http');
const port = Number(process.argv[2]);
const plain = 'Hello, World!';
http.createServer((req, res) => {
  if (req.url === '/plaintext') {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': plain.length });
    res.end(plain);
  } else if (req.url === '/json') {
    const body = JSON.stringify({ message: 'Hello, World!' });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  } else {
    res.writeHead(404);
    res.end();
  }
}).listen(port, '127.0.0.1');
