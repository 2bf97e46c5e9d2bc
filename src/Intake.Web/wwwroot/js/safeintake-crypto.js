/*
 * SafeIntake envelope v1 for the witness's browser (and Node, for tests and interop).
 * The contract is docs/spec/envelope-v1.md; this file mirrors src/Crypto function for function.
 *
 * Browser: load lib/libsodium.js (libsodium-sumo.js and libsodium-wrappers.js as one script; global `sodium`),
 * then this file (global `SafeIntakeCrypto`). Node: require() it; it requires 'libsodium-wrappers-sumo'.
 *
 * Two kinds of failure (docs STYLE §4): a programmer's misuse throws TypeError/RangeError; attacker-controlled
 * input (envelopes, bundles, codenames) returns { ok: false, failure } and never throws.
 */
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module && module.exports) {
    module.exports = factory(require('libsodium-wrappers-sumo'));
  } else {
    root.SafeIntakeCrypto = factory(root.sodium);
  }
}(typeof globalThis !== 'undefined' ? globalThis : this, function (sodium) {
  'use strict';

  if (!sodium || !sodium.ready || typeof sodium.ready.then !== 'function') {
    throw new Error('SafeIntakeCrypto: load lib/libsodium.js first');
  }

  // §2.1
  const MAGIC = [0x53, 0x61, 0x66, 0x65, 0x49, 0x6e, 0x74, 0x6b];
  const VERSION = 0x01;
  const SUITE = 0x01;
  const NONCE_LEN = 16;
  const HASH_LEN = 32;
  const PREFIX_LEN = 60;
  const STANZA_LEN = 80;
  const MAC_LEN = 32;
  const MAX_RECIPIENTS = 64;
  const MAX_HEADER = PREFIX_LEN + STANZA_LEN * MAX_RECIPIENTS + MAC_LEN;
  // §2.4
  const CHUNK = 65536;
  const TAG_LEN = 16;
  const WIRE_CHUNK = CHUNK + TAG_LEN;
  // §3
  const MIN_BUCKET = 16384;
  const MANIFEST_MIN = 2;
  const MANIFEST_MAX = 1048576;
  const MAX_ATTACHMENTS = 1000;
  const MAX_ATTACHMENT_SIZE = Math.pow(2, 50);
  const KINDS = ['report', 'follow-up', 'reply'];
  // Nesting limits of the console's parsers (System.Text.Json MaxDepth), so both sides accept the same JSON.
  const MANIFEST_MAX_DEPTH = 32;
  const BUNDLE_FILE_MAX_DEPTH = 4;
  const BUNDLE_BODY_MAX_DEPTH = 8;
  // §4: signed bundle files are small; the console refuses larger ones before parsing (UTF-16 units).
  const BUNDLE_FILE_MAX = 262144;
  // Unix seconds the console can represent (DateTimeOffset: year 9999).
  const MAX_UNIX_SECONDS = 253402300799;
  // §6
  const CODENAME_DIGITS = 40;
  const CODENAME_MAX_TEXT = 200;
  // Blob reads for hashing; encryption and decryption read one chunk at a time.
  const HASH_READ = 1048576;

  const FAIL_HEADER = 'HeaderFailure';
  const FAIL_KEY = 'NoMatchingKey';
  const FAIL_MAC = 'MacFailure';
  const FAIL_PAYLOAD = 'PayloadFailure';
  const FAIL_BUNDLE = 'BundleFailure';
  const FAIL_CODENAME = 'CodenameFailure';

  const utf8 = new TextEncoder();
  // fatal: invalid UTF-8 is a rejection, not U+FFFD; ignoreBOM keeps a BOM visible so JSON parsing rejects it.
  const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  // §8
  const CTX_HEADER = utf8.encode('SafeIntake/v1 header');
  const CTX_PAYLOAD = utf8.encode('SafeIntake/v1 payload');
  const CTX_BUNDLE = utf8.encode('SafeIntake/v1 reviewer-bundle');
  const CTX_CODENAME_X25519 = utf8.encode('SafeIntake/v1 codename x25519');
  const CTX_CODENAME_ED25519 = utf8.encode('SafeIntake/v1 codename ed25519');
  const CTX_REPLY_KEYS = utf8.encode('SafeIntake/v1 reply-keys');
  const CTX_FOLLOW_UP = utf8.encode('SafeIntake/v1 follow-up');
  const CTX_REPLY = utf8.encode('SafeIntake/v1 reply');
  const CTX_CHALLENGE = utf8.encode('SafeIntake/v1 mailbox-challenge');

  const ready = sodium.ready.then(function () { return undefined; });

  // ---------------------------------------------------------------- helpers

  function misuse(message) {
    return new TypeError('SafeIntakeCrypto: ' + message);
  }

  function isBytes(x) {
    return x instanceof Uint8Array;
  }

  function requireBytes(x, length, name) {
    if (!isBytes(x) || x.length !== length) {
      throw misuse(name + ' must be a Uint8Array of ' + length + ' bytes');
    }
    return x;
  }

  function concat() {
    let total = 0;
    for (let i = 0; i < arguments.length; i++) total += arguments[i].length;
    const out = new Uint8Array(total);
    let off = 0;
    for (let i = 0; i < arguments.length; i++) {
      out.set(arguments[i], off);
      off += arguments[i].length;
    }
    return out;
  }

  const ZERO_BYTE = new Uint8Array([0]);

  function blake2b(message, key) {
    return sodium.crypto_generichash(HASH_LEN, message, key || null);
  }

  function wipe() {
    for (let i = 0; i < arguments.length; i++) {
      if (isBytes(arguments[i])) sodium.memzero(arguments[i]);
    }
  }

  function toBase64(bytes) {
    return sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);
  }

  // RFC 4648 §4 with padding; libsodium also rejects non-zero trailing bits, so every byte string has
  // exactly one accepted encoding.
  function fromBase64(text) {
    if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
    try {
      return sodium.from_base64(text, sodium.base64_variants.ORIGINAL);
    } catch (e) {
      return null;
    }
  }

  function bytesEqual(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // A thrown value from the caller's Blob or callback: not a verdict on the envelope, so it propagates.
  function External(error) {
    this.error = error;
  }

  function isBlob(x) {
    return x !== null && typeof x === 'object' && typeof x.size === 'number' &&
      typeof x.slice === 'function' && typeof x.arrayBuffer === 'function';
  }

  // Random-access reader over a Blob or a Uint8Array; reads are small and sequential.
  function toSource(source) {
    if (isBytes(source)) {
      return {
        size: source.length,
        read: function (start, end) { return Promise.resolve(source.subarray(start, end)); }
      };
    }
    if (isBlob(source)) {
      const size = source.size;
      return {
        size: size,
        read: async function (start, end) {
          let bytes;
          try {
            bytes = new Uint8Array(await source.slice(start, end).arrayBuffer());
          } catch (e) {
            throw new External(e);
          }
          if (bytes.length !== end - start) throw new External(new Error('SafeIntakeCrypto: the Blob changed while being read'));
          return bytes;
        }
      };
    }
    throw misuse('source must be a Blob or a Uint8Array');
  }

  // ---------------------------------------------------------------- §3.1 padding

  function floorLog2(x) {
    // Exact for 1 ≤ x < 2^53: powers of two are exact Numbers; no 32-bit bitwise operators on sizes.
    let e = 0;
    let p = 2;
    while (p <= x) {
      e += 1;
      p *= 2;
    }
    return e;
  }

  function pad(length) {
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
      throw new RangeError('SafeIntakeCrypto: pad() needs a non-negative safe integer');
    }
    const x = Math.max(length, MIN_BUCKET);
    const e = floorLog2(x);
    const s = floorLog2(e) + 1;
    const step = Math.pow(2, e - s);
    return Math.ceil(x / step) * step;
  }

  // ---------------------------------------------------------------- strict JSON (RFC 8259)

  // JSON.parse keeps the last of duplicate members and cannot tell 1 from 1.0; two parsers that disagree on
  // duplicates let an attacker show different manifests to different readers. This scanner checks the
  // grammar, lone surrogate escapes (not representable in UTF-8), duplicate member names in every object,
  // the nesting depth (the console's System.Text.Json MaxDepth), and reports the literal text of numbers.
  // It is iterative, so deep nesting cannot overflow the stack.
  const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const INTEGER_RE = /^-?(?:0|[1-9][0-9]*)$/;
  const HEX4_RE = /^[0-9A-Fa-f]{4}$/;

  function scanJson(text, maxDepth, onNumber) {
    const n = text.length;
    const path = [];
    const stack = []; // { array, keys (Set or null), count }
    let i = 0;

    function skipWs() {
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
        else break;
      }
    }

    // Returns the end index of the string token starting at i (on the opening quote), or -1.
    function stringEnd(start) {
      let j = start + 1;
      let pendingHigh = false;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 0x22) return pendingHigh ? -1 : j + 1;
        if (c < 0x20) return -1;
        if (c === 0x5c) {
          const e = text.charCodeAt(j + 1);
          if (e === 0x75) {
            const hex = text.slice(j + 2, j + 6);
            if (!HEX4_RE.test(hex)) return -1;
            const u = parseInt(hex, 16);
            if (u >= 0xdc00 && u <= 0xdfff) {
              if (!pendingHigh) return -1;
              pendingHigh = false;
            } else {
              if (pendingHigh) return -1;
              pendingHigh = u >= 0xd800 && u <= 0xdbff;
            }
            j += 6;
            continue;
          }
          if (pendingHigh) return -1;
          if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 ||
              e === 0x6e || e === 0x72 || e === 0x74) {
            j += 2;
            continue;
          }
          return -1;
        }
        if (pendingHigh) return -1;
        j++;
      }
      return -1;
    }

    function beginValue() {
      const top = stack[stack.length - 1];
      if (top && top.array) {
        path.push(top.count);
        top.count++;
      }
    }

    function endValue() {
      const top = stack[stack.length - 1];
      if (top) path.pop();
    }

    const EXPECT_VALUE = 0;
    const EXPECT_KEY = 1;
    const AFTER_VALUE = 2;
    let state = EXPECT_VALUE;

    for (;;) {
      skipWs();
      if (state === EXPECT_VALUE) {
        if (i >= n) return false;
        beginValue();
        const c = text.charCodeAt(i);
        if (c === 0x7b || c === 0x5b) {
          const array = c === 0x5b;
          if (stack.length >= maxDepth) return false;
          stack.push({ array: array, keys: array ? null : new Set(), count: 0 });
          i++;
          skipWs();
          if (text.charCodeAt(i) === (array ? 0x5d : 0x7d)) {
            i++;
            stack.pop();
            endValue();
            state = AFTER_VALUE;
          } else {
            state = array ? EXPECT_VALUE : EXPECT_KEY;
          }
          continue;
        }
        if (c === 0x22) {
          const end = stringEnd(i);
          if (end < 0) return false;
          i = end;
        } else if (text.startsWith('true', i)) {
          i += 4;
        } else if (text.startsWith('false', i)) {
          i += 5;
        } else if (text.startsWith('null', i)) {
          i += 4;
        } else {
          NUMBER_RE.lastIndex = i;
          const m = NUMBER_RE.exec(text);
          if (!m) return false;
          if (onNumber) onNumber(path, m[0]);
          i += m[0].length;
        }
        endValue();
        state = AFTER_VALUE;
        continue;
      }
      if (state === EXPECT_KEY) {
        if (text.charCodeAt(i) !== 0x22) return false;
        const end = stringEnd(i);
        if (end < 0) return false;
        const key = JSON.parse(text.slice(i, end));
        i = end;
        const top = stack[stack.length - 1];
        if (top.keys.has(key)) return false;
        top.keys.add(key);
        skipWs();
        if (text.charCodeAt(i) !== 0x3a) return false;
        i++;
        path.push(key);
        state = EXPECT_VALUE;
        continue;
      }
      // AFTER_VALUE
      const top = stack[stack.length - 1];
      if (!top) return i === n;
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i++;
        state = top.array ? EXPECT_VALUE : EXPECT_KEY;
      } else if (c === (top.array ? 0x5d : 0x7d)) {
        i++;
        stack.pop();
        endValue();
        state = AFTER_VALUE;
      } else {
        return false;
      }
    }
  }

  // Decodes UTF-8 JSON bytes to a value, or null. §3.2: UTF-8, no byte-order mark.
  function parseStrictJson(bytes, maxDepth, onNumber) {
    if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return null;
    let text;
    try {
      text = strictUtf8.decode(bytes);
    } catch (e) {
      return null;
    }
    return parseStrictText(text, maxDepth, onNumber);
  }

  function parseStrictText(text, maxDepth, onNumber) {
    if (!scanJson(text, maxDepth, onNumber)) return null;
    return { value: JSON.parse(text) };
  }

  function isPlainObject(x) {
    return x !== null && typeof x === 'object' && !Array.isArray(x);
  }

  // §3.2. Returns { manifest, sizes } or null.
  function checkManifest(bytes) {
    let rawV = null;
    const rawSizes = [];
    const parsed = parseStrictJson(
      bytes,
      MANIFEST_MAX_DEPTH,
      function (path, literal) {
        if (path.length === 1 && path[0] === 'v') rawV = literal;
        else if (path.length === 3 && path[0] === 'attachments' && typeof path[1] === 'number' && path[2] === 'size') {
          rawSizes[path[1]] = literal;
        }
      });
    if (!parsed) return null;
    const m = parsed.value;
    if (!isPlainObject(m)) return null;
    if (m.v !== 1 || rawV !== '1') return null;
    if (typeof m.kind !== 'string' || KINDS.indexOf(m.kind) < 0) return null;
    const list = m.attachments;
    if (!Array.isArray(list) || list.length > MAX_ATTACHMENTS) return null;
    const sizes = [];
    for (let k = 0; k < list.length; k++) {
      const a = list[k];
      if (!isPlainObject(a) || typeof a.name !== 'string' || typeof a.type !== 'string') return null;
      const literal = rawSizes[k];
      if (typeof a.size !== 'number' || typeof literal !== 'string' || !INTEGER_RE.test(literal)) return null;
      if (!(a.size >= 0 && a.size <= MAX_ATTACHMENT_SIZE)) return null;
      sizes.push(a.size === 0 ? 0 : a.size); // -0 reads as 0
    }
    return { manifest: m, sizes: sizes };
  }

  // ---------------------------------------------------------------- §2 header

  function headerFailure() {
    return { ok: false, failure: FAIL_HEADER };
  }

  // Shape only (§9 rules 1–6); no secret-key operation. `bytes` may be longer than the header.
  function parseHeader(bytes) {
    if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
    if (!isBytes(bytes)) throw misuse('parseHeader needs a Uint8Array');
    if (bytes.length < PREFIX_LEN) return headerFailure();
    for (let k = 0; k < MAGIC.length; k++) if (bytes[k] !== MAGIC[k]) return headerFailure();
    if (bytes[8] !== VERSION || bytes[9] !== SUITE) return headerFailure();
    const count = bytes[58] * 256 + bytes[59];
    if (count < 1 || count > MAX_RECIPIENTS) return headerFailure();
    const headerLength = PREFIX_LEN + STANZA_LEN * count + MAC_LEN;
    if (bytes.length < headerLength) return headerFailure();
    // §2.3: a repeated ephemeral key means a replayed or duplicated stanza.
    const seen = new Set();
    for (let k = 0; k < count; k++) {
      const start = PREFIX_LEN + STANZA_LEN * k;
      const id = sodium.to_hex(bytes.subarray(start, start + 32));
      if (seen.has(id)) return headerFailure();
      seen.add(id);
    }
    return {
      ok: true,
      version: bytes[8],
      suite: bytes[9],
      nonce: bytes.slice(10, 26),
      bundleHash: bytes.slice(26, 58),
      count: count,
      headerLength: headerLength
    };
  }

  // §2.4: 15 zero bytes ‖ u64(i) ‖ flag.
  function chunkNonce(index, last) {
    const nonce = new Uint8Array(24);
    const view = new DataView(nonce.buffer);
    view.setUint32(15, Math.floor(index / 4294967296));
    view.setUint32(19, index % 4294967296);
    nonce[23] = last ? 0x01 : 0x00;
    return nonce;
  }

  function payloadKey(fileKey, nonce) {
    return blake2b(concat(CTX_PAYLOAD, nonce), fileKey);
  }

  // ---------------------------------------------------------------- seal

  function checkRecipients(list) {
    if (!Array.isArray(list) || list.length < 1 || list.length > MAX_RECIPIENTS) {
      throw misuse('recipients must be an array of 1 to 64 X25519 public keys');
    }
    list.forEach(function (pk) { requireBytes(pk, 32, 'each recipient'); });
    return list;
  }

  function checkCodenameKeys(keys) {
    if (!keys || keys.ok !== true) throw misuse('replyKeys must be a successful deriveCodenameKeys() result');
    requireBytes(keys.replyPublicKey, 32, 'replyPublicKey');
    requireBytes(keys.mailboxPublicKey, 32, 'mailboxPublicKey');
    requireBytes(keys.mailboxSecretKey, 64, 'mailboxSecretKey');
    return keys;
  }

  function setMember(obj, key, value) {
    // defineProperty, not assignment: an application member named "__proto__" must stay a member.
    Object.defineProperty(obj, key, { value: value, enumerable: true, writable: true, configurable: true });
  }

  async function seal(options) {
    await ready;
    const o = options || {};
    const recipients = checkRecipients(o.recipients);
    requireBytes(o.bundleHash, HASH_LEN, 'bundleHash');
    if (typeof o.onChunk !== 'function') throw misuse('onChunk must be a function');
    if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw misuse('onProgress must be a function');
    if (!isPlainObject(o.manifest)) throw misuse('manifest must be an object of application members');
    const replyKeys = o.replyKeys === undefined || o.replyKeys === null ? null : checkCodenameKeys(o.replyKeys);
    const reserved = replyKeys ? ['v', 'attachments', 'replyTo'] : ['v', 'attachments'];
    reserved.forEach(function (k) {
      if (Object.prototype.hasOwnProperty.call(o.manifest, k)) throw misuse('manifest member "' + k + '" is set by seal()');
    });
    const inputs = o.attachments === undefined ? [] : o.attachments;
    if (!Array.isArray(inputs) || inputs.length > MAX_ATTACHMENTS) throw misuse('attachments must be an array of at most 1000');
    const files = inputs.map(function (a) {
      if (!a || typeof a.name !== 'string' || typeof a.type !== 'string' || !isBlob(a.blob)) {
        throw misuse('each attachment needs { name: string, type: string, blob: Blob }');
      }
      if (!Number.isSafeInteger(a.blob.size) || a.blob.size > MAX_ATTACHMENT_SIZE) throw misuse('attachment too large');
      return { name: a.name, type: a.type, blob: a.blob, size: a.blob.size };
    });

    const nonce = sodium.randombytes_buf(NONCE_LEN);
    const fileKey = sodium.randombytes_buf(32);
    let macKey = null;
    let payKey = null;
    let plain = null;
    let first = null;
    try {
      const manifest = { v: 1 };
      Object.keys(o.manifest).forEach(function (k) { setMember(manifest, k, o.manifest[k]); });
      setMember(manifest, 'attachments', files.map(function (f) { return { name: f.name, type: f.type, size: f.size }; }));
      if (replyKeys) {
        setMember(manifest, 'replyTo', {
          x25519: toBase64(replyKeys.replyPublicKey),
          ed25519: toBase64(replyKeys.mailboxPublicKey),
          sig: toBase64(signReplyKeysNow(replyKeys, nonce))
        });
      }
      const manifestBytes = utf8.encode(JSON.stringify(manifest));
      if (manifestBytes.length < MANIFEST_MIN || manifestBytes.length > MANIFEST_MAX) throw new RangeError('SafeIntakeCrypto: manifest larger than 1 MiB');
      // Never emit an envelope our own reader (or the console's) would reject: same checks as open().
      if (!checkManifest(manifestBytes)) throw misuse('manifest breaks §3.2 (kind missing or invalid? lone surrogates?)');

      let contentLength = 4 + manifestBytes.length;
      files.forEach(function (f) { contentLength += f.size; });
      if (!Number.isSafeInteger(contentLength)) throw new RangeError('SafeIntakeCrypto: content too large');
      const payloadLength = pad(contentLength);
      const chunks = Math.ceil(payloadLength / CHUNK);

      // §2.1–2.3
      const header = new Uint8Array(PREFIX_LEN + STANZA_LEN * recipients.length + MAC_LEN);
      header.set(MAGIC, 0);
      header[8] = VERSION;
      header[9] = SUITE;
      header.set(nonce, 10);
      header.set(o.bundleHash, 26);
      header[58] = Math.floor(recipients.length / 256);
      header[59] = recipients.length % 256;
      const ephemerals = new Set();
      recipients.forEach(function (pk, k) {
        const stanza = sodium.crypto_box_seal(fileKey, pk);
        const id = sodium.to_hex(stanza.subarray(0, 32));
        // Readers reject repeated ephemeral keys (§9 rule 6); a collision means a broken RNG.
        if (ephemerals.has(id)) throw new Error('SafeIntakeCrypto: repeated ephemeral key; the RNG is broken');
        ephemerals.add(id);
        header.set(stanza, PREFIX_LEN + STANZA_LEN * k);
      });
      const macEnd = PREFIX_LEN + STANZA_LEN * recipients.length;
      macKey = blake2b(CTX_HEADER, fileKey);
      const headerMac = blake2b(header.subarray(0, macEnd), macKey);
      header.set(headerMac, macEnd);
      payKey = payloadKey(fileKey, nonce);

      const total = header.length + payloadLength + TAG_LEN * chunks;
      let done = 0;
      async function emit(bytes) {
        await o.onChunk(bytes);
        done += bytes.length;
        if (o.onProgress) o.onProgress(done, total);
      }
      await emit(header);

      // Plaintext: u32(manifest_len) ‖ manifest ‖ attachments ‖ zero padding (§3), read a chunk at a time.
      first = new Uint8Array(4 + manifestBytes.length);
      new DataView(first.buffer).setUint32(0, manifestBytes.length);
      first.set(manifestBytes, 4);
      const segments = [{ bytes: first, size: first.length }].concat(files);
      let segment = 0;
      let segmentOffset = 0;
      plain = new Uint8Array(CHUNK);

      async function fill(target) {
        let off = 0;
        while (off < target.length) {
          if (segment >= segments.length) {
            target.fill(0, off);
            return;
          }
          const s = segments[segment];
          const take = Math.min(target.length - off, s.size - segmentOffset);
          if (take === 0) {
            segment += 1;
            segmentOffset = 0;
            continue;
          }
          if (s.bytes) {
            target.set(s.bytes.subarray(segmentOffset, segmentOffset + take), off);
          } else {
            const part = new Uint8Array(await s.blob.slice(segmentOffset, segmentOffset + take).arrayBuffer());
            if (part.length !== take) throw new Error('SafeIntakeCrypto: an attachment changed while being sealed');
            target.set(part, off);
          }
          off += take;
          segmentOffset += take;
        }
      }

      for (let index = 0; index < chunks; index++) {
        const last = index === chunks - 1;
        const target = last ? plain.subarray(0, payloadLength - index * CHUNK) : plain;
        await fill(target);
        const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
          target, headerMac, null, chunkNonce(index, last), payKey);
        await emit(sealed);
      }
      return { size: total, nonce: nonce.slice() };
    } finally {
      wipe(fileKey, macKey, payKey, plain, first);
    }
  }

  // ---------------------------------------------------------------- open

  function fail(failure) {
    return { ok: false, failure: failure };
  }

  function checkSecretKeys(list) {
    if (!Array.isArray(list) || list.length < 1) throw misuse('secretKeys must be a non-empty array');
    list.forEach(function (sk) { requireBytes(sk, 32, 'each secret key'); });
    return list;
  }

  // Consumes authenticated plaintext in order and enforces §3 / §9 rules 13–17. `plaintextLength` is the only
  // length the payload can have if every chunk authenticates, so lengths are checked before any attachment
  // byte is released.
  function PayloadReader(plaintextLength, onData) {
    this.plaintextLength = plaintextLength;
    this.onData = onData;
    this.phase = 0; // 0 length, 1 manifest, 2 attachments, 3 padding
    this.lengthBytes = new Uint8Array(4);
    this.filled = 0;
    this.manifestBytes = null;
    this.manifest = null;
    this.sizes = null;
    this.index = 0;
    this.offset = 0;
    this.outputs = null;
    this.nonZero = 0;
  }

  PayloadReader.prototype.skipEmpty = function () {
    while (this.index < this.sizes.length && this.sizes[this.index] === 0) this.index++;
    if (this.index === this.sizes.length) this.phase = 3;
  };

  // Returns false on a rule violation.
  PayloadReader.prototype.push = async function (data) {
    let p = 0;
    while (p < data.length) {
      const rest = data.length - p;
      if (this.phase === 0) {
        const take = Math.min(4 - this.filled, rest);
        this.lengthBytes.set(data.subarray(p, p + take), this.filled);
        this.filled += take;
        p += take;
        if (this.filled === 4) {
          const n = new DataView(this.lengthBytes.buffer).getUint32(0);
          // Rule 13.
          if (n < MANIFEST_MIN || n > MANIFEST_MAX || 4 + n > this.plaintextLength) return false;
          this.manifestBytes = new Uint8Array(n);
          this.filled = 0;
          this.phase = 1;
        }
      } else if (this.phase === 1) {
        const take = Math.min(this.manifestBytes.length - this.filled, rest);
        this.manifestBytes.set(data.subarray(p, p + take), this.filled);
        this.filled += take;
        p += take;
        if (this.filled === this.manifestBytes.length) {
          const checked = checkManifest(this.manifestBytes); // rule 14
          if (!checked) return false;
          const room = this.plaintextLength - 4 - this.manifestBytes.length;
          let sum = 0;
          for (let k = 0; k < checked.sizes.length; k++) {
            sum += checked.sizes[k];
            if (sum > room) return false; // rule 15; also keeps the sum exact (< 2^53)
          }
          // Rule 16.
          if (pad(4 + this.manifestBytes.length + sum) !== this.plaintextLength) return false;
          this.manifest = checked.manifest;
          this.sizes = checked.sizes;
          if (!this.onData) this.outputs = this.sizes.map(function (s) { return new Uint8Array(s); });
          this.phase = 2;
          this.skipEmpty();
        }
      } else if (this.phase === 2) {
        const take = Math.min(this.sizes[this.index] - this.offset, rest);
        const piece = data.subarray(p, p + take);
        if (this.onData) {
          try {
            await this.onData(this.index, piece);
          } catch (e) {
            throw new External(e);
          }
        } else {
          this.outputs[this.index].set(piece, this.offset);
        }
        this.offset += take;
        p += take;
        if (this.offset === this.sizes[this.index]) {
          this.index += 1;
          this.offset = 0;
          this.skipEmpty();
        }
      } else {
        // Rule 17.
        let acc = 0;
        for (let k = p; k < data.length; k++) acc |= data[k];
        this.nonZero |= acc;
        p = data.length;
        if (this.nonZero !== 0) return false;
      }
    }
    return true;
  };

  PayloadReader.prototype.finish = function () {
    return this.phase === 3 && this.nonZero === 0;
  };

  async function open(source, secretKeys, options) {
    await ready;
    const src = toSource(source);
    const keys = checkSecretKeys(secretKeys);
    const opts = options || {};
    const onData = opts.onAttachmentData;
    if (onData !== undefined && typeof onData !== 'function') throw misuse('onAttachmentData must be a function');

    let stage = FAIL_HEADER;
    let fileKey = null;
    let macKey = null;
    let payKey = null;
    try {
      const head = await src.read(0, Math.min(src.size, MAX_HEADER));
      const h = parseHeader(head);
      if (!h.ok) return fail(FAIL_HEADER);

      // Rule 7: stanzas carry no key id; try every key on every stanza, in stanza order.
      stage = FAIL_KEY;
      const publicKeys = keys.map(function (sk) { return sodium.crypto_scalarmult_base(sk); });
      search:
      for (let s = 0; s < h.count; s++) {
        const stanza = head.subarray(PREFIX_LEN + STANZA_LEN * s, PREFIX_LEN + STANZA_LEN * (s + 1));
        for (let k = 0; k < keys.length; k++) {
          try {
            fileKey = sodium.crypto_box_seal_open(stanza, publicKeys[k], keys[k]);
            break search;
          } catch (e) {
            fileKey = null;
          }
        }
      }
      if (!fileKey || fileKey.length !== 32) return fail(FAIL_KEY);

      // Rule 8: the first stanza that opens decides; a MAC mismatch means a forged header, so stop
      // (partitioning oracles / invisible salamanders, §2.2).
      stage = FAIL_MAC;
      const macEnd = PREFIX_LEN + STANZA_LEN * h.count;
      macKey = blake2b(CTX_HEADER, fileKey);
      const expected = blake2b(head.subarray(0, macEnd), macKey);
      const headerMac = head.slice(macEnd, macEnd + MAC_LEN);
      if (!sodium.memcmp(expected, headerMac)) return fail(FAIL_MAC);

      stage = FAIL_PAYLOAD;
      payKey = payloadKey(fileKey, h.nonce);
      const wireLength = src.size - h.headerLength;
      if (wireLength <= 0) return fail(FAIL_PAYLOAD); // rule 9
      const chunks = Math.ceil(wireLength / WIRE_CHUNK);
      const lastLength = wireLength - (chunks - 1) * WIRE_CHUNK;
      if (lastLength < TAG_LEN + 1) return fail(FAIL_PAYLOAD); // rule 11
      const reader = new PayloadReader(wireLength - TAG_LEN * chunks, onData);

      for (let index = 0; index < chunks; index++) {
        // §2.4: a chunk is the last if it is short or nothing follows it.
        const last = index === chunks - 1;
        const start = h.headerLength + index * WIRE_CHUNK;
        const sealed = await src.read(start, start + (last ? lastLength : WIRE_CHUNK));
        let plaintext;
        try {
          plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            null, sealed, headerMac, chunkNonce(index, last), payKey);
        } catch (e) {
          return fail(FAIL_PAYLOAD); // rules 10–12
        }
        if (!(await reader.push(plaintext))) return fail(FAIL_PAYLOAD);
      }
      if (!reader.finish()) return fail(FAIL_PAYLOAD);

      const result = {
        ok: true,
        bundleHash: h.bundleHash,
        nonce: h.nonce,
        manifest: reader.manifest,
        manifestBytes: reader.manifestBytes
      };
      if (!onData) result.attachments = reader.outputs;
      return result;
    } catch (e) {
      if (e instanceof External) throw e.error;
      return fail(stage);
    } finally {
      wipe(fileKey, macKey, payKey);
    }
  }

  // ---------------------------------------------------------------- §7.2 envelope hash

  async function envelopeHash(source) {
    await ready;
    const src = toSource(source);
    const state = sodium.crypto_generichash_init(null, HASH_LEN);
    let finished = false;
    try {
      for (let at = 0; at < src.size; at += HASH_READ) {
        sodium.crypto_generichash_update(state, await src.read(at, Math.min(src.size, at + HASH_READ)));
      }
      finished = true;
      return sodium.crypto_generichash_final(state, HASH_LEN);
    } catch (e) {
      throw e instanceof External ? e.error : e;
    } finally {
      if (!finished) {
        try { sodium.crypto_generichash_final(state, HASH_LEN); } catch (e) { /* frees the state */ }
      }
    }
  }

  // ---------------------------------------------------------------- §4 reviewer bundle

  const REVIEWER_ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

  function bundleFailure(reason) {
    return { ok: false, failure: FAIL_BUNDLE, reason: reason };
  }

  function bundleFingerprint(bundleHash) {
    requireBytes(bundleHash, HASH_LEN, 'bundleHash');
    const hex = sodium.to_hex(bundleHash.subarray(0, 16));
    return hex.match(/.{4}/g).join(' ');
  }

  function textLength1to200(x) {
    // "characters" are Unicode scalar values (the console counts runes); lone surrogates never get here.
    if (typeof x !== 'string' || x.length < 1 || x.length > 400) return false;
    let count = 0;
    for (let k = 0; k < x.length; k++) {
      const c = x.charCodeAt(k);
      if (c < 0xdc00 || c > 0xdfff) count += 1; // the low half of a pair is not a second character
    }
    return count <= 200;
  }

  function key32(text) {
    const bytes = fromBase64(text);
    return bytes && bytes.length === 32 ? bytes : null;
  }

  // §4.1; returns the decoded orgKey or null.
  function checkBundleBody(body, numbers) {
    if (!isPlainObject(body)) return null;
    if (body.type !== 'safeintake-reviewer-bundle') return null;
    if (body.v !== 1 || numbers.v !== '1') return null;
    if (!textLength1to200(body.org)) return null;
    const orgKey = key32(body.orgKey);
    if (!orgKey) return null;
    for (const name of ['epoch', 'issued', 'expires']) {
      if (typeof body[name] !== 'number' || !INTEGER_RE.test(numbers[name] || '') || !Number.isSafeInteger(body[name])) return null;
    }
    if (body.epoch < 1 || !(body.issued < body.expires)) return null;
    if (body.issued < 0 || body.expires > MAX_UNIX_SECONDS) return null;
    const list = body.reviewers;
    if (!Array.isArray(list) || list.length < 1 || list.length > 64) return null;
    const ids = new Set();
    const xs = new Set();
    const eds = new Set();
    for (const r of list) {
      if (!isPlainObject(r)) return null;
      if (typeof r.id !== 'string' || !REVIEWER_ID_RE.test(r.id) || ids.has(r.id)) return null;
      ids.add(r.id);
      if (!textLength1to200(r.name)) return null;
      const x = key32(r.x25519);
      const ed = key32(r.ed25519);
      if (!x || !ed) return null;
      const xHex = sodium.to_hex(x);
      const edHex = sodium.to_hex(ed);
      if (xs.has(xHex) || eds.has(edHex)) return null;
      xs.add(xHex);
      eds.add(edHex);
    }
    return orgKey;
  }

  // §4.3, in the spec's order. `seenBundleHash` (optional) is the hash accepted at `seenEpoch`: an equal
  // epoch is accepted only with that same hash.
  async function verifyBundle(signedFileText, pinnedOrgKey, nowSeconds, seenEpoch, seenBundleHash) {
    await ready;
    requireBytes(pinnedOrgKey, 32, 'pinnedOrgKey');
    if (typeof nowSeconds !== 'number' || !Number.isFinite(nowSeconds)) throw misuse('nowSeconds must be a number');
    const highest = seenEpoch === undefined || seenEpoch === null ? 0 : seenEpoch;
    if (!Number.isSafeInteger(highest) || highest < 0) throw misuse('seenEpoch must be a non-negative integer');
    if (seenBundleHash !== undefined && seenBundleHash !== null) requireBytes(seenBundleHash, HASH_LEN, 'seenBundleHash');
    if (typeof signedFileText !== 'string' && !isBytes(signedFileText)) throw misuse('signedFileText must be a string or a Uint8Array');
    try {
      let text = signedFileText;
      if (isBytes(text)) {
        if (text.length >= 3 && text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf) return bundleFailure('malformed');
        text = strictUtf8.decode(text);
      }
      if (text.length > BUNDLE_FILE_MAX) return bundleFailure('malformed');
      const outer = parseStrictText(text, BUNDLE_FILE_MAX_DEPTH, null);
      if (!outer || !isPlainObject(outer.value)) return bundleFailure('malformed');
      const file = outer.value;
      if (file.format !== 'safeintake-signed-bundle/1') return bundleFailure('malformed');
      const body = fromBase64(file.body);
      const signature = fromBase64(file.signature);
      if (!body || body.length === 0 || !signature || signature.length !== 64) return bundleFailure('malformed');

      // The signature covers the body bytes exactly as received; nothing is re-encoded (§4.2).
      if (!sodium.crypto_sign_verify_detached(signature, concat(CTX_BUNDLE, ZERO_BYTE, body), pinnedOrgKey)) {
        return bundleFailure('signature');
      }

      const numbers = {};
      const parsed = parseStrictJson(body, BUNDLE_BODY_MAX_DEPTH, function (path, literal) {
        if (path.length === 1) numbers[path[0]] = literal;
      });
      if (!parsed) return bundleFailure('malformed');
      const orgKey = checkBundleBody(parsed.value, numbers);
      if (!orgKey) return bundleFailure('malformed');
      const bundle = parsed.value;
      if (!bytesEqual(orgKey, pinnedOrgKey)) return bundleFailure('org-key');
      if (nowSeconds >= bundle.expires) return bundleFailure('expired');
      const bundleHash = blake2b(concat(body, signature));
      if (bundle.epoch < highest) return bundleFailure('rollback');
      if (bundle.epoch === highest && seenBundleHash && !bytesEqual(bundleHash, seenBundleHash)) {
        return bundleFailure('rollback');
      }
      return {
        ok: true,
        bundle: bundle,
        bundleHash: bundleHash,
        fingerprint: bundleFingerprint(bundleHash),
        epoch: bundle.epoch,
        expires: bundle.expires
      };
    } catch (e) {
      return bundleFailure('malformed');
    }
  }

  // ---------------------------------------------------------------- §6 codename

  // Damm's order-10 weakly totally anti-symmetric quasigroup (Damm 2004): catches every single-digit error and
  // every adjacent transposition.
  const DAMM = [
    0, 3, 1, 7, 5, 9, 8, 6, 4, 2,
    7, 0, 9, 2, 1, 5, 4, 8, 6, 3,
    4, 2, 0, 6, 8, 7, 1, 3, 5, 9,
    1, 7, 5, 0, 9, 8, 3, 4, 2, 6,
    6, 1, 2, 3, 0, 4, 5, 9, 7, 8,
    3, 6, 7, 4, 2, 0, 9, 5, 8, 1,
    5, 8, 6, 9, 7, 2, 0, 1, 3, 4,
    8, 9, 4, 5, 3, 6, 2, 0, 1, 7,
    9, 4, 3, 8, 6, 1, 7, 2, 0, 5,
    2, 5, 8, 1, 4, 3, 6, 7, 9, 0
  ];

  function dammCheckDigit(digits) {
    if (typeof digits !== 'string' || !/^[0-9]*$/.test(digits)) throw misuse('dammCheckDigit needs ASCII digits');
    let interim = 0;
    for (let k = 0; k < digits.length; k++) interim = DAMM[interim * 10 + (digits.charCodeAt(k) - 0x30)];
    return interim;
  }

  async function generateCodename() {
    await ready;
    let digits = '';
    while (digits.length < CODENAME_DIGITS - 1) {
      const bytes = sodium.randombytes_buf(64);
      for (let k = 0; k < bytes.length && digits.length < CODENAME_DIGITS - 1; k++) {
        // Rejection sampling: 250 = 25 · 10, so b mod 10 is uniform (§6.1).
        if (bytes[k] < 250) digits += String(bytes[k] % 10);
      }
      sodium.memzero(bytes);
    }
    digits += String(dammCheckDigit(digits));
    return digits.match(/.{5}/g).join(' ');
  }

  // §6.2; returns the 40 ASCII digits or null (reported to the witness as mistyped).
  function normalizeCodename(text) {
    if (typeof text !== 'string' || text.length > CODENAME_MAX_TEXT) return null;
    let out = '';
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (c >= 0x30 && c <= 0x39) {
        out += text[k];
      } else if (c >= 0xff10 && c <= 0xff19) {
        out += String.fromCharCode(c - 0xff10 + 0x30);
      } else if (c === 0x20 || c === 0x3000 || c === 0x09 || c === 0x0a || c === 0x0d ||
                 c === 0x2d || (c >= 0x2010 && c <= 0x2015) || c === 0xff0d) {
        continue;
      } else {
        return null;
      }
      if (out.length > CODENAME_DIGITS) return null;
    }
    if (out.length !== CODENAME_DIGITS || dammCheckDigit(out) !== 0) return null;
    return out;
  }

  // §6.3
  async function deriveCodenameKeys(text) {
    await ready;
    const digits = normalizeCodename(text);
    if (digits === null) return { ok: false, failure: FAIL_CODENAME };
    const c = utf8.encode(digits);
    const seed = blake2b(CTX_CODENAME_ED25519, c);
    try {
      const replySecretKey = blake2b(CTX_CODENAME_X25519, c);
      const replyPublicKey = sodium.crypto_scalarmult_base(replySecretKey);
      const pair = sodium.crypto_sign_seed_keypair(seed);
      return {
        ok: true,
        replySecretKey: replySecretKey,
        replyPublicKey: replyPublicKey,
        mailboxSecretKey: pair.privateKey,
        mailboxPublicKey: pair.publicKey,
        mailboxId: sodium.to_hex(blake2b(pair.publicKey).subarray(0, 16))
      };
    } finally {
      wipe(c, seed);
    }
  }

  // ---------------------------------------------------------------- §7 signatures

  function signReplyKeysNow(keys, nonce) {
    requireBytes(nonce, NONCE_LEN, 'nonce');
    return sodium.crypto_sign_detached(concat(CTX_REPLY_KEYS, ZERO_BYTE, keys.replyPublicKey, nonce), keys.mailboxSecretKey);
  }

  // §7.1
  async function signReplyKeys(keys, nonce) {
    await ready;
    return signReplyKeysNow(checkCodenameKeys(keys), nonce);
  }

  // §7.2
  async function signFollowUp(keys, envelopeHashBytes) {
    await ready;
    checkCodenameKeys(keys);
    requireBytes(envelopeHashBytes, HASH_LEN, 'envelopeHash');
    return sodium.crypto_sign_detached(
      concat(CTX_FOLLOW_UP, ZERO_BYTE, keys.mailboxPublicKey, envelopeHashBytes), keys.mailboxSecretKey);
  }

  // §7.2: a reply is shown only if this holds for a reviewer of the verified bundle. The signature comes from
  // the server, so anything malformed is simply "does not verify".
  async function verifyReply(reviewerEd25519Pk, mailboxPk, envelopeHashBytes, sig) {
    await ready;
    requireBytes(reviewerEd25519Pk, 32, 'reviewerEd25519Pk');
    requireBytes(mailboxPk, 32, 'mailboxPk');
    requireBytes(envelopeHashBytes, HASH_LEN, 'envelopeHash');
    if (!isBytes(sig) || sig.length !== 64) return false;
    try {
      return sodium.crypto_sign_verify_detached(
        sig, concat(CTX_REPLY, ZERO_BYTE, mailboxPk, envelopeHashBytes), reviewerEd25519Pk) === true;
    } catch (e) {
      return false;
    }
  }

  // §7.3
  async function signChallenge(keys, challenge) {
    await ready;
    checkCodenameKeys(keys);
    requireBytes(challenge, 32, 'challenge');
    return sodium.crypto_sign_detached(concat(CTX_CHALLENGE, ZERO_BYTE, challenge), keys.mailboxSecretKey);
  }

  return Object.freeze({
    ready: ready,
    pad: pad,
    parseHeader: parseHeader,
    seal: seal,
    open: open,
    envelopeHash: envelopeHash,
    verifyBundle: verifyBundle,
    bundleFingerprint: bundleFingerprint,
    generateCodename: generateCodename,
    normalizeCodename: normalizeCodename,
    deriveCodenameKeys: deriveCodenameKeys,
    dammCheckDigit: dammCheckDigit,
    signReplyKeys: signReplyKeys,
    signFollowUp: signFollowUp,
    verifyReply: verifyReply,
    signChallenge: signChallenge
  });
}));
