// Public/js/password-rules.js against the server's rules (Sources/Domain/PasswordPolicy.swift): each case below
// is what the server answers; the page's checklist must mark the same rule, or leave it to the server only for the
// common-password list, which it lists as "checked when you submit".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const source = readFileSync(new URL('../../Public/js/password-rules.js', import.meta.url), 'utf8');
const window = {};
vm.runInNewContext(source, { window }, { filename: 'password-rules.js' });
const check = (value, forbidden = []) => window.PortalPasswordRules.check(value, forbidden);

// [password, the rule the server refuses it by (null: accepted, or refused only as common)]
const cases = [
  ['Sông Hồng 2024', null],
  ['ngắn', 'length'],
  ['aaaaaaaaaa', 'repeat'],
  ['xx123456yy', 'sequence'],
  ['hgfedcba!', 'sequence'],
  ['qwerty!!99', 'sequence'],      // keyboard row: the server's `keyboard`
  ['zz-asdfgh-zz', 'sequence'],
  ['mnbvcx#12', 'sequence'],       // a row backwards
  ['x0987654', 'sequence'],
  ['12345678', 'sequence'],        // the server says `common` first; the page marks the sequence, and lists the rest
];

test('test_every_rule_the_server_applies_but_the_list_is_checked_here', () => {
  for (const [password, rule] of cases) {
    const result = check(password);
    for (const [name, met] of Object.entries(result)) {
      assert.equal(met, name !== rule, `${password}: rule ${name} should be ${name !== rule ? 'met' : 'not met'}`);
    }
  }
});

test('test_personal_values_are_found_in_any_case', () => {
  assert.equal(check('Abc033060000011x', ['033060000011']).personal, false);
  assert.equal(check('Abc0330600x', ['033060000011']).personal, true);
});

test('test_the_common_list_is_not_pretended', () => {
  // The page has no copy of the list: it must not claim the rule as met.
  assert.equal(Object.prototype.hasOwnProperty.call(check('password1'), 'common'), false);
});
