import { markup } from '../html.js';
import { page } from '../layout.js';
import { renderLineageSvg } from '../lineage.js';
import { figure, type SiteContext } from './components.js';

/** The lineage page: the whole graph, a legend, and every dependency as a list (for reading and searching). */
export function lineagePage(site: SiteContext): string {
  const href = (id: string): string | undefined => site.graph.nodes.find((n) => n.id === id)?.href;
  const body = markup`
    <h1>Lineage</h1>
    <p class="lede">
      How data flows: each raw table is read by a staging model that cleans and types it; the marts combine staging models (and
      sometimes other marts). An arrow goes from a relation to the model that reads it.
    </p>
    ${figure(renderLineageSvg(site.graph), 'Grey: raw sources as loaded. Blue: staging models. Green: marts. Click a box to open its page; hover for its description.', undefined, 'lineage')}
    <p>The same picture as a file: <a href="lineage.svg">lineage.svg</a>.</p>
    <h2>Every dependency</h2>
    <table>
      <thead>
        <tr>
          <th>Read</th>
          <th>By</th>
        </tr>
      </thead>
      <tbody>
        ${site.graph.edges.map((e) => {
          const from = href(e.from);
          const to = href(e.to);
          return markup`<tr>
            <td>${from ? markup`<a href="${from}"><code>${e.from}</code></a>` : markup`<code>${e.from}</code>`}</td>
            <td>${to ? markup`<a href="${to}"><code>${e.to}</code></a>` : markup`<code>${e.to}</code>`}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  `;
  return page({ title: 'Lineage', current: 'lineage.html', generatedAt: site.now, body });
}
