// Writing a CSV cell (RFC 4180): quoted when it holds a quote, the delimiter
// or a line break, or starts or ends with spaces (which a reader trims from
// an unquoted cell, ours included). A regular expression's \s is the very set
// of characters String#trim removes, so one test decides without copying the
// text (an export writes millions of cells).
const NEEDS_QUOTES = new Map<string, RegExp>();

function needsQuotes(delimiter: string): RegExp {
  let test = NEEDS_QUOTES.get(delimiter);
  if (!test) {
    test = new RegExp(`["\\r\\n${delimiter.replace(/[\\\]^-]/g, '\\$&')}]|^\\s|\\s$`);
    NEEDS_QUOTES.set(delimiter, test);
  }
  return test;
}

export function csvCell(text: string, delimiter = ','): string {
  return needsQuotes(delimiter).test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
