import type { Warehouse } from '../../warehouse/warehouse.js';
import { barChart, lineChart, shortLabel } from '../charts.js';
import { markup, pageFile, type SafeHtml } from '../html.js';
import { ago, formatTime, noData, page } from '../layout.js';
import { dailyShape, martState, readDailyTotals, readGroupTotals, readTopGroupsDaily, TRAFFIC_GROUPS } from '../mart-data.js';
import type { ChartPage } from './borrower-page.js';
import { dataTable, figure, formatCount, type SiteContext } from './components.js';
import { stepLabel } from './funnel-page.js';

const MART = 'traffic_daily';
const MAX_DAYS = 366;
const TOP_PAGES = 15;
const PAGES_OVER_TIME = 5;
// Counts that add up across pages (a view or an entrance belongs to one page); visitors and sessions
// per page do not (one visitor sees several pages), so they are not summed into a site total.
const ADDITIVE = /views|entrances|hits|clicks|events/i;

/** Traffic over time and the most visited pages, from `marts.traffic_daily` (day, page_path, page_views, visitors, sessions, entrances). */
export async function trafficPage(site: SiteContext, warehouse: Warehouse | undefined): Promise<ChartPage> {
  const built = site.data.builds.get(`marts.${MART}`);
  const heading = markup`<h1>Traffic</h1>
    <p class="lede">
      Visits to the website day by day and page by page, from the mart ${martLink(site)} as it stood after the last
      run${built ? markup` (built ${formatTime(built)}, ${ago(built, site.now)})` : ''}.
    </p>`;
  const done = (body: SafeHtml, drawn: boolean): ChartPage => ({
    html: page({ title: 'Traffic', current: 'traffic.html', generatedAt: site.now, body: markup`${heading}${body}` }),
    drawn,
  });
  if (!warehouse) return done(noData(`No data: ${site.data.note ?? 'no warehouse was opened'}.`), false);
  const state = await martState(warehouse, MART);
  if (state.kind !== 'ok')
    return done(
      noData(`No data yet: run the pipeline (marts.${MART} is ${state.kind === 'missing' ? 'not built' : 'empty'}).`),
      false,
    );
  const found = dailyShape(state.info, TRAFFIC_GROUPS);
  if (!found) return done(noData(`marts.${MART} has no date column or no count column to draw.`), false);
  const additive = found.counts.filter((c) => ADDITIVE.test(c));
  const primary = additive[0] ?? found.counts[0]!;
  // The primary measure first: totals and rankings are by it.
  const shape = { ...found, counts: [primary, ...found.counts.filter((c) => c !== primary)] };

  const totals = await readDailyTotals(warehouse, state.info, shape);
  if (totals.days.length === 0) return done(noData(`No dated rows in marts.${MART} yet: run the pipeline.`), false);
  const first = totals.days[0]!.date;
  const last = totals.days.at(-1)!.date;
  const period = first === last ? first : `${first} to ${last}`;
  const plotted = additive.length > 0 ? additive : [primary];
  const recent = totals.days.slice(-MAX_DAYS);
  const overTime = await lineChart(
    recent.flatMap((d) =>
      plotted.map((c) => ({ date: d.date, series: stepLabel(c), value: d.values[shape.counts.indexOf(c)]! })),
    ),
    { description: 'Traffic per day', yTitle: 'per day', seriesOrder: plotted.map(stepLabel) },
  );
  const overTimeCaption =
    additive.length > 0
      ? `${capitalize(plotted.map(stepLabel).join(' and '))} per day, every page together${plotted.some((c) => /entrances/i.test(c)) ? ' (an entrance starts a session, so entrances are the sessions of the day)' : ''}.`
      : `${capitalize(stepLabel(primary))} per day, summed over pages.`;

  const pages = await readGroupTotals(warehouse, state.info, shape, TOP_PAGES);
  let pagesSection: SafeHtml = markup``;
  if (shape.group && pages.length > 0) {
    const topSvg = await barChart(
      pages.map((p) => ({ label: shortLabel(p.key ?? 'unknown'), value: p.values[0]! })),
      {
        description: `Most visited pages by ${stepLabel(primary)}`,
        valueTitle: `${stepLabel(primary)}, ${period}`,
        sort: 'given',
        width: 440,
      },
    );
    const numbers = dataTable(
      [shape.group, ...shape.counts.map(stepLabel)],
      pages.map((p) => [p.key ?? 'unknown', ...p.values.map(formatCount)]),
      [false, ...shape.counts.map(() => true)],
    );
    const daily = await readTopGroupsDaily(warehouse, state.info, shape, primary, PAGES_OVER_TIME);
    const since = recent[0]!.date;
    const dailySvg =
      daily.length > 0
        ? await lineChart(
            daily.filter((p) => p.date >= since).map((p) => ({ date: p.date, series: p.key, value: p.value })),
            {
              description: `${stepLabel(primary)} per day of the most visited pages`,
              yTitle: `${stepLabel(primary)} per day`,
              seriesOrder: pages.slice(0, PAGES_OVER_TIME).flatMap((p) => (p.key === null ? [] : [p.key])),
            },
          )
        : null;
    pagesSection = markup`<h2>Most visited pages</h2>
      ${figure(topSvg, `The ${pages.length} pages with the most ${stepLabel(primary)} over ${period}. The numbers add up each day's figures: a visitor seen on two days counts twice.`, numbers)}
      ${dailySvg ? figure(dailySvg, `${capitalize(stepLabel(primary))} per day of the ${PAGES_OVER_TIME} most visited pages.`) : ''}`;
  }

  const body = markup`
    <h2>Over time, ${period}</h2>
    ${figure(overTime, overTimeCaption)} ${pagesSection}
  `;
  return done(body, true);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function martLink(site: SiteContext): SafeHtml {
  return site.models.some((m) => m.layer === 'marts' && m.name === MART)
    ? markup`<a href="${pageFile('marts', MART)}"><code>${MART}</code></a>`
    : markup`<code>${MART}</code>`;
}
