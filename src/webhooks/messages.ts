// What one webhook message carries. A message is one event, as
// `{"type","timestamp","data"}`; when more contact events wait for an
// endpoint than it may be sent in a second (WEBHOOK_RATE_PER_SECOND), up to
// WEBHOOK_BATCH_SIZE of them go together as one `contact.batch` message,
// whose data is `{"events":[{"type","timestamp","data"},…]}`. Job events
// always go alone, and nothing is reordered: a batch is the contact events
// at the head of the endpoint's queue, in order.
import type { EventRecord } from '../domain/store.js';

export const BATCH_TYPE = 'contact.batch';

/** A batch stops growing past this many bytes of body (it holds one event at least). */
const MAX_BATCH_BYTES = 1024 * 1024;

export interface Message {
  /** The webhook-id header: the endpoint's and the events' own, so every retry of the message has it. */
  id: string;
  type: string;
  events: EventRecord[];
  body: string;
}

const isContactEvent = (event: EventRecord) => event.type.startsWith('contact.');

/** `{"type","timestamp","data"}`, with the event's data exactly as stored. */
function eventJson(type: string, at: number, dataJson: string): string {
  return `{"type":${JSON.stringify(type)},"timestamp":"${new Date(at).toISOString()}","data":${dataJson}}`;
}

/**
 * The message id of the events from seq `first` to seq `last` for endpoint
 * `webhookId`: stable across retries, unique per endpoint and message.
 */
export function messageId(webhookId: string, first: number, last: number): string {
  const endpoint = webhookId.replace(/-/g, '');
  return first === last ? `msg_${endpoint}_${first}` : `msg_${endpoint}_${first}-${last}`;
}

/**
 * How many of `waiting` (an endpoint's next events, of its types, in order)
 * the next message carries: one, or a batch of contact events when more wait
 * than `ratePerSecond` messages would send in a second.
 */
export function messageSize(waiting: EventRecord[], settings: { batchSize: number; ratePerSecond: number }): number {
  let run = 0;
  while (run < waiting.length && isContactEvent(waiting[run]!)) run++;
  return run > Math.ceil(settings.ratePerSecond) ? Math.min(run, settings.batchSize) : 1;
}

/** The message of these events (in order, one at least): the event itself, or a batch. */
export function messageOf(webhookId: string, events: EventRecord[]): Message {
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const id = messageId(webhookId, first.seq, last.seq);
  if (events.length === 1) return { id, type: first.type, events, body: eventJson(first.type, first.at, first.dataJson) };
  const items = events.map((event) => eventJson(event.type, event.at, event.dataJson));
  return { id, type: BATCH_TYPE, events, body: eventJson(BATCH_TYPE, last.at, `{"events":[${items.join(',')}]}`) };
}

/** The first events of `events` that fit one batch's bytes (one at least). */
export function withinBatchBytes(events: EventRecord[]): EventRecord[] {
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    bytes += events[i]!.dataJson.length + 80;
    if (bytes > MAX_BATCH_BYTES) return events.slice(0, Math.max(i, 1));
  }
  return events;
}
