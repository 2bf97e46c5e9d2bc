'use strict';
// replies.js readReply (envelope-v1.md §7.2): the day beside a verified reply is the `sent` day the reviewer
// signed inside the envelope, never the `day` the server adds next to it.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { C, sodium, ready, utf8, concat, sealToBytes } = require('./helpers.js');
const { readReply, validDay } = require(path.join(__dirname, '..', '..', 'src', 'Intake.Web', 'wwwroot', 'js', 'replies.js'));

const SERVER_DAY = '2026-11-26';
const b64 = (bytes) => sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);
// As strict as the page's S.fromBase64: anything else is null.
function fromBase64(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0) return null;
  try {
    return sodium.from_base64(text, sodium.base64_variants.ORIGINAL);
  } catch (e) {
    return null;
  }
}

let keys;
let reviewer;
let reviewers;
test.before(async () => {
  await ready;
  keys = await C.deriveCodenameKeys(await C.generateCodename());
  reviewer = sodium.crypto_sign_keypair();
  reviewers = [{ id: 'demo', name: 'Demo reviewer', ed25519: reviewer.publicKey }];
});

// A reply sealed to the codename's reply key and signed by `signer`, as the server serves it.
async function servedReply(members, signer = reviewer.privateKey) {
  const { envelope } = await sealToBytes({
    recipients: [keys.replyPublicKey],
    manifest: Object.assign({ kind: 'reply', text: 'Thank you. Are you safe now?', reviewer: 'demo' }, members)
  });
  const hash = await C.envelopeHash(envelope);
  const signature = sodium.crypto_sign_detached(
    concat([utf8.encode('SafeIntake/v1 reply'), new Uint8Array([0]), keys.mailboxPublicKey, hash]), signer);
  return { id: 'a'.repeat(32), day: SERVER_DAY, reviewer: 'demo', signature: b64(signature), envelope: b64(envelope) };
}

const read = (reply) => readReply(reply, { crypto: C, fromBase64: fromBase64, reviewers: reviewers, keys: keys });

test('readReply: a verified reply shows the signed `sent` day, not the server\'s', async () => {
  const r = await read(await servedReply({ sent: '2026-11-20' }));
  assert.equal(r.state, 'ok');
  assert.equal(r.text, 'Thank you. Are you safe now?');
  assert.equal(r.reviewer.id, 'demo');
  assert.equal(r.day, '2026-11-20');
});

test('readReply: a verified reply without `sent` shows no day, whatever the server says', async () => {
  const reply = await servedReply({});
  for (const day of [SERVER_DAY, '2000-01-01', undefined]) {
    const r = await read(Object.assign({}, reply, { day: day }));
    assert.equal(r.state, 'ok');
    assert.equal(r.day, '', `server day ${day}`);
  }
});

test('readReply: a malformed signed `sent` shows no day (and never falls back to the server\'s)', async () => {
  const malformed = ['2026-13-01', '2026-02-30', '2026-00-10', '2026-11-00', '26-11-20', '2026-1-20', '2026-11-20T10:00:00Z',
    ' 2026-11-20', '2026-11-20\n', '２０２６-１１-２０', '', 20261120, null, true, ['2026-11-20'], { day: '2026-11-20' }];
  for (const sent of malformed) {
    const r = await read(await servedReply({ sent: sent }));
    assert.equal(r.state, 'ok', JSON.stringify(sent));
    assert.equal(r.day, '', JSON.stringify(sent));
  }
});

test('readReply: a reply that does not verify is withheld and keeps only the server\'s day', async () => {
  const forged = await servedReply({ sent: '2026-11-20' }, sodium.crypto_sign_keypair().privateKey);
  const r = await read(forged);
  assert.deepEqual(r, { state: 'unverified', day: SERVER_DAY });
  assert.deepEqual(await read(Object.assign({}, forged, { day: '2026-02-30' })), { state: 'unverified', day: '' });
  assert.deepEqual(await read(Object.assign({}, forged, { reviewer: 'alice' })), { state: 'unverified', day: SERVER_DAY });
});

test('validDay: only a real calendar day in yyyy-MM-dd', () => {
  for (const day of ['2026-11-26', '2028-02-29', '2000-02-29', '1999-12-31', '9999-12-31']) assert.equal(validDay(day), day);
  for (const day of ['2026-02-29', '1900-02-29', '2026-04-31', '0000-01-01', '2026-11-26 ', 'x2026-11-26', undefined]) {
    assert.equal(validDay(day), '', String(day));
  }
});
