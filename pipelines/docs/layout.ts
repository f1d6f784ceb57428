import { markup, type SafeHtml } from './html.js';

/** The pages every page links to, in the navigation bar. */
export const NAV = [
  { file: 'index.html', label: 'Overview' },
  { file: 'lineage.html', label: 'Lineage' },
  { file: 'sources.html', label: 'Sources' },
  { file: 'borrower-profile.html', label: 'Borrower profile' },
  { file: 'marketing-funnel.html', label: 'Marketing funnel' },
  { file: 'traffic.html', label: 'Traffic' },
] as const;

export type NavFile = (typeof NAV)[number]['file'];

export interface PageOptions {
  title: string;
  /** Navigation entry to mark as current. */
  current?: NavFile;
  generatedAt: Date;
  body: SafeHtml;
}

/** A complete HTML page: head with the shared stylesheet, navigation, body, footer. No script. */
export function page(options: PageOptions): string {
  return `<!doctype html>\n${
    markup`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · Mortgage ELT docs</title>
        <link rel="stylesheet" href="style.css" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="index.html">Mortgage ELT · data docs</a>
          <nav>
            ${NAV.map(
              (entry) =>
                markup`<a href="${entry.file}" ${entry.file === options.current ? markup` aria-current="page"` : ''}
                  >${entry.label}</a
                >`,
            )}
          </nav>
        </header>
        <main>${options.body}</main>
        <footer>
          Generated ${formatTime(options.generatedAt.toISOString())} from the models in <code>models/</code> and the warehouse as
          it stood then.
        </footer>
      </body>
    </html> `.value
  }`;
}

/** An ISO time as `2024-05-01 14:03 UTC`; a date stays a date. */
export function formatTime(iso: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const date = parseTime(iso);
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}

/** How long before `now`, in words: `3 h ago`, `2 d ago`. */
export function ago(iso: string, now: Date): string {
  const date = parseTime(iso);
  if (!date) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    // A date is a whole day: count calendar days (UTC, as the warehouse keeps them).
    const days = Math.round((Date.parse(now.toISOString().slice(0, 10)) - date.getTime()) / 86_400_000);
    return days < 0 ? 'in the future' : days === 0 ? 'today' : days === 1 ? 'yesterday' : `${days} d ago`;
  }
  const hours = (now.getTime() - date.getTime()) / 3_600_000;
  if (hours < 0) return 'in the future';
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min ago`;
  if (hours < 48) return `${Math.round(hours)} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

/** A warehouse time: ISO text; without a zone it holds UTC (both warehouses keep UTC). */
function parseTime(iso: string): Date | null {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(iso)
    ? `${iso}T00:00:00Z`
    : /([zZ]|[+-]\d{2}:?\d{2})$/.test(iso)
      ? iso
      : `${iso.replace(' ', 'T')}Z`;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The box shown where a chart or figure has no data. */
export function noData(reason: string): SafeHtml {
  return markup`<p class="no-data" role="status">${reason}</p>`;
}

export const STYLE = `
:root { --ink: #1d1d1f; --muted: #5f6368; --line: #e2e4e8; --accent: #2f5d8a; --bg: #fafafa;
  --raw: #8a8a8a; --staging: #4c78a8; --marts: #3b8a3e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 24px; padding: 10px 24px; background: #1f3b57; }
header.top a { color: #fff; text-decoration: none; }
.brand { font-weight: 700; }
nav { display: flex; flex-wrap: wrap; gap: 2px 14px; }
nav a { opacity: .85; padding: 2px 0; border-bottom: 2px solid transparent; }
nav a:hover, nav a[aria-current="page"] { opacity: 1; border-bottom-color: #9cc3e8; }
main { max-width: 1120px; margin: 0 auto; padding: 16px 24px 40px; }
footer { max-width: 1120px; margin: 0 auto; padding: 12px 24px 32px; color: var(--muted); font-size: 13px; }
h1 { font-size: 26px; margin: 12px 0 6px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
a { color: var(--accent); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
pre { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; }
.lede { color: var(--muted); max-width: 820px; }
.description { max-width: 860px; white-space: pre-line; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); margin: 6px 0 12px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f2f4f7; font-weight: 600; font-size: 14px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:last-child td { border-bottom: none; }
.badge { display: inline-block; padding: 0 7px; margin: 1px 3px 1px 0; border-radius: 10px; font-size: 12px; background: #eef1f5; border: 1px solid #d5dbe3; white-space: nowrap; }
.badge.warn { background: #fff6e0; border-color: #ecd08a; }
.layer { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; color: #fff; }
.layer.raw { background: var(--raw); } .layer.staging { background: var(--staging); } .layer.marts { background: var(--marts); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card h3 { margin: 0 0 4px; }
.card p { margin: 4px 0; font-size: 14px; }
.meta { color: var(--muted); font-size: 13px; }
.figure-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px; margin: 8px 0; }
.figure-wrap svg { max-width: 100%; height: auto; display: block; }
/* The whole lineage is wider than the text: it takes the window's width, and scales down only past it. */
figure.lineage { width: calc(100vw - 48px); max-width: max-content; position: relative; left: 50%; transform: translateX(-50%); }
figure.lineage svg { margin: 0 auto; }
figure { margin: 0 0 18px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.no-data { background: #fff8e5; border: 1px solid #efd79a; border-radius: 8px; padding: 12px 14px; max-width: 820px; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; margin: 8px 0 16px; }
.stat { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.stat .value { font-size: 22px; font-weight: 650; }
.stat .label { color: var(--muted); font-size: 13px; }
details { margin: 6px 0 14px; }
summary { cursor: pointer; color: var(--accent); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.legend { font-size: 13px; color: var(--muted); }
`;
