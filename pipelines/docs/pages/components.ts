import { markup, prose, raw, type SafeHtml } from '../html.js';
import type { LineageGraph } from '../lineage.js';
import type { SiteData } from '../site-data.js';
import type { DocsColumn, DocsModel, DocsSource, DocsTest } from '../types.js';

/** Everything a page is built from. */
export interface SiteContext {
  models: DocsModel[];
  sources: DocsSource[];
  graph: LineageGraph;
  data: SiteData;
  now: Date;
  /** BigQuery project and dataset prefix for the example queries. */
  project: string;
  prefix: string;
}

export function testBadges(tests: DocsTest[]): SafeHtml {
  return markup`${tests.map(
    (t) =>
      markup`<span
        class="badge${t.severity === 'warn' ? ' warn' : ''}"
        title="${t.description ?? t.name}${t.severity === 'warn' ? ' (warning only)' : ''}"
        >${badgeText(t)}</span
      >`,
  )}`;
}

function badgeText(test: DocsTest): string {
  return test.kind === test.name || !test.kind ? test.name : test.kind;
}

/** The columns table: name, type, description, tests (source columns have no tests). */
export function columnsTable(columns: DocsColumn[] | DocsSource['columns']): SafeHtml {
  if (columns.length === 0) return markup`<p class="meta">No columns documented.</p>`;
  return markup`<table class="columns">
    <thead>
      <tr>
        <th>Column</th>
        <th>Type</th>
        <th>Description</th>
        <th>Tests</th>
      </tr>
    </thead>
    <tbody>
      ${columns.map(
        (c) =>
          markup`<tr id="col-${c.name}">
            <td><code>${c.name}</code></td>
            <td><code>${c.type ?? ''}</code></td>
            <td>${prose(c.description ?? '')}</td>
            <td>${'tests' in c ? testBadges(c.tests) : ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** A figure: an SVG (trusted, from the chart or lineage renderer), its caption, and optionally the numbers behind it. */
export function figure(svg: string, caption: string, numbers?: SafeHtml, className = 'chart'): SafeHtml {
  return markup`<figure class="${className}">
    <div class="figure-wrap">${raw(svg)}</div>
    <figcaption>${caption}</figcaption>
    ${
      numbers
        ? markup`<details>
            <summary>The numbers</summary>
            ${numbers}
          </details>`
        : ''
    }
  </figure>`;
}

/** A simple table of rows of cells; numeric cells are right-aligned. */
export function dataTable(headers: string[], rows: Array<Array<string | number>>, numeric: boolean[] = []): SafeHtml {
  return markup`<table>
    <thead>
      <tr>
        ${headers.map((h, i) => markup`<th${numeric[i] ? markup` class="num"` : ''}>${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (row) =>
          markup`<tr>
            ${row.map((cell, i) => markup`<td${numeric[i] ? markup` class="num"` : ''}>${cell}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatPercent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}
