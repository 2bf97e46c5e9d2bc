'use strict';
// The CLI the .NET interop tests drive: its JSON output and exit codes are part of that contract.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { sodium, ready, keyPair, blake2bHex, patternBytes } = require('./helpers.js');

const CLI = path.join(__dirname, 'interop-cli.js');
let dir;
let alice;
let bob;

function run(...args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr, json: r.stdout ? JSON.parse(r.stdout) : null };
}

test.before(async () => {
  await ready;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeintake-cli-'));
  alice = keyPair();
  bob = keyPair();
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('seal then open through the CLI, two recipients, three attachments', () => {
  const files = [['photo.jpg', patternBytes(200000, 1)], ['empty.txt', new Uint8Array(0)], ['note.txt', patternBytes(70, 2)]];
  for (const [name, bytes] of files) fs.writeFileSync(path.join(dir, name), bytes);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ kind: 'report', lang: 'zh-Hant-HK', fields: { what: '測試' } }));
  const out = path.join(dir, 'envelope.bin');
  const bundleHash = 'ab'.repeat(32);
  const sealed = run('seal', '--recipient', sodium.to_hex(alice.publicKey), '--recipient', sodium.to_hex(bob.publicKey),
    '--bundle-hash', bundleHash, '--manifest', path.join(dir, 'manifest.json'),
    ...files.flatMap(([name]) => ['--attach', path.join(dir, name)]), '--out', out);
  assert.equal(sealed.code, 0, sealed.err);
  assert.deepEqual(sealed.json, { ok: true, size: fs.statSync(out).size });

  for (const reader of [alice, bob]) {
    const opened = run('open', '--identity', sodium.to_hex(keyPair().secretKey), '--identity', sodium.to_hex(reader.secretKey), '--in', out);
    assert.equal(opened.code, 0, opened.err);
    assert.equal(opened.json.ok, true);
    assert.equal(opened.json.bundleHash, bundleHash);
    assert.equal(opened.json.manifest.v, 1);
    assert.equal(opened.json.manifest.fields.what, '測試');
    assert.deepEqual(opened.json.manifest.attachments,
      files.map(([name, bytes]) => ({ name, type: 'application/octet-stream', size: bytes.length })));
    assert.deepEqual(opened.json.attachments, files.map(([, bytes]) => ({ size: bytes.length, blake2b: blake2bHex(bytes) })));
  }

  const stranger = run('open', '--identity', sodium.to_hex(keyPair().secretKey), '--in', out);
  assert.equal(stranger.code, 0);
  assert.deepEqual(stranger.json, { ok: false, failure: 'NoMatchingKey' });

  const tampered = fs.readFileSync(out);
  tampered[tampered.length - 1] ^= 1;
  fs.writeFileSync(path.join(dir, 'tampered.bin'), tampered);
  const bad = run('open', '--identity', sodium.to_hex(alice.secretKey), '--in', path.join(dir, 'tampered.bin'));
  assert.equal(bad.code, 0);
  assert.deepEqual(bad.json, { ok: false, failure: 'PayloadFailure' });
});

test('usage errors exit 2 and print nothing on stdout', () => {
  const cases = [
    [],
    ['frobnicate'],
    ['open', '--in', 'x'],
    ['open', '--identity', 'zz', '--in', 'x'],
    ['open', '--identity', '00'.repeat(31), '--in', 'x'],
    ['seal', '--bundle-hash', '00'.repeat(32), '--manifest', 'm', '--out', 'o'],
    ['seal', '--recipient', '00'.repeat(32), '--manifest', 'm', '--out', 'o'],
    ['seal', '--recipient', '00'.repeat(32), '--bundle-hash', '00'.repeat(32), '--manifest', 'm', '--out', 'o', '--colour', 'red'],
    ['open', '--identity']
  ];
  for (const args of cases) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, JSON.stringify(args));
    assert.equal(r.stdout, '');
  }
});
