'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { C, sodium, ready, utf8 } = require('./helpers.js');

test.before(() => ready);

const FIXED = '48213 99102 57730 01864 22957 31208 66409 1557';

function withCheck(digits39) {
  return digits39 + String(C.dammCheckDigit(digits39));
}

test('Damm check digit: known values', () => {
  assert.equal(C.dammCheckDigit('572'), 4); // Damm 2004 / the usual worked example
  assert.equal(C.dammCheckDigit('5724'), 0);
  assert.equal(C.dammCheckDigit(''), 0);
  assert.equal(C.dammCheckDigit('0'), 0);
  assert.equal(C.dammCheckDigit('1'), 3);
});

test('generateCodename: 8 groups of 5 digits, checksum 0, uniform digits, never repeats', async () => {
  const counts = new Array(10).fill(0);
  const seen = new Set();
  for (let i = 0; i < 400; i++) {
    const code = await C.generateCodename();
    assert.match(code, /^[0-9]{5}( [0-9]{5}){7}$/);
    const digits = code.replace(/ /g, '');
    assert.equal(C.dammCheckDigit(digits), 0);
    assert.equal(C.normalizeCodename(code), digits);
    assert.ok(!seen.has(digits));
    seen.add(digits);
    for (const d of digits.slice(0, 39)) counts[Number(d)] += 1;
  }
  // 15 600 digits, 1 560 expected per value; 6 sigma is about 225.
  for (const c of counts) assert.ok(Math.abs(c - 1560) < 225, JSON.stringify(counts));
});

test('normalizeCodename: spaces, full-width digits, ideographic spaces, hyphens, tabs, newlines', () => {
  const digits = withCheck(FIXED.replace(/ /g, ''));
  const grouped = digits.match(/.{5}/g);
  const fullWidth = (s) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
  const forms = [
    digits,
    grouped.join(' '),
    grouped.join('-'),
    grouped.join('\u3000'),
    fullWidth(grouped.join('\u3000')),
    fullWidth(digits.slice(0, 20)) + digits.slice(20),
    grouped.join('\u2010'), grouped.join('\u2011'), grouped.join('\u2012'),
    grouped.join('\u2013'), grouped.join('\u2014'), grouped.join('\u2015'), grouped.join('\uff0d'),
    grouped.slice(0, 4).join(' ') + '\n' + grouped.slice(4).join(' '),
    grouped.slice(0, 4).join(' ') + '\r\n' + grouped.slice(4).join(' ') + '\n',
    '\t' + grouped.join(' - ') + '  ',
    digits.split('').join(' ')
  ];
  for (const form of forms) assert.equal(C.normalizeCodename(form), digits, JSON.stringify(form));
});

test('normalizeCodename: anything else is rejected', () => {
  const digits = withCheck(FIXED.replace(/ /g, ''));
  const bad = [
    '', '   ', digits.slice(0, 39), digits + '0', digits + digits,
    digits.slice(0, 10) + 'a' + digits.slice(10),
    digits.slice(0, 10) + '.' + digits.slice(10),
    digits.slice(0, 10) + '_' + digits.slice(10),
    digits.slice(0, 10) + '\u00a0' + digits.slice(10), // no-break space is not in §6.2
    digits.slice(0, 10) + '\u2212' + digits.slice(10), // minus sign
    '\u0660' + digits.slice(1),                          // Arabic-Indic zero
    digits.slice(0, 10) + '\u200b' + digits.slice(10),  // zero-width space
    digits + ' '.repeat(161)                             // over 200 characters, as the console
  ];
  for (const b of bad) assert.equal(C.normalizeCodename(b), null, JSON.stringify(b));
  for (const notText of [undefined, null, 42, ['1'], new Uint8Array(40)]) assert.equal(C.normalizeCodename(notText), null);
});

test('normalizeCodename: every single mistyped digit is rejected', async () => {
  const digits = (await C.generateCodename()).replace(/ /g, '');
  for (let i = 0; i < 40; i++) {
    for (let d = 0; d < 10; d++) {
      if (String(d) === digits[i]) continue;
      const typo = digits.slice(0, i) + d + digits.slice(i + 1);
      assert.equal(C.normalizeCodename(typo), null, `position ${i} -> ${d}`);
    }
  }
});

test('normalizeCodename: every swap of two different adjacent digits is rejected', async () => {
  for (let round = 0; round < 20; round++) {
    const digits = (await C.generateCodename()).replace(/ /g, '');
    for (let i = 0; i < 39; i++) {
      if (digits[i] === digits[i + 1]) continue;
      const swapped = digits.slice(0, i) + digits[i + 1] + digits[i] + digits.slice(i + 2);
      assert.equal(C.normalizeCodename(swapped), null, `swap at ${i}`);
    }
  }
});

test('deriveCodenameKeys: §6.3 computed independently, and the same for every way of typing it', async () => {
  const digits = withCheck(FIXED.replace(/ /g, ''));
  const c = utf8.encode(digits);
  const replySk = sodium.crypto_generichash(32, utf8.encode('SafeIntake/v1 codename x25519'), c);
  const seed = sodium.crypto_generichash(32, utf8.encode('SafeIntake/v1 codename ed25519'), c);
  const mailbox = sodium.crypto_sign_seed_keypair(seed);
  const keys = await C.deriveCodenameKeys(digits);
  assert.equal(keys.ok, true);
  assert.deepEqual(keys.replySecretKey, replySk);
  assert.deepEqual(keys.replyPublicKey, sodium.crypto_scalarmult_base(replySk));
  assert.deepEqual(keys.mailboxSecretKey, mailbox.privateKey);
  assert.deepEqual(keys.mailboxPublicKey, mailbox.publicKey);
  assert.equal(keys.mailboxId, sodium.to_hex(sodium.crypto_generichash(32, mailbox.publicKey, null).subarray(0, 16)));
  assert.match(keys.mailboxId, /^[0-9a-f]{32}$/);

  const fullWidth = digits.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))).match(/.{5}/g).join('\u3000');
  const again = await C.deriveCodenameKeys(fullWidth);
  assert.deepEqual(again, keys);
});

test('deriveCodenameKeys: a mistyped codename is a CodenameFailure, never "no replies"', async () => {
  const digits = withCheck(FIXED.replace(/ /g, ''));
  const typo = digits.slice(0, 39) + String((Number(digits[39]) + 1) % 10);
  assert.deepEqual(await C.deriveCodenameKeys(typo), { ok: false, failure: 'CodenameFailure' });
  assert.deepEqual(await C.deriveCodenameKeys('hello'), { ok: false, failure: 'CodenameFailure' });
  assert.deepEqual(await C.deriveCodenameKeys(undefined), { ok: false, failure: 'CodenameFailure' });
});
