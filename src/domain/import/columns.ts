// Which column is what: the email column (by name, or by the names real
// exports give it), the subscription column (likewise), and every other
// column a data key, unless the `mapping` option says otherwise; in a file
// shaped as Rolodex's own export, its createdAt and updatedAt columns are
// skipped unless the mapping names them. Types are decided per column once
// the whole file has been read (see cells.ts).
import type { FieldError } from '../errors.js';
import { codePointLength } from '../text.js';
import { ColumnTyping, type ColumnType } from './cells.js';
import { fileError } from './decode.js';
import { validationError } from '../errors.js';
import type { ColumnMapping, ColumnTarget } from './options.js';
import { Pacer } from '../pacer.js';

const MAX_HEADER_LENGTH = 100;

/** Header names, compared without case, spaces, `-` and `_`. */
function squeezed(header: string): string {
  return header.toLowerCase().replace(/[\s_-]+/g, '');
}

/** What Mailchimp, Google Contacts, HubSpot, Outlook and others call the email column. */
const EMAIL_ALIASES = new Set(
  ['Email Address', 'E-mail', 'E-Mail', 'Email_Address', 'Mail', 'E-mail 1 - Value', 'Primary Email', 'E-mail Address', 'Email 1', 'Work Email']
    .map(squeezed),
);
/** Consent columns: Shopify's and other common exports'. */
const SUBSCRIBED_ALIASES = new Set(
  ['Accepts Email Marketing', 'Email Opt In', 'Opt In', 'Opted In', 'Marketing Opt In', 'Email Marketing Consent', 'Subscribed To Email']
    .map(squeezed),
);

/**
 * The first headers of a CSV written by GET /contacts/export, exactly so
 * spelt. In such a file the two timestamp columns are the contact's
 * read-only fields, not data: they are skipped unless `mapping` names them.
 */
const EXPORT_HEADERS = ['email', 'subscribed', 'createdAt', 'updatedAt'] as const;
const EXPORT_TIMESTAMP_COLUMNS = [2, 3];

/** Whether the headers begin as a Rolodex export's do (any data columns may follow). */
export function isRolodexExport(headers: string[]): boolean {
  return EXPORT_HEADERS.every((name, index) => headers[index] === name);
}

export interface DataColumn {
  index: number;
  key: string;
  type: ColumnType;
  /** Set by `mapping`: a cell that cannot be read as the type is a row error. */
  forced: boolean;
}

export interface ImportColumns {
  headers: string[];
  email: number;
  subscribed: number | undefined;
  /** By column index: the data column there, if any. */
  data: (DataColumn | undefined)[];
}

export type ColumnRole = 'email' | 'subscribed' | 'data' | 'skip';

export function roleOf(columns: ImportColumns, index: number): ColumnRole {
  if (index === columns.email) return 'email';
  if (index === columns.subscribed) return 'subscribed';
  return columns.data[index] ? 'data' : 'skip';
}

function headerList(headers: string[]): string {
  const shown = headers.slice(0, 20).map((header) => `"${header}"`).join(', ');
  return headers.length > 20 ? `${shown} and ${headers.length - 20} more` : shown;
}

export async function checkHeaders(headers: string[]): Promise<void> {
  const seen = new Map<string, string>();
  const pacer = new Pacer();
  for (let index = 0; index < headers.length; index++) {
    const name = headers[index]!;
    if (name.length === 0) throw fileError(`Header ${index + 1} is empty: every column needs a name`);
    if (codePointLength(name) > MAX_HEADER_LENGTH) {
      throw fileError(`Header ${index + 1} is longer than ${MAX_HEADER_LENGTH} characters`);
    }
    const folded = name.toLowerCase();
    const first = seen.get(folded);
    if (first !== undefined) throw fileError(`Duplicate header "${name}" (same as "${first}")`);
    seen.set(folded, name);
    const pause = pacer.step();
    if (pause) await pause;
  }
}

/** The one column named `name`, else the one whose name is among `aliases`; more than one is refused. */
async function findColumn(
  headers: string[],
  name: string,
  aliases: Set<string>,
  available: (index: number) => boolean,
  what: string,
): Promise<number | undefined> {
  const candidates: number[] = [];
  const pacer = new Pacer();
  for (let index = 0; index < headers.length; index++) {
    const header = headers[index]!;
    if (available(index)) {
      if (header.toLowerCase() === name) return index;
      if (aliases.has(squeezed(header))) candidates.push(index);
    }
    const pause = pacer.step();
    if (pause) await pause;
  }
  if (candidates.length > 1) {
    throw fileError(
      `More than one column could be the ${what} column (${headerList(candidates.map((i) => headers[i]!))}): ` +
        `name one in "mapping", e.g. {"${headers[candidates[0]!]}": "${name}"}`,
    );
  }
  return candidates[0];
}

/** The role of every column, before types are known. */
export async function planColumns(headers: string[], mapping: ColumnMapping | undefined): Promise<ImportColumns> {
  const mapped = await mappedColumns(headers, mapping);
  const mappedTo = (role: 'email' | 'subscribed') => [...mapped].filter(([, target]) => target === role).map(([index]) => index);
  const free = (index: number) => !mapped.has(index);
  // A column mapped to a role takes it; failing that, the column named so, or
  // the one with a name real exports use. A column named `email` or
  // `subscribed` that the mapping leaves alone still claims its role, so
  // mapping another column to it is a conflict, not a silent choice.
  const claim = async (role: 'email' | 'subscribed', aliases: Set<string>, what: string, taken: number[]): Promise<number[]> => {
    const chosen = mappedTo(role);
    const available = (index: number) => free(index) && !taken.includes(index);
    if (chosen.length === 0) {
      const found = await findColumn(headers, role, aliases, available, what);
      return found === undefined ? [] : [found];
    }
    const named = await findColumn(headers, role, new Set(), available, what);
    return named === undefined ? chosen : [...chosen, named];
  };
  const emails = await claim('email', EMAIL_ALIASES, 'email', []);
  if (emails.length === 0) {
    throw fileError(
      `No email column: the headers are ${headerList(headers)}. Name the column "email", or say which it is in "mapping", e.g. {"${headers[0]}": "email"}`,
    );
  }
  if (emails.length > 1) {
    throw validationError([{ field: 'mapping', message: `More than one email column: ${headerList(emails.map((i) => headers[i]!))}; map the others to null or to a data key` }]);
  }
  const subscribedColumns = await claim('subscribed', SUBSCRIBED_ALIASES, 'subscription', emails);
  if (subscribedColumns.length > 1) {
    throw validationError([{ field: 'mapping', message: `More than one subscription column: ${headerList(subscribedColumns.map((i) => headers[i]!))}; map the others to null or to a data key` }]);
  }

  const email = emails[0]!;
  const subscribed = subscribedColumns[0];
  const data: (DataColumn | undefined)[] = new Array(headers.length);
  // Headers are unique (checkHeaders), so two columns can share a key only through the mapping.
  const keys = mapped.size > 0 ? new Map<string, string>() : undefined;
  const skipped = isRolodexExport(headers) ? EXPORT_TIMESTAMP_COLUMNS : [];
  const pacer = new Pacer();
  for (let index = 0; index < headers.length; index++) {
    const pause = pacer.step();
    if (pause) await pause;
    if (index === email || index === subscribed) continue;
    const target = mapped.get(index);
    if (target === null || target === 'email' || target === 'subscribed') continue;
    if (target === undefined && skipped.includes(index)) continue;
    const column: DataColumn =
      target === undefined
        ? { index, key: headers[index]!, type: 'string', forced: false }
        : typeof target === 'string'
          ? { index, key: target, type: 'string', forced: false }
          : { index, key: target.key, type: target.type, forced: true };
    const other = keys?.get(column.key);
    if (other !== undefined) {
      throw validationError([{ field: 'mapping', message: `Two columns, "${other}" and "${headers[index]}", would both write the data key "${column.key}"` }]);
    }
    keys?.set(column.key, headers[index]!);
    data[index] = column;
  }
  return { headers, email, subscribed, data };
}

/** The columns the mapping names, by index; a header the file does not have is a 400. */
async function mappedColumns(headers: string[], mapping: ColumnMapping | undefined): Promise<Map<number, ColumnTarget>> {
  const mapped = new Map<number, ColumnTarget>();
  const entries = Object.entries(mapping ?? {});
  if (entries.length === 0) return mapped;
  const byHeader = new Map<string, number>();
  const pacer = new Pacer();
  for (let index = 0; index < headers.length; index++) {
    byHeader.set(headers[index]!.toLowerCase(), index);
    const pause = pacer.step();
    if (pause) await pause;
  }
  const problems: FieldError[] = [];
  for (const [header, target] of entries) {
    const index = byHeader.get(header.toLowerCase());
    if (index === undefined) problems.push({ field: `mapping.${header}`, message: `The file has no column "${header}"; its headers are ${headerList(headers)}` });
    else mapped.set(index, target);
  }
  if (problems.length > 0) throw validationError(problems.slice(0, 100), problems.length);
  return mapped;
}

/** Decides the type of every data column not forced by `mapping`, from all of its cells. */
export class ColumnTypes {
  private readonly typings = new Map<number, ColumnTyping>();

  constructor(private readonly columns: ImportColumns) {}

  see(index: number, text: string, protectedText: boolean): void {
    const column = this.columns.data[index];
    if (!column || column.forced) return;
    let typing = this.typings.get(index);
    if (!typing) this.typings.set(index, (typing = new ColumnTyping()));
    typing.see(text, protectedText);
  }

  /** The columns with their types decided (in place: the columns are this file's own). */
  decide(): ImportColumns {
    for (const [index, typing] of this.typings) this.columns.data[index]!.type = typing.type;
    return this.columns;
  }
}
