// HTML built from tagged templates: every value put into a template is
// escaped unless it is itself Html (made by this tag, or by `raw` for text
// that is HTML on purpose), so contact data can never become markup.
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

type Value = Html | string | number | boolean | null | undefined | Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let text = strings[0]!;
  for (let i = 0; i < values.length; i++) text += render(values[i]!) + strings[i + 1]!;
  return new Html(text);
}

/** Text that is HTML on purpose (never anything a user wrote). */
export function raw(text: string): Html {
  return new Html(text);
}

/** A query string from pairs, skipping empty values; `?` included when not empty. */
export function queryString(params: Record<string, string | undefined> | [string, string][]): string {
  const search = new URLSearchParams();
  for (const [name, value] of Array.isArray(params) ? params : Object.entries(params)) {
    if (value !== undefined && value !== '') search.append(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
