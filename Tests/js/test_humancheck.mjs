// Checks Public/js/humancheck.js: the solver finds the number the server
// hid, the answer is encoded in the shape the server decodes, and the page
// wiring holds the submit buttons until the answer is ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const shaSource = readFileSync(new URL('../../Public/js/sha256.js', import.meta.url), 'utf8');
const hcSource = readFileSync(new URL('../../Public/js/humancheck.js', import.meta.url), 'utf8');

const sha256hex = (s) => createHash('sha256').update(s, 'utf8').digest('hex');

// A challenge made the way the server makes one (ALTCHA: the signature is
// an HMAC of the challenge).
function makeChallenge(number, maxnumber = 1000) {
  const salt = randomBytes(12).toString('hex');
  const challenge = sha256hex(salt + String(number));
  const signature = createHmac('sha256', 'test-key').update(challenge).digest('hex');
  return { algorithm: 'SHA-256', challenge, salt, maxnumber, signature };
}

function load(extraWindow = {}) {
  const window = { setTimeout, btoa, ...extraWindow };
  const context = vm.createContext({ window });
  vm.runInContext(shaSource, context, { filename: 'sha256.js' });
  vm.runInContext(hcSource, context, { filename: 'humancheck.js' });
  return window;
}

const solveAsync = (hc, c) =>
  new Promise((resolve) => hc.solve(c.challenge, c.salt, c.maxnumber, resolve));

const decode = (b64) => Buffer.from(b64, 'base64').toString('utf8');

test('test_solver_finds_the_hidden_number', async () => {
  const hc = load().PortalHumanCheck;
  for (let i = 0; i < 5; i++) {
    const number = randomInt(0, 1001);
    const c = makeChallenge(number);
    assert.equal(await solveAsync(hc, c), number);
  }
});

test('test_solver_accepts_uppercase_challenge_and_string_maxnumber', async () => {
  const hc = load().PortalHumanCheck;
  const c = makeChallenge(42);
  assert.equal(await solveAsync(hc, { ...c, challenge: c.challenge.toUpperCase(), maxnumber: '1000' }), 42);
});

test('test_solver_finds_number_equal_to_maxnumber', async () => {
  const hc = load().PortalHumanCheck;
  assert.equal(await solveAsync(hc, makeChallenge(1000, 1000)), 1000);
});

test('test_solver_reports_null_when_number_is_out_of_range', async () => {
  const hc = load().PortalHumanCheck;
  assert.equal(await solveAsync(hc, makeChallenge(1500, 1000)), null);
});

test('test_solver_reports_null_for_invalid_maxnumber', async () => {
  const hc = load().PortalHumanCheck;
  assert.equal(await solveAsync(hc, { ...makeChallenge(1), maxnumber: 'abc' }), null);
});

test('test_solver_works_in_chunks_so_the_page_stays_responsive', async () => {
  let ticks = 0;
  const countingTimeout = (fn, ms) => { ticks++; return setTimeout(fn, ms); };
  const hc = load({ setTimeout: countingTimeout }).PortalHumanCheck;
  const c = makeChallenge(9999, 10000);
  assert.equal(await solveAsync(hc, c), 9999);
  assert.ok(ticks >= 5, `expected several ticks, got ${ticks}`);
});

// The solver's steps run from a queue the test drains by hand: the order is the test's, not the clock's.
function manualTimers() {
  const queue = [];
  return { queue, setTimeout: (fn) => { queue.push(fn); return queue.length; } };
}

test('test_solver_can_be_cancelled', () => {
  const c = makeChallenge(50000, 100000);
  // Left alone, the same solver with the same queue finds the number.
  const control = manualTimers();
  let found = null;
  load({ setTimeout: control.setTimeout }).PortalHumanCheck.solve(c.challenge, c.salt, c.maxnumber, (n) => { found = n; });
  while (control.queue.length) control.queue.shift()();
  assert.equal(found, 50000);

  // Cancelled after its first step: no answer, and nothing more is scheduled.
  const timers = manualTimers();
  let called = false;
  const handle = load({ setTimeout: timers.setTimeout }).PortalHumanCheck.solve(c.challenge, c.salt, c.maxnumber, () => { called = true; });
  timers.queue.shift()();
  assert.equal(timers.queue.length, 1, 'the first step scheduled the next');
  handle.cancel();
  while (timers.queue.length) timers.queue.shift()();
  assert.equal(called, false);
  assert.equal(timers.queue.length, 0);
});

test('test_payload_decodes_to_json_in_server_key_order', async () => {
  const hc = load().PortalHumanCheck;
  const number = randomInt(0, 1001);
  const c = makeChallenge(number);
  const n = await solveAsync(hc, c);
  const payload = hc.encode(c.algorithm, c.challenge, n, c.salt, c.signature);
  const json = decode(payload);
  assert.equal(
    json,
    `{"algorithm":"SHA-256","challenge":"${c.challenge}","number":${number},"salt":"${c.salt}","signature":"${c.signature}"}`
  );
  const parsed = JSON.parse(json);
  assert.deepEqual(Object.keys(parsed), ['algorithm', 'challenge', 'number', 'salt', 'signature']);
  assert.equal(typeof parsed.number, 'number');
  assert.equal(sha256hex(parsed.salt + String(parsed.number)), parsed.challenge);
});

// ---- page wiring, with just enough of a DOM to run the script ----------

class FakeElement {
  constructor(tag, attrs = {}) {
    this.tagName = tag.toUpperCase();
    this.attrs = new Map(Object.entries(attrs));
    this.children = [];
    this.listeners = {};
    this.disabled = 'disabled' in attrs;
    this.value = attrs.value || '';
    this.name = attrs.name || '';
    this.textContent = '';
  }
  getAttribute(k) { return this.attrs.has(k) ? this.attrs.get(k) : null; }
  setAttribute(k, v) { this.attrs.set(k, String(v)); }
  hasAttribute(k) { return this.attrs.has(k); }
  removeAttribute(k) { this.attrs.delete(k); }
  appendChild(el) { this.children.push(el); el.parent = this; return el; }
  addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }
  dispatch(type, extra = {}) {
    let prevented = false;
    const ev = { type, target: this, preventDefault() { prevented = true; }, ...extra };
    for (let el = this; el; el = el.parent) for (const fn of el.listeners[type] || []) fn(ev);
    return !prevented;
  }
  all() { return this.children.flatMap((c) => [c, ...c.all()]); }
  // Only the selectors the script uses.
  querySelectorAll(sel) {
    const matchers = {
      '.humancheck': (e) => (e.getAttribute('class') || '').split(' ').includes('humancheck'),
      '.pow-status': (e) => (e.getAttribute('class') || '').split(' ').includes('pow-status'),
      'input[name="humanCheck"]': (e) => e.tagName === 'INPUT' && e.getAttribute('name') === 'humanCheck',
      'button, input[type="submit"], input[type="image"]': (e) =>
        e.tagName === 'BUTTON' || (e.tagName === 'INPUT' && ['submit', 'image'].includes(e.getAttribute('type'))),
    };
    const m = matchers[sel];
    if (!m) throw new Error('unsupported selector ' + sel);
    return this.all().filter(m);
  }
  querySelector(sel) { return this.querySelectorAll(sel)[0] || null; }
}

const TEXTS = {
  'data-text-working': 'Đang kiểm tra…',
  'data-text-done': 'Đã xong',
  'data-text-failed': 'Không kiểm tra được',
};

function buildPage(challengeAttrs, { serverDisabled = false, withRequestSubmit = false } = {}) {
  const body = new FakeElement('body');
  const form = body.appendChild(new FakeElement('form'));
  form.submitted = [];
  form.submit = () => form.submitted.push('submit');
  if (withRequestSubmit) form.requestSubmit = (s) => form.submitted.push(['requestSubmit', s]);
  const field = form.appendChild(new FakeElement('input', { type: 'text', name: 'username' }));
  const box = form.appendChild(new FakeElement('div', {
    class: 'humancheck', 'data-challenge-url': '/api/v1/human-check', ...TEXTS, ...challengeAttrs,
  }));
  const input = box.appendChild(new FakeElement('input', { type: 'hidden', name: 'humanCheck', value: '' }));
  input.form = form;
  const status = box.appendChild(new FakeElement('p', { class: 'pow-status' }));
  status.textContent = 'server text';
  const button = form.appendChild(new FakeElement('button', { type: 'submit' }));
  const other = form.appendChild(new FakeElement('button', serverDisabled ? { type: 'submit', disabled: '' } : { type: 'button' }));
  const document = {
    readyState: 'complete',
    querySelectorAll: (s) => body.querySelectorAll(s),
    createElement: (t) => new FakeElement(t),
    addEventListener() {},
  };
  return { body, form, field, box, input, status, button, other, document };
}

function inlineAttrs(c) {
  return {
    'data-algorithm': c.algorithm, 'data-challenge': c.challenge, 'data-salt': c.salt,
    'data-maxnumber': String(c.maxnumber), 'data-signature': c.signature,
  };
}

async function until(check, ms = 3000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('test_page_holds_submit_buttons_until_solved_then_fills_the_field', async () => {
  const c = makeChallenge(randomInt(0, 1001));
  const page = buildPage(inlineAttrs(c));
  load({ document: page.document });

  assert.equal(page.button.disabled, true);
  assert.equal(page.other.disabled, false, 'a type=button is not a submit button');
  assert.equal(page.status.textContent, TEXTS['data-text-working']);

  await until(() => page.box.getAttribute('data-state') !== 'working');
  assert.equal(page.box.getAttribute('data-state'), 'done');
  assert.equal(page.status.textContent, TEXTS['data-text-done']);
  assert.equal(page.button.disabled, false);
  assert.equal(page.button.hasAttribute('data-held-by'), false);
  const parsed = JSON.parse(decode(page.input.value));
  assert.equal(sha256hex(parsed.salt + parsed.number), c.challenge);
  assert.equal(parsed.signature, c.signature);
});

test('test_early_submit_is_held_and_sent_when_solved', async () => {
  const c = makeChallenge(1000, 1000);
  const page = buildPage(inlineAttrs(c));
  load({ document: page.document });

  const allowed = page.form.dispatch('submit');
  assert.equal(allowed, false, 'submit is stopped while working');
  assert.deepEqual(page.form.submitted, []);

  await until(() => page.form.submitted.length > 0);
  assert.deepEqual(page.form.submitted, ['submit']);
  assert.notEqual(page.input.value, '');
});

test('test_enter_in_a_field_while_working_submits_once_solved', async () => {
  const c = makeChallenge(500, 1000);
  const page = buildPage(inlineAttrs(c), { withRequestSubmit: true });
  load({ document: page.document });

  const allowed = page.field.dispatch('keydown', { key: 'Enter', keyCode: 13 });
  assert.equal(allowed, false);

  await until(() => page.form.submitted.length > 0);
  assert.equal(page.form.submitted[0][0], 'requestSubmit');
  assert.equal(page.form.dispatch('submit'), true, 'later submits pass through');
});

test('test_button_disabled_by_server_stays_disabled', async () => {
  const c = makeChallenge(3);
  const page = buildPage(inlineAttrs(c), { serverDisabled: true });
  load({ document: page.document });
  await until(() => page.box.getAttribute('data-state') === 'done');
  assert.equal(page.button.disabled, false);
  assert.equal(page.other.disabled, true);
});

test('test_unknown_algorithm_shows_failed_and_releases_buttons', async () => {
  const c = makeChallenge(3);
  const page = buildPage({ ...inlineAttrs(c), 'data-algorithm': 'SHA-512' });
  load({ document: page.document });
  await until(() => page.box.getAttribute('data-state') !== 'working');
  assert.equal(page.box.getAttribute('data-state'), 'failed');
  assert.equal(page.status.textContent, TEXTS['data-text-failed']);
  assert.equal(page.input.value, '');
  assert.equal(page.button.disabled, false);
});

test('test_challenge_is_fetched_when_not_inline', async () => {
  const c = makeChallenge(randomInt(0, 1001));
  const requested = [];
  class FakeXHR {
    open(method, url) { requested.push([method, url]); }
    setRequestHeader() {}
    send() {
      setTimeout(() => {
        this.readyState = 4;
        this.status = 200;
        this.responseText = JSON.stringify(c);
        this.onreadystatechange();
      }, 1);
    }
  }
  const page = buildPage({});
  load({ document: page.document, XMLHttpRequest: FakeXHR });
  await until(() => page.box.getAttribute('data-state') !== 'working');
  assert.deepEqual(requested, [['GET', '/api/v1/human-check']]);
  assert.equal(page.box.getAttribute('data-state'), 'done');
  assert.equal(JSON.parse(decode(page.input.value)).challenge, c.challenge);
});

test('test_cross_origin_challenge_url_is_not_fetched', async () => {
  let opened = false;
  class FakeXHR { open() { opened = true; } setRequestHeader() {} send() {} }
  const page = buildPage({ 'data-challenge-url': '//evil.example/x' });
  load({ document: page.document, XMLHttpRequest: FakeXHR });
  await until(() => page.box.getAttribute('data-state') !== 'working');
  assert.equal(opened, false);
  assert.equal(page.box.getAttribute('data-state'), 'failed');
});
