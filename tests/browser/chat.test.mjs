// The chat page in a real browser: Debian's chromium, headless, driven by
// playwright-core. Two tabs join one room; what one types, the other shows.
//   ASIOHTTP_DEMO=build/apps/demo/asiohttp-demo node --test tests/browser/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, join, launchChromium, startDemo, texts } from './helpers.mjs';

test('a message typed in one tab appears in the other', { timeout: 60000 }, async (t) => {
  const port = await freePort();
  const server = await startDemo(port);
  t.after(() => server.kill('SIGTERM'));
  const browser = await launchChromium();
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
