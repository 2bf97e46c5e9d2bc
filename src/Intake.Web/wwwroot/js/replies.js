/*
 * "Check for replies" (Pages/replies.html). The codename never leaves this page: it derives the reply key and
 * the mailbox key here (envelope-v1.md §6.3); the server sees only the mailbox public key and a signature over
 * its challenge (§7.3). A reply is shown only when a reviewer of the verified bundle signed it (§7.2), so a
 * compromised server cannot put words in a reviewer's mouth. Follow-ups are sealed to the same reviewers.
 */
(function (root) {
  'use strict';

  const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

  // "yyyy-MM-dd" of a real calendar day, or ''.
  function validDay(value) {
    if (typeof value !== 'string' || !DAY_RE.test(value)) return '';
    const y = Number(value.slice(0, 4));
    const m = Number(value.slice(5, 7));
    const d = Number(value.slice(8, 10));
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? value : '';
  }

  // Returns { state: 'ok', reviewer, day, text, files } | { state: 'unverified', day } | { state: 'unreadable', day }.
  // context: { crypto, fromBase64, reviewers (of the verified bundle), keys (the codename's) }.
  // The day beside a verified reply is the `sent` the reviewer signed (§7.2), never the server's `day`: a
  // compromised server must not be able to date a reviewer's words. A warning keeps the server's day, which it
  // does not vouch for.
  async function readReply(reply, context) {
    if (!reply || typeof reply !== 'object') return { state: 'unverified' };
    const C = context.crypto;
    const day = validDay(reply.day);
    const bytes = context.fromBase64(reply.envelope);
    const signature = context.fromBase64(reply.signature);
    const reviewer = typeof reply.reviewer === 'string' ? context.reviewers.find(function (r) { return r.id === reply.reviewer; }) || null : null;
    if (!bytes || !signature || !reviewer) return { state: 'unverified', day: day };
    const hash = await C.envelopeHash(bytes);
    if (!(await C.verifyReply(reviewer.ed25519, context.keys.mailboxPublicKey, hash, signature))) return { state: 'unverified', day: day };
    const opened = await C.open(bytes, [context.keys.replySecretKey]);
    if (!opened.ok) return { state: 'unreadable', day: day };
    const m = opened.manifest;
    // The signed envelope must also say it is a reply from that same reviewer.
    if (m.kind !== 'reply' || typeof m.text !== 'string' || (m.reviewer !== undefined && m.reviewer !== reviewer.id)) {
      return { state: 'unreadable', day: day };
    }
    const files = m.attachments.map(function (a, i) {
      return { name: a.name, size: a.size, bytes: opened.attachments[i] };
    });
    return { state: 'ok', reviewer: reviewer, day: validDay(m.sent), text: m.text, files: files };
  }

  // Under Node, for tests/js: the reading of a reply, without the page.
  if (typeof module === 'object' && module && module.exports) {
    module.exports = { readReply: readReply, validDay: validDay };
    return;
  }

  const S = root.SafeIntakeCommon;
  const C = root.SafeIntakeCrypto;
  const byId = S.byId;

  const config = S.readConfig();
  const openForm = byId('open-form');
  const openFields = byId('open-fields');

  if (!config || !openForm) {
    S.setHidden(byId('bundle-status'), true);
    S.setHidden(byId('bundle-error'), false);
    return;
  }

  const t = S.makeTranslator(config);
  S.initPage(config);

  const followUpForm = byId('followup-form');
  const followUpFields = byId('followup-fields');
  const picker = new S.AttachmentPicker(config, t, 'followup-files');
  const progress = new S.ProgressView(config, t, { bar: 'followup-progress', text: 'followup-progress-text', live: 'followup-progress-live' });

  let bundle = null;
  let keys = null;
  let followUps = 0;
  let summary = { total: 0, shown: 0 };
  let objectUrls = [];
  let busy = false;

  S.loadBundle(config).then(function (result) {
    S.showBundle(config, t, result);
    if (result.ok) {
      bundle = result;
      openFields.disabled = false;
    }
  }, function () {
    S.showBundle(config, t, { ok: false, reason: 'malformed' });
  });

  // ---------------------------------------------------------------- opening the mailbox

  // The codename box is a two-line textarea (so it fits a phone); Enter opens the mailbox as in a one-line field.
  byId('codename').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      openForm.requestSubmit();
    }
  });

  openForm.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy || !bundle) return;
    const input = byId('codename');
    const error = byId('codename-error');
    const text = input.value;
    if (text.trim() === '') {
      S.fieldError(input, error, t('js.replies.required'));
      input.focus();
      return;
    }
    // A typo is caught by the check digit and reported as such, never as "no replies" (§6.2).
    if (C.normalizeCodename(text) === null) {
      S.fieldError(input, error, t('js.replies.mistyped'));
      input.focus();
      return;
    }
    S.fieldError(input, error, null);
    S.showMessage(byId('open-error'), null);
    openMailbox(text);
  });

  async function openMailbox(text) {
    busy = true;
    openFields.disabled = true;
    const status = byId('open-status');
    status.textContent = t('js.replies.opening');
    let opened = false;
    try {
      const derived = await C.deriveCodenameKeys(text);
      if (!derived.ok) throw new S.IntakeError('unknown');
      keys = derived;
      const mailbox = S.toBase64(keys.mailboxPublicKey);
      const challenge = await S.requestJson('POST', '/api/v1/mailbox/challenge', { mailbox: mailbox });
      const challengeBytes = challenge && S.fromBase64(challenge.challenge);
      if (!challengeBytes || challengeBytes.length !== 32 || typeof challenge.token !== 'string') throw new S.IntakeError('unknown');
      const signature = await C.signChallenge(keys, challengeBytes);
      const answer = await S.requestJson('POST', '/api/v1/mailbox/open', {
        mailbox: mailbox, token: challenge.token, signature: S.toBase64(signature)
      });
      if (!answer || !Array.isArray(answer.replies)) throw new S.IntakeError('unknown');
      followUps = Number.isSafeInteger(answer.followUps) && answer.followUps >= 0 ? answer.followUps : 0;
      await showReplies(answer.replies);
      byId('codename').value = '';
      status.textContent = '';
      openForm.hidden = true;
      S.setHidden(byId('mailbox'), false);
      S.setHidden(byId('followup'), false);
      followUpFields.disabled = false;
      byId('mailbox-heading').focus();
      opened = true;
    } catch (error) {
      status.textContent = '';
      S.showMessage(byId('open-error'), S.errorMessage(config, t, error));
      closeKeys();
    } finally {
      busy = false;
      if (!opened) {
        openFields.disabled = false;
        byId('codename').focus();
      }
    }
  }

  async function showReplies(replies) {
    const list = byId('replies-list');
    S.clear(list);
    revokeUrls();
    let shown = 0;
    for (const reply of replies) {
      const r = await readReply(reply, { crypto: C, fromBase64: S.fromBase64, reviewers: bundle.reviewers, keys: keys });
      if (r.state === 'ok') {
        shown += 1;
        const body = S.el('div', { className: 'reply-text', text: r.text });
        const children = [
          S.el('h3', { text: r.day ? t('js.replies.from', { name: r.reviewer.name, day: r.day }) : t('js.replies.fromNoDay', { name: r.reviewer.name }) }),
          S.el('p', { className: 'reply-verified', text: t('js.replies.verified') }),
          body
        ];
        if (r.files.length > 0) {
          const files = S.el('ul', { className: 'reply-files' });
          r.files.forEach(function (f) {
            // Downloaded, never shown in this page's origin: the type is forced to a neutral one.
            const url = URL.createObjectURL(new Blob([f.bytes], { type: 'application/octet-stream' }));
            objectUrls.push(url);
            files.appendChild(S.el('li', null, [
              S.el('a', { href: url, download: f.name || 'attachment' }, [
                t('js.replies.save', { name: f.name || 'attachment', size: S.formatBytes(f.size, config.lang) })
              ])
            ]));
          });
          children.push(files);
        }
        list.appendChild(S.el('li', { className: 'reply' }, children));
      } else {
        const key = r.state === 'unreadable' ? 'js.replies.unreadable' : 'js.replies.unverified';
        list.appendChild(S.el('li', { className: 'reply reply-warning' }, [
          S.el('h3', { text: t(key + '.heading') }),
          S.el('p', { text: t(key + '.text') })
        ]));
      }
    }
    // Only verified replies are counted; warnings stand on their own in the list.
    summary = { total: replies.length, shown: shown };
    showSummary();
  }

  function showSummary() {
    const parts = [summary.total === 0 ? t('js.replies.none') : t('js.replies.count', { count: summary.shown })];
    if (followUps > 0) parts.push(t('js.replies.followUps', { count: followUps }));
    byId('mailbox-summary').textContent = parts.join(' ');
  }

  function revokeUrls() {
    objectUrls.forEach(function (u) { URL.revokeObjectURL(u); });
    objectUrls = [];
  }

  function closeKeys() {
    S.wipeKeys(keys);
    keys = null;
  }

  byId('close-mailbox').addEventListener('click', function () {
    if (busy) return;
    closeKeys();
    revokeUrls();
    S.clear(byId('replies-list'));
    byId('mailbox-summary').textContent = '';
    followUpForm.reset();
    picker.clearAll();
    S.showMessage(byId('followup-done'), null);
    S.showMessage(byId('followup-error'), null);
    S.setHidden(byId('mailbox'), true);
    S.setHidden(byId('followup'), true);
    openForm.hidden = false;
    openFields.disabled = false;
    byId('open-status').textContent = t('js.replies.closed');
    byId('codename').focus();
  });

  // ---------------------------------------------------------------- follow-ups

  followUpForm.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy || !bundle || !keys) return;
    S.showMessage(byId('followup-error'), null);
    S.showMessage(byId('followup-done'), null);
    const text = byId('followup-text');
    const problem = picker.problem();
    if (problem) {
      S.showMessage(byId('followup-files-error'), problem);
      byId('followup-files').focus();
      return;
    }
    if (text.value.trim() === '' && picker.items.length === 0) {
      S.fieldError(text, byId('followup-text-error'), t('js.followUp.missing'));
      text.focus();
      return;
    }
    S.fieldError(text, byId('followup-text-error'), null);
    sendFollowUp();
  });

  async function sendFollowUp() {
    busy = true;
    followUpFields.disabled = true;
    byId('close-mailbox').disabled = true;
    progress.reset();
    S.setHidden(byId('followup-sending'), false);
    byId('followup-sending-heading').focus();
    const stopGuard = S.guardUnload();
    const mailboxKeys = keys;
    try {
      const attachments = await picker.ready();
      const result = await S.sealAndUpload({
        config: config,
        bundle: bundle,
        kind: 'follow-up',
        manifest: { kind: 'follow-up', lang: config.lang, sealedBy: 'browser/1', text: S.wellFormed(byId('followup-text').value) },
        attachments: attachments,
        mailbox: mailboxKeys.mailboxPublicKey,
        website: byId('followup-website').value,
        // §7.2: the hash is computed over the sealed chunks as they stream out; nothing is held whole.
        hashEnvelope: true,
        sign: function (envelopeHash) { return C.signFollowUp(mailboxKeys, envelopeHash); },
        onProgress: function (p) { progress.update(p); },
        onRetry: function (seconds) { progress.retrying(seconds); }
      });
      followUpForm.reset();
      picker.clearAll();
      followUps += 1;
      showSummary();
      S.setHidden(byId('followup-sending'), true);
      const done = byId('followup-done');
      S.showMessage(done, result.received ? t('js.followUp.sent', { day: result.received }) : t('js.followUp.sentNoDay'));
      done.focus();
    } catch (error) {
      S.setHidden(byId('followup-sending'), true);
      const box = byId('followup-error');
      S.showMessage(box, error && error.code === 'finalize-uncertain' ? t('js.followUp.uncertain') : S.errorMessage(config, t, error));
      box.focus();
    } finally {
      stopGuard();
      busy = false;
      followUpFields.disabled = false;
      byId('close-mailbox').disabled = false;
    }
  }
}(typeof globalThis !== 'undefined' ? globalThis : this));
