// Turning an uploaded file's bytes into text: refusing what is not text at
// all (a workbook, an archive, a PDF) with what to do instead, and finding the
// encoding: a BOM (UTF-8, UTF-16 LE or BE), else UTF-8 when the bytes are
// valid UTF-8, else Windows-1252, which is what Excel writes in Western
// Europe. iconv-lite decodes the legacy encodings: Node 20's TextDecoder
// turns Windows-1252's 0x80-0x9F (€ “ ” – …) into control characters.
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { validationError } from '../errors.js';

export const ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-1'] as const;
export type Encoding = (typeof ENCODINGS)[number];

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function fileError(message: string) {
  return validationError([{ field: 'file', message }]);
}

const SAVE_AS_CSV = 'open it in your spreadsheet program and save it as CSV (comma-separated values), then import that file';

/** Files that are surely not text, by their first bytes. */
const SIGNATURES: { bytes: number[]; what: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'an Excel workbook (.xlsx) or another ZIP archive' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an Excel 97-2003 workbook (.xls)' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
  { bytes: [0x1f, 0x8b], what: 'a gzip-compressed file' },
];

function startsWith(bytes: Buffer, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

function refuseBinary(bytes: Buffer): void {
  for (const { bytes: signature, what } of SIGNATURES) {
    if (startsWith(bytes, signature)) throw fileError(`This is ${what}, not a CSV file: ${SAVE_AS_CSV}`);
  }
}

function bomEncoding(bytes: Buffer): { encoding: Encoding; length: number } | undefined {
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return { encoding: 'utf-8', length: 3 };
  if (startsWith(bytes, [0xff, 0xfe])) return { encoding: 'utf-16le', length: 2 };
  if (startsWith(bytes, [0xfe, 0xff])) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

function decodeAs(bytes: Buffer, encoding: Encoding): string {
  if (encoding === 'utf-8') {
    try {
      return utf8.decode(bytes);
    } catch {
      throw fileError('The file is not valid UTF-8; if it came from Excel, import it with encoding "windows-1252"');
    }
  }
  const name = encoding === 'utf-16le' ? 'utf16-le' : encoding === 'utf-16be' ? 'utf16-be' : encoding;
  return iconv.decode(bytes, name, { stripBOM: false });
}

export interface DecodedFile {
  text: string;
  encoding: Encoding;
}

/** The file as text, without its BOM, and the encoding it was read in (`chosen`, or detected). */
export function decodeFile(bytes: Buffer, chosen?: Encoding): DecodedFile {
  if (bytes.length === 0) throw fileError('The file is empty');
  refuseBinary(bytes);
  const bom = bomEncoding(bytes);
  let encoding: Encoding;
  if (chosen) encoding = chosen;
  else if (bom) encoding = bom.encoding;
  else encoding = isUtf8(bytes) ? 'utf-8' : 'windows-1252';
  const body = bom && bom.encoding === encoding ? bytes.subarray(bom.length) : bytes;
  const text = decodeAs(body, encoding);
  if (text.includes('\u0000')) {
    throw fileError(`The file holds NUL bytes, so it is not text in ${encoding}: if it is a spreadsheet, ${SAVE_AS_CSV}`);
  }
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, encoding };
}
