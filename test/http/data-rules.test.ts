// The `data` rules (CONTRACT.md): an object only, shallow merge with null
// deleting, values stored as given, limits checked after the merge, keys such
// as __proto__ plain data, and updatedAt moving only on a real change.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appPerSuite, json, storeKinds, type TestApp } from '../support/app.js';
import { assertError, createContact, getContact, listPage, patchContact, type Auth } from '../support/contacts.js';

const keys = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));

for (const kind of storeKinds()) {
  describe(`data rules (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    appPerSuite(kind, (app, key) => ((t = app), (auth = key)));

    let n = 0;
    const email = () => `data${n++}@example.com`;
    const raw = (method: 'POST' | 'PATCH', url: string, body: string) =>
      t.app.inject({ method, url, headers: { ...auth, 'content-type': 'application/json' }, payload: body });

    test('400 VALIDATION_ERROR naming data when data is not an object (POST and PATCH), nothing written', async () => {
      const contact = await createContact(t, auth, { email: email(), data: { keep: 1 } });
      for (const data of [[], [1], 'text', 42, true]) {
        const created = await t.app.inject({ method: 'POST', url: '/contacts', headers: auth, payload: { email: email(), data } });
        assertError(created, 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: /./ }] });
        assertError(await patchContact(t, auth, contact.id, { data }), 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: /./ }] });
      }
      assert.deepEqual(json(await getContact(t, auth, contact.id)), contact);
      assert.equal((await listPage(t, auth, { search: contact.email })).total, 1);
    });

    test('shallow merge: null deletes a key, other keys overwrite (nested objects replaced whole), unmentioned keys stay', async () => {
      const contact = await createContact(t, auth, { email: email(), data: { a: 1, b: 'two', prefs: { x: 1, y: 2 }, gone: true } });
      const patched = json(await patchContact(t, auth, contact.id, { data: { b: 'deux', prefs: { x: 9 }, gone: null, absent: null, c: [3] } }));
      assert.deepEqual(patched.data, { a: 1, b: 'deux', prefs: { x: 9 }, c: [3] });
      const upserted = await createContact(t, auth, { email: contact.email, data: { a: null, d: false } }, 200);
      assert.deepEqual(upserted.data, { b: 'deux', prefs: { x: 9 }, c: [3], d: false });
      assert.deepEqual(json(await getContact(t, auth, contact.id)).data, upserted.data);
    });

    test('values may be any JSON value; nested objects, arrays and nested nulls are stored exactly as given', async () => {
      const data = {
        string: 'héllo "quoted" \\ \u2028 😀 \u0000 end',
        empty: '',
        zero: 0,
        negative: -12.5,
        big: 1e21,
        small: 5e-7,
        bool: false,
        list: [1, 'a', null, [true, { deep: [null] }], {}],
        nested: { inner: { keep: null, list: [] }, n: 1 },
      };
      const contact = await createContact(t, auth, { email: email(), data });
      assert.deepEqual(contact.data, data);
      assert.deepEqual(json(await getContact(t, auth, contact.id)).data, data);
    });

    test('at most 100 keys after the merge: 100 accepted, 101 → 400 naming the limit, nothing written', async () => {
      const contact = await createContact(t, auth, { email: email(), data: keys(60) });
      const full = json(await patchContact(t, auth, contact.id, { data: keys(40, 'm') }));
      assert.equal(Object.keys(full.data).length, 100);
      const over = await patchContact(t, auth, contact.id, { data: { extra: 1 } });
      assertError(over, 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: /at most 100 keys/ }] });
      const viaPost = await t.app.inject({ method: 'POST', url: '/contacts', headers: auth, payload: { email: contact.email, data: { extra: 1 } } });
      assertError(viaPost, 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: /at most 100 keys/ }] });
      assertError(await t.app.inject({ method: 'POST', url: '/contacts', headers: auth, payload: { email: email(), data: keys(101) } }), 400, {
        code: 'VALIDATION_ERROR',
        errors: [{ field: 'data', message: /at most 100 keys/ }],
      });
      assert.deepEqual(json(await getContact(t, auth, contact.id)), full);
      const swapped = json(await patchContact(t, auth, contact.id, { data: { k0: null, extra: 1 } }));
      assert.equal(Object.keys(swapped.data).length, 100, 'a delete in the same patch makes room');
    });

    test('key length 1–100 characters: "" and 101 characters → 400, 100 characters (emoji counted once) accepted', async () => {
      const contact = await createContact(t, auth, { email: email(), data: { ['k'.repeat(100)]: 1, ['😀'.repeat(100)]: 2 } });
      assert.deepEqual(Object.keys(contact.data).sort(), ['k'.repeat(100), '😀'.repeat(100)].sort());
      for (const key of ['', 'k'.repeat(101), '😀'.repeat(101)]) {
        const response = await patchContact(t, auth, contact.id, { data: { [key]: 1 } });
        assertError(response, 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: /1-100 characters/ }] });
      }
      assert.deepEqual(json(await getContact(t, auth, contact.id)), contact);
    });

    test('data at most 32 KiB of compact UTF-8 JSON: exactly 32768 bytes accepted, 32769 → 400 naming the limit', async () => {
      // {"k":"…"} is 8 bytes around the value; é is 2 bytes in UTF-8.
      const exact = { k: 'é'.repeat(16380) };
      assert.equal(Buffer.byteLength(JSON.stringify(exact)), 32768);
      const contact = await createContact(t, auth, { email: email(), data: exact });
      assert.deepEqual(contact.data, exact);
      const over = await t.app.inject({ method: 'POST', url: '/contacts', headers: auth, payload: { email: email(), data: { k: exact.k + 'a' } } });
      assertError(over, 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: /32768 bytes/ }] });
      // The limit is on the compact form: whitespace in the request does not count.
      const pretty = JSON.stringify({ email: email(), data: exact }, null, 20).replace('"k":', '"k":' + ' '.repeat(500));
      assert.equal((await raw('POST', '/contacts', pretty)).statusCode, 201);
    });

    test('the size limit applies after the merge: two halves that fit alone → 400, stored data unchanged', async () => {
      const contact = await createContact(t, auth, { email: email(), data: { a: 'x'.repeat(20000) } });
      const response = await patchContact(t, auth, contact.id, { data: { b: 'y'.repeat(20000) } });
      assertError(response, 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: /32768 bytes/ }] });
      assert.deepEqual(json(await getContact(t, auth, contact.id)), contact);
      const replaced = json(await patchContact(t, auth, contact.id, { data: { a: null, b: 'y'.repeat(20000) } }));
      assert.deepEqual(Object.keys(replaced.data), ['b']);
    });

    test('nesting: 100 levels (data itself the first) accepted and re-sendable; 101 or far deeper → 400 naming the limit', async () => {
      const nested = (levels: number) => `${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}`;
      const body = (levels: number, address: string) => `{"email":"${address}","data":{"a":${nested(levels)}}}`;
      const address = email();
      const created = await raw('POST', '/contacts', body(100, address));
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(JSON.stringify(json(created).data), `{"a":${nested(100)}}`);
      const again = await raw('POST', '/contacts', body(100, address));
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(json(again), json(created), 'the same deep value again is no change');
      assert.equal((await patchContact(t, auth, json(created).id, { data: { b: 1 } })).statusCode, 200);
      // Past 128 levels the body is refused before it is parsed, on `body`.
      for (const levels of [101, 5000, 100_000]) {
        const field = levels > 127 ? 'body' : 'data';
        for (const response of [await raw('POST', '/contacts', body(levels, email())), await raw('POST', '/contacts', body(levels, address))]) {
          assertError(response, 400, { code: 'VALIDATION_ERROR', errors: [{ field, message: /at most 100 levels/ }] });
        }
        const patched = await raw('PATCH', `/contacts/${json(created).id}`, `{"data":{"a":${nested(levels)}}}`);
        assertError(patched, 400, { code: 'VALIDATION_ERROR', errors: [{ field, message: /at most 100 levels/ }] });
      }
    });

    test('__proto__, constructor and prototype are ordinary keys: stored and returned as given, also nested', async () => {
      const body = `{"email":"${email()}","data":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"prototype":"p","nested":{"__proto__":[1],"constructor":null}}}`;
      const response = await raw('POST', '/contacts', body);
      assert.equal(response.statusCode, 201, response.body);
      const expected = JSON.parse(body).data;
      assert.ok(Object.hasOwn(expected, '__proto__'));
      const contact = json(response);
      assert.deepEqual(contact.data, expected);
      assert.ok(Object.hasOwn(contact.data, '__proto__') && Object.hasOwn(contact.data.nested, '__proto__'));
      assert.deepEqual(json(await getContact(t, auth, contact.id)).data, expected);
      const listed = (await listPage(t, auth, { search: contact.email })).contacts[0]!;
      assert.deepEqual(listed.data, expected);
      const merged = json(await raw('PATCH', `/contacts/${contact.id}`, '{"data":{"__proto__":null,"constructor":"c","toString":"s"}}'));
      assert.deepEqual(Object.keys(merged.data).sort(), ['constructor', 'nested', 'prototype', 'toString']);
      assert.equal(merged.data.constructor, 'c');
      const probe = {} as Record<string, unknown>;
      assert.equal(probe.isAdmin, undefined, 'Object.prototype is never polluted');
      assert.equal(probe.polluted, undefined);
      assert.equal(typeof probe.toString, 'function');
      assert.deepEqual((await createContact(t, auth, { email: email() })).data, {});
    });

    test('updatedAt stays on a write that changes nothing (200, same updatedAt, nothing stored)', async () => {
      const contact = await createContact(t, auth, { email: email(), subscribed: false, data: { a: 1, nested: { b: [1, 2], c: 'x' } } });
      const noOps = [
        {},
        { data: {} },
        { subscribed: false },
        { data: { a: 1 } },
        { data: { nested: { b: [1, 2], c: 'x' } } },
        { data: { nested: { c: 'x', b: [1, 2] } } }, // JSON objects are unordered: the same value
        { data: { absent: null } },
        { email: contact.email.toUpperCase() },
      ];
      for (const change of noOps) {
        const response = await patchContact(t, auth, contact.id, change);
        assert.equal(response.statusCode, 200, JSON.stringify(change));
        assert.deepEqual(json(response), contact, JSON.stringify(change));
      }
      for (const body of [{ email: contact.email }, { email: contact.email, subscribed: false, data: { a: 1 } }]) {
        assert.deepEqual(await createContact(t, auth, body, 200), contact);
      }
      assert.deepEqual(json(await getContact(t, auth, contact.id)), contact);
      const empty = await createContact(t, auth, { email: email() });
      assert.deepEqual(json(await patchContact(t, auth, empty.id, { data: null })), empty, 'clearing empty data is no change');
    });

    test('updatedAt moves strictly forward on every real change (and createdAt never moves)', async () => {
      let current = await createContact(t, auth, { email: email() });
      const changes = [{ subscribed: false }, { data: { a: 1 } }, { data: { a: 2 } }, { data: { a: null } }, { email: email() }, { subscribed: true }];
      for (const change of changes) {
        const next = json(await patchContact(t, auth, current.id, change));
        assert.ok(next.updatedAt > current.updatedAt, `${JSON.stringify(change)}: ${next.updatedAt} > ${current.updatedAt}`);
        assert.equal(next.createdAt, current.createdAt);
        current = next;
      }
      const upserted = await createContact(t, auth, { email: current.email, data: { z: 1 } }, 200);
      assert.ok(upserted.updatedAt > current.updatedAt);
      assert.deepEqual(json(await getContact(t, auth, current.id)), upserted);
    });

    test('concurrent PATCHes of one contact lose nothing: every merge applies to what the previous left', async () => {
      const contact = await createContact(t, auth, { email: email() });
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => patchContact(t, auth, contact.id, { data: { [`p${i}`]: i } })));
      assert.deepEqual(responses.map((r) => r.statusCode), Array(20).fill(200));
      assert.deepEqual(json(await getContact(t, auth, contact.id)).data, keys(20, 'p'));
    });
  });
}
