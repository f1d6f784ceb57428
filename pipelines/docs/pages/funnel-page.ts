import type { Warehouse } from '../../warehouse/warehouse.js';
import { barChart, lineChart, type SeriesPoint } from '../charts.js';
import { markup, pageFile, type SafeHtml } from '../html.js';
import { ago, formatTime, noData, page } from '../layout.js';
import { dailyShape, FUNNEL_GROUPS, martState, readDailyTotals, readGroupTotals } from '../mart-data.js';
import type { ChartPage } from './borrower-page.js';
import { dataTable, figure, formatCount, formatPercent, type SiteContext } from './components.js';

const MART = 'funnel_daily';
const MAX_DAYS = 366;
const MAX_CHANNELS = 25;

/**
 * The marketing funnel, from `marts.funnel_daily`: its count columns, in table order, are the steps
 * (sessions, CTA clicks, simulations, leads, opportunities...); the page discovers them, so a renamed
 * or added step is drawn without a change here.
 */
export async function funnelPage(site: SiteContext, warehouse: Warehouse | undefined): Promise<ChartPage> {
  const built = site.data.builds.get(`marts.${MART}`);
  const heading = markup`<h1>Marketing funnel</h1>
    <p class="lede">
      From a visit to an opportunity in the CRM, per day and acquisition channel, from the mart ${martLink(site)} as it stood
      after the last run${built ? markup` (built ${formatTime(built)}, ${ago(built, site.now)})` : ''}.
    </p>`;
  const done = (body: SafeHtml, drawn: boolean): ChartPage => ({
    html: page({
      title: 'Marketing funnel',
      current: 'marketing-funnel.html',
      generatedAt: site.now,
      body: markup`${heading}${body}`,
    }),
    drawn,
  });
  if (!warehouse) return done(noData(`No data: ${site.data.note ?? 'no warehouse was opened'}.`), false);
  const state = await martState(warehouse, MART);
  if (state.kind !== 'ok')
    return done(
      noData(`No data yet: run the pipeline (marts.${MART} is ${state.kind === 'missing' ? 'not built' : 'empty'}).`),
      false,
    );
  const shape = dailyShape(state.info, FUNNEL_GROUPS);
  if (!shape) return done(noData(`marts.${MART} has no date column or no count column to draw.`), false);

  const totals = await readDailyTotals(warehouse, state.info, shape);
  if (totals.days.length === 0) return done(noData(`No dated rows in marts.${MART} yet: run the pipeline.`), false);
  const steps = shape.counts;
  const sums = steps.map((_, i) => totals.days.reduce((s, d) => s + d.values[i]!, 0));
  const first = totals.days[0]!.date;
  const last = totals.days.at(-1)!.date;
  const period = first === last ? first : `${first} to ${last}`;

  const funnelRows = steps.map((step, i) => ({
    step: stepLabel(step),
    total: sums[i]!,
    ofPrevious: i === 0 ? null : ratio(sums[i]!, sums[i - 1]!),
    ofFirst: i === 0 ? null : ratio(sums[i]!, sums[0]!),
  }));
  const funnelSvg = await barChart(
    funnelRows.map((r) => ({
      label: r.step,
      value: r.total,
      text: `${formatCount(r.total)}${r.ofPrevious === null ? '' : ` · ${formatPercent(r.ofPrevious)} of previous`}`,
    })),
    { description: `Marketing funnel totals, ${period}`, valueTitle: `Total, ${period}`, sort: 'given', width: 520 },
  );
  const funnelNumbers = dataTable(
    ['Step', 'Total', 'Of previous step', 'Of first step'],
    funnelRows.map((r) => [
      r.step,
      formatCount(r.total),
      r.ofPrevious === null ? '' : formatPercent(r.ofPrevious),
      r.ofFirst === null ? '' : formatPercent(r.ofFirst),
    ]),
    [false, true, true, true],
  );

  const recent = totals.days.slice(-MAX_DAYS);
  const daily: SeriesPoint[] = recent.flatMap((d) =>
    steps.map((step, i) => ({ date: d.date, series: stepLabel(step), value: d.values[i]! })),
  );
  const dailySvg = await lineChart(daily, {
    description: 'Funnel steps per day',
    yTitle: 'per day',
    facet: true,
    seriesOrder: steps.map(stepLabel),
  });
  const conversions: SeriesPoint[] = recent.flatMap((d) =>
    steps.slice(1).flatMap((step, j) => {
      const rate = ratio(d.values[j + 1]!, d.values[j]!);
      return rate === null ? [] : [{ date: d.date, series: `${stepLabel(step)} / ${stepLabel(steps[j]!)}`, value: rate }];
    }),
  );
  const conversionSvg =
    conversions.length > 0
      ? await lineChart(conversions, { description: 'Step conversion per day', yTitle: 'conversion', facet: true, percent: true })
      : null;

  const channels = await readGroupTotals(warehouse, state.info, shape, MAX_CHANNELS);
  const channelTable =
    channels.length > 0
      ? markup`<h2>By channel</h2>
          <p class="meta">
            Totals over ${period} per <code>${shape.group}</code>, largest first; the last column is the share of
            ${stepLabel(steps[0]!)} that reached ${stepLabel(steps.at(-1)!)}.
          </p>
          ${dataTable(
            [shape.group!, ...steps.map(stepLabel), `${stepLabel(steps.at(-1)!)} / ${stepLabel(steps[0]!)}`],
            channels.map((c) => {
              const rate = ratio(c.values.at(-1)!, c.values[0]!);
              return [c.key ?? 'unknown', ...c.values.map(formatCount), rate === null ? '' : formatPercent(rate, 2)];
            }),
            [false, ...steps.map(() => true), true],
          )}`
      : '';

  const body = markup`
    <h2>The funnel, ${period}</h2>
    ${figure(funnelSvg, 'Each step, summed over the period and every channel, with the share of the step before it that reached it.', funnelNumbers)}
    ${channelTable}
    <h2>Day by day</h2>
    ${figure(dailySvg, `Each step per day (every channel together)${totals.days.length > MAX_DAYS ? `, last ${MAX_DAYS} days` : ''}. Each chart has its own scale.`)}
    ${conversionSvg ? figure(conversionSvg, 'Conversion from one step to the next, per day.') : ''}
  `;
  return done(body, true);
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** A column name as words: `simulations_started` -> `simulations started`. */
export function stepLabel(column: string): string {
  return column.replace(/_/g, ' ');
}

function martLink(site: SiteContext): SafeHtml {
  return site.models.some((m) => m.layer === 'marts' && m.name === MART)
    ? markup`<a href="${pageFile('marts', MART)}"><code>${MART}</code></a>`
    : markup`<code>${MART}</code>`;
}
