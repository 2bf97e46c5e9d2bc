/*
 * Shared by the report form (app.js) and the replies page (replies.js): configuration and strings, the
 * reviewer bundle check, the attachment picker with metadata cleaning, the proof of work, and the upload
 * client that streams a sealed envelope to docs/spec/intake-api.md's resumable upload.
 *
 * Loaded as a classic script after libsodium, safeintake-crypto.js, metadata.js and pow-worker.js; defines the
 * global SafeIntakeCommon. Nothing here stores anything on the device (no Web Storage, no IndexedDB, no
 * cookies) or writes anything a witness typed to the console.
 */
(function (root) {
  'use strict';

  // Script runs: the page drops its no-JavaScript look ("Safest" keeps it: the form shows as disabled).
  if (root.document && root.document.documentElement) root.document.documentElement.classList.remove('no-js');

  const C = root.SafeIntakeCrypto;
  const M = root.SafeIntakeMetadata;
  const sodium = root.sodium;

  const HASH_LEN = 32;
  const MAX_ATTACHMENTS = 1000;
  // §2.1 and §2.4 of envelope-v1.md.
  const PREFIX_LEN = 60;
  const STANZA_LEN = 80;
  const MAC_LEN = 32;
  const CHUNK = 65536;
  const TAG_LEN = 16;
  // base64 of a 64-byte Ed25519 signature is always 88 characters.
  const SIGNATURE_BASE64_PLACEHOLDER = new Array(87).join('A') + '==';
  // Retries of one PATCH after a network failure or a 5xx: about a minute in all, for slow Tor circuits.
  const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  const FETCH_DEFAULTS = { credentials: 'omit', cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer' };

  // ---------------------------------------------------------------- configuration and strings

  function readConfig() {
    const node = document.getElementById('si-config');
    if (!node) return null;
    try {
      const config = JSON.parse(node.textContent);
      return config && typeof config === 'object' ? config : null;
    } catch (e) {
      return null;
    }
  }

  function makeTranslator(config) {
    const strings = (config && config.strings) || {};
    return function t(key, vars) {
      let text = Object.prototype.hasOwnProperty.call(strings, key) ? String(strings[key]) : key;
      if (vars) {
        text = text.replace(/\{([a-zA-Z]+)\}/g, function (whole, name) {
          return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole;
        });
      }
      return text;
    };
  }

  function has(config, key) {
    return !!(config && config.strings && Object.prototype.hasOwnProperty.call(config.strings, key));
  }

  // Text as the manifest needs it (envelope-v1.md §1: no unpaired surrogates): a lone surrogate, which a paste
  // or an odd file name can bring, becomes U+FFFD.
  function wellFormed(text) {
    const s = String(text);
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d <= 0xdfff) {
          out += s[i] + s[i + 1];
          i += 1;
        } else {
          out += '\ufffd';
        }
      } else if (c >= 0xdc00 && c <= 0xdfff) {
        out += '\ufffd';
      } else {
        out += s[i];
      }
    }
    return out;
  }

  function formatBytes(n, lang) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = n;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    let text;
    try {
      text = new Intl.NumberFormat(lang || undefined, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
    } catch (e) {
      text = String(Math.round(value * 10) / 10);
    }
    return text + '\u00a0' + units[unit];
  }

  // ---------------------------------------------------------------- DOM

  function byId(id) {
    return document.getElementById(id);
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') node.textContent = attrs[k];
        else if (k === 'className') node.className = attrs[k];
        else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
      });
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function setHidden(node, hidden) {
    if (node) node.hidden = !!hidden;
  }

  function clear(node) {
    while (node && node.firstChild) node.removeChild(node.firstChild);
  }

  function showMessage(node, text) {
    if (!node) return;
    node.textContent = text || '';
    node.hidden = !text;
  }

  // Marks a field invalid with its message, or clears it.
  function fieldError(input, errorNode, text) {
    showMessage(errorNode, text);
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  // ---------------------------------------------------------------- base64 (canonical, envelope-v1.md §1)

  function toBase64(bytes) {
    return sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);
  }

  function fromBase64(text) {
    if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
    try {
      return sodium.from_base64(text, sodium.base64_variants.ORIGINAL);
    } catch (e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- errors

  // `code` is a problem code from the server (intake-api.md) or one of the page's own: network, pow-failed,
  // file-read, too-large, too-many-files, upload-lost, finalize-uncertain, crypto, unknown.
  function IntakeError(code, details) {
    this.name = 'IntakeError';
    this.code = code;
    this.details = details || {};
    this.message = code;
  }
  IntakeError.prototype = Object.create(Error.prototype);
  IntakeError.prototype.constructor = IntakeError;

  const CODE_RE = /^[a-z][a-z-]{0,39}$/;

  // Only the stable `code` of a problem is used; the server's own wording is never shown.
  async function problemFrom(response) {
    let code = 'unknown';
    try {
      const body = await response.json();
      if (body && typeof body.code === 'string' && CODE_RE.test(body.code)) code = body.code;
    } catch (e) {
      if (response.status >= 500) code = 'server-error';
    }
    const details = {};
    const retryAfter = Number(response.headers.get('Retry-After'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) details.retryAfter = retryAfter;
    return new IntakeError(code, details);
  }

  function errorMessage(config, t, error) {
    let code = error instanceof IntakeError ? error.code : 'unknown';
    if (error && error.name === 'TypeError' && !(error instanceof IntakeError)) code = 'network';
    if (code === 'rate-limited' && error.details && error.details.retryAfter) {
      return t('js.error.rate-limited-wait', { minutes: Math.max(1, Math.ceil(error.details.retryAfter / 60)) });
    }
    const key = 'js.error.' + code;
    return has(config, key) ? t(key) : t('js.error.unknown');
  }

  // ---------------------------------------------------------------- HTTP

  async function requestJson(method, url, body) {
    let response;
    try {
      response = await fetch(url, Object.assign({
        method: method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body)
      }, FETCH_DEFAULTS));
    } catch (e) {
      throw new IntakeError('network');
    }
    if (!response.ok) throw await problemFrom(response);
    try {
      return await response.json();
    } catch (e) {
      throw new IntakeError('unknown');
    }
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // ---------------------------------------------------------------- the reviewer bundle (envelope-v1.md §4)

  // Fails closed: anything but a verified, unexpired bundle signed by the pinned organisation key is a failure
  // with a reason: signature | expired | rollback | org-key | malformed (from verifyBundle), network,
  // unavailable (the server answered with an error), config (no usable pinned key in the page), browser (the
  // crypto module did not load).
  async function loadBundle(config) {
    if (!C || !sodium) return { ok: false, reason: 'browser' };
    try {
      await C.ready;
    } catch (e) {
      return { ok: false, reason: 'browser' };
    }
    const orgKey = fromBase64(config && config.orgKey);
    if (!orgKey || orgKey.length !== 32) return { ok: false, reason: 'config' };
    let bytes;
    try {
      const response = await fetch(config.bundleUrl || '/api/v1/bundle', Object.assign({ method: 'GET' }, FETCH_DEFAULTS));
      if (!response.ok) return { ok: false, reason: 'unavailable' };
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      return { ok: false, reason: 'network' };
    }
    // seenEpoch 0: the page keeps nothing between visits, so it cannot detect a rollback across visits.
    const verified = await C.verifyBundle(bytes, orgKey, Date.now() / 1000, 0);
    if (!verified.ok) return { ok: false, reason: verified.reason || 'malformed' };
    const reviewers = verified.bundle.reviewers.map(function (r) {
      return { id: r.id, name: r.name, x25519: fromBase64(r.x25519), ed25519: fromBase64(r.ed25519) };
    });
    return { ok: true, verified: verified, reviewers: reviewers };
  }

  // Fills the page's bundle section (ids: bundle-status, bundle-ok, bundle-org, bundle-reviewers,
  // bundle-fingerprint, bundle-error, bundle-error-reason).
  function showBundle(config, t, result) {
    const status = byId('bundle-status');
    if (!result.ok) {
      setHidden(status, true);
      setHidden(byId('bundle-ok'), true);
      const key = 'js.bundle.fail.' + result.reason;
      byId('bundle-error-reason').textContent = has(config, key) ? t(key) : t('js.bundle.fail.malformed');
      setHidden(byId('bundle-error'), false);
      return;
    }
    const bundle = result.verified.bundle;
    status.textContent = t('js.bundle.ok');
    byId('bundle-org').textContent = bundle.org;
    const list = byId('bundle-reviewers');
    clear(list);
    result.reviewers.forEach(function (r) { list.appendChild(el('li', { text: r.name })); });
    const fp = byId('bundle-fingerprint');
    clear(fp);
    result.verified.fingerprint.split(' ').forEach(function (group, i) {
      if (i > 0) fp.appendChild(document.createTextNode(' '));
      fp.appendChild(el('span', { className: 'fp-group', text: group }));
    });
    setHidden(byId('bundle-ok'), false);
  }

  // ---------------------------------------------------------------- attachments and metadata cleaning

  // What the warning for a file we cannot clean talks about: its kind, from the type the browser gives or the name.
  function fileKind(file) {
    const type = String(file.type || '').toLowerCase();
    const ext = (/\.([a-z0-9]{1,8})$/i.exec(String(file.name || '')) || ['', ''])[1].toLowerCase();
    if (/^(video|audio)\//.test(type) || /^(mp4|m4v|mov|avi|mkv|webm|3gp|mp3|m4a|wav|ogg|opus|aac|flac|amr)$/.test(ext)) return 'media';
    if (type === 'application/pdf' || ext === 'pdf') return 'pdf';
    if (/(officedocument|msword|ms-excel|ms-powerpoint|opendocument|rtf)/.test(type) ||
        /^(doc|docx|xls|xlsx|ppt|pptx|odt|ods|odp|rtf|pages|numbers|key)$/.test(ext)) return 'office';
    if (/^text\//.test(type) || /^(txt|csv|md|log)$/.test(ext)) return 'text';
    if (/^image\//.test(type) || /^(heic|heif|gif|tif|tiff|bmp|dng|raw|cr2|nef|arw)$/.test(ext)) return 'image';
    return 'other';
  }

  // A list of chosen files, each cleaned as soon as it is added, with what was removed shown per file.
  // ids: `${prefix}` (the <input type=file>), `${prefix}-list`, `${prefix}-summary`, `${prefix}-error`.
  function AttachmentPicker(config, t, prefix) {
    this.config = config;
    this.t = t;
    this.input = byId(prefix);
    this.list = byId(prefix + '-list');
    this.summary = byId(prefix + '-summary');
    this.error = byId(prefix + '-error');
    this.items = [];
    this.pending = new Set();
    const self = this;
    this.input.addEventListener('change', function () {
      const files = Array.prototype.slice.call(self.input.files || []);
      // The input is emptied so the same file can be picked again after removing it; we keep our own list.
      self.input.value = '';
      files.forEach(function (f) { self.add(f); });
      self.render();
    });
    const limit = byId(prefix + '-limit');
    if (limit) limit.textContent = t('js.files.limit', { max: formatBytes(config.maxTotalBytes, config.lang) });
  }

  AttachmentPicker.prototype.add = function (file) {
    const item = { file: file, result: null };
    this.items.push(item);
    const self = this;
    const job = M.clean(file).then(function (result) {
      item.result = result;
    }, function () {
      item.result = { blob: file, cleaned: false, removed: [], kept: [], format: null, warning: 'cannot-clean' };
    }).then(function () {
      self.pending.delete(job);
      if (self.items.indexOf(item) >= 0) self.render();
    });
    this.pending.add(job);
  };

  AttachmentPicker.prototype.totalBytes = function () {
    return this.items.reduce(function (n, item) { return n + item.file.size; }, 0);
  };

  // The files to seal, once every file has been cleaned.
  AttachmentPicker.prototype.ready = async function () {
    while (this.pending.size > 0) await Promise.all(Array.from(this.pending));
    return this.items.map(function (item) {
      return { name: wellFormed(item.file.name), type: wellFormed(item.file.type || 'application/octet-stream'), blob: item.result.blob };
    });
  };

  // Returns an error message, or null when the selection can be sent.
  AttachmentPicker.prototype.problem = function () {
    const t = this.t;
    if (this.items.length > MAX_ATTACHMENTS) return t('js.files.tooMany', { max: MAX_ATTACHMENTS });
    const total = this.totalBytes();
    if (total > this.config.maxTotalBytes) {
      return t('js.files.tooLarge', {
        size: formatBytes(total, this.config.lang), max: formatBytes(this.config.maxTotalBytes, this.config.lang)
      });
    }
    return null;
  };

  AttachmentPicker.prototype.clearAll = function () {
    this.items = [];
    this.render();
  };

  AttachmentPicker.prototype.render = function () {
    const t = this.t;
    const lang = this.config.lang;
    const self = this;
    clear(this.list);
    this.items.forEach(function (item) {
      const details = [];
      const r = item.result;
      if (!r) {
        details.push(el('p', { className: 'file-status', text: t('js.files.checking') }));
      } else if (r.warning) {
        details.push(el('p', { className: 'file-status file-warning' }, [
          el('strong', { text: t('js.files.warning') + ' ' }),
          r.format ? t('js.files.cannot.damaged') : t('js.files.cannot.' + fileKind(item.file))
        ]));
      } else {
        if (r.removed.length > 0) {
          details.push(el('p', { className: 'file-status file-cleaned', text: t('js.files.removed', {
            list: r.removed.map(function (id) { return t('js.meta.' + id); }).join(t('js.files.listSeparator'))
          }) }));
        } else {
          details.push(el('p', { className: 'file-status file-cleaned', text: t('js.files.nothing') }));
        }
        r.kept.forEach(function (id) { details.push(el('p', { className: 'file-status', text: t('js.files.kept.' + id) })); });
      }
      const remove = el('button', { type: 'button', className: 'secondary small' }, [
        t('js.files.remove'), el('span', { className: 'visually-hidden', text: ' ' + item.file.name })
      ]);
      remove.addEventListener('click', function () {
        self.items.splice(self.items.indexOf(item), 1);
        self.render();
        self.input.focus();
      });
      self.list.appendChild(el('li', { className: 'file-item' }, [
        el('p', { className: 'file-name' }, [
          el('span', { className: 'file-label', text: item.file.name }),
          ' ',
          el('span', { className: 'file-size', text: '(' + formatBytes(item.file.size, lang) + ')' })
        ])
      ].concat(details, [remove])));
    });
    if (this.items.length === 0) {
      this.summary.textContent = '';
    } else {
      const checking = this.items.some(function (i) { return !i.result; });
      const warnings = this.items.filter(function (i) { return i.result && i.result.warning; }).length;
      let text = t('js.files.summary', { count: this.items.length, size: formatBytes(this.totalBytes(), lang) });
      // Sentences are joined with the language's own separator: a space in English, none after "。".
      const space = t('js.files.sentenceSpace');
      if (checking) text += space + t('js.files.checking');
      else if (warnings > 0) text += space + t('js.files.summaryWarnings', { count: warnings });
      this.summary.textContent = text;
    }
    showMessage(this.error, this.problem());
  };

  // ---------------------------------------------------------------- proof of work (intake-api.md)

  async function getPowToken() {
    const pow = await requestJson('POST', '/api/v1/pow');
    if (!pow || typeof pow.token !== 'string' || pow.scheme !== 'pbkdf2-sha256' ||
        !Number.isInteger(pow.difficulty) || pow.difficulty < 0 || pow.difficulty > 64 ||
        !Number.isInteger(pow.iterations) || pow.iterations < 1 || pow.iterations > 1000000) {
      throw new IntakeError('unknown');
    }
    return pow;
  }

  // Solves in a Web Worker; where a worker cannot start, on the page itself (WebCrypto works off the main thread
  // either way, so the page stays responsive).
  function solvePow(token, difficulty, iterations, onProgress) {
    return new Promise(function (resolve, reject) {
      let settled = false;
      function onPage() {
        if (settled) return;
        if (!root.SafeIntakePow || !root.crypto || !root.crypto.subtle) {
          settled = true;
          reject(new IntakeError('pow-failed'));
          return;
        }
        root.SafeIntakePow.solve(root.crypto.subtle, token, difficulty, iterations, { onProgress: onProgress })
          .then(function (nonce) { settled = true; resolve(nonce); },
            function () { settled = true; reject(new IntakeError('pow-failed')); });
      }
      let worker;
      try {
        worker = new Worker('/js/pow-worker.js');
      } catch (e) {
        onPage();
        return;
      }
      worker.onmessage = function (event) {
        const data = event.data || {};
        if (data.type === 'progress' && typeof data.tries === 'number') {
          onProgress(data.tries);
        } else if (data.type === 'done' && typeof data.nonce === 'string') {
          worker.terminate();
          settled = true;
          resolve(data.nonce);
        } else if (data.type === 'error') {
          worker.terminate();
          onPage();
        }
      };
      worker.onerror = function (event) {
        if (event && event.preventDefault) event.preventDefault();
        worker.terminate();
        onPage();
      };
      worker.postMessage({ token: token, difficulty: difficulty, iterations: iterations });
    });
  }

  // ---------------------------------------------------------------- envelope size

  // The exact length of the envelope seal() will produce, computed up front (envelope-v1.md §2, §3):
  //   header  = 92 + 80·N
  //   payload = pad(L) with L = 4 + manifest_len + Σ attachment sizes
  //   wire    = header + payload + 16 · ceil(payload / 65536)
  // manifest_len mirrors how safeintake-crypto.js's seal() builds the manifest: { v: 1, ...application members,
  // attachments: [{ name, type, size }], replyTo: { x25519, ed25519, sig } } through JSON.stringify. replyTo's
  // values are base64 of fixed-size keys and a signature, so a placeholder of the same length gives the same
  // byte count. Replace this with a size function from the crypto module when it has one.
  function envelopeSize(options) {
    const n = options.recipientCount;
    const manifest = { v: 1 };
    Object.keys(options.manifest).forEach(function (k) {
      Object.defineProperty(manifest, k, { value: options.manifest[k], enumerable: true, writable: true, configurable: true });
    });
    const files = options.attachments || [];
    Object.defineProperty(manifest, 'attachments', {
      value: files.map(function (a) { return { name: a.name, type: a.type, size: a.blob.size }; }),
      enumerable: true, writable: true, configurable: true
    });
    if (options.replyKeys) {
      Object.defineProperty(manifest, 'replyTo', {
        value: {
          x25519: toBase64(options.replyKeys.replyPublicKey),
          ed25519: toBase64(options.replyKeys.mailboxPublicKey),
          sig: SIGNATURE_BASE64_PLACEHOLDER
        },
        enumerable: true, writable: true, configurable: true
      });
    }
    const manifestLength = new TextEncoder().encode(JSON.stringify(manifest)).length;
    let contentLength = 4 + manifestLength;
    files.forEach(function (a) { contentLength += a.blob.size; });
    const payload = C.pad(contentLength);
    const header = PREFIX_LEN + STANZA_LEN * n + MAC_LEN;
    return { size: header + payload + TAG_LEN * Math.ceil(payload / CHUNK), contentLength: contentLength };
  }

  // ---------------------------------------------------------------- resumable upload (intake-api.md)

  // Collects sealed bytes into a buffer of `chunkBytes` and PATCHes it whenever it fills; every PATCH is
  // awaited, and seal() awaits onChunk, so at most one buffer is held whatever the envelope's size. The upload
  // is created at the first flush, when seal() has reported the envelope's total size.
  function Uploader(options) {
    this.kind = options.kind;
    this.mailbox = options.mailbox || null;
    this.pow = options.pow;
    this.website = options.website || '';
    this.size = options.size;
    this.chunkBytes = options.chunkBytes;
    this.buffer = new Uint8Array(options.chunkBytes);
    this.filled = 0;
    this.id = null;
    this.offset = 0;
    this.finalized = false;
    this.onSent = options.onSent || function () {};
    this.onRetry = options.onRetry || function () {};
  }

  Uploader.prototype.url = function () {
    return '/api/v1/uploads/' + this.id;
  };

  Uploader.prototype.create = async function () {
    const body = { kind: this.kind, size: this.size, mailbox: this.mailbox, pow: this.pow, website: this.website };
    let created;
    for (let attempt = 0; ; attempt++) {
      try {
        created = await requestJson('POST', '/api/v1/uploads', body);
        break;
      } catch (e) {
        // A refused create leaves the solved proof of work unused: wait the server's Retry-After (plus a little
        // jitter so a crowd does not return at once) and send it again, a few times.
        const wait = e instanceof IntakeError && e.code === 'rate-limited' && e.details.retryAfter;
        if (!wait || attempt >= 5 || wait > 120) throw e;
        this.onRetry(Math.ceil(wait));
        await sleep(wait * 1000 + Math.floor(Math.random() * 1000));
      }
    }
    if (!created || typeof created.id !== 'string' || !/^[0-9a-f]{32}$/.test(created.id) || created.offset !== 0) {
      throw new IntakeError('unknown');
    }
    this.id = created.id;
    if (Number.isSafeInteger(created.chunkBytes) && created.chunkBytes > 0) {
      this.chunkBytes = Math.min(this.chunkBytes, created.chunkBytes);
    }
  };

  Uploader.prototype.push = async function (bytes) {
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(this.buffer.length - this.filled, bytes.length - at);
      this.buffer.set(bytes.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.buffer.length) await this.flush();
    }
  };

  Uploader.prototype.flush = async function () {
    if (this.id === null) await this.create();
    if (this.filled > 0) await this.send(this.buffer.subarray(0, this.filled));
    this.filled = 0;
  };

  function readOffset(response) {
    const text = response.headers.get('Upload-Offset');
    if (text === null || !/^(0|[1-9][0-9]{0,15})$/.test(text)) return null;
    return Number(text);
  }

  // Sends `bytes`, which start at this.offset, in pieces of at most chunkBytes; after a network failure or a
  // server error it waits, asks HEAD where the upload stands and resumes from there.
  Uploader.prototype.send = async function (bytes) {
    const base = this.offset;
    let attempt = 0;
    const self = this;

    function resync(end) {
      // The server can only be somewhere inside what we still hold; anything else cannot be repaired.
      if (end === null || end < base || end > base + bytes.length) throw new IntakeError('upload-lost');
      self.offset = end;
      self.onSent(end);
    }

    async function retryLater(retryAfterSeconds) {
      if (attempt >= RETRY_DELAYS_MS.length) throw new IntakeError('network');
      const delay = retryAfterSeconds ? Math.min(60000, retryAfterSeconds * 1000) : RETRY_DELAYS_MS[attempt];
      attempt += 1;
      self.onRetry(Math.ceil(delay / 1000));
      await sleep(delay);
      try {
        const head = await fetch(self.url(), Object.assign({ method: 'HEAD' }, FETCH_DEFAULTS));
        if (head.status === 404) throw new IntakeError('upload-not-found');
        if (head.ok) resync(readOffset(head));
      } catch (e) {
        if (e instanceof IntakeError) throw e;
        // Still offline: the next PATCH tries again (and a 409 tells us where the server stands).
      }
    }

    while (this.offset < base + bytes.length) {
      const from = this.offset - base;
      const piece = bytes.subarray(from, Math.min(bytes.length, from + this.chunkBytes));
      let response;
      try {
        response = await fetch(this.url(), Object.assign({
          method: 'PATCH',
          headers: { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(this.offset) },
          body: piece
        }, FETCH_DEFAULTS));
      } catch (e) {
        await retryLater(0);
        continue;
      }
      if (response.status === 204) {
        // Upload-Offset is the server's word on where the upload stands; without it (a proxy dropped it) the
        // piece is taken as stored, and a later 409 would correct us.
        const end = readOffset(response);
        resync(end === null ? this.offset + piece.length : end);
        attempt = 0;
      } else if (response.status === 409) {
        const end = readOffset(response);
        const problem = await problemFrom(response);
        if (problem.code !== 'offset-mismatch') throw problem;
        if (end === null) await retryLater(0);
        else resync(end);
      } else if (response.status >= 500 || response.status === 429 || response.status === 408) {
        const problem = await problemFrom(response);
        await retryLater(problem.details.retryAfter || 0);
      } else {
        throw await problemFrom(response);
      }
    }
  };

  Uploader.prototype.finalize = async function (body) {
    await this.flush();
    if (this.offset !== this.size) throw new IntakeError('upload-lost');
    let response = null;
    for (let attempt = 0; response === null; attempt++) {
      try {
        response = await fetch(this.url() + '/finalize', Object.assign({
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body)
        }, FETCH_DEFAULTS));
      } catch (e) {
        // The request may or may not have reached the server. While HEAD still finds the upload, it was not
        // committed and finalizing again is safe; once it is gone it was most likely committed, and the
        // witness is told plainly that we cannot be sure.
        if (attempt >= RETRY_DELAYS_MS.length) {
          this.finalized = true;
          throw new IntakeError('finalize-uncertain');
        }
        this.onRetry(Math.ceil(RETRY_DELAYS_MS[attempt] / 1000));
        await sleep(RETRY_DELAYS_MS[attempt]);
        let head = null;
        try {
          head = await fetch(this.url(), Object.assign({ method: 'HEAD' }, FETCH_DEFAULTS));
        } catch (e2) {
          head = null;
        }
        if (head && head.status === 404) {
          this.finalized = true;
          throw new IntakeError('finalize-uncertain');
        }
      }
    }
    if (!response.ok) throw await problemFrom(response);
    this.finalized = true;
    let result = {};
    try {
      result = await response.json();
    } catch (e) {
      result = {};
    }
    return { received: result && typeof result.received === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(result.received) ? result.received : null };
  };

  // Best effort: a failed submission leaves nothing behind on the server.
  Uploader.prototype.cancel = async function () {
    if (this.id === null || this.finalized) return;
    try {
      await fetch(this.url(), Object.assign({ method: 'DELETE' }, FETCH_DEFAULTS));
    } catch (e) {
      // Unfinished uploads expire on the server anyway.
    }
  };

  // ---------------------------------------------------------------- seal and upload

  // Seals `manifest` and `attachments` to the bundle's reviewers and uploads the envelope.
  //   options: config, bundle (a loadBundle() result), kind, manifest, attachments, replyKeys, mailbox (bytes),
  //            website, hashEnvelope (compute BLAKE2b-256 of the envelope while streaming),
  //            sign(envelopeHash) → Promise<Uint8Array> (the finalize signature; follow-ups),
  //            onProgress({ phase: 'pow', fraction }
  //                       | { phase: 'seal' | 'upload', sealed, sent, total, contentBytes }  (seal while sealing lasts;
  //                         sealing and sending overlap, a chunk at a time, so both counts move in either phase)
  //                       | { phase: 'finalize' }),
  //            onRetry(seconds)
  //   → { received: 'YYYY-MM-DD' | null, envelopeHash }
  async function sealAndUpload(options) {
    await C.ready;
    const config = options.config;
    const reviewers = options.bundle.reviewers;
    const recipients = reviewers.map(function (r) { return r.x25519; });
    const attachments = options.attachments || [];
    const progress = options.onProgress || function () {};
    const estimate = envelopeSize({
      recipientCount: recipients.length, manifest: options.manifest, attachments: attachments, replyKeys: options.replyKeys
    });
    // maxTotalBytes bounds the content; the padded envelope then stays within the server's limit.
    if (estimate.contentLength > config.maxTotalBytes) throw new IntakeError('too-large');

    progress({ phase: 'pow', fraction: 0 });
    const pow = await getPowToken();
    const expected = Math.pow(2, pow.difficulty);
    const nonce = await solvePow(pow.token, pow.difficulty, pow.iterations, function (tries) {
      // The chance of having found it by now: an honest estimate for a search with no fixed length.
      progress({ phase: 'pow', fraction: Math.min(0.99, 1 - Math.exp(-tries / expected)) });
    });
    progress({ phase: 'pow', fraction: 1 });

    let total = null;
    let sealedBytes = 0;
    let sentBytes = 0;
    function transfer() {
      const size = total === null ? estimate.size : total;
      progress({ phase: sealedBytes < size ? 'seal' : 'upload', sealed: sealedBytes, sent: sentBytes, total: size, contentBytes: estimate.contentLength });
    }
    const uploader = new Uploader({
      kind: options.kind,
      mailbox: options.mailbox ? toBase64(options.mailbox) : null,
      pow: { token: pow.token, nonce: nonce },
      website: options.website,
      size: estimate.size,
      chunkBytes: config.chunkBytes > 0 ? config.chunkBytes : 4194304,
      onSent: function (bytes) { sentBytes = bytes; transfer(); },
      onRetry: options.onRetry
    });
    let hashState = options.hashEnvelope ? sodium.crypto_generichash_init(null, HASH_LEN) : null;
    try {
      transfer();
      const sealed = await C.seal({
        recipients: recipients,
        bundleHash: options.bundle.verified.bundleHash,
        manifest: options.manifest,
        attachments: attachments,
        replyKeys: options.replyKeys || null,
        onChunk: async function (bytes) {
          if (hashState) sodium.crypto_generichash_update(hashState, bytes);
          await uploader.push(bytes);
        },
        onProgress: function (done, sealTotal) {
          // seal() reports its total after emitting the header, before the first payload chunk and so before
          // the first flush creates the upload: declare the module's own figure.
          if (total === null) {
            total = sealTotal;
            uploader.size = sealTotal;
          }
          sealedBytes = done;
          transfer();
        }
      });
      if (sealed.size !== uploader.size) throw new IntakeError('crypto');
      let envelopeHash = null;
      if (hashState) {
        envelopeHash = sodium.crypto_generichash_final(hashState, HASH_LEN);
        hashState = null;
      }
      // The last chunk goes before the step says "confirming", so the words never go back to "sending".
      await uploader.flush();
      progress({ phase: 'finalize' });
      const body = {};
      if (options.sign) body.signature = toBase64(await options.sign(envelopeHash));
      const result = await uploader.finalize(body);
      return { received: result.received, envelopeHash: envelopeHash };
    } catch (e) {
      await uploader.cancel();
      if (e instanceof IntakeError) throw e;
      if (e && e.name === 'NotReadableError') throw new IntakeError('file-read');
      if (e && /changed while being sealed|Blob changed/.test(String(e.message))) throw new IntakeError('file-read');
      throw new IntakeError('crypto');
    } finally {
      if (hashState) {
        try { sodium.crypto_generichash_final(hashState, HASH_LEN); } catch (e) { /* frees the state */ }
      }
    }
  }

  // ---------------------------------------------------------------- progress display

  // One <progress> for the whole submission, in four steps with fixed shares: the check (proof of work) 5 %,
  // encrypting 45 %, sending 45 %, confirming 5 %. Encrypting and sending overlap (each chunk is sent as it is
  // sealed), so both shares fill together and the words name the step that is holding things up. A remaining-time
  // estimate appears once a few seconds of transfer give a rate. The visible text changes often; the live region
  // only at step changes and every quarter.
  const SHARES = { pow: 0.05, seal: 0.45, upload: 0.45, finalize: 0.05 };
  const STEPS = ['pow', 'seal', 'upload', 'finalize'];
  const ETA_AFTER_MS = 3000;

  function ProgressView(config, t, ids) {
    this.t = t;
    this.lang = config.lang;
    this.bar = byId(ids.bar);
    this.text = byId(ids.text);
    this.live = byId(ids.live);
    this.steps = ids.steps ? byId(ids.steps) : null;
    this.eta = ids.eta ? byId(ids.eta) : null;
    this.padding = ids.padding ? byId(ids.padding) : null;
    this.now = ids.now || function () { return Date.now(); };
    this.reset();
  }

  ProgressView.prototype.reset = function () {
    this.bar.value = 0;
    this.text.textContent = '';
    this.live.textContent = '';
    if (this.eta) this.eta.textContent = '';
    if (this.padding) { this.padding.textContent = ''; setHidden(this.padding, true); }
    this.lastPhase = null;
    this.lastQuarter = -1;
    this.transferStart = null;
    this.markSteps(null);
  };

  ProgressView.prototype.markSteps = function (phase) {
    if (!this.steps) return;
    const active = STEPS.indexOf(phase);
    const items = this.steps.querySelectorAll('li[data-step]');
    for (let i = 0; i < items.length; i++) {
      const k = STEPS.indexOf(items[i].getAttribute('data-step'));
      items[i].className = k < active ? 'step-done' : k === active ? 'step-active' : 'step-waiting';
      if (k === active) items[i].setAttribute('aria-current', 'step'); else items[i].removeAttribute('aria-current');
      const state = items[i].querySelector('.step-state');
      if (state) state.textContent = k < active ? this.t('js.send.step.done') : k === active ? this.t('js.send.step.now') : '';
    }
  };

  // "About 40 seconds left", "About 3 minutes left": rounded up, so the estimate errs towards waiting longer.
  ProgressView.prototype.remaining = function (ms) {
    const seconds = Math.max(1, Math.ceil(ms / 1000));
    if (seconds < 60) return this.t('js.send.eta.seconds', { count: Math.max(5, Math.ceil(seconds / 5) * 5) });
    const minutes = Math.ceil(seconds / 60);
    return minutes === 1 ? this.t('js.send.eta.minute') : this.t('js.send.eta.minutes', { count: minutes });
  };

  ProgressView.prototype.update = function (p) {
    const t = this.t;
    let overall;
    let text;
    if (p.phase === 'pow') {
      overall = SHARES.pow * (p.fraction || 0);
      text = t('js.send.pow');
    } else if (p.phase === 'seal' || p.phase === 'upload') {
      const total = p.total || 1;
      const sealed = Math.min(p.sealed || 0, total);
      const sent = Math.min(p.sent || 0, total);
      overall = SHARES.pow + SHARES.seal * (sealed / total) + SHARES.upload * (sent / total);
      text = p.phase === 'seal'
        ? t('js.send.seal', { done: formatBytes(sealed, this.lang), total: formatBytes(total, this.lang) })
        : t('js.send.upload', { done: formatBytes(sent, this.lang), total: formatBytes(total, this.lang) });
      const now = this.now();
      if (this.transferStart === null) this.transferStart = now;
      const part = (sealed + sent) / (2 * total);
      const elapsed = now - this.transferStart;
      if (this.eta) {
        this.eta.textContent = elapsed >= ETA_AFTER_MS && part > 0.01 && part < 1 ? this.remaining(elapsed * (1 - part) / part) : '';
      }
      if (this.padding && p.contentBytes && this.padding.hidden) {
        this.padding.textContent = t('js.send.padding', { content: formatBytes(p.contentBytes, this.lang), total: formatBytes(total, this.lang) });
        setHidden(this.padding, false);
      }
    } else {
      overall = 1 - SHARES.finalize;
      text = t('js.send.finalize');
      if (this.eta) this.eta.textContent = '';
    }
    this.bar.value = Math.max(this.bar.value, Math.round(overall * 1000));
    this.text.textContent = text;
    this.markSteps(p.phase);
    const quarter = Math.floor(overall * 4);
    if (p.phase !== this.lastPhase) {
      this.live.textContent = text;
    } else if (quarter !== this.lastQuarter && (p.phase === 'seal' || p.phase === 'upload')) {
      this.live.textContent = t('js.send.percent', { percent: Math.floor(overall * 100) });
    }
    this.lastPhase = p.phase;
    this.lastQuarter = quarter;
  };

  // All four steps done: the server has the report.
  ProgressView.prototype.finish = function () {
    this.bar.value = 1000;
    if (this.steps) {
      const items = this.steps.querySelectorAll('li[data-step]');
      for (let i = 0; i < items.length; i++) {
        items[i].className = 'step-done';
        items[i].removeAttribute('aria-current');
        const state = items[i].querySelector('.step-state');
        if (state) state.textContent = this.t('js.send.step.done');
      }
    }
  };

  ProgressView.prototype.retrying = function (seconds) {
    const text = this.t('js.send.retrying', { seconds: seconds });
    this.text.textContent = text;
    this.live.textContent = text;
  };

  // Wipes secret key material held in a deriveCodenameKeys() result.
  function wipeKeys(keys) {
    if (!keys) return;
    ['replySecretKey', 'mailboxSecretKey'].forEach(function (k) {
      if (keys[k] instanceof Uint8Array) sodium.memzero(keys[k]);
    });
  }

  // Asks before leaving while something is being sent; returns the function that stops asking.
  function guardUnload() {
    const handler = function (event) {
      event.preventDefault();
      event.returnValue = '';
    };
    root.addEventListener('beforeunload', handler);
    return function () { root.removeEventListener('beforeunload', handler); };
  }

  function initPage(config) {
    if (config && config.demo) setHidden(byId('demo-banner'), false);
  }

  root.SafeIntakeCommon = Object.freeze({
    readConfig: readConfig,
    makeTranslator: makeTranslator,
    wellFormed: wellFormed,
    formatBytes: formatBytes,
    byId: byId,
    el: el,
    clear: clear,
    setHidden: setHidden,
    showMessage: showMessage,
    fieldError: fieldError,
    toBase64: toBase64,
    fromBase64: fromBase64,
    IntakeError: IntakeError,
    errorMessage: errorMessage,
    requestJson: requestJson,
    loadBundle: loadBundle,
    showBundle: showBundle,
    AttachmentPicker: AttachmentPicker,
    getPowToken: getPowToken,
    solvePow: solvePow,
    envelopeSize: envelopeSize,
    Uploader: Uploader,
    sealAndUpload: sealAndUpload,
    ProgressView: ProgressView,
    wipeKeys: wipeKeys,
    guardUnload: guardUnload,
    initPage: initPage
  });
}(typeof globalThis !== 'undefined' ? globalThis : this));
