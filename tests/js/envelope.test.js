'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  C, sodium, ready, utf8, CHUNK, WIRE_CHUNK, concat, keyPair, blake2bHex, patternBytes, sealToBytes
} = require('./helpers.js');

let alice;
let bob;
let mallory;
test.before(async () => {
  await ready;
  alice = keyPair();
  bob = keyPair();
  mallory = keyPair();
});

function manifestLength(size) {
  return utf8.encode(JSON.stringify({
    v: 1, kind: 'report', lang: 'en', attachments: [{ name: 'x', type: 't', size }]
  })).length;
}

// A Blob stand-in that records every read, to prove the sealer never asks for a whole attachment.
function recordingBlob(bytes, reads) {
  return {
    size: bytes.length,
    slice(start, end) {
      return { arrayBuffer: async () => { reads.push([start, end]); return bytes.slice(start, end).buffer; } };
    },
    arrayBuffer: async () => { throw new Error('whole-Blob read'); }
  };
}

async function roundTrip(size, { viaBlob = true, seed = size } = {}) {
  const data = patternBytes(size, seed + 1);
  const { envelope, pieces, result } = await sealToBytes({
    recipients: [alice.publicKey],
    attachments: [{ name: 'x', type: 't', blob: new Blob([data]) }]
  });
  assert.equal(result.size, envelope.length);
  const source = viaBlob ? new Blob([envelope]) : envelope;
  const opened = await C.open(source, [alice.secretKey]);
  assert.equal(opened.ok, true, `size ${size}: ${opened.failure}`);
  assert.equal(opened.attachments.length, 1);
  assert.equal(opened.attachments[0].length, size);
  assert.equal(blake2bHex(opened.attachments[0]), blake2bHex(data));
  assert.deepEqual(opened.manifest.attachments, [{ name: 'x', type: 't', size }]);
  assert.deepEqual(opened.nonce, result.nonce);
  return { envelope, pieces, opened };
}

for (const size of [0, 1, 65535, 65536, 65537]) {
  test(`seal/open round trip, attachment of ${size} bytes`, async () => {
    await roundTrip(size, { viaBlob: size % 2 === 0 });
  });
}

test('seal/open round trip, 3 MiB + 5 through Blob, streamed out with onAttachmentData', async () => {
  const size = 3 * 1024 * 1024 + 5;
  const data = patternBytes(size, 42);
  const { envelope, pieces } = await sealToBytes({
    recipients: [alice.publicKey],
    attachments: [{ name: 'video.mp4', type: 'video/mp4', blob: new Blob([data]) }]
  });
  const header = 92 + 80;
  assert.equal(pieces[0].length, header);
  for (const p of pieces.slice(1, -1)) assert.equal(p.length, WIRE_CHUNK);
  const payload = C.pad(4 + manifestLength(size) + size);
  assert.equal(envelope.length, header + payload + 16 * Math.ceil(payload / CHUNK));

  const state = sodium.crypto_generichash_init(null, 32);
  let received = 0;
  const opened = await C.open(new Blob([envelope]), [alice.secretKey], {
    onAttachmentData: async (index, bytes) => {
      assert.equal(index, 0);
      assert.ok(bytes.length <= CHUNK);
      received += bytes.length;
      sodium.crypto_generichash_update(state, bytes);
    }
  });
  assert.equal(opened.ok, true);
  assert.equal(opened.attachments, undefined);
  assert.equal(received, size);
  assert.equal(sodium.to_hex(sodium.crypto_generichash_final(state, 32)), blake2bHex(data));
});

test('a payload of exactly 65536 bytes is one full final chunk, not a full chunk and an empty one', async () => {
  let size = 65532 - manifestLength(60000);
  size = 65532 - manifestLength(size);
  assert.equal(4 + manifestLength(size) + size, 65536);
  const { envelope, pieces } = await roundTrip(size);
  assert.equal(pieces.length, 2);
  assert.equal(envelope.length, 172 + WIRE_CHUNK);
});

test('a payload of exactly 131072 bytes is two full chunks', async () => {
  let size = 131068 - manifestLength(130000);
  size = 131068 - manifestLength(size);
  const { envelope, pieces } = await roundTrip(size);
  assert.equal(pieces.length, 3);
  assert.equal(envelope.length, 172 + 2 * WIRE_CHUNK);
});

test('several attachments, including empty ones, come back in order', async () => {
  const files = [patternBytes(0), patternBytes(70000, 3), patternBytes(0), patternBytes(10, 4), patternBytes(131072, 5)];
  const { envelope } = await sealToBytes({
    recipients: [alice.publicKey],
    manifest: { kind: 'follow-up', lang: 'zh-Hant-HK', fields: { what: '警察 — ünïcödé ✓', when: '' } },
    attachments: files.map((f, i) => ({ name: `f${i}.bin`, type: 'application/octet-stream', blob: new Blob([f]) }))
  });
  const opened = await C.open(envelope, [alice.secretKey]);
  assert.equal(opened.ok, true);
  assert.equal(opened.manifest.kind, 'follow-up');
  assert.equal(opened.manifest.fields.what, '警察 — ünïcödé ✓');
  assert.deepEqual(opened.manifest.attachments.map((a) => a.size), files.map((f) => f.length));
  files.forEach((f, i) => assert.deepEqual(opened.attachments[i], f));
  assert.deepEqual(opened.manifestBytes, utf8.encode(JSON.stringify(opened.manifest)));

  const seen = [0, 0, 0, 0, 0];
  const streamed = await C.open(envelope, [alice.secretKey], {
    onAttachmentData: (index, bytes) => { seen[index] += bytes.length; }
  });
  assert.equal(streamed.ok, true);
  assert.deepEqual(seen, [0, 70000, 0, 10, 131072]);
});

test('the manifest: v first, application members untouched, attachments built from the files', async () => {
  const { envelope } = await sealToBytes({
    recipients: [alice.publicKey],
    manifest: { kind: 'report', lang: 'zh-Hans', sealedBy: 'browser/1', ['__proto__']: { odd: true } },
    attachments: [{ name: '照片.jpg', type: 'image/jpeg', blob: new Blob([new Uint8Array(3)]) }]
  });
  const opened = await C.open(envelope, [alice.secretKey]);
  assert.equal(opened.ok, true);
  const text = new TextDecoder().decode(opened.manifestBytes);
  assert.ok(text.startsWith('{"v":1,"kind":"report","lang":"zh-Hans","sealedBy":"browser/1","__proto__":{"odd":true},'));
  assert.ok(text.endsWith('"attachments":[{"name":"照片.jpg","type":"image/jpeg","size":3}]}'));
  assert.equal(Object.getPrototypeOf(opened.manifest), Object.prototype);
});

test('multiple recipients: each opens, a non-recipient gets NoMatchingKey', async () => {
  const carol = keyPair();
  const data = patternBytes(100000, 9);
  const { envelope } = await sealToBytes({
    recipients: [alice.publicKey, bob.publicKey, carol.publicKey],
    attachments: [{ name: 'a', type: 'b', blob: new Blob([data]) }]
  });
  for (const reader of [alice, bob, carol]) {
    const opened = await C.open(envelope, [reader.secretKey]);
    assert.equal(opened.ok, true);
    assert.deepEqual(opened.attachments[0], data);
  }
  assert.deepEqual(await C.open(envelope, [mallory.secretKey]), { ok: false, failure: 'NoMatchingKey' });
  // A reader holding several keys, only the last of which is a recipient.
  const opened = await C.open(envelope, [mallory.secretKey, keyPair().secretKey, carol.secretKey]);
  assert.equal(opened.ok, true);
});

test('64 recipients: the last one opens; 65 is misuse', async () => {
  const readers = Array.from({ length: 64 }, keyPair);
  const { envelope } = await sealToBytes({ recipients: readers.map((r) => r.publicKey) });
  assert.equal(C.parseHeader(envelope).headerLength, 5212);
  assert.equal((await C.open(envelope, [readers[63].secretKey])).ok, true);
  await assert.rejects(sealToBytes({ recipients: [...readers, alice].map((r) => r.publicKey) }), TypeError);
});

test('streaming: reads are at most one chunk, and chunks go out before the attachment is fully read', async () => {
  const reads = [];
  const events = [];
  const data = patternBytes(5 * CHUNK + 123, 11);
  await C.seal({
    recipients: [alice.publicKey],
    bundleHash: new Uint8Array(32),
    manifest: { kind: 'report' },
    attachments: [{ name: 'big', type: 'x', blob: recordingBlob(data, reads) }],
    onChunk: async () => { events.push(['chunk', reads.length]); }
  });
  assert.ok(reads.length >= 6);
  for (const [a, b] of reads) assert.ok(b - a <= CHUNK);
  // The first payload chunk is emitted after at most one attachment read.
  assert.ok(events[1][1] <= 1, JSON.stringify(events));

  const { envelope } = await sealToBytes({
    recipients: [alice.publicKey], attachments: [{ name: 'big', type: 'x', blob: new Blob([data]) }]
  });
  const openReads = [];
  const opened = await C.open(recordingBlob(envelope, openReads), [alice.secretKey], { onAttachmentData() {} });
  assert.equal(opened.ok, true);
  for (const [a, b] of openReads) assert.ok(b - a <= WIRE_CHUNK);
});

test('onProgress counts envelope bytes up to the total', async () => {
  const calls = [];
  const { result } = await sealToBytes({
    recipients: [alice.publicKey],
    attachments: [{ name: 'a', type: 'b', blob: new Blob([patternBytes(200000)]) }],
    onProgress: (done, total) => calls.push([done, total])
  });
  assert.ok(calls.length >= 4);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] > calls[i - 1][0]);
  assert.deepEqual(calls[calls.length - 1], [result.size, result.size]);
});

test('replyKeys: the manifest carries replyTo signed over the envelope nonce (§7.1)', async () => {
  const keys = await C.deriveCodenameKeys(await C.generateCodename());
  const { envelope, result } = await sealToBytes({ recipients: [alice.publicKey], replyKeys: keys });
  const opened = await C.open(envelope, [alice.secretKey]);
  assert.equal(opened.ok, true);
  const r = opened.manifest.replyTo;
  const b64 = (s) => sodium.from_base64(s, sodium.base64_variants.ORIGINAL);
  assert.deepEqual(b64(r.x25519), keys.replyPublicKey);
  assert.deepEqual(b64(r.ed25519), keys.mailboxPublicKey);
  const message = concat([utf8.encode('SafeIntake/v1 reply-keys'), new Uint8Array([0]), keys.replyPublicKey, result.nonce]);
  assert.equal(sodium.crypto_sign_verify_detached(b64(r.sig), message, keys.mailboxPublicKey), true);
  assert.deepEqual(b64(r.sig), await C.signReplyKeys(keys, result.nonce));
});

test('seal: misuse throws before anything is emitted', async () => {
  const emitted = [];
  const base = {
    recipients: [alice.publicKey], bundleHash: new Uint8Array(32), manifest: { kind: 'report' },
    onChunk: (c) => { emitted.push(c); }
  };
  const cases = [
    { recipients: [] },
    { recipients: [new Uint8Array(31)] },
    { bundleHash: new Uint8Array(16) },
    { manifest: { lang: 'en' } },                   // kind missing
    { manifest: { kind: 'letter' } },
    { manifest: { kind: 'report', v: 2 } },
    { manifest: { kind: 'report', attachments: [] } },
    { manifest: { kind: 'report', note: '\ud800' } }, // lone surrogate: not UTF-8
    { manifest: { kind: 'report', blob: 'x'.repeat(1048576) } },
    { manifest: null },
    { onChunk: undefined },
    { attachments: [{ name: 'a', blob: new Blob([]) }] },
    { replyKeys: { ok: false } }
  ];
  for (const c of cases) {
    await assert.rejects(C.seal(Object.assign({}, base, c)), (e) => e instanceof TypeError || e instanceof RangeError,
      JSON.stringify(Object.keys(c)));
  }
  assert.equal(emitted.length, 0);
});

test('errors of the caller surface as themselves: onChunk, onAttachmentData, the Blob', async () => {
  const boom = new Error('disk full');
  await assert.rejects(C.seal({
    recipients: [alice.publicKey], bundleHash: new Uint8Array(32), manifest: { kind: 'report' },
    onChunk: () => { throw boom; }
  }), (e) => e === boom);
  const { envelope } = await sealToBytes({
    recipients: [alice.publicKey], attachments: [{ name: 'a', type: 'b', blob: new Blob(['data']) }]
  });
  await assert.rejects(C.open(envelope, [alice.secretKey], { onAttachmentData: () => { throw boom; } }), (e) => e === boom);
  const broken = { size: envelope.length, slice: () => ({ arrayBuffer: async () => { throw boom; } }), arrayBuffer() {} };
  await assert.rejects(C.open(broken, [alice.secretKey]), (e) => e === boom);
  const shrunk = { size: 10, slice: () => ({ arrayBuffer: async () => new ArrayBuffer(3) }), arrayBuffer() {} };
  await assert.rejects(C.seal({
    recipients: [alice.publicKey], bundleHash: new Uint8Array(32), manifest: { kind: 'report' },
    attachments: [{ name: 'a', type: 'b', blob: shrunk }], onChunk() {}
  }), /changed/);
});

test('open: misuse throws', async () => {
  const { envelope } = await sealToBytes({ recipients: [alice.publicKey] });
  await assert.rejects(C.open('envelope', [alice.secretKey]), TypeError);
  await assert.rejects(C.open(envelope, []), TypeError);
  await assert.rejects(C.open(envelope, [new Uint8Array(64)]), TypeError);
  await assert.rejects(C.open(envelope, alice.secretKey), TypeError);
});

test('envelopeHash: streaming BLAKE2b-256 equals the one-shot hash, for bytes and Blobs', async () => {
  for (const size of [0, 1, 1048575, 1048576, 2500000]) {
    const bytes = patternBytes(size, 5);
    const expected = blake2bHex(bytes);
    assert.equal(sodium.to_hex(await C.envelopeHash(bytes)), expected);
    assert.equal(sodium.to_hex(await C.envelopeHash(new Blob([bytes]))), expected);
  }
});
