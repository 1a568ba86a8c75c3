// Writing a CSV cell (RFC 4180): quoted when it holds a quote, the delimiter
// or a line break, or starts or ends with spaces (which a reader trims from
// an unquoted cell, ours included).
export function csvCell(text: string, delimiter = ','): string {
  return text.includes('"') || text.includes(delimiter) || /[\r\n]/.test(text) || text !== text.trim()
    ? `"${text.replaceAll('"', '""')}"`
    : text;
}
