// How deeply a JSON text nests, found before it is parsed: no body or NDJSON
// line the service takes nests deeper than MAX_JSON_DEPTH (`data` may nest 100
// levels), and parsing, comparing or serialising one that does costs time and
// stack in proportion (JSON.parse of 500,000 open brackets takes half a second).
export const MAX_JSON_DEPTH = 128;

/** The deepest nesting of brackets outside strings, in one pass; stops counting past the limit. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > deepest) deepest = depth;
      if (deepest > MAX_JSON_DEPTH) return deepest;
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return deepest;
}

export const TOO_DEEP = `Nested more than ${MAX_JSON_DEPTH} levels deep (data may be nested at most 100 levels deep)`;
