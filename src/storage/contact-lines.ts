// Contacts as lines of text, the form an export reads them in from another
// process or thread: PostgreSQL's `COPY … TO STDOUT`, or the SQLite store's
// reading thread. The other side writes the rows at its own pace on its own
// core, and this side only splits them, which costs far less than building a
// result set a row object at a time.
//
// A line is `id␂email␂subscribed␂data␂createdAt␂updatedAt\n` (␂ = 0x02,
// subscribed `t` or `f`, times in epoch ms): CSV with a delimiter (0x02) and
// a quote (0x01) that no stored value holds, since emails refuse control
// characters, data is JSON text (whose strings escape them) and ids are
// uuids. PostgreSQL quotes only a field that holds one of those or a line
// break; should a quoted field ever come, it is read correctly all the same,
// by the slower character-by-character path.
import { StringDecoder } from 'node:string_decoder';
import { contactJson, isoTime } from '../domain/contact-json.js';
import type { ContactRecord } from '../domain/store.js';

/** The options that make PostgreSQL's COPY write these lines. */
export const COPY_OPTIONS = `(FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')`;
/** The columns a COPY must select, in this order. */
export const LINE_COLUMNS = 'id, email, subscribed, data, created_at, updated_at';

const DELIMITER = '\x02';
const QUOTE = '\x01';
const T = 't'.charCodeAt(0);
/** What JSON.stringify escapes in a string that holds no lone surrogate (an email holds none). */
const NEEDS_ESCAPES = /["\\\x00-\x1f]/;

/** The line of one contact as stored (`subscribed` 0 or 1 on SQLite, a boolean on PostgreSQL). */
export function contactLine(id: string, email: string, subscribed: boolean | number, data: string, createdAt: number, updatedAt: number): string {
  return `${id}${DELIMITER}${email}${DELIMITER}${subscribed ? 't' : 'f'}${DELIMITER}${data}${DELIMITER}${createdAt}${DELIMITER}${updatedAt}\n`;
}

function toContact(fields: string[]): ContactRecord {
  if (fields.length !== 6) throw new Error(`A contact line with ${fields.length} fields`);
  const [id, email, subscribed, data, createdAt, updatedAt] = fields as [string, string, string, string, string, string];
  return { id, email, subscribed: subscribed === 't', dataJson: data, createdAt: Number(createdAt), updatedAt: Number(updatedAt) };
}

/** Splits the lines into contacts, chunk by chunk; a line cut between chunks waits for the rest. */
export class ContactLines {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  /** The contacts whose lines this chunk completes. */
  push(chunk: Buffer | string): ContactRecord[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    return text.includes(QUOTE) ? this.quoted(text) : this.plain(text);
  }

  /**
   * The contacts whose lines this chunk completes, as NDJSON (the API's
   * contact objects, contactJson's very bytes), written straight from the
   * fields without a record in between.
   */
  pushJson(chunk: Buffer | string): { lines: string; count: number } {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    if (text.includes(QUOTE)) {
      const contacts = this.quoted(text);
      return { lines: contacts.map((contact) => `${contactJson(contact)}\n`).join(''), count: contacts.length };
    }
    const end = text.lastIndexOf('\n') + 1;
    this.rest = text.slice(end);
    let lines = '';
    let count = 0;
    for (let start = 0; start < end; count++) {
      const email = text.indexOf(DELIMITER, start);
      const subscribed = text.indexOf(DELIMITER, email + 1);
      const data = text.indexOf(DELIMITER, subscribed + 1);
      const createdAt = text.indexOf(DELIMITER, data + 1);
      const updatedAt = text.indexOf(DELIMITER, createdAt + 1);
      const next = text.indexOf('\n', updatedAt + 1);
      if (updatedAt < 0 || next < 0 || text.lastIndexOf(DELIMITER, next) !== updatedAt) throw new Error('A contact line without its six fields');
      const address = text.slice(email + 1, subscribed);
      lines +=
        `{"id":"${text.slice(start, email)}","email":${NEEDS_ESCAPES.test(address) ? JSON.stringify(address) : `"${address}"`},` +
        `"subscribed":${text.charCodeAt(subscribed + 1) === T},"data":${text.slice(data + 1, createdAt)},` +
        `"createdAt":"${isoTime(Number(text.slice(createdAt + 1, updatedAt)))}","updatedAt":"${isoTime(Number(text.slice(updatedAt + 1, next)))}"}\n`;
      start = next + 1;
    }
    return { lines, count };
  }

  /** Throws when the text stopped inside a line. */
  end(): void {
    const text = this.rest + this.decoder.end();
    if (text !== '') throw new Error('Contact lines ended inside a line');
  }

  private plain(text: string): ContactRecord[] {
    const end = text.lastIndexOf('\n');
    this.rest = text.slice(end + 1);
    if (end < 0) return [];
    const lines = text.slice(0, end).split('\n');
    const contacts = new Array<ContactRecord>(lines.length);
    for (let i = 0; i < lines.length; i++) contacts[i] = toContact(lines[i]!.split(DELIMITER));
    return contacts;
  }

  private quoted(text: string): ContactRecord[] {
    const contacts: ContactRecord[] = [];
    let fields: string[] = [];
    let field = '';
    let inQuotes = false;
    let lineStart = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inQuotes) {
        if (c !== QUOTE) field += c;
        else if (text[i + 1] === QUOTE) (field += QUOTE), i++;
        else if (i + 1 < text.length) inQuotes = false;
        else break; // A closing quote or half of a doubled one: wait for the next chunk.
      } else if (c === QUOTE) inQuotes = true;
      else if (c === DELIMITER) fields.push(field), (field = '');
      else if (c === '\n') {
        fields.push(field);
        contacts.push(toContact(fields));
        fields = [];
        field = '';
        lineStart = i + 1;
      } else field += c;
    }
    this.rest = text.slice(lineStart);
    return contacts;
  }
}
