/**
 * HTML built by a tagged template that escapes every interpolated value, so that descriptions and
 * data values never become markup. Only `SafeHtml` (from `markup` or `raw`) passes through.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and XML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function render(part: Part): string {
  if (part instanceof SafeHtml) return part.value;
  if (part === null || part === undefined || part === false) return '';
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/** `markup\`<p>${text}</p>\``: interpolations are escaped; arrays are concatenated; null, undefined and false render nothing. */
export function markup(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Markup produced elsewhere and trusted (e.g. SVG from the chart renderer). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * Description text as HTML: escaped, with `backquoted` spans shown as code (the YAML descriptions
 * quote column and field names that way).
 */
export function prose(text: string): SafeHtml {
  return new SafeHtml(escapeHtml(text).replace(/`([^`\n]+)`/g, '<code>$1</code>'));
}

/** A file name safe in a URL and on any file system, for a relation `layer.name`. */
export function pageFile(layer: string, name: string): string {
  return `${layer}.${name}.html`.replace(/[^A-Za-z0-9_.-]/g, '_');
}
