/*
 * Proof of work for POST /api/v1/uploads (docs/spec/intake-api.md, "Proof of work"), scheme pbkdf2-sha256:
 *
 *   trial(nonce) = PBKDF2-HMAC-SHA-256(password = "SafeIntake/v2 pow" ‖ 0x00 ‖ UTF-8(token),
 *                                      salt = u64be(nonce), iterations, 32 bytes)
 *   find a nonce ≥ 0 whose trial starts with `difficulty` zero bits
 *
 * Each trial is one WebCrypto call doing `iterations` HMACs in the browser's native code, so the search runs at
 * native speed even without WebAssembly or a JIT (Tor Browser "Safer", issue 12). Two trials are kept in flight
 * so the interpreter's cost per call overlaps the native work.
 *
 * Three ways to load this file:
 * - as a Web Worker (new Worker('/js/pow-worker.js')): receives { token, difficulty, iterations }, posts
 *   { type: 'progress', tries } every PROGRESS_EVERY tries and then { type: 'done', nonce: '<decimal>' } or
 *   { type: 'error' };
 * - as a classic page script: defines the global SafeIntakePow (the page's fallback when a Worker cannot start);
 * - from Node (require): exports the same object, for tests.
 */
(function (root) {
  'use strict';

  const SCHEME = 'pbkdf2-sha256';
  const CONTEXT = 'SafeIntake/v2 pow';
  const PROGRESS_EVERY = 16;
  const IN_FLIGHT = 2;
  const MAX_DIFFICULTY = 64;
  const MAX_ITERATIONS = 1000000;
  const TWO_32 = 4294967296;

  // "SafeIntake/v2 pow" ‖ 0x00 ‖ UTF-8(token): the PBKDF2 password.
  function buildPassword(token) {
    if (typeof token !== 'string' || token.length === 0) throw new TypeError('SafeIntakePow: token must be a non-empty string');
    const encoder = new TextEncoder();
    const context = encoder.encode(CONTEXT);
    const tokenBytes = encoder.encode(token);
    const password = new Uint8Array(context.length + 1 + tokenBytes.length);
    password.set(context, 0);
    password[context.length] = 0x00;
    password.set(tokenBytes, context.length + 1);
    return password;
  }

  // u64 big-endian without 32-bit bitwise operators on the full value (nonces stay below 2^53).
  function buildSalt(nonce) {
    const salt = new Uint8Array(8);
    const view = new DataView(salt.buffer);
    view.setUint32(0, Math.floor(nonce / TWO_32));
    view.setUint32(4, nonce % TWO_32);
    return salt;
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

  function checkArguments(subtle, difficulty, iterations) {
    if (!subtle || typeof subtle.deriveBits !== 'function') throw new TypeError('SafeIntakePow: WebCrypto (crypto.subtle) is needed');
    if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > MAX_DIFFICULTY) {
      throw new RangeError('SafeIntakePow: difficulty must be an integer from 0 to ' + MAX_DIFFICULTY);
    }
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new RangeError('SafeIntakePow: iterations must be an integer from 1 to ' + MAX_ITERATIONS);
    }
  }

  function importPassword(subtle, token) {
    return subtle.importKey('raw', buildPassword(token), 'PBKDF2', false, ['deriveBits']);
  }

  async function trialWith(subtle, key, nonce, iterations) {
    const bits = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: buildSalt(nonce), iterations: iterations }, key, 256);
    return new Uint8Array(bits);
  }

  // The 32-byte trial output for `nonce` (a Number below 2^53).
  async function trial(subtle, token, nonce, iterations) {
    checkArguments(subtle, 0, iterations);
    if (!Number.isSafeInteger(nonce) || nonce < 0) throw new RangeError('SafeIntakePow: nonce must be a safe integer ≥ 0');
    return trialWith(subtle, await importPassword(subtle, token), nonce, iterations);
  }

  // True when `nonce` (a decimal string, as sent to the server) meets `difficulty` for `token`.
  async function verify(subtle, token, difficulty, iterations, nonce) {
    checkArguments(subtle, difficulty, iterations);
    if (typeof nonce !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(nonce)) return false;
    const n = Number(nonce);
    if (!Number.isSafeInteger(n)) return false;
    return leadingZeroBits(await trial(subtle, token, n, iterations)) >= difficulty;
  }

  // Searches nonces from 0 upwards, IN_FLIGHT at a time, and returns the smallest that meets `difficulty`, as a
  // decimal string. options: onProgress(tries), progressEvery, isCancelled().
  async function solve(subtle, token, difficulty, iterations, options) {
    checkArguments(subtle, difficulty, iterations);
    const o = options || {};
    const every = o.progressEvery || PROGRESS_EVERY;
    const key = await importPassword(subtle, token);
    let reported = 0;
    for (let nonce = 0; nonce + IN_FLIGHT - 1 <= Number.MAX_SAFE_INTEGER; nonce += IN_FLIGHT) {
      const batch = [];
      for (let j = 0; j < IN_FLIGHT; j++) batch.push(trialWith(subtle, key, nonce + j, iterations));
      const outputs = await Promise.all(batch);
      for (let j = 0; j < IN_FLIGHT; j++) {
        if (leadingZeroBits(outputs[j]) >= difficulty) return String(nonce + j);
      }
      const tries = nonce + IN_FLIGHT;
      if (o.onProgress && tries - reported >= every) {
        reported = tries;
        o.onProgress(tries);
      }
      if (o.isCancelled && o.isCancelled()) throw new Error('SafeIntakePow: cancelled');
    }
    throw new Error('SafeIntakePow: no nonce found');
  }

  const api = Object.freeze({
    SCHEME: SCHEME,
    CONTEXT: CONTEXT,
    PROGRESS_EVERY: PROGRESS_EVERY,
    MAX_ITERATIONS: MAX_ITERATIONS,
    buildPassword: buildPassword,
    buildSalt: buildSalt,
    leadingZeroBits: leadingZeroBits,
    trial: trial,
    verify: verify,
    solve: solve
  });

  const isWorker = typeof root.WorkerGlobalScope !== 'undefined' && root instanceof root.WorkerGlobalScope &&
    typeof root.importScripts === 'function';

  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  } else if (isWorker) {
    root.onmessage = function (event) {
      const data = event.data || {};
      Promise.resolve()
        .then(function () {
          return solve(root.crypto && root.crypto.subtle, data.token, data.difficulty, data.iterations, {
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
