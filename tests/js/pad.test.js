'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { C } = require('./helpers.js');

test('pad: the examples of §3.1', () => {
  assert.equal(C.pad(0), 16384);
  assert.equal(C.pad(1), 16384);
  assert.equal(C.pad(16384), 16384);
  assert.equal(C.pad(16385), 17408);
  assert.equal(C.pad(100000), 100352);
  assert.equal(C.pad(1048577), 1081344);
});

test('pad: powers of two and chunk boundaries stay put', () => {
  for (let e = 14; e <= 52; e++) assert.equal(C.pad(2 ** e), 2 ** e, `2^${e}`);
  assert.equal(C.pad(65536), 65536);
  assert.equal(C.pad(65537), 67584); // E=16, S=5, z=11: 33 · 2048
});

test('pad: values above 2^32 use exact arithmetic (no 32-bit wrap)', () => {
  // E = 32, S = 6, z = 26
  assert.equal(C.pad(2 ** 32 + 1), 2 ** 32 + 2 ** 26);
  // 2 GB attachment: E = 31, S = 5, z = 26
  assert.equal(C.pad(2 * 1024 ** 3 + 5), 2 * 1024 ** 3 + 2 ** 26);
  assert.equal(C.pad(Number.MAX_SAFE_INTEGER), 2 ** 53);
});

test('pad: never shrinks, costs at most 12 %, is monotone', () => {
  let previous = 0;
  for (let L = 0; L < 300000; L += 97) {
    const p = C.pad(L);
    assert.ok(p >= L && p >= 16384);
    assert.ok(p >= previous);
    if (L > 16384) assert.ok(p - L <= 0.12 * L, `L=${L}`);
    previous = p;
  }
  for (let L = 1; L < 2 ** 45; L = L * 3 + 7) {
    const p = C.pad(L);
    assert.ok(Number.isSafeInteger(p) && p >= L);
    if (L > 16384) assert.ok(p - L <= 0.12 * L, `L=${L}`);
  }
});

test('pad: misuse throws', () => {
  for (const bad of [-1, 1.5, NaN, Infinity, '5', 2 ** 53, undefined]) {
    assert.throws(() => C.pad(bad), RangeError);
  }
});
