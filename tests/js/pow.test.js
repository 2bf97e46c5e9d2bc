'use strict';
// wwwroot/js/pow-worker.js: the proof of work of docs/spec/intake-api.md, checked against an independent
// computation with libsodium.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { sodium, ready, utf8, concat } = require('./helpers.js');

const P = require(path.join(__dirname, '..', '..', 'src', 'Intake.Web', 'wwwroot', 'js', 'pow-worker.js'));

test.before(async () => { await ready; });

// BLAKE2b-256("SafeIntake/v1 pow" ‖ 0x00 ‖ UTF-8(token) ‖ u64(nonce)), written out from the spec.
function specHash(token, nonce) {
  const n = new Uint8Array(8);
  new DataView(n.buffer).setBigUint64(0, BigInt(nonce));
  return sodium.crypto_generichash(32, concat([utf8.encode('SafeIntake/v1 pow'), new Uint8Array([0]), utf8.encode(token), n]), null);
}

function zeroBits(hash) {
  let bits = 0;
  for (const b of hash) {
    if (b === 0) { bits += 8; continue; }
    return bits + Math.clz32(b) - 24;
  }
  return bits;
}

test('leadingZeroBits counts from the most significant bit of byte 0', () => {
  assert.equal(P.leadingZeroBits(Uint8Array.from([0x80, 0])), 0);
  assert.equal(P.leadingZeroBits(Uint8Array.from([0x01, 0xff])), 7);
  assert.equal(P.leadingZeroBits(Uint8Array.from([0x00, 0x40])), 9);
  assert.equal(P.leadingZeroBits(Uint8Array.from([0x00, 0x00, 0x00, 0x0f])), 28);
  assert.equal(P.leadingZeroBits(new Uint8Array(32)), 256);
});

test('solve finds the smallest nonce meeting the difficulty, for ASCII and non-ASCII tokens', async () => {
  for (const token of ['CfDJ8Nx-token_A', 'tök€n/✓']) {
    const difficulty = 10;
    const progress = [];
    const nonce = await P.solve(sodium, token, difficulty, { onProgress: (t) => progress.push(t), progressEvery: 100 });
    assert.match(nonce, /^(0|[1-9][0-9]*)$/);
    const n = Number(nonce);
    assert.ok(zeroBits(specHash(token, n)) >= difficulty);
    for (let k = 0; k < n; k++) assert.ok(zeroBits(specHash(token, k)) < difficulty, `nonce ${k} already met it`);
    assert.deepEqual(progress, Array.from({ length: Math.floor(n / 100) }, (_, i) => (i + 1) * 100));
    assert.equal(P.verify(sodium, token, difficulty, nonce), true);
  }
});

test('verify rejects a wrong nonce, another token, and nonces not in canonical decimal form', async () => {
  const token = 'token-verify';
  const nonce = await P.solve(sodium, token, 12);
  assert.equal(P.verify(sodium, token, 12, nonce), true);
  assert.equal(P.verify(sodium, token + 'x', 12, nonce) && zeroBits(specHash(token + 'x', Number(nonce))) < 12, false);
  for (const bad of ['-1', '01', '1.0', ' 1', '1e3', '', '99999999999999999', 7]) {
    assert.equal(P.verify(sodium, token, 0, bad), false, String(bad));
  }
  assert.equal(P.verify(sodium, token, 0, '0'), true, 'difficulty 0: any nonce');
});

test('u64 nonce is big-endian, beyond 32 bits too', () => {
  const input = P.buildInput('t');
  assert.deepEqual(Array.from(input.subarray(0, 18)), Array.from(concat([utf8.encode('SafeIntake/v1 pow'), new Uint8Array([0])])));
  const big = 2 ** 40 + 5;
  assert.equal(P.verify(sodium, 't', 0, String(big)), true);
  const expected = specHash('t', big);
  // The same nonce through the solver's own input layout.
  const view = new DataView(input.buffer);
  view.setUint32(input.length - 8, Math.floor(big / 2 ** 32));
  view.setUint32(input.length - 4, big % 2 ** 32);
  assert.deepEqual(sodium.crypto_generichash(32, input, null), expected);
});

test('misuse throws: no token, difficulty out of range', async () => {
  await assert.rejects(P.solve(sodium, '', 8), TypeError);
  await assert.rejects(P.solve(sodium, 't', 65), RangeError);
  await assert.rejects(P.solve(sodium, 't', 1.5), RangeError);
  await assert.rejects(P.solve(null, 't', 8), TypeError);
});
