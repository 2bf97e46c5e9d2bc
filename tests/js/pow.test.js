'use strict';
// wwwroot/js/pow-worker.js: the proof of work of docs/spec/intake-api.md (scheme pbkdf2-sha256), checked against
// Node's own PBKDF2 (OpenSSL) and the shared vectors in tests/testdata/pow.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const nodeCrypto = require('node:crypto');

const P = require(path.join(__dirname, '..', '..', 'src', 'Intake.Web', 'wwwroot', 'js', 'pow-worker.js'));
const subtle = globalThis.crypto.subtle;
const ROOT = process.env.SAFEINTAKE_TESTDATA || path.join(__dirname, '..', 'testdata');

// PBKDF2-HMAC-SHA-256("SafeIntake/v2 pow" ‖ 0x00 ‖ UTF-8(token), u64be(nonce), iterations, 32), from the spec.
function specTrial(token, nonce, iterations) {
  const salt = Buffer.alloc(8);
  salt.writeBigUInt64BE(BigInt(nonce));
  return new Uint8Array(nodeCrypto.pbkdf2Sync(Buffer.concat([Buffer.from('SafeIntake/v2 pow\0' + token, 'utf8')]), salt, iterations, 32, 'sha256'));
}

function zeroBits(hash) {
  let bits = 0;
  for (const b of hash) {
    if (b === 0) { bits += 8; continue; }
    return bits + Math.clz32(b) - 24;
  }
  return bits;
}

// "key: value" lines as in tests/testdata (vectors.test.js reads the other folders the same way).
function readVector(file) {
  const fields = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return fields;
}

test('leadingZeroBits counts from the most significant bit of byte 0', () => {
  assert.equal(P.leadingZeroBits(Uint8Array.from([0x80, 0])), 0);
  assert.equal(P.leadingZeroBits(Uint8Array.from([0x01, 0xff])), 7);
  assert.equal(P.leadingZeroBits(Uint8Array.from([0x00, 0x40])), 9);
  assert.equal(P.leadingZeroBits(Uint8Array.from([0x00, 0x00, 0x00, 0x0f])), 28);
  assert.equal(P.leadingZeroBits(new Uint8Array(32)), 256);
});

const vectors = fs.existsSync(path.join(ROOT, 'pow')) ? fs.readdirSync(path.join(ROOT, 'pow')).filter((f) => f.endsWith('.txt')).sort() : [];

test('there are proof-of-work vectors, successes and failures', () => {
  const expects = vectors.map((f) => readVector(path.join(ROOT, 'pow', f)).expect);
  assert.ok(expects.includes('success') && expects.includes('PowFailure'), `vectors in ${path.join(ROOT, 'pow')}: ${expects}`);
});

for (const file of vectors) {
  const v = readVector(path.join(ROOT, 'pow', file));
  test(`pow vector ${file}: ${v.description}`, async () => {
    assert.equal(v.scheme, P.SCHEME);
    const difficulty = Number(v.difficulty);
    const iterations = Number(v.iterations);
    if (v.trial !== undefined) {
      const trial = await P.trial(subtle, v.token, Number(v.nonce), iterations);
      assert.equal(Buffer.from(trial).toString('hex'), v.trial);
      assert.equal(P.leadingZeroBits(trial), Number(v['leading-zero-bits']));
    }
    assert.equal(await P.verify(subtle, v.token, difficulty, iterations, v.nonce), v.expect === 'success');
  });
}

test('solve finds the smallest nonce meeting the difficulty, for ASCII and non-ASCII tokens', async () => {
  for (const token of ['CfDJ8Nx-token_A', 'tök€n/✓']) {
    const difficulty = 6;
    const iterations = 50;
    const progress = [];
    const nonce = await P.solve(subtle, token, difficulty, iterations, { onProgress: (t) => progress.push(t), progressEvery: 10 });
    assert.match(nonce, /^(0|[1-9][0-9]*)$/);
    const n = Number(nonce);
    assert.ok(zeroBits(specTrial(token, n, iterations)) >= difficulty);
    for (let k = 0; k < n; k++) assert.ok(zeroBits(specTrial(token, k, iterations)) < difficulty, `nonce ${k} already met it`);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i] - progress[i - 1] >= 10 && progress[i] <= n + 1);
    assert.ok(n < 20 || progress.length > 0, 'progress reported along the way');
    assert.equal(await P.verify(subtle, token, difficulty, iterations, nonce), true);
  }
});

test('verify rejects a wrong nonce, another token, fewer iterations, and nonces not in canonical decimal form', async () => {
  const token = 'token-verify';
  const nonce = await P.solve(subtle, token, 8, 20);
  assert.equal(await P.verify(subtle, token, 8, 20, nonce), true);
  assert.equal(await P.verify(subtle, token + 'x', 8, 20, nonce), zeroBits(specTrial(token + 'x', Number(nonce), 20)) >= 8);
  assert.equal(await P.verify(subtle, token, 8, 19, nonce), zeroBits(specTrial(token, Number(nonce), 19)) >= 8);
  for (const bad of ['-1', '01', '1.0', ' 1', '1e3', '', '99999999999999999', '9007199254740992', 7]) {
    assert.equal(await P.verify(subtle, token, 0, 1, bad), false, String(bad));
  }
  assert.equal(await P.verify(subtle, token, 0, 1, '0'), true, 'difficulty 0: any nonce');
});

test('u64 nonce is big-endian, beyond 32 bits too', async () => {
  const big = 2 ** 40 + 5;
  assert.deepEqual(Array.from(P.buildSalt(big)), [0, 0, 1, 0, 0, 0, 0, 5]);
  assert.deepEqual(await P.trial(subtle, 't', big, 3), specTrial('t', big, 3));
  assert.deepEqual(Array.from(P.buildPassword('t')), Array.from(Buffer.from('SafeIntake/v2 pow\0t', 'utf8')));
});

test('misuse throws: no token, difficulty or iterations out of range, no WebCrypto', async () => {
  await assert.rejects(P.solve(subtle, '', 8, 10), TypeError);
  await assert.rejects(P.solve(subtle, 't', 65, 10), RangeError);
  await assert.rejects(P.solve(subtle, 't', 1.5, 10), RangeError);
  await assert.rejects(P.solve(subtle, 't', 8, 0), RangeError);
  await assert.rejects(P.solve(subtle, 't', 8, 1000001), RangeError);
  await assert.rejects(P.solve(null, 't', 8, 10), TypeError);
});
