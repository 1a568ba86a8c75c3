// Errors that say what to do (issue 12): a query value out of its choices
// names them, a custom field sent beside `data` is told to go in it, a field
// the server sets says so, and a body that is not JSON says where.
import { describe, test } from 'node:test';
import { appPerSuite, storeKinds, type TestApp } from '../support/app.js';
import { assertError, type Auth } from '../support/contacts.js';

for (const kind of storeKinds()) {
  describe(`errors that help (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    appPerSuite(kind, (app, key) => ((t = app), (auth = key)));

    const postText = (payload: string) =>
      t.app.inject({ method: 'POST', url: '/contacts', headers: { ...auth, 'content-type': 'application/json' }, payload });

    test('?subscribed=yes names the values it may take', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/contacts?subscribed=yes', headers: auth });
      assertError(response, 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'subscribed', message: 'Must be true or false' }] });
    });

    test('a custom field beside data is told to go under data; a field the server sets is read-only', async () => {
      const response = await postText('{"email":"c@example.com","name":"C","createdAt":"2020-01-01T00:00:00.000Z"}');
      assertError(response, 400, {
        code: 'VALIDATION_ERROR',
        errors: [
          { field: 'name', message: 'Unknown field: custom fields go under "data"' },
          { field: 'createdAt', message: 'Read-only: the server sets it' },
        ],
      });
      // Bodies without data (bulk) keep the plain message.
      const bulk = await t.app.inject({ method: 'POST', url: '/contacts/bulk-delete', headers: auth, payload: { contactIds: ['x'], name: 'x' } });
      assertError(bulk, 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'name', message: 'Unknown field' }] });
    });

    test('a body that is not JSON says where, and never quotes the body back', async () => {
      assertError(await postText('{\n  "email": "a@example.com"\n  "data": {}\n}'), 400, {
        code: 'INVALID_JSON',
        message: "The body is not valid JSON: expected ',' or '}' after property value at line 3, column 3",
      });
      assertError(await postText('{"email":"a@example.com",'), 400, { code: 'INVALID_JSON', message: /^The body is not valid JSON: expected double-quoted property name at line 1, column 26$|^The body is not valid JSON: it ends before the JSON does$/ });
      assertError(await postText('{"email":}'), 400, { code: 'INVALID_JSON', message: 'The body is not valid JSON: unexpected "}"' });
      const secret = await postText('{"email":"secret-value@example.com" oops}');
      assertError(secret, 400, { code: 'INVALID_JSON', message: /^The body is not valid JSON: [^"]*( at line 1, column \d+)?$|unexpected "o"$/ });
    });
  });
}
