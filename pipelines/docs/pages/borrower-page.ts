import type { Warehouse } from '../../warehouse/warehouse.js';
import { barChart, shortLabel, type BarDatum } from '../charts.js';
import { markup, pageFile, type SafeHtml } from '../html.js';
import { ago, formatTime, noData, page } from '../layout.js';
import { martState, readDistribution, readSingleRow, toNumber, type DistributionRow } from '../mart-data.js';
import { dataTable, figure, formatCount, formatPercent, type SiteContext } from './components.js';

const DISTRIBUTION = 'borrower_profile_distribution';
const PROFILE = 'borrower_profile';
const TOP_BANKS = 10;

/** The dimensions drawn, in page order, with how to read them. Dimensions the mart adds later are drawn after these. */
const DIMENSIONS: Array<{ name: string; title: string; caption: string }> = [
  {
    name: 'age_band',
    title: 'Age',
    caption: 'Borrowers by age band. "invalid": an age outside 18 to 100 in the CRM; "unknown": no age recorded.',
  },
  {
    name: 'categorie_professionnelle',
    title: 'Professional category',
    caption: "Share of borrowers in each professional category (the borrower's own).",
  },
  {
    name: 'banque_principale',
    title: 'Main bank',
    caption: `The ${TOP_BANKS} most common main banks, as a share of all borrowers.`,
  },
  { name: 'contrat_travail', title: 'Employment contract', caption: 'Share of borrowers by employment contract.' },
  {
    name: 'deja_souscrit_credit_immo',
    title: 'Previous mortgage',
    caption: 'Share of borrowers who have had a mortgage before.',
  },
];

export interface ChartPage {
  html: string;
  /** Whether charts were drawn from data. */
  drawn: boolean;
}

/** The borrower profile page, drawn from `marts.borrower_profile_distribution` and `marts.borrower_profile`. */
export async function borrowerProfilePage(site: SiteContext, warehouse: Warehouse | undefined): Promise<ChartPage> {
  const heading = markup`<h1>Borrower profile</h1>
    <p class="lede">
      Who the borrowers are, one borrower per CRM opportunity, from the marts ${martLink(site, DISTRIBUTION)} and
      ${martLink(site, PROFILE)} as they stood after the last run${builtNote(site)}.
    </p>`;
  const done = (body: SafeHtml, drawn: boolean): ChartPage => ({
    html: page({
      title: 'Borrower profile',
      current: 'borrower-profile.html',
      generatedAt: site.now,
      body: markup`${heading}${body}`,
    }),
    drawn,
  });
  if (!warehouse) return done(noData(`No data: ${site.data.note ?? 'no warehouse was opened'}.`), false);

  const state = await martState(warehouse, DISTRIBUTION);
  if (state.kind !== 'ok')
    return done(
      noData(`No data yet: run the pipeline (marts.${DISTRIBUTION} is ${state.kind === 'missing' ? 'not built' : 'empty'}).`),
      false,
    );
  const rows = await readDistribution(warehouse, state.info);
  if (!rows || rows.length === 0) {
    return done(
      noData(`marts.${DISTRIBUTION} lacks the columns these charts need (dimension, value, borrowers or share).`),
      false,
    );
  }
  const profile = await keyFigures(warehouse);
  const known = DIMENSIONS.map((d) => d.name);
  const extra = [...new Set(rows.map((r) => r.dimension))].filter((d) => !known.includes(d)).sort();
  const sections: SafeHtml[] = [];
  for (const dimension of [
    ...DIMENSIONS,
    ...extra.map((name) => ({ name, title: name, caption: `Share of borrowers by ${name}.` })),
  ]) {
    const of = rows.filter((r) => r.dimension === dimension.name);
    sections.push(markup`<h2 id="${dimension.name}">${dimension.title}</h2>`);
    if (of.length === 0) {
      sections.push(noData(`No rows for ${dimension.name} in marts.${DISTRIBUTION}.`));
      continue;
    }
    sections.push(await dimensionChart(dimension.name, dimension.caption, of));
  }
  return done(markup`${profile}${sections}`, true);
}

async function dimensionChart(dimension: string, caption: string, rows: DistributionRow[]): Promise<SafeHtml> {
  const label = (r: DistributionRow): string => valueLabel(dimension, r.value);
  const numbers = dataTable(
    ['Value', 'Borrowers', 'Share'],
    [...rows]
      .sort((a, b) => b.share - a.share)
      .map((r) => [label(r), r.borrowers === null ? '' : formatCount(r.borrowers), formatPercent(r.share)]),
    [false, true, true],
  );
  if (dimension === 'age_band') {
    const ordered = [...rows].sort((a, b) => ageOrder(a.value) - ageOrder(b.value));
    const useCounts = ordered.every((r) => r.borrowers !== null);
    const data: BarDatum[] = ordered.map((r) => ({
      label: label(r),
      value: useCounts ? r.borrowers! : r.share,
      text: formatPercent(r.share),
    }));
    const svg = await barChart(data, {
      description: 'Borrowers by age band',
      valueTitle: useCounts ? 'Borrowers' : 'Share of borrowers',
      percent: !useCounts,
      orient: 'vertical',
    });
    return figure(svg, caption, numbers);
  }
  let shown = [...rows].sort((a, b) => b.share - a.share);
  let note = '';
  if (dimension === 'banque_principale' && shown.length > TOP_BANKS) {
    const rest = shown.slice(TOP_BANKS);
    shown = shown.slice(0, TOP_BANKS);
    note = ` The ${rest.length} other values account for ${formatPercent(rest.reduce((s, r) => s + r.share, 0))}.`;
  }
  const svg = await barChart(
    shown.map((r) => ({ label: shortLabel(label(r)), value: r.share })),
    { description: `Share of borrowers by ${dimension}`, valueTitle: 'Share of borrowers', percent: true, sort: 'given' },
  );
  return figure(svg, caption + note, numbers);
}

/** A value as a person reads it: NULL is "unknown", flags are yes/no. */
function valueLabel(dimension: string, value: string | null): string {
  if (value === null) return 'unknown';
  if (dimension === 'deja_souscrit_credit_immo') {
    if (value === 'true') return 'yes';
    if (value === 'false') return 'no';
  }
  return value;
}

/** Age bands in age order, then "invalid", then unknown. */
function ageOrder(value: string | null): number {
  if (value === null) return 1000;
  const start = value.match(/^(\d+)/);
  return start ? Number(start[1]) : 999;
}

async function keyFigures(warehouse: Warehouse): Promise<SafeHtml> {
  const state = await martState(warehouse, PROFILE);
  if (state.kind !== 'ok') return markup``;
  const row = await readSingleRow(warehouse, state.info);
  if (!row) return markup``;
  const stats = state.info.columns
    .map((c) => ({ name: c.name, text: statText(c.name, row[c.name]) }))
    .filter((s) => s.text !== null);
  return markup`<h2>Key figures</h2>
    <div class="stats">
      ${stats.map(
        (s) =>
          markup`<div class="stat">
            <div class="value">${s.text}</div>
            <div class="label">${statLabel(s.name)}</div>
          </div>`,
      )}
    </div>`;
}

function statText(column: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  const n = toNumber(value);
  if (n === null || typeof value === 'string') return String(value);
  if (/share/i.test(column)) return formatPercent(n);
  if (Number.isInteger(n)) return formatCount(n);
  return n.toFixed(1);
}

const STAT_LABELS: Record<string, string> = {
  borrowers: 'borrowers',
  age_mean: 'mean age',
  age_median: 'median age',
  age_p25: 'age, first quartile',
  age_p75: 'age, third quartile',
  ages_excluded: 'impossible ages left out',
  share_prior_mortgage: 'had a mortgage before (of known answers)',
};

function statLabel(column: string): string {
  const known = STAT_LABELS[column];
  if (known) return known;
  const mode = column.match(/^(.*)_mode$/);
  if (mode) return `most common ${mode[1]}`;
  const share = column.match(/^(.*)_share$/);
  if (share) return `share with the most common ${share[1]}`;
  return column.replace(/_/g, ' ');
}

function martLink(site: SiteContext, name: string): SafeHtml {
  const documented = site.models.some((m) => m.layer === 'marts' && m.name === name);
  return documented ? markup`<a href="${pageFile('marts', name)}"><code>${name}</code></a>` : markup`<code>${name}</code>`;
}

function builtNote(site: SiteContext): SafeHtml {
  const built = site.data.builds.get(`marts.${DISTRIBUTION}`);
  return built ? markup` (built ${formatTime(built)}, ${ago(built, site.now)})` : markup``;
}
