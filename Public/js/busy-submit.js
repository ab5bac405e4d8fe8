/*
 * A form that is being sent says so: its submit button is disabled (no second
 * submission) and reads "Đang xử lý…", and a polite live region tells screen
 * readers. Forms marked data-slow (those that hash a password, which on a busy
 * server takes seconds) add that it may take a while.
 *
 * Texts come from <body data-busy-text="…" data-busy-slow="…">. A page shown
 * again from the back/forward cache gets its buttons back.
 */
(function (win) {
  'use strict';
  var doc = win.document;
  if (!doc || !doc.addEventListener) return;

  function texts() {
    var body = doc.body;
    return {
      busy: (body && body.getAttribute('data-busy-text')) || '…',
      slow: (body && body.getAttribute('data-busy-slow')) || ''
    };
  }

  function statusFor(form) {
    var status = form.querySelector('.busy-status');
    if (!status) {
      status = doc.createElement('p');
      status.className = 'busy-status hint';
      status.setAttribute('role', 'status');
      status.setAttribute('aria-live', 'polite');
      form.appendChild(status);
    }
    return status;
  }

  doc.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form || form.nodeName !== 'FORM' || event.defaultPrevented) return;
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') return;
    var t = texts();
    var buttons = form.querySelectorAll('button[type="submit"], button:not([type])');
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      // A named button carries a value the server reads: keep it in the submission before disabling.
      if (b.name && b === event.submitter) {
        var hidden = doc.createElement('input');
        hidden.type = 'hidden';
        hidden.name = b.name;
        hidden.value = b.value;
        form.appendChild(hidden);
      }
      if (!b.hasAttribute('data-idle-text')) b.setAttribute('data-idle-text', b.textContent);
      b.textContent = t.busy;
      b.disabled = true;
      b.setAttribute('aria-busy', 'true');
    }
    form.setAttribute('aria-busy', 'true');
    statusFor(form).textContent = t.busy + (form.hasAttribute('data-slow') && t.slow ? ' ' + t.slow : '');
  });

  win.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    var buttons = doc.querySelectorAll('button[data-idle-text]');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].textContent = buttons[i].getAttribute('data-idle-text');
      buttons[i].disabled = false;
      buttons[i].removeAttribute('aria-busy');
    }
    var statuses = doc.querySelectorAll('.busy-status');
    for (var j = 0; j < statuses.length; j++) statuses[j].textContent = '';
  });
})(window);
