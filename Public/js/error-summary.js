/*
 * A form sent back with errors: focus moves to the summary at the top, so a screen reader reads it and a
 * keyboard user starts from it. Its links lead to the fields; following one focuses the field itself
 * (a fragment link alone only scrolls) with its label in view.
 *
 * Markup: <div class="alert" tabindex="-1" data-error-summary> … <a href="#fieldId">message</a> … </div>
 * Without JavaScript the summary is still role="alert" at the top and its links still scroll to the fields.
 */
(function (win) {
  'use strict';

  var doc = win.document;

  function focusTarget(event) {
    var link = event.target.closest ? event.target.closest('a[href^="#"]') : null;
    if (!link) return;
    var target = doc.getElementById(link.getAttribute('href').slice(1));
    if (!target) return;
    // A group (fieldset, the human check) takes its first control; a lone control takes focus itself.
    var control = target.matches('input, select, textarea, button') ? target
      : target.querySelector('input:not([type="hidden"]), select, textarea, button');
    event.preventDefault();
    var label = control && control.id ? doc.querySelector('label[for="' + control.id + '"]') : null;
    (label || target).scrollIntoView();
    if (control) control.focus({ preventScroll: true });
    else { target.setAttribute('tabindex', '-1'); target.focus({ preventScroll: true }); }
  }

  function init() {
    var summary = doc.querySelector('[data-error-summary]');
    if (!summary) return;
    summary.addEventListener('click', focusTarget);
    summary.focus();
  }

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', init);
  else init();
})(window);
