// What is wrong with a body that is not JSON, said so that a person can find
// it: where (line and column, when the parser says where) and what it met.
// The parser's own message is not passed on as is: for a short body it
// quotes the whole body back.

/** "The body is not valid JSON: …", from the text and JSON.parse's error. */
export function jsonSyntaxMessage(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const positioned = /^(.*) in JSON at position (\d+)/.exec(message);
  if (positioned) {
    const position = Number(positioned[2]);
    const before = text.slice(0, position);
    const line = before.split('\n').length;
    const column = position - before.lastIndexOf('\n');
    return `The body is not valid JSON: ${lowerFirst(positioned[1]!)} at line ${line}, column ${column}`;
  }
  if (/^Unexpected end of JSON input/.test(message)) return 'The body is not valid JSON: it ends before the JSON does';
  const token = /^Unexpected token '(.{1,4})'/.exec(message);
  if (token) return `The body is not valid JSON: unexpected "${token[1]}"`;
  return 'The body is not valid JSON';
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
