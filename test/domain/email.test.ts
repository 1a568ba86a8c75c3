// What counts as an email address (CONTRACT.md, "The contact object"), one
// rule a test, and its stored form.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { couldBeInEmail, isValidEmail, normalizeEmail, parseEmail } from '../../src/domain/email.js';
import { AppError } from '../../src/domain/errors.js';

const local = (n: number) => 'l'.repeat(n);
const domainOf = (n: number) => `${'d'.repeat(n - 4)}.com`;

describe('email rules', () => {
  test('stored form: trimmed and lower-cased', () => {
    assert.equal(normalizeEmail('  Ada.Lovelace@Example.COM \t\n'), 'ada.lovelace@example.com');
    assert.equal(parseEmail(' X@Y.IO '), 'x@y.io');
  });

  test('at most 254 characters: 254 valid, 255 invalid', () => {
    assert.equal(isValidEmail(`${local(64)}@${domainOf(189)}`), true);
    assert.equal(`${local(64)}@${domainOf(189)}`.length, 254);
    assert.equal(isValidEmail(`${local(64)}@${domainOf(190)}`), false);
    assert.equal(isValidEmail(`${local(10)}@${domainOf(300)}`), false);
  });

  test('lengths count characters, not UTF-16 units: 254 with emoji is valid', () => {
    const emoji = '😀'.repeat(64);
    assert.equal(isValidEmail(`${emoji}@${domainOf(189)}`), true);
    assert.equal(isValidEmail(`${emoji}😀@example.com`), false);
  });

  test('local part non-empty and at most 64 characters', () => {
    assert.equal(isValidEmail(`${local(64)}@example.com`), true);
    assert.equal(isValidEmail(`${local(65)}@example.com`), false);
    assert.equal(isValidEmail('@example.com'), false);
  });

  test('exactly one @', () => {
    assert.equal(isValidEmail('ada.example.com'), false);
    assert.equal(isValidEmail('ada@@example.com'), false);
    assert.equal(isValidEmail('ada@lovelace@example.com'), false);
    assert.equal(isValidEmail('"ada@x"@example.com'), false, 'quoted @ counts too');
  });

  test('a domain of two or more labels, none empty', () => {
    assert.equal(isValidEmail('ada@x.io'), true);
    assert.equal(isValidEmail('ada@a.b.c.d'), true);
    for (const email of ['ada@localhost', 'ada@', 'ada@.', 'ada@.com', 'ada@example.', 'ada@example..com', 'ada@..']) {
      assert.equal(isValidEmail(email), false, email);
    }
  });

  test('no whitespace or control characters anywhere (nor invisible format characters)', () => {
    const forbidden = [' ', '\t', '\n', '\r', '\u000b', '\u00a0', '\u2003', '\u2028', '\u3000', '\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\u200b', '\ufeff'];
    for (const ch of forbidden) {
      assert.equal(isValidEmail(`ad${ch}a@example.com`), false, JSON.stringify(ch));
      assert.equal(isValidEmail(`ada@exa${ch}mple.com`), false, JSON.stringify(ch));
      assert.equal(couldBeInEmail(`a${ch}`), false, JSON.stringify(ch));
    }
  });

  test('a lone surrogate is never a valid address', () => {
    assert.equal(isValidEmail('ad\ud800a@example.com'), false);
    assert.equal(couldBeInEmail('\udc00'), false);
  });

  test('other characters are allowed: + % _ " * and non-ASCII letters', () => {
    for (const email of ['a+tag@example.com', 'a%b@example.com', 'a_b@example.com', 'a"b@example.com', 'zz*top@band.io', 'josé@exämple.com']) {
      assert.equal(isValidEmail(email), true, email);
    }
  });

  test('parseEmail throws a 400 naming the field, with the contract’s message', () => {
    assert.throws(
      () => parseEmail('nope', 'email'),
      (error) =>
        error instanceof AppError &&
        error.code === 'VALIDATION_ERROR' &&
        error.statusCode === 400 &&
        error.message === 'email: Invalid email address' &&
        JSON.stringify(error.errors) === JSON.stringify([{ field: 'email', message: 'Invalid email address' }]),
    );
  });

  test('property: a valid address stays valid and unchanged once normalised (idempotent)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.constantFrom('', ' ', '\t'), (email, pad) => {
        const stored = parseEmail(`${pad}${email.toUpperCase()}${pad}`);
        assert.equal(stored, email.toLowerCase());
        assert.equal(parseEmail(stored), stored);
      }),
      { numRuns: 200 },
    );
  });
});
