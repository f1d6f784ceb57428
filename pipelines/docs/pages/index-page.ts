import { markup, pageFile, prose, type SafeHtml } from '../html.js';
import { ago, noData, page } from '../layout.js';
import { renderLineageSvg } from '../lineage.js';
import type { DocsModel } from '../types.js';
import { figure, formatCount, type SiteContext } from './components.js';

const CHART_PAGES = [
  {
    file: 'borrower-profile.html',
    title: 'Borrower profile',
    text: 'Who the borrowers are: ages, professional categories, main banks, employment contracts, previous mortgages.',
  },
  {
    file: 'marketing-funnel.html',
    title: 'Marketing funnel',
    text: 'From visits to simulations, leads and opportunities, day by day and by channel.',
  },
  { file: 'traffic.html', title: 'Traffic', text: 'Page views and entrances over time, and the most visited pages.' },
];

/** The home page: what the marts are, their freshness, the lineage picture and the chart pages. */
export function indexPage(site: SiteContext): string {
  const marts = site.models.filter((m) => m.layer === 'marts');
  const staging = site.models.filter((m) => m.layer === 'staging');
  const body = markup`
    <h1>The data, from CRM exports and marketing activity to marts</h1>
    <p class="lede">
      Every mart below is a table in BigQuery (dataset <code>${site.prefix}marts</code> of project <code>${site.project}</code>),
      rebuilt by every run of the pipeline from the raw data, through the staging models. Each page lists the columns, the tests
      that guard them and queries to start from.
    </p>
    ${site.data.available ? '' : noData(`Freshness and charts are missing from these pages: ${site.data.note ?? 'no warehouse'}.`)}
    <h2>Marts</h2>
    <div class="cards">${marts.map((m) => martCard(m, site))}</div>
    <h2>Charts</h2>
    <div class="cards">
      ${CHART_PAGES.map(
        (p) =>
          markup`<div class="card">
            <h3><a href="${p.file}">${p.title}</a></h3>
            <p>${p.text}</p>
          </div>`,
      )}
    </div>
    <h2>Lineage</h2>
    ${figure(renderLineageSvg(site.graph), 'Raw sources (grey) feed the staging models (blue), which feed the marts (green). Click a box to open its page.', undefined, 'lineage')}
    <p><a href="lineage.html">Lineage page</a> · <a href="lineage.svg">lineage.svg</a></p>
    <h2>Staging models</h2>
    <table>
      <thead>
        <tr>
          <th>Model</th>
          <th>Description</th>
          <th>Reads</th>
        </tr>
      </thead>
      <tbody>
        ${staging.map(
          (m) =>
            markup`<tr>
              <td>
                <a href="${pageFile(m.layer, m.name)}"><code>${m.name}</code></a>
              </td>
              <td>${prose(firstSentence(m.description))}</td>
              <td>${m.dependsOn.join(', ')}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Sources</h2>
    <table>
      <thead>
        <tr>
          <th>Table</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        ${site.sources.map(
          (s) =>
            markup`<tr>
              <td>
                <a href="sources.html#raw.${s.name}"><code>raw.${s.name}</code></a>
              </td>
              <td>${prose(s.description)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  `;
  return page({ title: 'Overview', current: 'index.html', generatedAt: site.now, body });
}

function martCard(model: DocsModel, site: SiteContext): SafeHtml {
  const id = `${model.layer}.${model.name}`;
  const info = site.data.tables.get(id);
  const built = site.data.builds.get(id);
  const facts = [
    `${model.columns.length} columns`,
    `${model.tests.length + model.columns.reduce((n, c) => n + c.tests.length, 0)} tests`,
    ...(info
      ? [`${info.rows === null ? '?' : formatCount(info.rows)} ${info.rows === 1 ? 'row' : 'rows'}`]
      : info === null
        ? ['not built yet']
        : []),
    ...(built ? [`built ${ago(built, site.now)}`] : []),
  ];
  return markup`<div class="card mart" data-mart="${model.name}">
    <h3><a href="${pageFile(model.layer, model.name)}">${model.name}</a></h3>
    <p>${prose(firstSentence(model.description))}</p>
    <p class="meta">${facts.join(' · ')}</p>
  </div>`;
}

/** The first sentence of a description (cards show it; the page shows all). */
export function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/[.!?](\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}
