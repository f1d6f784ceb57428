import { markup, pageFile, prose } from '../html.js';
import { page } from '../layout.js';
import { columnsTable, formatCount, type SiteContext } from './components.js';

/** The raw sources: description, columns (as declared, else as loaded in the warehouse), row count, readers. */
export function sourcesPage(site: SiteContext): string {
  const body = markup`
    <h1>Sources</h1>
    <p class="lede">
      The raw tables the loaders write: the rows of the CRM exports and of the marketing API, as received, with load lineage
      columns (which file or window, when).
    </p>
    ${site.sources.map((source) => {
      const id = `raw.${source.name}`;
      const info = site.data.tables.get(id);
      const readers = site.models.filter((m) => m.dependsOn.includes(id));
      const columns =
        source.columns.length > 0
          ? source.columns
          : (info?.columns.map((c) => ({ name: c.name, type: c.type, description: '' })) ?? []);
      return markup`<section id="${id}">
        <h2><span class="layer raw">raw</span> ${source.name}</h2>
        <p class="description">${prose(source.description)}</p>
        <p class="meta">
          ${info ? `${info.rows === null ? '?' : formatCount(info.rows)} rows` : info === null ? 'not loaded yet' : ''}${
            source.columns.length === 0 && info ? ' · columns as loaded in the warehouse' : ''
          }
        </p>
        <p>
          Read by:
          ${readers.length === 0 ? markup`<span class="meta">no model</span>` : readers.map((m, i) => markup`${i > 0 ? ', ' : ''}<a href="${pageFile(m.layer, m.name)}"><code>${m.layer}.${m.name}</code></a>`)}
        </p>
        ${columnsTable(columns)}
      </section>`;
    })}
  `;
  return page({ title: 'Sources', current: 'sources.html', generatedAt: site.now, body });
}
