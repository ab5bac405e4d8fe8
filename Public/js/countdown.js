/*
 * Waiting time on "send the code again" buttons.
 *
 * The server renders the button enabled (so it works without JavaScript and
 * refuses an early press with a message) and says in data-available-at when
 * the next send is allowed. Here the button is held until then, counting
 * down in the text from data-text-wait ("Gửi lại sau {s} giây").
 *
 * Optional data-server-now (RFC 3339, the server's clock when the page was
 * made) corrects for a phone whose clock is wrong.
 */
(function (win) {
  'use strict';

  var doc = win.document;
  var HOLDER = 'countdown';

  // Same convention as humancheck.js: a button is enabled again only when no
  // script holds it any more; one the server rendered disabled stays so.
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

  function setup(button) {
    var at = Date.parse(button.getAttribute('data-available-at') || '');
    if (isNaN(at)) return;
    var serverNow = Date.parse(button.getAttribute('data-server-now') || '');
    var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
    var wait = button.getAttribute('data-text-wait');
    // innerHTML so a label with markup (an icon, a hidden hint) comes back
    // exactly as the server rendered it.
    var label = button.innerHTML;

    function remaining() {
      return Math.ceil((at - (Date.now() + skew)) / 1000);
    }

    if (remaining() <= 0) return;
    hold(button, HOLDER);

    // Re-read the clock on every tick: background tabs and sleeping phones
    // delay timers, so counting ticks would drift.
    function tick() {
      var s = remaining();
      if (s <= 0) {
        button.innerHTML = label;
        release(button, HOLDER);
        return;
      }
      if (wait) button.textContent = wait.split('{s}').join(String(s));
      var msToNext = (at - (Date.now() + skew)) % 1000 || 1000;
      win.setTimeout(tick, msToNext + 20);
    }
    tick();
  }

  function init() {
    var buttons = doc.querySelectorAll('button[data-available-at]');
    for (var i = 0; i < buttons.length; i++) setup(buttons[i]);
  }

  if (!doc) return;
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', init);
  else init();
})(window);
