/*
 * Live feedback while a person chooses a password.
 *
 * These mirror the server's password rules so people see a problem before
 * submitting; the server checks everything again and its answer is the one
 * that counts. The one rule the page cannot check, the common-password list
 * (30,000 entries, not sent to phones), is listed and says that it is checked
 * on submit.
 *
 * Markup:
 *   <input id="pw" data-password-rules data-forbidden='["001090001234", ...]'>
 *   <ul class="pw-rules" aria-live="polite" data-text-met="…" data-text-not-met="…">
 *     <li data-rule="length|repeat|sequence|personal" aria-atomic="true">…</li>
 *     <li data-rule="common">…</li></ul>  (a rule the page cannot check: its state reads data-text-pending)
 *   Each rule gets a visually hidden state in words after its text, so the state is not carried by
 *   colour and a tick alone; the live list reads out a rule whose state changes.
 *   <input data-confirm-for="pw" data-text-mismatch="…"> with a .field-error nearby
 */
(function (win) {
  'use strict';

  var doc = win.document;
  var RUN = 6;

  // Length is counted in characters as people see them: NFC, and an emoji
  // written as a surrogate pair counts once.
  function charCount(value) {
    var v = value.normalize ? value.normalize('NFC') : value;
    return v.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '_').length;
  }

  function isSingleRepeated(value) {
    for (var i = 1; i < value.length; i++) {
      if (value.charAt(i) !== value.charAt(0)) return false;
    }
    return true;
  }

  function kind(c) {
    if (c >= 48 && c <= 57) return 'd';
    if (c >= 97 && c <= 122) return 'l';
    return '';
  }

  // "123456", "fedcba" and the like: RUN characters of the same kind
  // (digits, or letters a-z) each one up or each one down from the last.
  function hasSequence(value) {
    var s = value.toLowerCase();
    var up = 1, down = 1;
    for (var i = 1; i < s.length; i++) {
      var a = s.charCodeAt(i - 1), b = s.charCodeAt(i);
      var same = kind(a) !== '' && kind(a) === kind(b);
      up = same && b === a + 1 ? up + 1 : 1;
      down = same && b === a - 1 ? down + 1 : 1;
      if (up >= RUN || down >= RUN) return true;
    }
    return false;
  }

  // Six adjacent keys of a keyboard row, either way ("qwerty", "ytrewq", "asdfgh", "098765"), as the server checks.
  var ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1234567890'];
  function hasKeyboardRun(value) {
    var s = value.toLowerCase();
    for (var r = 0; r < ROWS.length; r++) {
      var row = ROWS[r], back = row.split('').reverse().join('');
      for (var i = 0; i + RUN <= row.length; i++) {
        if (s.indexOf(row.substr(i, RUN)) >= 0 || s.indexOf(back.substr(i, RUN)) >= 0) return true;
      }
    }
    return false;
  }

  function forbiddenValues(input) {
    var raw = input.getAttribute('data-forbidden');
    if (!raw) return [];
    var list;
    try { list = JSON.parse(raw); } catch (e) { return []; }
    if (!list || typeof list.length !== 'number') return [];
    var out = [];
    for (var i = 0; i < list.length; i++) {
      // Very short fragments would flag ordinary passwords by accident.
      var item = String(list[i] == null ? '' : list[i]).toLowerCase();
      if (item.length >= 4) out.push(item);
    }
    return out;
  }

  function containsPersonal(value, forbidden) {
    var v = value.toLowerCase();
    for (var i = 0; i < forbidden.length; i++) {
      if (v.indexOf(forbidden[i]) >= 0) return true;
    }
    return false;
  }

  function check(value, forbidden) {
    var n = charCount(value);
    return {
      length: n >= 8 && n <= 128,
      repeat: !isSingleRepeated(value),
      sequence: !hasSequence(value) && !hasKeyboardRun(value),
      personal: !containsPersonal(value, forbidden)
    };
  }

  function toggle(el, name, on) {
    var parts = (el.className || '').split(/\s+/).filter(function (x) { return x && x !== name; });
    if (on) parts.push(name);
    el.className = parts.join(' ');
  }

  function rulesListFor(input) {
    // The list belongs to the same .field, or is the next list in the form.
    var scope = closestField(input) || input.parentNode;
    var list = scope && scope.querySelector('ul.pw-rules');
    if (!list && input.form) list = input.form.querySelector('ul.pw-rules');
    return list;
  }

  function closestField(el) {
    for (var n = el.parentNode; n && n.nodeType === 1; n = n.parentNode) {
      if ((' ' + n.className + ' ').indexOf(' field ') >= 0) return n;
    }
    return null;
  }

  function setupRules(input) {
    var list = rulesListFor(input);
    if (!list) return;
    var items = list.querySelectorAll('li[data-rule]');
    var forbidden = forbiddenValues(input);
    var textMet = list.getAttribute('data-text-met') || '';
    var textNotMet = list.getAttribute('data-text-not-met') || '';
    var textPending = list.getAttribute('data-text-pending') || '';

    function stateOf(item) {
      var state = item.querySelector('.rule-state');
      if (!state) {
        state = doc.createElement('span');
        state.className = 'visually-hidden rule-state';
        item.appendChild(state);
      }
      return state;
    }

    function update() {
      var value = input.value;
      var result = check(value, forbidden);
      for (var i = 0; i < items.length; i++) {
        var rule = items[i].getAttribute('data-rule');
        // Nothing typed yet: show the rules plainly rather than all red.
        var known = value !== '' && result.hasOwnProperty(rule);
        toggle(items[i], 'ok', known && result[rule]);
        toggle(items[i], 'bad', known && !result[rule]);
        // Only a change is written, so the live list speaks when a rule's state flips, not at every key.
        var state = stateOf(items[i]);
        var words = known ? ' ' + (result[rule] ? textMet : textNotMet) : '';
        // A rule this page cannot check (the common-password list stays on the server) says so instead.
        if (value !== '' && !result.hasOwnProperty(rule) && textPending) words = ' ' + textPending;
        if (state.textContent !== words) state.textContent = words;
      }
    }

    input.addEventListener('input', update);
    update();
  }

  function setupConfirm(confirm) {
    var target = doc.getElementById(confirm.getAttribute('data-confirm-for'));
    if (!target) return;
    var field = closestField(confirm) || confirm.parentNode;
    var error = field.querySelector('.field-error');
    if (!error) {
      error = doc.createElement('p');
      error.className = 'field-error';
      error.id = (confirm.id || 'confirm') + '-mismatch';
      error.hidden = true;
      field.appendChild(error);
      var described = confirm.getAttribute('aria-describedby');
      confirm.setAttribute('aria-describedby', (described ? described + ' ' : '') + error.id);
    }
    var text = confirm.getAttribute('data-text-mismatch') || '';

    // While the person is still typing the confirmation, a correct prefix
    // is not an error yet; once they leave the field any difference is.
    function update(finished) {
      var a = target.value, b = confirm.value;
      var wrong = b !== '' && a !== b && (finished || b.length >= a.length || a.indexOf(b) !== 0);
      if (wrong) {
        error.textContent = text;
        error.hidden = false;
        confirm.setAttribute('aria-invalid', 'true');
        toggle(field, 'has-error', true);
      } else if (b === '' || a === b) {
        error.textContent = '';
        error.hidden = true;
        confirm.removeAttribute('aria-invalid');
        toggle(field, 'has-error', false);
      }
      // Otherwise (a correct prefix) leave whatever is shown as it is.
    }

    confirm.addEventListener('input', function () { update(false); });
    confirm.addEventListener('change', function () { update(true); });
    target.addEventListener('input', function () { if (confirm.value !== '') update(false); });
    target.addEventListener('change', function () { if (confirm.value !== '') update(true); });
  }

  function init() {
    var i;
    var pw = doc.querySelectorAll('input[data-password-rules]');
    for (i = 0; i < pw.length; i++) setupRules(pw[i]);
    var confirms = doc.querySelectorAll('input[data-confirm-for]');
    for (i = 0; i < confirms.length; i++) setupConfirm(confirms[i]);
  }

  win.PortalPasswordRules = { check: check };

  if (!doc) return;
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', init);
  else init();
})(window);
