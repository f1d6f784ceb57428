import { bigQueryTable, exampleQueries } from '../example-queries.js';
import { markup, pageFile, prose, type SafeHtml } from '../html.js';
import { ago, formatTime, page } from '../layout.js';
import { neighbourhood, renderLineageSvg } from '../lineage.js';
import type { DocsModel } from '../types.js';
import { columnsTable, figure, formatCount, testBadges, type SiteContext } from './components.js';

/** The page of one model: description, facts and freshness, lineage around it, columns, tests, example queries, SQL. */
export function modelPage(model: DocsModel, site: SiteContext): string {
  const id = `${model.layer}.${model.name}`;
  const table = bigQueryTable(site.project, site.prefix, model.layer, model.name);
  const readers = site.models.filter((m) => m.dependsOn.includes(id));
  const local = neighbourhood(site.graph, id);
  const body = markup`
    <p class="meta"><a href="index.html">Overview</a> › <a href="lineage.html">Lineage</a> › ${id}</p>
    <h1><span class="layer ${model.layer}">${model.layer}</span> ${model.name}</h1>
    <p class="description">${prose(model.description)}</p>
    <dl class="facts">
      <dt>BigQuery table</dt>
      <dd><code>${table}</code></dd>
      <dt>Materialized as</dt>
      <dd>${model.materialization}${model.partitionBy ? markup`, partitioned by day on <code>${model.partitionBy}</code>` : ''}</dd>
      ${freshness(id, site)}
      ${
        model.path
          ? markup`<dt>Defined in</dt>
              <dd><code>${model.path}</code></dd>`
          : ''
      }
    </dl>
    <h2>Lineage</h2>
    ${figure(renderLineageSvg(local, { highlight: id, title: `Lineage of ${id}` }), `What ${model.name} reads, and what reads it. Click a box to open its page.`, undefined, 'lineage-local')}
    <p>
      Reads: ${relationLinks(model.dependsOn, site)}<br />Read by:
      ${relationLinks(
        readers.map((m) => `${m.layer}.${m.name}`),
        site,
      )}
    </p>
    <h2>Columns</h2>
    ${columnsTable(model.columns)}
    ${
      model.tests.length > 0
        ? markup`<h2>Table tests</h2>
            <ul class="tests">
              ${model.tests.map((t) => markup`<li>${testBadges([t])} <code>${t.name}</code><br /><span class="meta">${t.description ?? ''}</span></li>`)}
            </ul>`
        : ''
    }
    ${model.layer === 'marts' ? examples(model, table) : ''}
    ${
      model.sql
        ? markup`<h2>How it is built</h2>
            <details>
              <summary>The SQL, compiled for BigQuery</summary>
              <pre><code>${model.sql}</code></pre>
            </details>`
        : ''
    }
  `;
  return page({ title: id, generatedAt: site.now, body });
}

function freshness(id: string, site: SiteContext): SafeHtml {
  if (!site.data.available) {
    return markup`<dt>Freshness</dt>
      <dd class="meta">unknown: ${site.data.note ?? 'no warehouse'}</dd>`;
  }
  const info = site.data.tables.get(id);
  const built = site.data.builds.get(id);
  const newest = site.data.newest.get(id);
  return markup` <dt>Last built</dt>
    <dd>
      ${built ? markup`${formatTime(built)} <span class="meta">(${ago(built, site.now)})</span>` : markup`<span class="meta">no successful build recorded</span>`}
    </dd>
    <dt>Rows</dt>
    <dd>
      ${info === undefined ? 'unknown' : info === null ? markup`<span class="meta">not built yet</span>` : info.rows === null ? 'unknown' : formatCount(info.rows)}
    </dd>
    ${
      newest
        ? markup`<dt>Newest data</dt>
            <dd>
              ${newest.value ? markup`${formatTime(newest.value)} <span class="meta">(greatest <code>${newest.column}</code>, ${ago(newest.value, site.now)})</span>` : 'none'}
            </dd>`
        : ''
    }`;
}

function relationLinks(ids: string[], site: SiteContext): SafeHtml {
  if (ids.length === 0) return markup`<span class="meta">nothing</span>`;
  return markup`${ids.map((relation, i) => {
    const node = site.graph.nodes.find((n) => n.id === relation);
    const link = node?.href ? markup`<a href="${node.href}"><code>${relation}</code></a>` : markup`<code>${relation}</code>`;
    return markup`${i > 0 ? ', ' : ''}${link}`;
  })}`;
}

function examples(model: DocsModel, table: string): SafeHtml {
  return markup`<h2>Example BigQuery queries</h2>
    <p class="meta">
      Paste into the BigQuery console. BigQuery bills by the columns a query reads: name the columns you need rather than
      <code>SELECT *</code>.
    </p>
    ${exampleQueries(model, table).map(
      (q) =>
        markup`<h3>${q.title}</h3>
          <pre><code>${q.sql}</code></pre>`,
    )}`;
}

/** The file name of a model's page. */
export function modelPageFile(model: DocsModel): string {
  return pageFile(model.layer, model.name);
}
