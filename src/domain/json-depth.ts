// The shape of a JSON text, checked before it is parsed: no body or NDJSON
// line the service takes nests deeper than MAX_JSON_DEPTH (`data` may nest
// 100 levels), and none has an object or array of more than MAX_JSON_MEMBERS
// members (`data` holds at most 32 KiB of JSON, so at most 16,383 array
// items; a bulk request names at most 1,000 contacts). Parsing, validating,
// comparing or serialising a text that breaks either costs time and stack in
// proportion (JSON.parse of 500,000 open brackets took half a second; a 1 MiB
// object of 96,000 unknown fields held the event loop for 160 ms).
export const MAX_JSON_DEPTH = 128;
export const MAX_JSON_MEMBERS = 16_384;

export const TOO_DEEP = `Nested more than ${MAX_JSON_DEPTH} levels deep (data may be nested at most 100 levels deep)`;
export const TOO_MANY_MEMBERS = `An object or array has more than ${MAX_JSON_MEMBERS.toLocaleString('en-US')} members, more than any request can hold`;

/**
 * What makes the text too big to parse (TOO_DEEP or TOO_MANY_MEMBERS), or
 * undefined. One pass over the characters outside strings; a container's
 * members are counted by its commas.
 */
export function jsonShapeProblem(text: string): string | undefined {
  const commas = new Int32Array(MAX_JSON_DEPTH + 2);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x2c) {
      if (++commas[depth]! >= MAX_JSON_MEMBERS) return TOO_MANY_MEMBERS;
    } else if (code === 0x7b || code === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return TOO_DEEP;
      commas[depth] = 0;
    } else if ((code === 0x7d || code === 0x5d) && depth > 0) depth--;
  }
  return undefined;
}
