/*
 * Human check (ALTCHA-format proof of work) for forms such as registration
 * and password reset.
 *
 * The server renders the challenge on the .humancheck element, so solving can
 * start as soon as the page loads and is usually finished before the person
 * has filled in the form. Without JavaScript the hidden field stays empty and
 * the server answers with its own explanation; this file only helps.
 *
 * Needs sha256.js loaded first (window.PortalSHA256).
 */
(function (win) {
  'use strict';

  // Numbers tried per tick: small enough that a cheap phone still repaints
  // and reacts to typing between ticks, large enough to finish in a second
  // or two for the ~100,000 the server uses.
  var CHUNK = 2000;
  var HOLDER = 'humancheck';

  // Calls onDone(n) with the first n in 0..maxnumber where
  // sha256hex(salt + n) equals challenge, or onDone(null) if there is none.
  // Always asynchronous. Returns {cancel()} so a page can stop it.
  function solve(challenge, salt, maxnumber, onDone) {
    var target = String(challenge).toLowerCase();
    var prefix = String(salt);
    var max = Math.floor(Number(maxnumber));
    var n = 0;
    var cancelled = false;

    function step() {
      if (cancelled) return;
      if (!(max >= 0)) { onDone(null); return; }
      var hex = win.PortalSHA256.hex;
      var end = Math.min(n + CHUNK - 1, max);
      for (; n <= end; n++) {
        if (hex(prefix + String(n)) === target) { onDone(n); return; }
      }
      if (n > max) { onDone(null); return; }
      win.setTimeout(step, 0);
    }

    win.setTimeout(step, 0);
    return { cancel: function () { cancelled = true; } };
  }

  // The server decodes this exact shape; keys are written out one by one so
  // their order is fixed (algorithm, challenge, number, salt, signature).
  // All values are ASCII, which btoa requires.
  function encode(algorithm, challenge, number, salt, signature) {
    return win.btoa(JSON.stringify({
      algorithm: String(algorithm),
      challenge: String(challenge),
      number: number,
      salt: String(salt),
      signature: String(signature)
    }));
  }

  // Buttons may be held back by more than one script (countdown.js uses the
  // same attribute), so a button is only enabled when nobody holds it any
  // more. A button the server rendered disabled stays disabled.
  function hold(button, who) {
    var raw = button.getAttribute('data-held-by');
    var list = raw ? raw.split(' ').filter(Boolean) : (button.disabled ? ['server'] : []);
    if (list.indexOf(who) < 0) list.push(who);
    button.setAttribute('data-held-by', list.join(' '));
    button.disabled = true;
  }

  function release(button, who) {
    var raw = button.getAttribute('data-held-by') || '';
    var list = raw.split(' ').filter(function (x) { return x && x !== who; });
    if (list.length) {
      button.setAttribute('data-held-by', list.join(' '));
    } else {
      button.removeAttribute('data-held-by');
      button.disabled = false;
    }
  }

  function submitButtons(form) {
    var all = form.querySelectorAll('button, input[type="submit"], input[type="image"]');
    var out = [];
    for (var i = 0; i < all.length; i++) {
      var t = (all[i].getAttribute('type') || 'submit').toLowerCase();
      if (t === 'submit' || t === 'image') out.push(all[i]);
    }
    return out;
  }

  function readInline(box) {
    if (!box.hasAttribute('data-challenge')) return null;
    return {
      algorithm: box.getAttribute('data-algorithm') || 'SHA-256',
      challenge: box.getAttribute('data-challenge'),
      salt: box.getAttribute('data-salt') || '',
      maxnumber: box.getAttribute('data-maxnumber'),
      signature: box.getAttribute('data-signature') || ''
    };
  }

  // XMLHttpRequest rather than fetch: older Android browsers lack fetch.
  // Only same-origin paths are followed, in keeping with the CSP.
  function fetchChallenge(url, callback) {
    if (!url || !/^\/(?!\/)/.test(url)) { callback(null); return; }
    var xhr = new win.XMLHttpRequest();
    xhr.open('GET', url, true);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) return;
      var data = null;
      if (xhr.status === 200) {
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      }
      callback(data && data.challenge ? data : null);
    };
    xhr.send();
  }

  function setup(box) {
    var input = box.querySelector('input[name="humanCheck"]');
    var status = box.querySelector('.pow-status');
    var form = input && input.form;
    if (!input || !form) return;

    var state = 'working';
    var pendingSubmitter = null;
    var pending = false;
    var buttons = submitButtons(form);

    function say(which) {
      var text = box.getAttribute('data-text-' + which);
      if (status && text) status.textContent = text;
      box.setAttribute('data-state', which);
    }

    function finish(value) {
      input.value = value || '';
      state = value ? 'done' : 'failed';
      say(state);
      for (var i = 0; i < buttons.length; i++) release(buttons[i], HOLDER);
      if (pending) {
        pending = false;
        resubmit();
      }
    }

    // requestSubmit keeps the clicked button's name/value and runs the
    // browser's own validation; old browsers fall back to submit().
    function resubmit() {
      var s = pendingSubmitter;
      pendingSubmitter = null;
      if (typeof form.requestSubmit === 'function') {
        try { form.requestSubmit(s || undefined); return; } catch (e) { /* fall through */ }
      }
      if (s && s.name) {
        var extra = win.document.createElement('input');
        extra.type = 'hidden';
        extra.name = s.name;
        extra.value = s.value;
        form.appendChild(extra);
      }
      form.submit();
    }

    // A previous visit may have left a used answer in the field (form
    // restoration on back navigation); it would only be refused.
    input.value = '';
    for (var i = 0; i < buttons.length; i++) hold(buttons[i], HOLDER);
    say('working');

    // Implicit submission (Enter in a field) is silently dropped by browsers
    // while the default button is disabled; remember it instead.
    form.addEventListener('keydown', function (e) {
      if (state !== 'working') return;
      var t = e.target;
      if ((e.key === 'Enter' || e.keyCode === 13) && t && t.tagName === 'INPUT') {
        e.preventDefault();
        pending = true;
      }
    });

    form.addEventListener('submit', function (e) {
      if (state !== 'working') return;
      e.preventDefault();
      pending = true;
      pendingSubmitter = e.submitter || null;
    });

    function start(c) {
      if (!c || String(c.algorithm).toUpperCase() !== 'SHA-256') { finish(null); return; }
      solve(c.challenge, c.salt, c.maxnumber, function (n) {
        if (n === null) { finish(null); return; }
        var value = null;
        try { value = encode(c.algorithm, c.challenge, n, c.salt, c.signature); } catch (e) { value = null; }
        finish(value);
      });
    }

    var inline = readInline(box);
    if (inline) start(inline);
    else fetchChallenge(box.getAttribute('data-challenge-url'), start);
  }

  function init() {
    var boxes = win.document.querySelectorAll('.humancheck');
    for (var i = 0; i < boxes.length; i++) setup(boxes[i]);
  }

  win.PortalHumanCheck = { solve: solve, encode: encode, hold: hold, release: release };

  // Loaded without a page (unit tests): expose the functions only.
  if (!win.document) return;
  if (win.document.readyState === 'loading') {
    win.document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})(window);
