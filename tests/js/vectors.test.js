'use strict';
// The shared vectors of spec §10 (tests/testdata/), made by tests/VectorGen and read by every implementation.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { C, sodium, ready, keyPair, blake2bHex } = require('./helpers.js');

const ROOT = process.env.SAFEINTAKE_TESTDATA || path.join(__dirname, '..', 'testdata');
const MIN_ENVELOPE_VECTORS = 30;

function list(folder) {
  const dir = path.join(ROOT, folder);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.txt')).sort().map((f) => path.join(dir, f));
}

// "key: value" lines, one empty line, then the body. Repeated keys collect in order.
function readVector(file) {
  const text = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  const blank = text.indexOf('\n\n');
  const headText = blank < 0 ? text : text.slice(0, blank);
  const body = blank < 0 ? '' : text.slice(blank + 2);
  const fields = new Map();
  for (const line of headText.split('\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    assert.ok(colon > 0, `${path.basename(file)}: bad header line ${JSON.stringify(line)}`);
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (!fields.has(key)) fields.set(key, []);
    fields.get(key).push(value);
  }
  const one = (key) => (fields.has(key) ? fields.get(key)[0] : undefined);
  const all = (key) => fields.get(key) || [];
  return { name: path.basename(file), one, all, body };
}

const envelopes = list('envelope');
const bundles = list('bundle');
const codenames = list('codename');

test(`there are at least ${MIN_ENVELOPE_VECTORS} envelope vectors in tests/testdata/envelope`, () => {
  assert.ok(envelopes.length >= MIN_ENVELOPE_VECTORS,
    `found ${envelopes.length} envelope vectors in ${path.join(ROOT, 'envelope')}; tests/VectorGen makes them`);
});

test('there are bundle and codename vectors', () => {
  assert.ok(bundles.length > 0, `no bundle vectors in ${path.join(ROOT, 'bundle')}`);
  assert.ok(codenames.length > 0, `no codename vectors in ${path.join(ROOT, 'codename')}`);
});

const ENVELOPE_OUTCOMES = ['success', 'HeaderFailure', 'NoMatchingKey', 'MacFailure', 'PayloadFailure'];

for (const file of envelopes) {
  const v = readVector(file);
  test(`envelope vector ${v.name}: ${v.one('description') || ''}`, async () => {
    await ready;
    const expect = v.one('expect');
    assert.ok(ENVELOPE_OUTCOMES.includes(expect), `expect: ${expect}`);
    const envelope = sodium.from_base64(v.body.replace(/\s+/g, ''), sodium.base64_variants.ORIGINAL);
    // A vector without identities still needs a reader: a key nobody sealed to.
    const identities = v.all('identity').map((h) => sodium.from_hex(h.trim()));
    if (identities.length === 0) identities.push(keyPair().secretKey);

    const header = C.parseHeader(envelope);
    assert.equal(header.ok, expect !== 'HeaderFailure', 'parseHeader agrees with the header rules');

    for (const source of [envelope, new Blob([envelope])]) {
      const result = await C.open(source, identities);
      if (expect !== 'success') {
        assert.deepEqual(result, { ok: false, failure: expect });
        continue;
      }
      assert.equal(result.ok, true, `opened with ${result.failure}`);
      if (v.one('bundle-hash') !== undefined) assert.equal(sodium.to_hex(result.bundleHash), v.one('bundle-hash').trim().toLowerCase());
      if (v.one('manifest') !== undefined) {
        assert.equal(sodium.to_base64(result.manifestBytes, sodium.base64_variants.ORIGINAL), v.one('manifest').trim());
      }
      const expected = v.all('attachment').map((line) => {
        const [size, hash] = line.trim().split(/\s+/);
        return { size: Number(size), blake2b: hash.toLowerCase() };
      });
      assert.deepEqual(result.attachments.map((a) => ({ size: a.length, blake2b: blake2bHex(a) })), expected);
    }
  });
}

for (const file of bundles) {
  const v = readVector(file);
  test(`bundle vector ${v.name}: ${v.one('description') || ''}`, async () => {
    await ready;
    const expect = v.one('expect');
    assert.ok(['success', 'BundleFailure'].includes(expect), `expect: ${expect}`);
    const orgKey = sodium.from_hex(v.one('org-key').trim());
    const now = Number(v.one('now'));
    const seen = v.one('seen-epoch') === undefined ? 0 : Number(v.one('seen-epoch'));
    const seenHash = v.one('seen-bundle-hash') === undefined ? undefined : sodium.from_hex(v.one('seen-bundle-hash').trim());
    const result = await C.verifyBundle(v.body, orgKey, now, seen, seenHash);
    if (expect === 'BundleFailure') {
      assert.equal(result.ok, false, 'verified a bundle the vector rejects');
      assert.equal(result.failure, 'BundleFailure');
      if (v.one('reason') !== undefined) assert.equal(result.reason, v.one('reason').trim());
      return;
    }
    assert.equal(result.ok, true, `rejected: ${result.reason}`);
    if (v.one('bundle-hash') !== undefined) assert.equal(sodium.to_hex(result.bundleHash), v.one('bundle-hash').trim().toLowerCase());
    if (v.one('fingerprint') !== undefined) assert.equal(result.fingerprint, v.one('fingerprint').trim());
    if (v.one('epoch') !== undefined) assert.equal(result.epoch, Number(v.one('epoch')));
  });
}

for (const file of codenames) {
  const v = readVector(file);
  test(`codename vector ${v.name}: ${v.one('description') || ''}`, async () => {
    await ready;
    const expect = v.one('expect');
    assert.ok(['success', 'CodenameFailure'].includes(expect), `expect: ${expect}`);
    const codename = v.one('codename');
    assert.notEqual(codename, undefined, 'codename: line');
    const result = await C.deriveCodenameKeys(codename);
    if (expect === 'CodenameFailure') {
      assert.deepEqual(result, { ok: false, failure: 'CodenameFailure' });
      assert.equal(C.normalizeCodename(codename), null);
      return;
    }
    assert.equal(result.ok, true);
    if (v.one('normalized') !== undefined) assert.equal(C.normalizeCodename(codename), v.one('normalized').trim());
    assert.equal(sodium.to_hex(result.replyPublicKey), v.one('reply-public-key').trim().toLowerCase());
    assert.equal(sodium.to_hex(result.mailboxPublicKey), v.one('mailbox-public-key').trim().toLowerCase());
    assert.equal(result.mailboxId, v.one('mailbox-id').trim().toLowerCase());
  });
}
