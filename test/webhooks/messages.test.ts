// What a webhook message carries and when it is retried: one event, or a
// batch of the contact events at the head of the queue when more wait than
// a second's worth; ids stable per endpoint and events; the backoff's bounds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { EventRecord, EventType } from '../../src/domain/store.js';
import { messageId, messageOf, messageSize, withinBatchBytes } from '../../src/webhooks/messages.js';
import { retryDelay } from '../../src/webhooks/schedule.js';
import { newSigningSecret, signature } from '../../src/webhooks/signing.js';

const event = (seq: number, type: EventType = 'contact.created', dataJson = `{"id":"c${seq}"}`): EventRecord => ({ seq, type, at: 1_767_225_600_000 + seq, dataJson });
const contacts = (n: number, from = 1) => Array.from({ length: n }, (_, i) => event(from + i));

describe('webhook messages', () => {
  test('one event per message until more contact events wait than the rate sends in a second; then up to the batch size', () => {
    const settings = { batchSize: 100, ratePerSecond: 10 };
    assert.equal(messageSize(contacts(10), settings), 1);
    assert.equal(messageSize(contacts(11), settings), 11);
    assert.equal(messageSize(contacts(150), settings), 100);
    assert.equal(messageSize(contacts(30), { batchSize: 5, ratePerSecond: 10 }), 5);
    assert.equal(messageSize(contacts(30), { batchSize: 1, ratePerSecond: 10 }), 1);
    // A job event at the head goes alone; one further on ends the batch.
    assert.equal(messageSize([event(1, 'import.completed'), ...contacts(30, 2)], settings), 1);
    assert.equal(messageSize([...contacts(12), event(13, 'bulk.completed'), ...contacts(30, 14)], settings), 12);
    assert.equal(messageSize([...contacts(5), event(6, 'bulk.completed'), ...contacts(30, 7)], settings), 1);
  });

  test('bodies: {type, timestamp, data} with the data as stored; a batch holds its events in order; ids name endpoint and seqs', () => {
    const webhookId = '01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11';
    const single = messageOf(webhookId, [event(7, 'contact.deleted', '{"id":"x","email":"a@b.c"}')]);
    assert.equal(single.id, 'msg_01936c2e7c1a7d8e9a512b7f0c9e4d11_7');
    assert.equal(single.body, '{"type":"contact.deleted","timestamp":"2026-01-01T00:00:00.007Z","data":{"id":"x","email":"a@b.c"}}');
    const batch = messageOf(webhookId, contacts(3, 4));
    assert.equal(batch.id, messageId(webhookId, 4, 6));
    assert.equal(batch.type, 'contact.batch');
    const parsed = JSON.parse(batch.body);
    assert.deepEqual(Object.keys(parsed), ['type', 'timestamp', 'data']);
    assert.deepEqual(parsed.data.events.map((e: { data: { id: string } }) => e.data.id), ['c4', 'c5', 'c6']);
    assert.equal(parsed.timestamp, '2026-01-01T00:00:00.006Z');
  });

  test('a batch stops at about 1 MiB of body, and always holds one event', () => {
    const big = (seq: number) => event(seq, 'contact.updated', `{"blob":"${'x'.repeat(300 * 1024)}"}`);
    assert.equal(withinBatchBytes([big(1), big(2), big(3), big(4), big(5)]).length, 3);
    assert.equal(withinBatchBytes([event(1, 'contact.updated', `{"blob":"${'x'.repeat(2 * 1024 * 1024)}"}`)]).length, 1);
  });

  test('the signature verifies with the standardwebhooks library, and fails for another secret or body', () => {
    const { bytes, text } = newSigningSecret();
    const message = messageOf('01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11', [event(1)]);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': message.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature(bytes, message.id, timestamp, message.body) };
    assert.deepEqual(new Webhook(text).verify(message.body, headers), JSON.parse(message.body));
    assert.throws(() => new Webhook(newSigningSecret().text).verify(message.body, headers));
    assert.throws(() => new Webhook(text).verify(message.body.replace('c1', 'c2'), headers));
  });

  test('retry delays: half to all of base × 2^(n-1), at most 128 × base', () => {
    for (let failures = 1; failures <= 12; failures++) {
      const full = 1000 * 2 ** Math.min(failures - 1, 7);
      assert.equal(retryDelay(failures, 1000, () => 0), full / 2);
      assert.equal(retryDelay(failures, 1000, () => 1), full);
    }
    assert.equal(retryDelay(20, 30_000, () => 1), 64 * 60 * 1000);
  });
});
