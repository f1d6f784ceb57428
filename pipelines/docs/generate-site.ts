import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { pageFile } from './html.js';
import { noData, page, STYLE } from './layout.js';
import { lineageGraph, renderLineageSvg } from './lineage.js';
import { borrowerProfilePage, type ChartPage } from './pages/borrower-page.js';
import type { SiteContext } from './pages/components.js';
import { funnelPage } from './pages/funnel-page.js';
import { indexPage } from './pages/index-page.js';
import { lineagePage } from './pages/lineage-page.js';
import { modelPage } from './pages/model-page.js';
import { sourcesPage } from './pages/sources-page.js';
import { trafficPage } from './pages/traffic-page.js';
import { collectSiteData } from './site-data.js';
import type { DocsModel, DocsSiteOptions, DocsSiteResult } from './types.js';

const PLACEHOLDER_PROJECT = 'your-project';
// Model pages are named `<layer>.<name>.html`; pages of models that no longer exist are removed.
const MODEL_PAGE = /^(staging|marts)\.[A-Za-z0-9_]+\.html$/;

/**
 * Writes the documentation site into `outDir`: one folder of static HTML (no script, no network)
 * that works from `file://` and from any static host. Pages: index, lineage (+ lineage.svg), sources,
 * one per model, and the chart pages (borrower profile, marketing funnel, traffic) drawn from the
 * marts as they are in `warehouse`. Without a warehouse, or when a mart is missing or empty, the
 * chart pages say so. Warehouse reads that fail are reported in `problems`; the site is still written.
 */
export async function generateDocsSite(options: DocsSiteOptions): Promise<DocsSiteResult> {
  validate(options.models);
  const outDir = resolve(options.outDir);
  const now = options.now ?? new Date();
  const graph = lineageGraph(options.models, options.sources);
  const data = await collectSiteData(options.warehouse, options.models, options.sources, options.dataNote);
  const site: SiteContext = {
    models: options.models,
    sources: options.sources,
    graph,
    data,
    now,
    project: options.project || PLACEHOLDER_PROJECT,
    prefix: options.bigqueryDatasetPrefix ?? '',
  };

  const files = new Map<string, string>();
  files.set('style.css', STYLE.trimStart());
  files.set('index.html', indexPage(site));
  files.set('lineage.html', lineagePage(site));
  files.set('lineage.svg', `<?xml version="1.0" encoding="UTF-8"?>\n${renderLineageSvg(graph)}\n`);
  files.set('sources.html', sourcesPage(site));
  for (const model of options.models) files.set(pageFile(model.layer, model.name), modelPage(model, site));

  const chart = async (file: string, title: string, draw: () => Promise<ChartPage>): Promise<boolean> => {
    try {
      const drawn = await draw();
      files.set(file, drawn.html);
      return drawn.drawn;
    } catch (error) {
      const message = `${title}: ${(error as Error).message.split('\n')[0]}`;
      data.problems.push(message);
      files.set(file, page({ title, generatedAt: now, body: noData(`The charts could not be drawn: ${message}`) }));
      return false;
    }
  };
  const charts = {
    borrowerProfile: await chart('borrower-profile.html', 'Borrower profile', () => borrowerProfilePage(site, options.warehouse)),
    funnel: await chart('marketing-funnel.html', 'Marketing funnel', () => funnelPage(site, options.warehouse)),
    traffic: await chart('traffic.html', 'Traffic', () => trafficPage(site, options.warehouse)),
  };

  mkdirSync(outDir, { recursive: true });
  for (const entry of readdirSync(outDir)) {
    if (MODEL_PAGE.test(entry) && !files.has(entry)) rmSync(join(outDir, entry), { force: true });
  }
  for (const [file, content] of files) writeFileSync(join(outDir, file), content);
  return { outDir, index: join(outDir, 'index.html'), files: [...files.keys()], charts, problems: data.problems };
}

function validate(models: DocsModel[]): void {
  const seen = new Set<string>();
  models.forEach((model, i) => {
    const at = `models[${i}]`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(model.name)) {
      throw new ConfigError(`docs: ${at}: model name ${JSON.stringify(model.name)}: letters, digits and underscores only`);
    }
    if (model.layer !== 'staging' && model.layer !== 'marts') {
      throw new ConfigError(`docs: ${at} (${model.name}): layer must be staging or marts, got ${JSON.stringify(model.layer)}`);
    }
    const id = `${model.layer}.${model.name}`;
    if (seen.has(id)) throw new ConfigError(`docs: ${at}: model ${id} is listed twice`);
    seen.add(id);
  });
}
