/*
 * The witness's report form (Pages/index.html). Everything is sealed in this browser to the reviewers of a
 * bundle verified against the organisation key pinned in the page's configuration; the server receives only
 * the envelope. If the bundle cannot be verified the form stays disabled (fail closed).
 *
 * Nothing is stored on the device and nothing the witness typed is logged.
 */
(function (root) {
  'use strict';

  const S = root.SafeIntakeCommon;
  const C = root.SafeIntakeCrypto;
  const byId = S.byId;

  const config = S.readConfig();
  const form = byId('report-form');
  const fields = byId('form-fields');

  if (!config || !form) {
    // No configuration: nothing can be checked, so nothing can be sent.
    S.setHidden(byId('bundle-status'), true);
    S.setHidden(byId('bundle-error'), false);
    return;
  }

  const t = S.makeTranslator(config);
  S.initPage(config);

  // ---------------------------------------------------------------- categories

  (function fillCategories() {
    const select = byId('category');
    const other = select.querySelector('option[value="other"]');
    (Array.isArray(config.categories) ? config.categories : []).forEach(function (c) {
      if (!c || typeof c.id !== 'string' || typeof c.label !== 'string' || c.id === 'other' || c.id === '') return;
      select.insertBefore(S.el('option', { value: c.id, text: c.label }), other);
    });
  }());

  const picker = new S.AttachmentPicker(config, t, 'files');
  const progress = new S.ProgressView(config, t, {
    bar: 'progress', text: 'progress-text', live: 'progress-live', steps: 'progress-steps', eta: 'progress-eta', padding: 'progress-padding'
  });

  // ---------------------------------------------------------------- the reviewers' keys

  let bundle = null;
  S.loadBundle(config).then(function (result) {
    S.showBundle(config, t, result);
    if (result.ok) {
      bundle = result;
      fields.disabled = false;
    }
  }, function () {
    S.showBundle(config, t, { ok: false, reason: 'malformed' });
  });

  // ---------------------------------------------------------------- sending

  let busy = false;

  function validate() {
    const what = byId('what');
    const whatError = byId('what-error');
    if (what.value.trim() === '') {
      S.fieldError(what, whatError, t('js.form.whatMissing'));
      what.focus();
      return false;
    }
    S.fieldError(what, whatError, null);
    const problem = picker.problem();
    if (problem) {
      S.showMessage(byId('files-error'), problem);
      byId('files').focus();
      return false;
    }
    return true;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy || !bundle) return;
    S.showMessage(byId('form-error'), null);
    if (!validate()) return;
    send();
  });

  async function send() {
    busy = true;
    fields.disabled = true;
    progress.reset();
    S.setHidden(byId('sending'), false);
    // The progress area sits below a long form: bring it to the top of the window rather than leave the witness
    // looking at the greyed-out fields (issue 12).
    byId('sending').scrollIntoView({ block: 'start' });
    byId('sending-heading').focus({ preventScroll: true });
    const stopGuard = S.guardUnload();
    let keys = null;
    let codename = null;
    try {
      const attachments = await picker.ready();
      if (byId('want-replies').checked) {
        codename = await C.generateCodename();
        keys = await C.deriveCodenameKeys(codename);
      }
      const categoryValue = byId('category').value;
      const manifest = {
        kind: 'report',
        lang: config.lang,
        sealedBy: 'browser/1',
        fields: {
          what: S.wellFormed(byId('what').value),
          when: S.wellFormed(byId('when').value.trim()),
          where: S.wellFormed(byId('where').value.trim()),
          category: categoryValue === '' ? null : categoryValue
        }
      };
      const result = await S.sealAndUpload({
        config: config,
        bundle: bundle,
        kind: 'report',
        manifest: manifest,
        attachments: attachments,
        replyKeys: keys,
        mailbox: keys ? keys.mailboxPublicKey : null,
        website: byId('website').value,
        onProgress: function (p) { progress.update(p); },
        onRetry: function (seconds) { progress.retrying(seconds); }
      });
      progress.finish();
      showDone(result.received, codename, false);
    } catch (error) {
      if (error && error.code === 'finalize-uncertain') {
        showDone(null, codename, true);
      } else {
        S.setHidden(byId('sending'), true);
        const box = byId('form-error');
        S.showMessage(box, S.errorMessage(config, t, error));
        fields.disabled = false;
        box.focus();
      }
    } finally {
      stopGuard();
      S.wipeKeys(keys);
      busy = false;
    }
  }

  // ---------------------------------------------------------------- after sending

  function showCodename(codename) {
    const box = byId('codename');
    S.clear(box);
    codename.split(' ').forEach(function (group, i) {
      if (i > 0) box.appendChild(document.createTextNode(' '));
      box.appendChild(S.el('span', { className: 'codename-group', text: group }));
    });
    S.setHidden(byId('codename-area'), false);
    document.body.classList.add('has-codename'); // the print stylesheet then prints only the codename box

    byId('copy-codename').addEventListener('click', function () {
      const status = byId('copy-status');
      const text = box.textContent;
      if (!text || !navigator.clipboard || typeof navigator.clipboard.writeText !== 'function') {
        status.textContent = t('js.done.copyFailed');
        return;
      }
      navigator.clipboard.writeText(text).then(function () {
        status.textContent = t('js.done.copied');
      }, function () {
        status.textContent = t('js.done.copyFailed');
      });
    });
    byId('print-codename').addEventListener('click', function () { root.print(); });
    byId('hide-codename').addEventListener('click', function () {
      S.clear(box);
      S.setHidden(byId('codename-area'), true);
      document.body.classList.remove('has-codename');
      const hidden = byId('codename-hidden');
      S.setHidden(hidden, false);
      hidden.focus();
    });
  }

  function showDone(received, codename, uncertain) {
    // The plaintext leaves the page: the form is emptied and hidden.
    form.reset();
    picker.clearAll();
    form.hidden = true;
    S.setHidden(byId('sending'), true);
    if (uncertain) {
      byId('done-heading').textContent = t('js.done.uncertainHeading');
      S.showMessage(byId('done-uncertain'), t('js.done.uncertain'));
    }
    S.showMessage(byId('done-received'), received ? t('js.done.received', { day: received }) : null);
    if (codename) showCodename(codename);
    else S.setHidden(byId('done-no-replies'), false);
    S.setHidden(byId('done'), false);
    byId('done-heading').focus();
  }
}(typeof globalThis !== 'undefined' ? globalThis : this));
