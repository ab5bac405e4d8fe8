/* The printable request form's «In» button: shown only where scripts run, and prints the page. */
(function (win) {
  'use strict';
  var doc = win.document;
  var buttons = doc.querySelectorAll('[data-print]');
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener('click', function () { win.print(); });
  }
})(window);
