'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { C, sodium, ready, utf8, concat } = require('./helpers.js');

let org;
let other;
const NOW = 1764200000;

test.before(async () => {
  await ready;
  org = sodium.crypto_sign_keypair();
  other = sodium.crypto_sign_keypair();
});

const b64 = (bytes) => sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);

function reviewer(id) {
  return {
    id,
    name: `Reviewer ${id}`,
    x25519: b64(sodium.crypto_box_keypair().publicKey),
    ed25519: b64(sodium.crypto_sign_keypair().publicKey)
  };
}

function body(overrides = {}) {
  return Object.assign({
    type: 'safeintake-reviewer-bundle',
    v: 1,
    org: 'Example Rights Group',
    orgKey: b64(org.publicKey),
    epoch: 3,
    issued: 1764115200,
    expires: 1771891200,
    reviewers: [reviewer('alice'), reviewer('bob.chan_2-x')]
  }, overrides);
}

// §4.1 canonical form: JSON.stringify of an object in member order is compact with raw UTF-8.
function signBody(bodyBytes, signer = org) {
  const bytes = typeof bodyBytes === 'string' ? utf8.encode(bodyBytes)
    : bodyBytes instanceof Uint8Array ? bodyBytes : utf8.encode(JSON.stringify(bodyBytes));
  const signature = sodium.crypto_sign_detached(
    concat([utf8.encode('SafeIntake/v1 reviewer-bundle'), new Uint8Array([0]), bytes]), signer.privateKey);
  return {
    text: JSON.stringify({ format: 'safeintake-signed-bundle/1', body: b64(bytes), signature: b64(signature) }),
    bytes,
    signature
  };
}

function verify(text, { pinned = org.publicKey, now = NOW, seen = 0, seenHash } = {}) {
  return C.verifyBundle(text, pinned, now, seen, seenHash);
}

const failure = (reason) => ({ ok: false, failure: 'BundleFailure', reason });

test('a good bundle verifies, with its hash, fingerprint, epoch and expiry (§4.4)', async () => {
  const signed = signBody(body());
  const r = await verify(signed.text);
  assert.equal(r.ok, true);
  assert.equal(r.epoch, 3);
  assert.equal(r.expires, 1771891200);
  assert.equal(r.bundle.reviewers.length, 2);
  const hash = sodium.crypto_generichash(32, concat([signed.bytes, signed.signature]), null);
  assert.deepEqual(r.bundleHash, hash);
  assert.match(r.fingerprint, /^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);
  assert.equal(r.fingerprint.replace(/ /g, ''), sodium.to_hex(hash.subarray(0, 16)));
  assert.equal(C.bundleFingerprint(hash), r.fingerprint);
  assert.equal((await C.verifyBundle(utf8.encode(signed.text), org.publicKey, NOW, 0)).ok, true);
});

test('bundleFingerprint: the format of §4.4', () => {
  const hash = sodium.from_hex('3f2a91bc07de44a19b0c5e6f1a2b3c4d' + '00'.repeat(16));
  assert.equal(C.bundleFingerprint(hash), '3f2a 91bc 07de 44a1 9b0c 5e6f 1a2b 3c4d');
  assert.throws(() => C.bundleFingerprint(new Uint8Array(16)), TypeError);
});

test('the body is verified as received, not re-encoded: non-canonical bodies verify and hash as sent', async () => {
  const text = ' {"reviewers":' + JSON.stringify(body().reviewers) + ', "v":1, "type":"safeintake-reviewer-bundle",' +
    '"org":"香港 Rights","orgKey":"' + b64(org.publicKey) + '","epoch":4,"issued":1,"expires":1771891200}\n';
  const signed = signBody(text);
  const r = await verify(signed.text);
  assert.equal(r.ok, true);
  assert.equal(r.bundle.org, '香港 Rights');
  assert.deepEqual(r.bundleHash, sodium.crypto_generichash(32, concat([signed.bytes, signed.signature]), null));
});

test('bad signature: a flipped bit, a body changed after signing, another signer', async () => {
  const signed = signBody(body());
  const sig = signed.signature.slice();
  sig[10] ^= 1;
  const flipped = JSON.stringify({ format: 'safeintake-signed-bundle/1', body: b64(signed.bytes), signature: b64(sig) });
  assert.deepEqual(await verify(flipped), failure('signature'));
  const changed = utf8.encode(JSON.stringify(body({ epoch: 4 })));
  const swapped = JSON.stringify({ format: 'safeintake-signed-bundle/1', body: b64(changed), signature: b64(signed.signature) });
  assert.deepEqual(await verify(swapped), failure('signature'));
  assert.deepEqual(await verify(signBody(body(), other).text), failure('signature'));
  // The signature of one purpose never verifies for another (§7): same bytes, no context string.
  const bare = sodium.crypto_sign_detached(signed.bytes, org.privateKey);
  assert.deepEqual(await verify(JSON.stringify({ format: 'safeintake-signed-bundle/1', body: b64(signed.bytes), signature: b64(bare) })),
    failure('signature'));
});

test('wrong org key: pinned key differs from the signer (signature), orgKey member differs from the pinned key (org-key)', async () => {
  assert.deepEqual(await verify(signBody(body()).text, { pinned: other.publicKey }), failure('signature'));
  const lying = signBody(body({ orgKey: b64(other.publicKey) }));
  assert.deepEqual(await verify(lying.text), failure('org-key'));
});

test('expired: now ≥ expires', async () => {
  const text = signBody(body()).text;
  assert.equal((await verify(text, { now: 1771891199 })).ok, true);
  assert.deepEqual(await verify(text, { now: 1771891200 }), failure('expired'));
  assert.deepEqual(await verify(text, { now: 1900000000 }), failure('expired'));
});

test('rollback: an older epoch, or the same epoch with another hash', async () => {
  const signed = signBody(body());
  const good = await verify(signed.text);
  assert.deepEqual(await verify(signed.text, { seen: 4 }), failure('rollback'));
  assert.equal((await verify(signed.text, { seen: 3 })).ok, true);
  assert.equal((await verify(signed.text, { seen: 2 })).ok, true);
  assert.equal((await verify(signed.text, { seen: 3, seenHash: good.bundleHash })).ok, true);
  const sameEpochOther = signBody(body({ org: 'Another Group' }));
  assert.deepEqual(await verify(sameEpochOther.text, { seen: 3, seenHash: good.bundleHash }), failure('rollback'));
  assert.equal((await verify(sameEpochOther.text, { seen: 2, seenHash: good.bundleHash })).ok, true);
});

test('malformed outer file or bad base64', async () => {
  const signed = signBody(body());
  const outer = { format: 'safeintake-signed-bundle/1', body: b64(signed.bytes), signature: b64(signed.signature) };
  const bodyB64 = outer.body;
  const cases = {
    'empty': '',
    'not JSON': '{"format":',
    'array': '[]',
    'null': 'null',
    'trailing data': JSON.stringify(outer) + '{}',
    'wrong format': JSON.stringify(Object.assign({}, outer, { format: 'safeintake-signed-bundle/2' })),
    'body missing': JSON.stringify({ format: outer.format, signature: outer.signature }),
    'signature number': JSON.stringify(Object.assign({}, outer, { signature: 5 })),
    'duplicate signature member': JSON.stringify(outer).slice(0, -1) + ',"signature":"' + outer.signature + '"}',
    'body not base64': JSON.stringify(Object.assign({}, outer, { body: '!!!!' })),
    'body base64url': JSON.stringify(Object.assign({}, outer, { body: bodyB64.replace(/\+/g, '-').replace(/\//g, '_') + (bodyB64.includes('+') || bodyB64.includes('/') ? '' : '-AA=') })),
    'body without padding': JSON.stringify(Object.assign({}, outer, { body: bodyB64.replace(/=+$/, '') + (bodyB64.endsWith('=') ? '' : 'A') })),
    'body with a newline': JSON.stringify(Object.assign({}, outer, { body: bodyB64.slice(0, 76) + '\n' + bodyB64.slice(76) })),
    'signature non-canonical bits': JSON.stringify(Object.assign({}, outer, { signature: outer.signature.replace(/.==$/, (m) => String.fromCharCode(m.charCodeAt(0) + 1) + '==') })),
    'signature 63 bytes': JSON.stringify(Object.assign({}, outer, { signature: b64(signed.signature.subarray(0, 63)) })),
    'empty body': JSON.stringify(Object.assign({}, outer, { body: '' })),
    'nested deeper than 4': JSON.stringify(Object.assign({}, outer, { extra: [[[[]]]] })),
    'larger than 256 KiB': JSON.stringify(Object.assign({}, outer, { padding: 'x'.repeat(262144) })),
    'signature 65 bytes': JSON.stringify(Object.assign({}, outer, { signature: b64(concat([signed.signature, new Uint8Array(1)])) }))
  };
  for (const [name, text] of Object.entries(cases)) assert.deepEqual(await verify(text), failure('malformed'), name);
});

test('a properly signed body that breaks §4.1 is malformed', async () => {
  const many = Array.from({ length: 65 }, (_, i) => reviewer(`r${i}`));
  const r1 = reviewer('alice');
  const cases = {
    'not JSON': '{"type":',
    'array body': '[]',
    'type': body({ type: 'safeintake-bundle' }),
    'v 2': body({ v: 2 }),
    'v "1"': body({ v: '1' }),
    'org empty': body({ org: '' }),
    'org 201': body({ org: 'x'.repeat(201) }),
    'org number': body({ org: 7 }),
    'orgKey short': body({ orgKey: b64(org.publicKey.subarray(0, 31)) }),
    'orgKey not base64': body({ orgKey: '*'.repeat(44) }),
    'epoch 0': body({ epoch: 0 }),
    'epoch negative': body({ epoch: -3 }),
    'epoch string': body({ epoch: '3' }),
    'issued = expires': body({ issued: 1771891200 }),
    'issued > expires': body({ issued: 1771891201 }),
    'expires missing': body({ expires: undefined }),
    'reviewers empty': body({ reviewers: [] }),
    'reviewers 65': body({ reviewers: many }),
    'reviewers object': body({ reviewers: {} }),
    'id uppercase': body({ reviewers: [reviewer('Alice')] }),
    'id leading dot': body({ reviewers: [reviewer('.alice')] }),
    'id 65 chars': body({ reviewers: [reviewer('a'.repeat(65))] }),
    'id empty': body({ reviewers: [reviewer('')] }),
    'id duplicate': body({ reviewers: [reviewer('alice'), reviewer('alice')] }),
    'name empty': body({ reviewers: [Object.assign(reviewer('alice'), { name: '' })] }),
    'name 201': body({ reviewers: [Object.assign(reviewer('alice'), { name: 'n'.repeat(201) })] }),
    'x25519 31 bytes': body({ reviewers: [Object.assign(reviewer('alice'), { x25519: b64(new Uint8Array(31)) })] }),
    'ed25519 missing': body({ reviewers: [Object.assign(reviewer('alice'), { ed25519: undefined })] }),
    'x25519 shared': body({ reviewers: [r1, Object.assign(reviewer('bob'), { x25519: r1.x25519 })] }),
    'ed25519 shared': body({ reviewers: [r1, Object.assign(reviewer('bob'), { ed25519: r1.ed25519 })] }),
    'duplicate member': JSON.stringify(body()).slice(0, -1) + ',"epoch":99}',
    'epoch 3.0': JSON.stringify(body()).replace('"epoch":3', '"epoch":3.0'),
    'epoch 3e0': JSON.stringify(body()).replace('"epoch":3', '"epoch":3e0'),
    'BOM': concat([new Uint8Array([0xef, 0xbb, 0xbf]), utf8.encode(JSON.stringify(body()))]),
    'issued negative': body({ issued: -1 }),
    'expires after year 9999': body({ expires: 253402300800 }),
    'org 201 emoji': body({ org: '\u{1F600}'.repeat(201) }),
    'nested deeper than 8': body({ extra: [[[[[[[[]]]]]]]] }),
    'duplicate nested member': JSON.stringify(body()).replace('"name":', '"name":"x","name":'),
    'invalid UTF-8': concat([utf8.encode(JSON.stringify(body()).slice(0, -1) + ',"x":"'), new Uint8Array([0xff]), utf8.encode('"}')])
  };
  for (const [name, b] of Object.entries(cases)) {
    assert.deepEqual(await verify(signBody(b).text), failure('malformed'), name);
  }
});

test('the limits of §4.1 themselves are accepted', async () => {
  const limits = body({
    org: '\u{1F600}'.repeat(200), // 200 characters, 400 UTF-16 units
    epoch: 1,
    reviewers: Array.from({ length: 64 }, (_, i) => Object.assign(reviewer(i === 0 ? 'a'.repeat(64) : `r-${i}`), { name: 'n'.repeat(200) }))
  });
  const r = await verify(signBody(limits).text);
  assert.equal(r.ok, true);
  assert.equal(r.bundle.reviewers.length, 64);
});

test('verifyBundle: misuse throws', async () => {
  const text = signBody(body()).text;
  await assert.rejects(C.verifyBundle(text, new Uint8Array(31), NOW, 0), TypeError);
  await assert.rejects(C.verifyBundle(text, org.publicKey, 'now', 0), TypeError);
  await assert.rejects(C.verifyBundle(text, org.publicKey, NOW, -1), TypeError);
  await assert.rejects(C.verifyBundle({}, org.publicKey, NOW, 0), TypeError);
});
