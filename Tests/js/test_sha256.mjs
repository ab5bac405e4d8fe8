// Checks Public/js/sha256.js against Node's own SHA-256: the human check only
// works if the browser and the server agree on every byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const source = readFileSync(new URL('../../Public/js/sha256.js', import.meta.url), 'utf8');

function loadSha256() {
  const window = {};
  vm.runInNewContext(source, { window }, { filename: 'sha256.js' });
  return window.PortalSHA256;
}

const sha = loadSha256();
const reference = (s) => createHash('sha256').update(s, 'utf8').digest('hex');

test('test_exposes_hex_on_window', () => {
  assert.equal(typeof sha.hex, 'function');
});

test('test_empty_string', () => {
  assert.equal(sha.hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('test_abc', () => {
  assert.equal(sha.hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('test_nist_448_bit_vector', () => {
  assert.equal(
    sha.hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'
  );
});

test('test_nist_896_bit_vector', () => {
  assert.equal(
    sha.hex('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'),
    'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1'
  );
});

test('test_vietnamese_text_is_hashed_as_utf8', () => {
  for (const s of ['Cổng Dịch vụ công', 'Cổng Dịch vụ công'.normalize('NFD'), 'Tiếng Việt có dấu: ăâđêôơư ẮẰẲẴẶ']) {
    assert.equal(sha.hex(s), reference(s), s);
  }
});

test('test_astral_and_lone_surrogates_match_node', () => {
  for (const s of ['😀', 'a😀b', '\uD83D', 'x\uDE00y', '\uDE00\uD83D']) {
    assert.equal(sha.hex(s), reference(s), JSON.stringify(s));
  }
});

test('test_every_length_from_0_to_200', () => {
  // Covers each padding boundary (55/56/63/64 bytes and multiples).
  for (let n = 0; n <= 200; n++) {
    const s = 'x'.repeat(n);
    assert.equal(sha.hex(s), reference(s), `length ${n}`);
  }
});

test('test_long_input', () => {
  const s = 'Cổng '.repeat(20000);
  assert.equal(sha.hex(s), reference(s));
});

test('test_1000_random_strings', () => {
  const alphabets = [
    'abcdefghijklmnopqrstuvwxyz0123456789',
    'ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ ',
    '€→✓中文😀👍🏽',
  ];
  for (let i = 0; i < 1000; i++) {
    const len = randomInt(0, 300);
    let s = '';
    for (let j = 0; j < len; j++) {
      const alphabet = Array.from(alphabets[randomInt(0, alphabets.length)]);
      s += alphabet[randomInt(0, alphabet.length)];
    }
    assert.equal(sha.hex(s), reference(s), JSON.stringify(s));
  }
});

test('test_solver_shaped_inputs', () => {
  // The human check hashes salt + decimal number; check that exact shape.
  const salt = 'a1b2c3d4e5f60718293a4b5c';
  for (let n = 0; n < 2000; n += 7) {
    assert.equal(sha.hex(salt + String(n)), reference(salt + String(n)));
  }
});
