'use strict';
// Shared by the tests in this folder (not itself a test file: node --test runs only *.test.js).

const path = require('node:path');
const sodium = require('libsodium-wrappers-sumo');
const C = require(path.join(__dirname, '..', '..', 'src', 'Intake.Web', 'wwwroot', 'js', 'safeintake-crypto.js'));

const ready = C.ready;
const utf8 = new TextEncoder();

const CHUNK = 65536;
const WIRE_CHUNK = CHUNK + 16;

function concat(parts) {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function keyPair() {
  const kp = sodium.crypto_box_keypair();
  return { publicKey: kp.publicKey, secretKey: kp.privateKey };
}

function blake2bHex(bytes) {
  return sodium.to_hex(sodium.crypto_generichash(32, bytes, null));
}

// Deterministic bytes of any size without holding a pattern in a string.
function patternBytes(size, seed = 1) {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

// Seals through the module and returns the whole envelope plus what onChunk saw.
async function sealToBytes(options) {
  const pieces = [];
  const result = await C.seal(Object.assign({
    bundleHash: new Uint8Array(32).fill(7),
    manifest: { kind: 'report', lang: 'en' },
    attachments: [],
    onChunk: async (bytes) => { pieces.push(bytes); }
  }, options));
  return { envelope: concat(pieces), pieces, result };
}

function u32(n) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

// An independent writer of the §2 format from a raw plaintext payload, so tests can build envelopes the
// module would never seal (bad manifests, wrong padding, mismatched stanzas).
//   stanzaKeys: file key sealed in each stanza (defaults to fileKey); macFileKey: file key the MAC is keyed with;
//   plan: explicit chunks [{ data, last }] instead of cutting `payload` into 64 KiB chunks.
function craftEnvelope({
  recipients, payload, fileKey = sodium.randombytes_buf(32), stanzaKeys, macFileKey,
  nonce = sodium.randombytes_buf(16), bundleHash = new Uint8Array(32).fill(9), chunkSize = CHUNK,
  lastFlagOnAll = false, plan
}) {
  const n = recipients.length;
  const header = new Uint8Array(60 + 80 * n + 32);
  header.set(utf8.encode('SafeIntk'), 0);
  header[8] = 1;
  header[9] = 1;
  header.set(nonce, 10);
  header.set(bundleHash, 26);
  header[58] = n >> 8;
  header[59] = n & 0xff;
  recipients.forEach((pk, i) => {
    const k = stanzaKeys ? stanzaKeys[i] : fileKey;
    header.set(sodium.crypto_box_seal(k, pk), 60 + 80 * i);
  });
  const kMac = sodium.crypto_generichash(32, utf8.encode('SafeIntake/v1 header'), macFileKey || fileKey);
  const mac = sodium.crypto_generichash(32, header.subarray(0, 60 + 80 * n), kMac);
  header.set(mac, 60 + 80 * n);
  const kPay = sodium.crypto_generichash(32, concat([utf8.encode('SafeIntake/v1 payload'), nonce]), fileKey);
  if (!plan) {
    plan = [];
    const count = Math.max(1, Math.ceil(payload.length / chunkSize));
    for (let i = 0; i < count; i++) {
      const data = payload.subarray(i * chunkSize, Math.min(payload.length, (i + 1) * chunkSize));
      plan.push({ data, last: i === count - 1 || lastFlagOnAll });
    }
  }
  const chunks = plan.map(({ data, last }, i) => {
    const nonceI = new Uint8Array(24);
    new DataView(nonceI.buffer).setUint32(19, i);
    nonceI[23] = last ? 1 : 0;
    return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(data, mac, null, nonceI, kPay);
  });
  return concat([header, ...chunks]);
}

// u32(len) ‖ manifest ‖ attachments ‖ padding, with knobs to break §3.
function buildPayload({ manifest, attachments = [], totalLength, padByte = 0 }) {
  const m = typeof manifest === 'string' ? utf8.encode(manifest)
    : manifest instanceof Uint8Array ? manifest : utf8.encode(JSON.stringify(manifest));
  const content = concat([u32(m.length), m, ...attachments]);
  const total = totalLength === undefined ? C.pad(content.length) : totalLength;
  const out = new Uint8Array(total);
  out.set(content.subarray(0, Math.min(content.length, total)));
  if (padByte !== 0 && total > content.length) out[total - 1] = padByte;
  return out;
}

module.exports = {
  C, sodium, ready, utf8, CHUNK, WIRE_CHUNK,
  concat, keyPair, blake2bHex, patternBytes, sealToBytes, craftEnvelope, buildPayload, u32
};
