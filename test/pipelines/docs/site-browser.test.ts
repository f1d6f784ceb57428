import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { docsFromProject } from '../../../pipelines/docs/from-project.js';
import { generateDocsSite } from '../../../pipelines/docs/generate-site.js';
import type { DocsModel, DocsSource } from '../../../pipelines/docs/types.js';
import { tempDuckDb } from '../../support/temp-warehouse.js';
import { HOSTILE, writeFixtureMarts } from './support/docs-fixture.js';
import { serveStatic } from './support/static-server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/docs/', import.meta.url));
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The site as a person sees it: the project's models, marts filled with small hand-made data, served
// by a static server, opened in headless Chromium (Debian's package).
describe('docs site in a browser (headless Chromium)', function () {
  this.timeout(180_000);
  let models: DocsModel[];
  let sources: DocsSource[];
  let site: string;
  let userData: string;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let context: BrowserContext;
  let page: Page;
  /** Responses that failed, requests that left the machine, and script errors, over the whole test. */
  const faults: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === 'true')
        throw new Error(`Chromium not found at ${CHROMIUM}: CI must install Debian's chromium package`);
      console.log(`      skipped: Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
      this.skip();
    }
    ({ models, sources } = docsFromProject({ project: 'acme-data' }));
    // A description that would run script if a page let it through.
    const best = models.find((m) => m.name === 'best_proposition')!;
    best.description = `${best.description} ${HOSTILE}`;
    site = mkdtempSync(join(tmpdir(), 'docs-browser-site-'));
    userData = mkdtempSync(join(tmpdir(), 'docs-browser-profile-'));
    const db = await tempDuckDb('docs-browser-db-');
    try {
      await writeFixtureMarts(db.warehouse);
      await generateDocsSite({
        models,
        sources,
        warehouse: db.warehouse,
        outDir: site,
        project: 'acme-data',
        now: new Date('2024-03-15T09:05:00Z'),
      });
    } finally {
      await db.dispose();
    }
    server = await serveStatic(site);
    context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('response', (response) => {
      if (response.status() >= 400) faults.push(`${response.status()} ${response.url()}`);
    });
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(server.url) && !url.startsWith('file:') && !url.startsWith('data:') && !url.startsWith('about:'))
        faults.push(`network: ${url}`);
    });
    page.on('pageerror', (error) => faults.push(`script error: ${error.message}`));
  });

  after(async function () {
    await context?.close();
    await server?.close();
    for (const dir of [site, userData]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    expect(faults, 'failed responses, network requests or script errors').to.deep.equal([]);
  });

  const open = async (file: string): Promise<void> => {
    const response = await page.goto(`${server.url}/${file}`);
    expect(response?.status(), file).to.equal(200);
  };

  it('renders the lineage picture on the index, a box for every model and source, and an arrow per dependency', async function () {
    await open('index.html');
    expect(await page.title()).to.equal('Overview · Mortgage ELT docs');
    const picture = page.locator('figure.lineage svg.lineage');
    const box = await picture.boundingBox();
    expect(box!.width).to.be.greaterThan(400);
    expect(box!.height).to.be.greaterThan(80);
    const ids = [...sources.map((s) => `raw.${s.name}`), ...models.map((m) => `${m.layer}.${m.name}`)];
    for (const id of ids) {
      const node = picture.locator(`[data-node="${id}"]`);
      expect(await node.locator('text').textContent(), id).to.equal(id.slice(id.indexOf('.') + 1));
      const nodeBox = await node.boundingBox();
      expect(nodeBox!.width, id).to.be.greaterThan(40);
      expect(nodeBox!.height, id).to.be.greaterThan(15);
    }
    const edges = picture.locator('path[data-edge]');
    expect(await edges.count()).to.equal(models.reduce((n, m) => n + new Set(m.dependsOn).size, 0));
    expect((await edges.first().boundingBox())!.width).to.be.greaterThan(0);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'index.png'), fullPage: true });
  });

  it('opens every mart page from the index, with its columns, queries and a link back', async function () {
    const marts = models.filter((m) => m.layer === 'marts');
    for (const mart of marts) {
      await open('index.html');
      await page.locator(`.card.mart[data-mart="${mart.name}"] h3 a`).click();
      await page.waitForURL(`**/marts.${mart.name}.html`);
      expect(await page.title()).to.equal(`marts.${mart.name} · Mortgage ELT docs`);
      expect(await page.locator('h1').textContent()).to.contain(mart.name);
      expect(await page.locator('table.columns tbody tr').count()).to.equal(mart.columns.length);
      expect(await page.locator('pre code', { hasText: `\`acme-data.marts.${mart.name}\`` }).count()).to.be.greaterThan(1);
      expect((await page.locator('figure.lineage-local svg').boundingBox())!.width).to.be.greaterThan(100);
      await page.locator('main a', { hasText: 'Overview' }).first().click();
      await page.waitForURL('**/index.html');
    }
    await open('marts.best_proposition.html');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).to.equal(undefined);
    expect(await page.locator('p.description').textContent()).to.contain('<script>window.__pwned=1</script>');
    await page.screenshot({ path: join(SCREENSHOTS, 'mart-best_proposition.png'), fullPage: true });
  });

  it('opens a model page from a box of the lineage picture', async function () {
    await open('lineage.html');
    await page.locator('svg.lineage [data-node="staging.stg_crm_opportunities"]').click();
    await page.waitForURL('**/staging.stg_crm_opportunities.html');
    expect(await page.title()).to.equal('staging.stg_crm_opportunities · Mortgage ELT docs');
  });

  it('opens the chart pages from the navigation, each drawing bars and lines from the marts', async function () {
    const pages = [
      { nav: 'Borrower profile', file: 'borrower-profile.html', figures: 5 },
      { nav: 'Marketing funnel', file: 'marketing-funnel.html', figures: 3 },
      { nav: 'Traffic', file: 'traffic.html', figures: 3 },
    ];
    for (const chart of pages) {
      await open('index.html');
      await page.locator('header nav a', { hasText: chart.nav }).click();
      await page.waitForURL(`**/${chart.file}`);
      expect(await page.title()).to.equal(`${chart.nav} · Mortgage ELT docs`);
      expect(await page.locator('.no-data').count(), chart.file).to.equal(0);
      expect(await page.locator('figure.chart svg').count()).to.equal(chart.figures);
      const bar = page.locator('[aria-roledescription="bar"]').first();
      const barBox = await bar.boundingBox();
      expect(barBox!.width * barBox!.height, `${chart.file}: a bar with an area`).to.be.greaterThan(10);
      await page.screenshot({ path: join(SCREENSHOTS, chart.file.replace('.html', '.png')), fullPage: true });
    }
    await open('borrower-profile.html');
    expect(await page.locator('figure.chart').first().locator('[aria-roledescription="bar"]').count()).to.equal(11);
    expect(await page.locator('figure.chart text', { hasText: '<img src=x' }).count()).to.equal(1);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).to.equal(undefined);
    await open('marketing-funnel.html');
    const lines = page.locator('figure.chart [aria-roledescription="line mark"]');
    expect(await lines.count()).to.be.greaterThan(0);
  });

  it('has no broken link on any page: every page and anchor a link names exists', async function () {
    const links = new Map<string, string[]>();
    const ids = new Map<string, Set<string>>();
    const queue = ['index.html'];
    while (queue.length > 0) {
      const file = queue.shift()!;
      if (links.has(file)) continue;
      await open(file);
      const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')!));
      links.set(file, hrefs);
      ids.set(file, new Set(await page.$$eval('[id]', (es) => es.map((e) => e.id))));
      for (const href of hrefs) {
        const target = href.split('#')[0]!;
        if (target.endsWith('.html') && !links.has(target)) queue.push(target);
      }
    }
    expect(links.size).to.equal(6 + models.length);
    for (const [file, hrefs] of links) {
      for (const href of hrefs) {
        const [target, anchor] = href.split('#') as [string, string | undefined];
        const path = target === '' ? file : target;
        if (!path.endsWith('.html')) {
          expect((await fetch(`${server.url}/${path}`)).status, `${file} -> ${href}`).to.equal(200);
          continue;
        }
        if (anchor) expect(ids.get(path)?.has(anchor), `${file} -> ${href}`).to.equal(true);
      }
    }
  });

  it('works the same from the files, without a server', async function () {
    await page.goto(pathToFileURL(join(site, 'index.html')).href);
    expect((await page.locator('figure.lineage svg.lineage').boundingBox())!.width).to.be.greaterThan(400);
    await page.locator('.card.mart h3 a').first().click();
    await page.waitForURL(/marts\.[a-z_]+\.html$/);
    expect(await page.title()).to.match(/^marts\.[a-z_]+ · Mortgage ELT docs$/);
    // The stylesheet loads from disk too.
    expect(await page.locator('header.top').evaluate((e) => getComputedStyle(e).backgroundColor)).to.equal('rgb(31, 59, 87)');
  });
});
