// The chat page over HTTPS and WSS in Debian's chromium, with a test CA made at
// run time and trusted the way a user trusts one: in the browser's NSS store.
//   ASIOHTTP_DEMO=build/apps/demo/asiohttp-demo node --test tests/browser/chat-https.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, join, launchChromium, startDemo } from './helpers.mjs';

const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

// A CA, and a server certificate for 127.0.0.1 signed by it.
function makeCertificates(dir) {
  const f = (name) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=asiohttp test CA', '-keyout', f('ca.key'),
    '-out', f('ca.pem'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  openssl('req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', f('key.pem'), '-out', f('server.csr'));
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-days', '1', '-out', f('cert.pem'), '-extfile', f('ext.cnf'));
  return { ca: f('ca.pem'), cert: f('cert.pem'), key: f('key.pem') };
}

// A home whose NSS database (what chromium on Linux reads) trusts the CA for servers.
function homeTrusting(dir, caFile) {
  const nssdb = path.join(dir, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${nssdb}`, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'asiohttp test CA', '-i', caFile]);
  return dir;
}

test('the chat page works over https and wss with the test CA trusted', { timeout: 60000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'asiohttp-https-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = makeCertificates(dir);
  const port = await freePort();
  const server = await startDemo(port, ['--tls-cert', files.cert, '--tls-key', files.key],
    { scheme: 'https', ca: readFileSync(files.ca) });
  t.after(() => server.kill('SIGTERM'));
  const base = `https://127.0.0.1:${port}`;

  // Not trusted yet: the browser refuses the page, so the trust below is what makes it work.
  const home = path.join(dir, 'home');
  mkdirSync(home);
  const untrusting = await launchChromium({ ...process.env, HOME: home });
  await assert.rejects((await untrusting.newPage()).goto(`${base}/chat`), /ERR_CERT_AUTHORITY_INVALID/);
  await untrusting.close();

  const browser = await launchChromium({ ...process.env, HOME: homeTrusting(home, files.ca) });
  t.after(() => browser.close());
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await join(ann, base, 'ann', 'secure');
  await join(bob, base, 'bob', 'secure');
  assert.equal(await ann.evaluate(() => window.isSecureContext && location.protocol), 'https:');
  await ann.fill('#text', 'over wss');
  await ann.click('#send');
  await bob.waitForFunction(
    () => [...document.querySelectorAll('#messages li.message')].some((li) => li.textContent.endsWith('ann: over wss')),
    null, { timeout: 5000 });
});
