// Shared by the browser tests: a free port, the demo binary, Debian's chromium, nginx.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as join_path } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { chromium } from 'playwright-core';

const demo = process.env.ASIOHTTP_DEMO ?? new URL('../../build/apps/demo/asiohttp-demo', import.meta.url).pathname;
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// The demo on 127.0.0.1:port, once /healthz answers; `extra` are more settings,
// `scheme` https when they include a certificate (`ca` trusted by this process).
export async function startDemo(port, extra = [], { scheme = 'http', ca } = {}) {
  assert.ok(existsSync(demo), `demo server not built: ${demo}`);
  const proc = spawn(demo,
    ['--host', '127.0.0.1', '--port', String(port), '--threads', '2', '--access-log', 'false', ...extra],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 10000;
  for (;;) {
    if (await answers200(`${scheme}://127.0.0.1:${port}/healthz`, ca)) return proc;
    if (Date.now() > deadline) { proc.kill(); throw new Error('demo server did not start'); }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Whether a GET answers 200; `ca` (PEM) is the one certificate authority trusted.
function answers200(url, ca) {
  const get = url.startsWith('https:') ? https.get : http.get;
  return new Promise((resolve) => {
    const req = get(url, { ca, timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode === 200); });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

export async function join(page, base, name, room) {
  await page.goto(`${base}/chat`);
  await page.fill('#name', name);
  await page.fill('#room', room);
  await page.click('#join');
  await page.waitForFunction((r) => document.getElementById('status').textContent.includes(`in #${r}`), room);
}

export const texts = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.textContent));

// Headless chromium; `env` for the browser process (HOME picks its certificate store).
export async function launchChromium(env = undefined) {
  assert.ok(existsSync(chromiumPath), `chromium not installed at ${chromiumPath}`);
  return chromium.launch({
    executablePath: chromiumPath,
    chromiumSandbox: false,
    env,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// Debian's nginx (nginx-light) on 127.0.0.1:port with `httpConf` as its http
// block, in a directory of its own; resolves once it accepts connections.
export async function startNginx(port, httpConf) {
  const nginx = process.env.NGINX ?? '/usr/sbin/nginx';
  assert.ok(existsSync(nginx), `nginx not installed at ${nginx} (tests/run-all.sh installs nginx-light)`);
  const dir = mkdtempSync(join_path(tmpdir(), 'asiohttp-nginx-'));
  const conf = join_path(dir, 'nginx.conf');
  writeFileSync(conf, `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  ${httpConf}
}
`);
  const proc = spawn(nginx, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  proc.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const deadline = Date.now() + 10000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline) { proc.kill(); throw new Error(`nginx did not start (see ${dir}/error.log)`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc;
}

function accepts(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}
