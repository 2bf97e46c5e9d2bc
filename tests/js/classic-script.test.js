'use strict';
// The browser loads two classic scripts into one global scope: lib/libsodium.js (the build joins the npm files
// libsodium-sumo.js and libsodium-wrappers.js with a newline, see SafeIntake.Intake.Web.csproj) and
// safeintake-crypto.js. This runs them that way (no module, no require) in a fresh V8 context.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const ROOT = path.join(__dirname, '..', '..');
const LIBSODIUM = [
  path.join(ROOT, 'node_modules', 'libsodium-sumo', 'dist', 'modules-sumo', 'libsodium-sumo.js'),
  path.join(ROOT, 'node_modules', 'libsodium-wrappers-sumo', 'dist', 'modules-sumo', 'libsodium-wrappers.js')
].map((file) => fs.readFileSync(file, 'utf8')).join('\n');
const CRYPTO = path.join(ROOT, 'src', 'Intake.Web', 'wwwroot', 'js', 'safeintake-crypto.js');

test('safeintake-crypto.js works as a classic script after lib/libsodium.js, exposing globalThis.SafeIntakeCrypto', async () => {
  const context = vm.createContext({
    crypto: globalThis.crypto, TextDecoder, WebAssembly, Blob, console, setTimeout, clearTimeout,
    nodeEncode: (text) => new TextEncoder().encode(text)
  });
  // As in a page, TextEncoder must return the page's own Uint8Array (libsodium checks instanceof).
  vm.runInContext(`
    globalThis.self = globalThis;
    globalThis.window = globalThis;
    globalThis.TextEncoder = class { encode(text) { return new Uint8Array(nodeEncode(text)); } };
  `, context);
  vm.runInContext(LIBSODIUM, context, { filename: 'lib/libsodium.js' });
  vm.runInContext(fs.readFileSync(CRYPTO, 'utf8'), context, { filename: CRYPTO });
  const C = vm.runInContext('globalThis.SafeIntakeCrypto', context);
  assert.equal(typeof C, 'object');
  assert.equal(vm.runInContext('typeof module + typeof require + typeof exports', context), 'undefinedundefinedundefined');
  await C.ready;
  const sodium = vm.runInContext('sodium', context);
  const PageUint8Array = vm.runInContext('Uint8Array', context);
  const kp = sodium.crypto_box_keypair();
  const pieces = [];
  const keys = await C.deriveCodenameKeys(await C.generateCodename());
  await C.seal({
    recipients: [kp.publicKey], bundleHash: new PageUint8Array(32),
    manifest: { kind: 'report', lang: 'en' }, replyKeys: keys,
    attachments: [{ name: 'a.txt', type: 'text/plain', blob: new Blob(['hello']) }],
    onChunk: (c) => { pieces.push(c); }
  });
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const envelope = new PageUint8Array(total);
  let off = 0;
  for (const p of pieces) { envelope.set(p, off); off += p.length; }
  const opened = await C.open(envelope, [kp.privateKey]);
  assert.equal(opened.ok, true);
  assert.equal(new TextDecoder().decode(opened.attachments[0]), 'hello');
  assert.equal(typeof opened.manifest.replyTo.sig, 'string');
});
