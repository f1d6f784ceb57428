import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../../pipelines/core/errors.js';
import { generateDocsSite } from '../../../pipelines/docs/generate-site.js';
import type { DocsSiteOptions } from '../../../pipelines/docs/types.js';
import type { Warehouse } from '../../../pipelines/warehouse/warehouse.js';
import { tempDuckDb } from '../../support/temp-warehouse.js';
import {
  BANKS,
  BORROWERS,
  CHANNELS,
  DAYS,
  FUNNEL_STEPS,
  fixtureModels,
  fixtureSources,
  funnelRow,
  HOSTILE,
  PAGES,
  pageViews,
  writeFixtureMarts,
} from './support/docs-fixture.js';

const NOW = new Date('2024-03-15T09:05:00Z');

/**
 * A page with its markup's whitespace collapsed (the templates are laid out by prettier), so tests can
 * match markup whatever its line breaks. Text keeps single spaces.
 */
function flat(content: string): string {
  return content
    .replace(/\s+/g, ' ')
    .replace(/ >/g, '>')
    .replace(/> </g, '><')
    .replace(/> ([^<]*?) </g, '>$1<');
}

/** The figures of a page, in order. */
function figures(page: string): string[] {
  return page.split('<figure').slice(1);
}

/** The bars of a chart, from the labels Vega gives them, category first: `label: 18-24; Borrowers: 6`. */
function bars(figure: string): string[] {
  return [...figure.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="bar"/g)].map((m) => {
    const parts = m[1]!.split('; ');
    return [...parts.filter((p) => p.startsWith('label: ')), ...parts.filter((p) => !p.startsWith('label: '))].join('; ');
  });
}

describe('docs site generation', function () {
  this.timeout(60_000);
  let out: string;
  let db: Awaited<ReturnType<typeof tempDuckDb>>;
  const read = (file: string): string => flat(readFileSync(join(out, file), 'utf8'));
  const generate = (options: Partial<DocsSiteOptions> = {}) =>
    generateDocsSite({
      models: fixtureModels(),
      sources: fixtureSources(),
      outDir: out,
      now: NOW,
      project: 'acme-data',
      ...options,
    });

  beforeEach(async function () {
    out = mkdtempSync(join(tmpdir(), 'docs-site-'));
    db = await tempDuckDb('docs-site-db-');
  });
  afterEach(async function () {
    rmSync(out, { recursive: true, force: true });
    await db.dispose();
  });

  describe('from a warehouse with the marts built', function () {
    beforeEach(async () => writeFixtureMarts(db.warehouse));

    it('writes the index, lineage, sources, a page per model and the chart pages', async function () {
      const result = await generate({ warehouse: db.warehouse });
      expect(result.problems).to.deep.equal([]);
      expect(result.charts).to.deep.equal({ borrowerProfile: true, funnel: true, traffic: true });
      expect(readdirSync(out).sort()).to.deep.equal([
        'borrower-profile.html',
        'index.html',
        'lineage.html',
        'lineage.svg',
        'marketing-funnel.html',
        'marts.borrower_profile.html',
        'marts.borrower_profile_distribution.html',
        'marts.funnel_daily.html',
        'marts.traffic_daily.html',
        'sources.html',
        'staging.stg_crm_opportunities.html',
        'staging.stg_mkt_events.html',
        'style.css',
        'traffic.html',
      ]);
      expect(result.index).to.equal(join(out, 'index.html'));
      const index = read('index.html');
      for (const mart of ['borrower_profile', 'borrower_profile_distribution', 'funnel_daily', 'traffic_daily']) {
        expect(index).to.contain(`<a href="marts.${mart}.html">${mart}</a>`);
      }
      expect(index).to.contain('<a class="node" data-node="raw.mkt_events"');
      expect(read('lineage.svg')).to.match(
        /^<\?xml version="1.0" encoding="UTF-8"\?><svg xmlns="http:\/\/www.w3.org\/2000\/svg"/,
      );
    });

    it('documents a mart: description, columns with type, description and tests, BigQuery queries, freshness', async function () {
      await generate({ warehouse: db.warehouse, bigqueryDatasetPrefix: 'dev_' });
      const page = read('marts.borrower_profile_distribution.html');
      expect(page).to.contain('<title>marts.borrower_profile_distribution · Mortgage ELT docs</title>');
      expect(page).to.contain('Borrowers per value of each profile dimension.');
      expect(page).to.match(
        /<tr id="col-share"><td><code>share<\/code><\/td><td><code>FLOAT64<\/code><\/td><td>Share of all borrowers<\/td><td><span class="badge" title="share passes accepted_range">accepted_range<\/span><\/td><\/tr>/,
      );
      expect(page).to.contain('unique_combination_dimension_value');
      expect(page).to.contain('FROM `acme-data.dev_marts.borrower_profile_distribution`');
      expect(page).to.contain('<dt>Last built</dt><dd>2024-03-15 06:05 UTC<span class="meta">(3 h ago)</span></dd>');
      expect(page).to.contain(`<dt>Rows</dt><dd>${BANKS.length + 11 + 5 + 3 + 3}</dd>`);
      expect(page).to.contain('<a href="index.html">Overview</a>');
      expect(page).to.contain('<a href="lineage.html">Lineage</a>');

      const funnel = read('marts.funnel_daily.html');
      expect(funnel).to.contain(
        '<dt>Newest data</dt><dd>2024-03-14<span class="meta">(greatest <code>day</code>, yesterday)</span></dd>',
      );
      expect(funnel).to.contain('partitioned by day on <code>day</code>');
      expect(funnel).to.contain('WHERE day &gt;= DATE_SUB(CURRENT_DATE(), INTERVAL 7 DAY)');
      expect(read('staging.stg_crm_opportunities.html')).not.to.contain('Example BigQuery queries');
    });

    it('escapes descriptions, SQL and data values: no markup from them reaches a page', async function () {
      await generate({ warehouse: db.warehouse });
      for (const file of readdirSync(out).filter((f) => /\.(html|svg)$/.test(f))) {
        const content = read(file);
        expect(content, file).not.to.contain(HOSTILE);
        expect(content, file).not.to.contain('<script');
        expect(content, file).not.to.contain('<img');
      }
      expect(read('marts.borrower_profile_distribution.html')).to.contain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
      // The hostile bank name is one of the top ten: it is drawn, as text.
      expect(read('borrower-profile.html')).to.contain('&lt;img src=x onerror=');
    });

    it('draws the borrower profile from the marts: age bands in order, top ten banks, the key figures', async function () {
      await generate({ warehouse: db.warehouse });
      const page = read('borrower-profile.html');
      const [age, category, bank, contract, previous] = figures(page);
      expect(bars(age!)).to.deep.equal([
        'label: 18-24; Borrowers: 6',
        'label: 25-29; Borrowers: 18',
        'label: 30-34; Borrowers: 30',
        'label: 35-39; Borrowers: 24',
        'label: 40-44; Borrowers: 16',
        'label: 45-49; Borrowers: 10',
        'label: 50-54; Borrowers: 6',
        'label: 55-59; Borrowers: 4',
        'label: 60+; Borrowers: 2',
        'label: invalid; Borrowers: 1',
        'label: unknown; Borrowers: 3',
      ]);
      expect(bars(category!)[0]).to.equal('label: Cadre; Share of borrowers: 40.0%');
      expect(bars(bank!)).to.have.length(10);
      expect(bars(bank!)[0]).to.equal(`label: BNP Paribas; Share of borrowers: ${((22 / BORROWERS) * 100).toFixed(1)}%`);
      expect(bank).to.contain(`The 2 other values account for ${(((3 + 2) / BORROWERS) * 100).toFixed(1)}%.`);
      expect(bars(contract!)).to.have.length(3);
      expect(bars(previous!).map((b) => b.split(';')[0])).to.deep.equal(['label: no', 'label: yes', 'label: unknown']);
      expect(page).to.contain('<div class="value">120</div><div class="label">borrowers</div>');
      expect(page).to.contain('<div class="value">37.5%</div><div class="label">had a mortgage before (of known answers)</div>');
      expect(page).to.contain('built 2024-03-15 06:05 UTC');
    });

    it('draws the funnel in step order with its totals and step conversions, and a table per channel', async function () {
      await generate({ warehouse: db.warehouse });
      const page = read('marketing-funnel.html');
      const totals = FUNNEL_STEPS.map((_, i) =>
        DAYS.reduce((s, _d, d) => s + CHANNELS.reduce((t, _c, c) => t + funnelRow(d, c)[i]!, 0), 0),
      );
      const [funnel] = figures(page);
      expect(bars(funnel!)).to.deep.equal(
        FUNNEL_STEPS.map(
          (step, i) =>
            `label: ${step.replace(/_/g, ' ')}; Total, 2024-03-01 to 2024-03-14: ${totals[i]!.toLocaleString('en-US')}`,
        ),
      );
      expect(funnel).to.contain(
        `${totals[1]!.toLocaleString('en-US')} · ${((totals[1]! / totals[0]!) * 100).toFixed(1)}% of previous`,
      );
      // lead_rate is a rate: not a step.
      expect(page).not.to.contain('lead rate');
      const channelRows = [...page.matchAll(/<tr><td>(google_ads|seo|newsletter)<\/td>/g)].map((m) => m[1]);
      expect(channelRows).to.deep.equal(['newsletter', 'seo', 'google_ads']);
      expect(figures(page)).to.have.length(3);
    });

    it('draws traffic over time and the most visited pages, largest first', async function () {
      await generate({ warehouse: db.warehouse });
      const page = read('traffic.html');
      const [overTime, top, topDaily] = figures(page);
      expect(overTime).to.contain('Page views and entrances per day');
      const expected = PAGES.map(
        (path, p) =>
          `label: ${path}; page views, 2024-03-01 to 2024-03-14: ${DAYS.reduce((s, _d, d) => s + pageViews(d, p), 0).toLocaleString('en-US')}`,
      );
      expect(bars(top!)).to.deep.equal(expected);
      expect(topDaily).to.contain('page views per day of the 5 most visited pages'.replace(/^p/, 'P'));
    });

    it('gives the same files from the same models and data', async function () {
      const first = await generate({ warehouse: db.warehouse });
      const files = first.files.map((f) => readFileSync(join(out, f), 'utf8'));
      const again = mkdtempSync(join(tmpdir(), 'docs-site-again-'));
      try {
        await generate({ warehouse: db.warehouse, outDir: again });
        first.files.forEach((f, i) => expect(readFileSync(join(again, f), 'utf8'), f).to.equal(files[i]));
      } finally {
        rmSync(again, { recursive: true, force: true });
      }
    });

    it('removes pages of models that are gone, and nothing else', async function () {
      writeFileSync(join(out, 'marts.renamed_mart.html'), 'old');
      writeFileSync(join(out, 'notes.html'), 'mine');
      await generate({ warehouse: db.warehouse });
      expect(existsSync(join(out, 'marts.renamed_mart.html'))).to.equal(false);
      expect(read('notes.html')).to.equal('mine');
    });
  });

  it('without a warehouse, writes every page and says on the chart pages why there is no data', async function () {
    const result = await generate({ dataNote: 'the warehouse is busy' });
    expect(result.charts).to.deep.equal({ borrowerProfile: false, funnel: false, traffic: false });
    for (const file of ['borrower-profile.html', 'marketing-funnel.html', 'traffic.html']) {
      expect(read(file)).to.contain('<p class="no-data" role="status">No data: the warehouse is busy.</p>');
    }
    expect(read('marts.funnel_daily.html')).to.contain('unknown: the warehouse is busy');
  });

  it('says "no data yet: run the pipeline" when the marts are missing or empty', async function () {
    await db.warehouse.init();
    await db.warehouse.ensureTable({
      ref: { layer: 'marts', name: 'funnel_daily' },
      columns: [
        { name: 'day', type: 'DATE' },
        { name: 'sessions', type: 'INT64' },
      ],
    });
    const result = await generate({ warehouse: db.warehouse });
    expect(result.charts).to.deep.equal({ borrowerProfile: false, funnel: false, traffic: false });
    expect(read('borrower-profile.html')).to.contain(
      'No data yet: run the pipeline (marts.borrower_profile_distribution is not built).',
    );
    expect(read('marketing-funnel.html')).to.contain('No data yet: run the pipeline (marts.funnel_daily is empty).');
    expect(read('marts.borrower_profile.html')).to.contain('not built yet');
    expect(result.problems).to.deep.equal([]);
  });

  it('discovers the columns of a funnel mart named differently', async function () {
    await db.warehouse.init();
    const ref = { layer: 'marts' as const, name: 'funnel_daily' };
    await db.warehouse.ensureTable({
      ref,
      columns: [
        { name: 'date', type: 'DATE' },
        { name: 'utm_source', type: 'STRING' },
        { name: 'visits', type: 'INT64' },
        { name: 'signups', type: 'INT64' },
        { name: 'signup_rate', type: 'FLOAT64' },
      ],
    });
    await db.warehouse.execute(
      `INSERT INTO ${db.warehouse.qualify(ref)} VALUES (DATE '2024-03-01', 'seo', 100, 10, 0.1), (DATE '2024-03-02', 'seo', 50, 4, 0.08), (DATE '2024-03-02', 'ads', 30, 6, 0.2)`,
    );
    const result = await generate({ warehouse: db.warehouse });
    expect(result.charts.funnel).to.equal(true);
    const page = read('marketing-funnel.html');
    expect(bars(figures(page)[0]!)).to.deep.equal([
      'label: visits; Total, 2024-03-01 to 2024-03-02: 180',
      'label: signups; Total, 2024-03-01 to 2024-03-02: 20',
    ]);
    expect(page).to.contain('<th>utm_source</th>');
  });

  it('reports a failing read as a problem and still writes the page', async function () {
    await writeFixtureMarts(db.warehouse);
    const failing: Warehouse = Object.create(db.warehouse, {
      query: {
        value: (sql: string, ...rest: unknown[]) =>
          sql.includes('"traffic_daily"') && sql.includes('SUM(')
            ? Promise.reject(new Error('quota exceeded'))
            : (db.warehouse.query as (...a: unknown[]) => unknown).call(db.warehouse, sql, ...rest),
      },
    });
    const result = await generate({ warehouse: failing });
    expect(result.problems).to.deep.equal(['Traffic: quota exceeded']);
    expect(result.charts).to.deep.equal({ borrowerProfile: true, funnel: true, traffic: false });
    expect(read('traffic.html')).to.contain('The charts could not be drawn: Traffic: quota exceeded');
  });

  it('rejects a model list with a bad name or a duplicate, naming it', async function () {
    const models = fixtureModels();
    models[1] = { ...models[1]!, name: 'bad-name' };
    await generate({ models }).then(
      () => expect.fail('should reject'),
      (error: unknown) => {
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as Error).message).to.equal('docs: models[1]: model name "bad-name": letters, digits and underscores only');
      },
    );
    const twice = [...fixtureModels(), fixtureModels()[2]!];
    await generate({ models: twice }).then(
      () => expect.fail('should reject'),
      (error: unknown) =>
        expect((error as Error).message).to.equal('docs: models[6]: model marts.borrower_profile_distribution is listed twice'),
    );
  });
});
