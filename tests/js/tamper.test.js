'use strict';
// Attacks on envelopes: every MUST-reject rule of §9 with the outcome the vectors name.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  C, sodium, ready, utf8, CHUNK, WIRE_CHUNK, concat, keyPair, patternBytes, sealToBytes, craftEnvelope, buildPayload, u32
} = require('./helpers.js');

const HEADER = { ok: false, failure: 'HeaderFailure' };
const NOKEY = { ok: false, failure: 'NoMatchingKey' };
const MAC = { ok: false, failure: 'MacFailure' };
const PAYLOAD = { ok: false, failure: 'PayloadFailure' };

let alice;
let bob;
let envelope; // alice + bob, 3 chunks
let headerLength;
let chunkStarts;

test.before(async () => {
  await ready;
  alice = keyPair();
  bob = keyPair();
  ({ envelope } = await sealToBytes({
    recipients: [alice.publicKey, bob.publicKey],
    attachments: [{ name: 'evidence.pdf', type: 'application/pdf', blob: new Blob([patternBytes(150000, 3)]) }]
  }));
  headerLength = 92 + 160;
  chunkStarts = [];
  for (let at = headerLength; at < envelope.length; at += WIRE_CHUNK) chunkStarts.push(at);
});

async function openAs(bytes, reader = alice) {
  return C.open(bytes, [reader.secretKey]);
}

function flipped(bytes, offset, bit = 0) {
  const copy = bytes.slice();
  copy[offset] ^= 1 << bit;
  return copy;
}

function chunk(i) {
  return envelope.subarray(chunkStarts[i], Math.min(envelope.length, chunkStarts[i] + WIRE_CHUNK));
}

test('the untouched envelope opens for both recipients, 3 chunks', async () => {
  assert.equal(chunkStarts.length, 3);
  assert.equal((await openAs(envelope)).ok, true);
  assert.equal((await openAs(envelope, bob)).ok, true);
});

test('a bit flipped in magic, version or suite: HeaderFailure', async () => {
  for (let offset = 0; offset < 10; offset++) {
    for (const bit of [0, 7]) assert.deepEqual(await openAs(flipped(envelope, offset, bit)), HEADER, `byte ${offset}`);
  }
});

test('a bit flipped in the nonce or the bundle hash: MacFailure', async () => {
  for (let offset = 10; offset < 58; offset++) {
    assert.deepEqual(await openAs(flipped(envelope, offset, offset % 8)), MAC, `byte ${offset}`);
  }
});

test('a bit flipped in the count: HeaderFailure when out of range, MacFailure otherwise', async () => {
  for (const offset of [58, 59]) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = flipped(envelope, offset, bit);
      const count = bad[58] * 256 + bad[59];
      const expected = count < 1 || count > 64 ? HEADER : MAC;
      assert.deepEqual(await openAs(bad), expected, `count ${count}`);
    }
  }
});

test('a bit flipped in the reader\'s own stanza: NoMatchingKey; in another recipient\'s stanza: MacFailure', async () => {
  for (const offset of [60, 91, 92, 139]) {
    assert.deepEqual(await openAs(flipped(envelope, offset)), NOKEY, `alice, byte ${offset}`);
    assert.deepEqual(await openAs(flipped(envelope, offset), bob), MAC, `bob, byte ${offset}`);
  }
  for (const offset of [140, 171, 172, 219]) {
    assert.deepEqual(await openAs(flipped(envelope, offset)), MAC, `alice, byte ${offset}`);
  }
});

test('stanzas swapped: MacFailure; one stanza duplicated over the other: HeaderFailure', async () => {
  const swapped = envelope.slice();
  swapped.set(envelope.subarray(140, 220), 60);
  swapped.set(envelope.subarray(60, 140), 140);
  assert.deepEqual(await openAs(swapped), MAC);
  const duplicated = envelope.slice();
  duplicated.set(envelope.subarray(60, 140), 140);
  assert.deepEqual(await openAs(duplicated), HEADER);
});

test('a bit flipped in the header MAC: MacFailure', async () => {
  for (const offset of [220, 235, 251]) assert.deepEqual(await openAs(flipped(envelope, offset, 3)), MAC);
});

test('a bit flipped in any chunk (body or tag): PayloadFailure', async () => {
  for (const start of chunkStarts) {
    const end = Math.min(envelope.length, start + WIRE_CHUNK);
    for (const offset of [start, start + 1000, end - 17, end - 16, end - 1]) {
      assert.deepEqual(await openAs(flipped(envelope, offset, 5)), PAYLOAD, `byte ${offset}`);
    }
  }
});

test('truncation at and around every boundary', async () => {
  const cases = [
    [0, HEADER], [1, HEADER], [59, HEADER], [60, HEADER], [61, HEADER], [139, HEADER], [headerLength - 1, HEADER],
    [headerLength, PAYLOAD], [headerLength + 1, PAYLOAD], [headerLength + 16, PAYLOAD], [headerLength + 17, PAYLOAD],
    [chunkStarts[1] - 1, PAYLOAD], [chunkStarts[1], PAYLOAD], [chunkStarts[1] + 16, PAYLOAD],
    [chunkStarts[1] + 17, PAYLOAD], [chunkStarts[2] - 1, PAYLOAD], [chunkStarts[2], PAYLOAD],
    [chunkStarts[2] + 1, PAYLOAD], [envelope.length - 16, PAYLOAD], [envelope.length - 1, PAYLOAD]
  ];
  for (const [length, expected] of cases) {
    assert.deepEqual(await openAs(envelope.slice(0, length)), expected, `length ${length}`);
    assert.deepEqual(await C.open(new Blob([envelope.slice(0, length)]), [alice.secretKey]), expected, `Blob ${length}`);
  }
});

test('chunks reordered, duplicated or dropped: PayloadFailure', async () => {
  const head = envelope.subarray(0, headerLength);
  const [c0, c1, c2] = [chunk(0), chunk(1), chunk(2)];
  const variants = {
    'swap 0 and 1': [c1, c0, c2],
    'duplicate 0': [c0, c0, c1, c2],
    'duplicate 1': [c0, c1, c1, c2],
    'drop 0': [c1, c2],
    'drop 1': [c0, c2],
    'drop last': [c0, c1],
    'last first': [c2, c0, c1],
    'last twice': [c0, c1, c2, c2]
  };
  for (const [name, chunks] of Object.entries(variants)) {
    assert.deepEqual(await openAs(concat([head, ...chunks])), PAYLOAD, name);
  }
});

test('data appended after the last chunk: PayloadFailure', async () => {
  for (const extra of [new Uint8Array(1), new Uint8Array(16), new Uint8Array(17), new Uint8Array(WIRE_CHUNK), chunk(2)]) {
    assert.deepEqual(await openAs(concat([envelope, extra])), PAYLOAD, `+${extra.length}`);
  }
});

test('the payload of one envelope under the header of another: PayloadFailure', async () => {
  const { envelope: other } = await sealToBytes({ recipients: [alice.publicKey, bob.publicKey] });
  const spliced = concat([other.subarray(0, headerLength), envelope.subarray(headerLength)]);
  assert.deepEqual(await openAs(spliced), PAYLOAD);
});

test('rule 8: a stanza with a different file key (invisible salamanders) gives MacFailure, and stops the search', async () => {
  const good = sodium.randombytes_buf(32);
  const bad = sodium.randombytes_buf(32);
  const payload = buildPayload({ manifest: { v: 1, kind: 'report', attachments: [] } });
  const forged = craftEnvelope({
    recipients: [alice.publicKey, bob.publicKey], payload, fileKey: good, stanzaKeys: [bad, good]
  });
  assert.deepEqual(await openAs(forged, alice), MAC);
  assert.equal((await openAs(forged, bob)).ok, true);
  // A reader holding both keys must not fall through to bob's stanza after alice's fails the MAC.
  assert.deepEqual(await C.open(forged, [bob.secretKey, alice.secretKey]), MAC);
  assert.deepEqual(await C.open(forged, [alice.secretKey, bob.secretKey]), MAC);
});

// ---- rules 9–17 on crafted payloads

const goodManifest = { v: 1, kind: 'report', lang: 'en', attachments: [{ name: 'a', type: 'b', size: 3 }] };

async function crafted(payloadOrOptions, craftOptions = {}) {
  const payload = payloadOrOptions instanceof Uint8Array ? payloadOrOptions : buildPayload(payloadOrOptions);
  return openAs(craftEnvelope(Object.assign({ recipients: [alice.publicKey], payload }, craftOptions)));
}

test('the crafting helper agrees with the module on a valid payload', async () => {
  const opened = await crafted({ manifest: goodManifest, attachments: [new Uint8Array([1, 2, 3])] });
  assert.equal(opened.ok, true);
  assert.deepEqual(opened.attachments, [new Uint8Array([1, 2, 3])]);
});

test('rules 10-11: wrong last-chunk flags and short chunks', async () => {
  const big = buildPayload({ manifest: goodManifest, attachments: [new Uint8Array(3)], totalLength: C.pad(200000) });
  const broken = {
    // "the last chunk": every chunk sealed as final
    'every chunk final': craftEnvelope({ recipients: [alice.publicKey], payload: big, lastFlagOnAll: true }),
    'no chunk final': craftEnvelope({
      recipients: [alice.publicKey], payload: big,
      plan: [0, 1, 2, 3].map((i) => ({ data: big.subarray(i * CHUNK, (i + 1) * CHUNK), last: false }))
    }),
    'short non-final chunk': craftEnvelope({ recipients: [alice.publicKey], payload: big, chunkSize: 1000 })
  };
  for (const [name, env] of Object.entries(broken)) assert.deepEqual(await openAs(env), PAYLOAD, name);
});

test('rule 11: an empty final chunk after a full one, and an empty payload', async () => {
  let size = 65536 - 4 - 80;
  let m;
  for (let k = 0; k < 3; k++) {
    m = JSON.stringify({ v: 1, kind: 'report', attachments: [{ name: 'a', type: 'b', size }] });
    size = 65536 - 4 - utf8.encode(m).length;
  }
  const payload = buildPayload({ manifest: m, attachments: [new Uint8Array(size)] });
  assert.equal(payload.length, 65536);
  assert.equal((await crafted(payload)).ok, true);
  const withEmpty = craftEnvelope({
    recipients: [alice.publicKey], payload,
    plan: [{ data: payload, last: false }, { data: new Uint8Array(0), last: true }]
  });
  assert.deepEqual(await openAs(withEmpty), PAYLOAD);
  assert.deepEqual(await crafted(new Uint8Array(0)), PAYLOAD);
});

test('rule 13: payload shorter than 4 bytes, manifest_len out of range or past the end', async () => {
  assert.deepEqual(await crafted(new Uint8Array(3)), PAYLOAD);
  for (const n of [0, 1, 1048577, 0xffffffff, 16380, 16381]) {
    const payload = new Uint8Array(16384);
    payload.set(u32(n));
    payload.set(utf8.encode('{}'), 4);
    assert.deepEqual(await crafted(payload), PAYLOAD, `manifest_len ${n}`);
  }
});

test('rule 14: manifests that break §3.2', async () => {
  const bad = {
    'not JSON': '{"v":1,',
    'trailing garbage': JSON.stringify(goodManifest) + 'x',
    'trailing comma': '{"v":1,"kind":"report","attachments":[],}',
    'array': '[1]',
    'string': '"report"',
    'v missing': '{"kind":"report","attachments":[]}',
    'v 2': '{"v":2,"kind":"report","attachments":[]}',
    'v "1"': '{"v":"1","kind":"report","attachments":[]}',
    'v 1.0': '{"v":1.0,"kind":"report","attachments":[]}',
    'v 1e0': '{"v":1e0,"kind":"report","attachments":[]}',
    'v true': '{"v":true,"kind":"report","attachments":[]}',
    'kind missing': '{"v":1,"attachments":[]}',
    'kind unknown': '{"v":1,"kind":"Report","attachments":[]}',
    'kind number': '{"v":1,"kind":1,"attachments":[]}',
    'attachments missing': '{"v":1,"kind":"report"}',
    'attachments object': '{"v":1,"kind":"report","attachments":{}}',
    'attachment not object': '{"v":1,"kind":"report","attachments":[1]}',
    'attachment null': '{"v":1,"kind":"report","attachments":[null]}',
    'name missing': '{"v":1,"kind":"report","attachments":[{"type":"b","size":0}]}',
    'name number': '{"v":1,"kind":"report","attachments":[{"name":1,"type":"b","size":0}]}',
    'type missing': '{"v":1,"kind":"report","attachments":[{"name":"a","size":0}]}',
    'size missing': '{"v":1,"kind":"report","attachments":[{"name":"a","type":"b"}]}',
    'size string': '{"v":1,"kind":"report","attachments":[{"name":"a","type":"b","size":"0"}]}',
    'size negative': '{"v":1,"kind":"report","attachments":[{"name":"a","type":"b","size":-1}]}',
    'size fraction': '{"v":1,"kind":"report","attachments":[{"name":"a","type":"b","size":0.5}]}',
    'size 0.0': '{"v":1,"kind":"report","attachments":[{"name":"a","type":"b","size":0.0}]}',
    'size above 2^50': '{"v":1,"kind":"report","attachments":[{"name":"a","type":"b","size":1125899906842625}]}',
    'duplicate kind': '{"v":1,"kind":"report","kind":"reply","attachments":[]}',
    'duplicate v': '{"v":2,"v":1,"kind":"report","attachments":[]}',
    'duplicate via escape': '{"v":1,"kind":"report","\\u006bind":"reply","attachments":[]}',
    'duplicate application member': '{"v":1,"kind":"report","lang":"en","lang":"zh-Hans","attachments":[]}',
    'duplicate attachments': '{"v":1,"kind":"report","attachments":[],"attachments":[]}',
    'duplicate in attachment': '{"v":1,"kind":"report","attachments":[{"name":"a","type":"b","size":0,"size":0}]}',
    'duplicate name in attachment': '{"v":1,"kind":"report","attachments":[{"name":"a","name":"b","type":"b","size":0}]}',
    // Stricter than the letter of §3.2, as the console (System.Text.Json AllowDuplicateProperties = false):
    'duplicate nested in an application member': '{"v":1,"kind":"report","attachments":[],"fields":{"a":1,"a":2}}',
    'nesting deeper than 32': '{"v":1,"kind":"report","attachments":[],"x":' + '['.repeat(32) + ']'.repeat(32) + '}',
    'very deep nesting': '{"v":1,"kind":"report","attachments":[],"x":' + '['.repeat(100000) + ']'.repeat(100000) + '}',
    'lone surrogate escape': '{"v":1,"kind":"report","attachments":[],"x":"\\ud800"}',
    'lone low surrogate': '{"v":1,"kind":"report","attachments":[],"x":"\\udc00x"}',
    'raw control character': '{"v":1,"kind":"report","attachments":[],"x":"a\tb"}',
    'single quotes': "{'v':1,'kind':'report','attachments':[]}",
    'NaN': '{"v":1,"kind":"report","attachments":[],"x":NaN}',
    'leading zero': '{"v":1,"kind":"report","attachments":[],"x":01}'
  };
  for (const [name, text] of Object.entries(bad)) {
    assert.deepEqual(await crafted({ manifest: text }), PAYLOAD, name);
  }
  const tooMany = JSON.stringify({ v: 1, kind: 'report', attachments: Array.from({ length: 1001 }, () => ({ name: '', type: '', size: 0 })) });
  assert.deepEqual(await crafted({ manifest: tooMany }), PAYLOAD, '1001 attachments');
  const good = utf8.encode('{"v":1,"kind":"report","attachments":[]}');
  assert.deepEqual(await crafted({ manifest: concat([new Uint8Array([0xef, 0xbb, 0xbf]), good]) }), PAYLOAD, 'BOM');
  const invalidUtf8 = utf8.encode('{"v":1,"kind":"report","attachments":[],"x":"..."}');
  invalidUtf8[invalidUtf8.length - 4] = 0xff;
  assert.deepEqual(await crafted({ manifest: invalidUtf8 }), PAYLOAD, 'invalid UTF-8');
  const overlong = utf8.encode('{"v":1,"kind":"report","attachments":[],"x":"..."}');
  overlong.set([0xc0, 0xaf], overlong.length - 4);
  assert.deepEqual(await crafted({ manifest: overlong }), PAYLOAD, 'overlong UTF-8');
});

test('rule 14 rejects nothing else that §3.2 allows', async () => {
  const fine = {
    'whitespace': ' {\n "v" : 1 ,\t"kind":"reply", "attachments" : [ ] }\r\n',
    'same member name in different objects': '{"v":1,"kind":"report","attachments":[{"name":"a","type":"b","size":0}],"fields":{"v":2,"name":"x"}}',
    'extra member in an attachment': '{"v":1,"kind":"report","attachments":[{"name":"a","type":"b","size":0,"sha":"x"}]}',
    'escaped surrogate pair': '{"v":1,"kind":"report","attachments":[],"x":"\\ud83d\\ude00"}',
    'unicode text': '{"v":1,"kind":"follow-up","attachments":[],"what":"警察"}',
    'nesting of 32': '{"v":1,"kind":"report","attachments":[],"x":' + '['.repeat(31) + ']'.repeat(31) + '}',
    'minimal': '{"v":1,"kind":"report","attachments":[]}'
  };
  for (const [name, text] of Object.entries(fine)) {
    const opened = await crafted({ manifest: text });
    assert.equal(opened.ok, true, name);
  }
});

test('rule 13/14: a 1 MiB manifest spanning 17 chunks opens', async () => {
  const prefix = '{"v":1,"kind":"report","attachments":[],"x":"';
  const text = prefix + 'a'.repeat(1048576 - prefix.length - 2) + '"}';
  assert.equal(utf8.encode(text).length, 1048576);
  const opened = await crafted({ manifest: text });
  assert.equal(opened.ok, true);
  assert.equal(opened.manifestBytes.length, 1048576);
});

test('rule 15: sizes claiming more than the payload holds', async () => {
  const m = { v: 1, kind: 'report', attachments: [{ name: 'a', type: 'b', size: 20000 }] };
  assert.deepEqual(await crafted({ manifest: m, totalLength: 16384 }), PAYLOAD);
  const many = { v: 1, kind: 'report', attachments: Array.from({ length: 1000 }, () => ({ name: 'a', type: 'b', size: 2 ** 50 })) };
  assert.deepEqual(await crafted({ manifest: many, totalLength: C.pad(200000) }), PAYLOAD);
});

test('rule 16: payload length other than pad(L)', async () => {
  const content = 4 + JSON.stringify(goodManifest).length + 3;
  for (const total of [content, 16383, 16385, 16384 + 4096, 17408, 65536 + 16384]) {
    assert.deepEqual(await crafted({ manifest: goodManifest, attachments: [new Uint8Array(3)], totalLength: total }),
      PAYLOAD, `total ${total}`);
  }
});

test('rule 17: a non-zero padding byte, early or late, in any chunk', async () => {
  assert.deepEqual(await crafted({ manifest: goodManifest, attachments: [new Uint8Array(3)], padByte: 1 }), PAYLOAD);
  // Padding crosses a chunk boundary only when the PADMÉ step exceeds 64 KiB: about 4 MB of content.
  const m = { v: 1, kind: 'report', attachments: [{ name: 'a', type: 'b', size: 4200000 }] };
  const payload = buildPayload({ manifest: m, attachments: [patternBytes(4200000)] });
  const contentEnd = 4 + JSON.stringify(m).length + 4200000;
  const lastChunk = Math.floor((payload.length - 1) / CHUNK) * CHUNK;
  assert.ok(contentEnd < lastChunk, 'padding spans two chunks');
  assert.equal((await crafted(payload)).ok, true);
  for (const at of [contentEnd, contentEnd + 1000, lastChunk - 1, lastChunk, payload.length - 1]) {
    const bad = payload.slice();
    bad[at] = 0x80;
    assert.deepEqual(await crafted(bad), PAYLOAD, `padding byte ${at}`);
  }
});

test('nothing of an attachment is released when the lengths cannot work out', async () => {
  const released = [];
  const m = { v: 1, kind: 'report', attachments: [{ name: 'a', type: 'b', size: 10 }] };
  const env = craftEnvelope({
    recipients: [alice.publicKey],
    payload: buildPayload({ manifest: m, attachments: [patternBytes(10)], totalLength: 32768 })
  });
  const result = await C.open(env, [alice.secretKey], { onAttachmentData: (i, b) => released.push(b) });
  assert.deepEqual(result, PAYLOAD);
  assert.equal(released.length, 0);
});

test('random garbage never throws and always fails', async () => {
  for (let i = 0; i < 200; i++) {
    const size = [0, 59, 60, 172, 200, 1000, 70000][i % 7];
    const bytes = new Uint8Array(crypto.randomBytes(size));
    if (i % 2) bytes.set(envelope.subarray(0, Math.min(size, headerLength)));
    const r = await openAs(bytes);
    assert.equal(r.ok, false);
    assert.ok(['HeaderFailure', 'NoMatchingKey', 'MacFailure', 'PayloadFailure'].includes(r.failure));
  }
});
