// The chat page in a real browser: Debian's chromium, headless, driven by
// playwright-core. Two tabs join one room; what one types, the other shows.
//   ASIOHTTP_DEMO=build/apps/demo/asiohttp-demo node --test tests/browser/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { chromium } from 'playwright-core';

const demo = process.env.ASIOHTTP_DEMO ?? new URL('../../build/apps/demo/asiohttp-demo', import.meta.url).pathname;
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startDemo(port) {
  assert.ok(existsSync(demo), `demo server not built: ${demo}`);
  const proc = spawn(demo, ['--host', '127.0.0.1', '--port', String(port), '--threads', '2', '--access-log', 'false'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return proc;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { proc.kill(); throw new Error('demo server did not start'); }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function join(page, base, name, room) {
  await page.goto(`${base}/chat`);
  await page.fill('#name', name);
  await page.fill('#room', room);
  await page.click('#join');
  await page.waitForFunction((r) => document.getElementById('status').textContent.includes(`in #${r}`), room);
}

const texts = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.textContent));

test('a message typed in one tab appears in the other', { timeout: 60000 }, async (t) => {
  assert.ok(existsSync(chromiumPath), `chromium not installed at ${chromiumPath}`);
  const port = await freePort();
  const server = await startDemo(port);
  t.after(() => server.kill('SIGTERM'));
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    chromiumSandbox: false,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const base = `http://127.0.0.1:${port}`;
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();

  await join(ann, base, 'ann', 'browser');
  await join(bob, base, 'bob', 'browser');
  await ann.waitForFunction(() => document.getElementById('members').textContent.includes('bob'));
  assert.deepEqual(await texts(bob, '#members li'), ['ann', 'bob']);

  await ann.fill('#text', 'hello from ann');
  await ann.click('#send');
  const seen = (who) => who.waitForFunction(
    () => [...document.querySelectorAll('#messages li.message')].some((li) => li.textContent.endsWith('ann: hello from ann')),
    null, { timeout: 5000 });
  await seen(bob);
  await seen(ann);
  assert.equal(await ann.inputValue('#text'), '', 'the input is cleared after sending');

  await bob.close();
  await ann.waitForFunction(() => document.getElementById('messages').textContent.includes('bob left'));
  assert.deepEqual(await texts(ann, '#members li'), ['ann']);

  // A logged-in name (the session cookie) fills the chat form.
  const carol = await (await browser.newContext()).newPage();
  await carol.goto(`${base}/chat`);
  assert.equal(await carol.inputValue('#name'), '');
  const status = await carol.evaluate(() => fetch('/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'carol' }),
  }).then((r) => r.status));
  assert.equal(status, 200);
  await carol.goto(`${base}/chat`);
  await carol.waitForFunction(() => document.getElementById('name').value === 'carol');
});
