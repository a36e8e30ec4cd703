// N GET requests with Node's built-in fetch (undici), LIMIT in flight at once
// (a pool of LIMIT workers). Prints the wall time in ms.
const [url, n, limit] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];

let next = 0;
let ok = 0;
async function worker() {
  while (next < n) {
    next++;
    const r = await fetch(url);
    await r.arrayBuffer();
    if (r.status === 200) ok++;
  }
}

const start = performance.now();
Promise.all(Array.from({ length: limit }, worker)).then(() => {
  const ms = performance.now() - start;
  if (ok !== n) throw new Error(`only ${ok} of ${n} requests got a 200`);
  console.log(ms.toFixed(1));
});
