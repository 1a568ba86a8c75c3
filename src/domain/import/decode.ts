// Turning an uploaded file's bytes into text: refusing what is not text at
// all (a workbook, an archive, a PDF) with what to do instead, and finding the
// encoding: a BOM (UTF-8, UTF-16 LE or BE), else UTF-8 when the bytes are
// valid UTF-8, else Windows-1252, which is what Excel writes in Western
// Europe. iconv-lite decodes the legacy encodings: Node 20's TextDecoder
// turns Windows-1252's 0x80-0x9F (€ “ ” – …) into control characters.
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { validationError, type AppError } from '../errors.js';

export const ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-1'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/**
 * Bytes decoded at a time. The file is never one string: a 5 MiB string is
 * 5 MiB of memory touched for the first time, which costs 15-70 ms on this
 * machine in one go, on the event loop.
 */
const PIECE_BYTES = 256 * 1024;

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

interface StreamDecoder {
  write(bytes: Buffer): string;
  end(): string | undefined;
}

function decoderFor(encoding: Encoding): StreamDecoder {
  if (encoding === 'utf-8') {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    const decode = (bytes?: Buffer) => {
      try {
        return bytes ? utf8.decode(bytes, { stream: true }) : utf8.decode();
      } catch {
        throw fileError('The file is not valid UTF-8; if it came from Excel, import it with encoding "windows-1252"');
      }
    };
    return { write: decode, end: () => decode() };
  }
  const name = encoding === 'utf-16le' ? 'utf16-le' : encoding === 'utf-16be' ? 'utf16-be' : encoding;
  return iconv.getDecoder(name, { stripBOM: false });
}

export interface DecodedFile {
  encoding: Encoding;
  /**
   * The text, without its BOM, in pieces of about 256 KiB (a piece may end
   * inside a line, never inside a character). Each call reads the file anew.
   */
  pieces(): Generator<string>;
}

function nulError(encoding: Encoding): AppError {
  return fileError(`The file holds NUL bytes, so it is not text in ${encoding}: if it is a spreadsheet, ${SAVE_AS_CSV}`);
}

/**
 * The file as text in `chosen`, or the encoding it is found to be in. What
 * is wrong with the bytes themselves (a workbook, a PDF, nothing at all) is
 * a 400 here; what is wrong with the text (invalid UTF-8, NUL characters) is
 * a 400 from the piece that holds it.
 */
export function openText(bytes: Buffer, chosen?: Encoding, pieceBytes = PIECE_BYTES): DecodedFile {
  if (bytes.length === 0) throw fileError('The file is empty');
  refuseBinary(bytes);
  const bom = bomEncoding(bytes);
  let encoding: Encoding;
  if (chosen) encoding = chosen;
  else if (bom) encoding = bom.encoding;
  else encoding = isUtf8(bytes) ? 'utf-8' : 'windows-1252';
  const body = bom && bom.encoding === encoding ? bytes.subarray(bom.length) : bytes;
  return {
    encoding,
    *pieces() {
      const decoder = decoderFor(encoding);
      let first = true;
      for (let start = 0; start < body.length + pieceBytes; start += pieceBytes) {
        let piece = start < body.length ? decoder.write(body.subarray(start, start + pieceBytes)) : (decoder.end() ?? '');
        if (piece === '') continue;
        if (first && piece.charCodeAt(0) === 0xfeff) piece = piece.slice(1);
        first = false;
        if (piece.includes('\u0000')) throw nulError(encoding);
        yield piece;
      }
    },
  };
}
