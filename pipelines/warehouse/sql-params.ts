/**
 * Finds `@name` parameter references in SQL text, outside string literals, quoted identifiers and
 * comments. Engines that name parameters differently rewrite them mechanically with this. With
 * `dropComments`, the comments are also removed (a line comment's newline is kept).
 */
export function rewriteParams(sql: string, rename: (name: string) => string, options: { dropComments?: boolean } = {}): string {
  const drop = options.dropComments === true;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = closingQuote(sql, i, ch);
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      if (!drop) out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += drop ? ' ' : sql.slice(i, stop);
      i = stop;
    } else if (ch === '@' && next !== undefined && /[A-Za-z_]/.test(next) && !/[A-Za-z0-9_@]/.test(sql[i - 1] ?? '')) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      out += rename(sql.slice(i + 1, j));
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** The SQL text without its comments (string literals and quoted identifiers untouched). */
export function withoutComments(sql: string): string {
  return rewriteParams(sql, (name) => `@${name}`, { dropComments: true });
}

/** Names of the parameters referenced by SQL text, in order of first use. */
export function paramNames(sql: string): string[] {
  const names: string[] = [];
  rewriteParams(sql, (name) => {
    if (!names.includes(name)) names.push(name);
    return '';
  });
  return names;
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\' && quote !== '"') {
      i += 2;
      continue;
    }
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
