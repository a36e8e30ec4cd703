// The chat page behind a real nginx in front of two demo replicas sharing one
// PostgreSQL database: two people whose sockets land on different replicas
// chat as if there were one server. Needs ASIOHTTP_TEST_DATABASE_URL (tests/run-all.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, join, launchChromium, startDemo, startNginx, texts } from './helpers.mjs';

test('two pages on different replicas behind nginx chat together', { timeout: 90000 }, async (t) => {
  const database = process.env.ASIOHTTP_TEST_DATABASE_URL;
  assert.ok(database, 'ASIOHTTP_TEST_DATABASE_URL is not set: run tests/run-all.sh');
  const [portA, portB, front] = [await freePort(), await freePort(), await freePort()];
  const replicas = [];
  t.after(() => replicas.forEach((p) => p.kill('SIGTERM')));
  for (const port of [portA, portB]) replicas.push(await startDemo(port, ['--database-url', database]));
  // Pages and assets round robin; a chat socket goes where its name says
  // (ann: replica A, anyone else: B), so the test knows they are apart.
  const nginx = await startNginx(front, `
  upstream replicas { server 127.0.0.1:${portA}; server 127.0.0.1:${portB}; }
  map $arg_name $chat_replica { ann 127.0.0.1:${portA}; default 127.0.0.1:${portB}; }
  server {
    listen 127.0.0.1:${front};
    location /ws/chat {
      proxy_pass http://$chat_replica;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection upgrade;
      proxy_read_timeout 1h;
    }
    location / { proxy_pass http://replicas; }
  }`);
  t.after(() => nginx.kill('SIGTERM'));
  const browser = await launchChromium();
  t.after(() => browser.close());
  const base = `http://127.0.0.1:${front}`;
  const room = `replicas${process.pid}`;
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();

  await join(ann, base, 'ann', room);
  await join(bob, base, 'bob', room);
  await ann.waitForFunction(() => document.getElementById('members').textContent.includes('bob'));
  assert.deepEqual(await texts(bob, '#members li'), ['ann', 'bob'], 'the member list is room-wide');

  const seen = (who, line) => who.waitForFunction(
    (l) => [...document.querySelectorAll('#messages li.message')].some((li) => li.textContent.endsWith(l)),
    line, { timeout: 10000 });
  await ann.fill('#text', 'hello from replica A');
  await ann.click('#send');
  await seen(bob, 'ann: hello from replica A');
  await bob.fill('#text', 'hello from replica B');
  await bob.click('#send');
  await seen(ann, 'bob: hello from replica B');
  assert.deepEqual(await texts(ann, '#messages li.message'), await texts(bob, '#messages li.message'),
    'both pages show one order');

  await bob.close();
  await ann.waitForFunction(() => document.getElementById('messages').textContent.includes('bob left'));
  assert.deepEqual(await texts(ann, '#members li'), ['ann']);
});
