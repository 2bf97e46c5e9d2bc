'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { C, ready, keyPair, sealToBytes } = require('./helpers.js');

const FAIL = { ok: false, failure: 'HeaderFailure' };

let envelope;
let recipients;
test.before(async () => {
  await ready;
  recipients = [keyPair(), keyPair(), keyPair()];
  ({ envelope } = await sealToBytes({ recipients: recipients.map((r) => r.publicKey) }));
});

test('parseHeader: a sealed envelope parses with its fields', () => {
  const h = C.parseHeader(envelope);
  assert.equal(h.ok, true);
  assert.equal(h.version, 1);
  assert.equal(h.suite, 1);
  assert.equal(h.count, 3);
  assert.equal(h.headerLength, 92 + 80 * 3);
  assert.deepEqual(h.nonce, envelope.slice(10, 26));
  assert.deepEqual(h.bundleHash, new Uint8Array(32).fill(7));
});

test('parseHeader: exactly the header bytes suffice; an ArrayBuffer is accepted', () => {
  assert.equal(C.parseHeader(envelope.slice(0, 332)).ok, true);
  assert.equal(C.parseHeader(envelope.slice(0, 332).buffer).ok, true);
});

test('parseHeader: rule 1, too short', () => {
  assert.deepEqual(C.parseHeader(new Uint8Array(0)), FAIL);
  assert.deepEqual(C.parseHeader(envelope.slice(0, 59)), FAIL);
  assert.deepEqual(C.parseHeader(envelope.slice(0, 60)), FAIL);
  assert.deepEqual(C.parseHeader(envelope.slice(0, 331)), FAIL);
});

test('parseHeader: rules 2-4, magic, version, suite', () => {
  for (const [offset, value] of [[0, 0x73], [7, 0x4b], [8, 0x02], [8, 0x00], [9, 0x02], [9, 0x00]]) {
    const bad = envelope.slice();
    bad[offset] = value;
    assert.deepEqual(C.parseHeader(bad), FAIL, `offset ${offset} = ${value}`);
  }
});

test('parseHeader: rule 5, count 0, 65, 0xffff; 64 is allowed', () => {
  for (const [hi, lo] of [[0, 0], [0, 65], [0xff, 0xff], [1, 3]]) {
    const bad = envelope.slice();
    bad[58] = hi;
    bad[59] = lo;
    assert.deepEqual(C.parseHeader(bad), FAIL, `count ${hi}:${lo}`);
  }
  const big = new Uint8Array(92 + 80 * 64);
  big.set(envelope.subarray(0, 58));
  big[59] = 64;
  for (let i = 0; i < 64; i++) big[60 + 80 * i] = i + 1; // distinct ephemeral keys
  const h = C.parseHeader(big);
  assert.equal(h.ok, true);
  assert.equal(h.headerLength, 5212);
  assert.deepEqual(C.parseHeader(big.subarray(0, 5211)), FAIL);
});

test('parseHeader: rule 6, two stanzas with the same ephemeral key', () => {
  const bad = envelope.slice();
  bad.copyWithin(60 + 160, 60, 60 + 32);
  assert.deepEqual(C.parseHeader(bad), FAIL);
  // Same first 32 bytes but different boxes is still a duplicate.
  const bad2 = envelope.slice();
  bad2.copyWithin(60 + 80, 60, 60 + 32);
  assert.deepEqual(C.parseHeader(bad2), FAIL);
});

test('parseHeader: misuse throws', () => {
  assert.throws(() => C.parseHeader('SafeIntk'), TypeError);
  assert.throws(() => C.parseHeader([1, 2, 3]), TypeError);
});
