'use strict';
// §7: every signature input is context ‖ 0x00 ‖ fields; none verifies for another purpose.
const test = require('node:test');
const assert = require('node:assert/strict');
const { C, sodium, ready, utf8, concat, keyPair, sealToBytes } = require('./helpers.js');

let keys;
let reviewer;
test.before(async () => {
  await ready;
  keys = await C.deriveCodenameKeys(await C.generateCodename());
  reviewer = sodium.crypto_sign_keypair();
});

const input = (context, ...fields) => concat([utf8.encode(context), new Uint8Array([0]), ...fields]);
const verify = (sig, message, pk) => sodium.crypto_sign_verify_detached(sig, message, pk);

test('signReplyKeys: Sign(mailbox_sk, "SafeIntake/v1 reply-keys" ‖ 0 ‖ reply_pk ‖ nonce)', async () => {
  const nonce = sodium.randombytes_buf(16);
  const sig = await C.signReplyKeys(keys, nonce);
  assert.equal(sig.length, 64);
  assert.ok(verify(sig, input('SafeIntake/v1 reply-keys', keys.replyPublicKey, nonce), keys.mailboxPublicKey));
  await assert.rejects(C.signReplyKeys(keys, new Uint8Array(24)), TypeError);
});

test('signFollowUp: binds the mailbox key and the envelope hash', async () => {
  const { envelope } = await sealToBytes({ recipients: [keyPair().publicKey], manifest: { kind: 'follow-up' } });
  const hash = await C.envelopeHash(envelope);
  const sig = await C.signFollowUp(keys, hash);
  assert.ok(verify(sig, input('SafeIntake/v1 follow-up', keys.mailboxPublicKey, hash), keys.mailboxPublicKey));
  assert.ok(!verify(sig, input('SafeIntake/v1 reply', keys.mailboxPublicKey, hash), keys.mailboxPublicKey));
  await assert.rejects(C.signFollowUp(keys, new Uint8Array(31)), TypeError);
});

test('verifyReply: accepts the reviewer\'s signature only for this mailbox and this envelope', async () => {
  const hash = sodium.randombytes_buf(32);
  const sig = sodium.crypto_sign_detached(input('SafeIntake/v1 reply', keys.mailboxPublicKey, hash), reviewer.privateKey);
  assert.equal(await C.verifyReply(reviewer.publicKey, keys.mailboxPublicKey, hash, sig), true);

  const otherMailbox = (await C.deriveCodenameKeys(await C.generateCodename())).mailboxPublicKey;
  assert.equal(await C.verifyReply(reviewer.publicKey, otherMailbox, hash, sig), false, 'moved to another mailbox');
  const otherHash = hash.slice();
  otherHash[0] ^= 1;
  assert.equal(await C.verifyReply(reviewer.publicKey, keys.mailboxPublicKey, otherHash, sig), false, 'other envelope');
  assert.equal(await C.verifyReply(sodium.crypto_sign_keypair().publicKey, keys.mailboxPublicKey, hash, sig), false, 'forged by server');
  const followUpSig = sodium.crypto_sign_detached(input('SafeIntake/v1 follow-up', keys.mailboxPublicKey, hash), reviewer.privateKey);
  assert.equal(await C.verifyReply(reviewer.publicKey, keys.mailboxPublicKey, hash, followUpSig), false, 'other purpose');
  for (const bad of [new Uint8Array(0), sig.subarray(0, 63), concat([sig, new Uint8Array(1)]), 'sig', null]) {
    assert.equal(await C.verifyReply(reviewer.publicKey, keys.mailboxPublicKey, hash, bad), false);
  }
  const flipped = sig.slice();
  flipped[63] ^= 0x80;
  assert.equal(await C.verifyReply(reviewer.publicKey, keys.mailboxPublicKey, hash, flipped), false);
});

test('signChallenge: Sign(mailbox_sk, "SafeIntake/v1 mailbox-challenge" ‖ 0 ‖ challenge)', async () => {
  const challenge = sodium.randombytes_buf(32);
  const sig = await C.signChallenge(keys, challenge);
  assert.ok(verify(sig, input('SafeIntake/v1 mailbox-challenge', challenge), keys.mailboxPublicKey));
  await assert.rejects(C.signChallenge(keys, new Uint8Array(16)), TypeError);
  await assert.rejects(C.signChallenge({ ok: false, failure: 'CodenameFailure' }, challenge), TypeError);
});
