/*
 * Proof of work for POST /api/v1/uploads (docs/spec/intake-api.md, "Proof of work").
 *
 *   find the smallest nonce ≥ 0 with
 *   BLAKE2b-256("SafeIntake/v1 pow" ‖ 0x00 ‖ UTF-8(token) ‖ u64(nonce)) starting with `difficulty` zero bits
 *
 * Three ways to load this file:
 * - as a Web Worker (new Worker('/js/pow-worker.js')): it loads libsodium itself, receives
 *   { token, difficulty }, posts { type: 'progress', tries } every PROGRESS_EVERY tries and then
 *   { type: 'done', nonce: '<decimal>' } or { type: 'error' };
 * - as a classic page script: defines the global SafeIntakePow (the page's fallback when a Worker cannot start);
 * - from Node (require): exports the same object, for tests.
 */
(function (root) {
  'use strict';

  const CONTEXT = 'SafeIntake/v1 pow';
  const PROGRESS_EVERY = 2000;
  const MAX_DIFFICULTY = 64;
  const TWO_32 = 4294967296;

  // "SafeIntake/v1 pow" ‖ 0x00 ‖ UTF-8(token) ‖ 8 bytes left for u64(nonce).
  function buildInput(token) {
    if (typeof token !== 'string' || token.length === 0) throw new TypeError('SafeIntakePow: token must be a non-empty string');
    const encoder = new TextEncoder();
    const context = encoder.encode(CONTEXT);
    const tokenBytes = encoder.encode(token);
    const input = new Uint8Array(context.length + 1 + tokenBytes.length + 8);
    input.set(context, 0);
    input[context.length] = 0x00;
    input.set(tokenBytes, context.length + 1);
    return input;
  }

  // u64 big-endian without 32-bit bitwise operators on the full value (nonces stay below 2^53).
  function writeNonce(input, nonce) {
    const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
    view.setUint32(input.length - 8, Math.floor(nonce / TWO_32));
    view.setUint32(input.length - 4, nonce % TWO_32);
  }

  function leadingZeroBits(hash) {
    let bits = 0;
    for (let i = 0; i < hash.length; i++) {
      const b = hash[i];
      if (b === 0) {
        bits += 8;
        continue;
      }
      let mask = 0x80;
      while ((b & mask) === 0) {
        bits += 1;
        mask >>= 1;
      }
      break;
    }
    return bits;
  }

  function checkArguments(sodium, difficulty) {
    if (!sodium || typeof sodium.crypto_generichash !== 'function') throw new TypeError('SafeIntakePow: a ready libsodium is needed');
    if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > MAX_DIFFICULTY) {
      throw new RangeError('SafeIntakePow: difficulty must be an integer from 0 to ' + MAX_DIFFICULTY);
    }
  }

  function hashFor(sodium, input, nonce) {
    writeNonce(input, nonce);
    return sodium.crypto_generichash(32, input, null);
  }

  // True when `nonce` (a decimal string, as sent to the server) meets `difficulty` for `token`.
  function verify(sodium, token, difficulty, nonce) {
    checkArguments(sodium, difficulty);
    if (typeof nonce !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(nonce)) return false;
    const n = Number(nonce);
    if (!Number.isSafeInteger(n)) return false;
    return leadingZeroBits(hashFor(sodium, buildInput(token), n)) >= difficulty;
  }

  // Returns the smallest nonce as a decimal string. options: onProgress(tries), progressEvery,
  // yieldEvery (tries between pauses that let a page stay responsive; 0 = never pause), isCancelled().
  async function solve(sodium, token, difficulty, options) {
    checkArguments(sodium, difficulty);
    const o = options || {};
    const every = o.progressEvery || PROGRESS_EVERY;
    const yieldEvery = o.yieldEvery || 0;
    const input = buildInput(token);
    for (let nonce = 0; nonce <= Number.MAX_SAFE_INTEGER; nonce++) {
      if (leadingZeroBits(hashFor(sodium, input, nonce)) >= difficulty) return String(nonce);
      const tries = nonce + 1;
      if (tries % every === 0 && o.onProgress) o.onProgress(tries);
      if (yieldEvery && tries % yieldEvery === 0) {
        await new Promise(function (resolve) { setTimeout(resolve, 0); });
        if (o.isCancelled && o.isCancelled()) throw new Error('SafeIntakePow: cancelled');
      }
    }
    throw new Error('SafeIntakePow: no nonce found');
  }

  const api = Object.freeze({
    CONTEXT: CONTEXT,
    PROGRESS_EVERY: PROGRESS_EVERY,
    buildInput: buildInput,
    leadingZeroBits: leadingZeroBits,
    verify: verify,
    solve: solve
  });

  const isWorker = typeof root.WorkerGlobalScope !== 'undefined' && root instanceof root.WorkerGlobalScope &&
    typeof root.importScripts === 'function';

  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  } else if (isWorker) {
    // One file: without WebAssembly, libsodium's start needs both halves to run in one go (threat model §7).
    root.importScripts('/lib/libsodium.js');
    const ready = root.sodium.ready;
    root.onmessage = function (event) {
      const data = event.data || {};
      ready
        .then(function () {
          return solve(root.sodium, data.token, data.difficulty, {
            onProgress: function (tries) { root.postMessage({ type: 'progress', tries: tries }); }
          });
        })
        .then(function (nonce) { root.postMessage({ type: 'done', nonce: nonce }); })
        .catch(function () { root.postMessage({ type: 'error' }); });
    };
  } else {
    root.SafeIntakePow = api;
  }
}(typeof globalThis !== 'undefined' ? globalThis : this));
