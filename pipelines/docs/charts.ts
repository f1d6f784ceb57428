import { createHash } from 'node:crypto';
import { logger as vegaLogger, None, parse as parseVega, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Charts drawn at generation time as static SVG (Vega-Lite compiled to Vega, rendered headless):
 * the site needs no script and no network to show them.
 */

export interface BarDatum {
  label: string;
  value: number;
  /** Text written at the end of the bar; default: the value, formatted. */
  text?: string;
}

export interface BarChartOptions {
  /** Accessible description of the chart. */
  description: string;
  valueTitle: string;
  /** Values are shares from 0 to 1 (axis and labels in percent). */
  percent?: boolean;
  /** Horizontal bars (one row per label, good for long labels) or vertical (ordered categories such as age bands). */
  orient?: 'horizontal' | 'vertical';
  /** Keep the data's order (default) or sort by value, largest first. */
  sort?: 'given' | 'descending';
  width?: number;
  color?: string;
}

export interface SeriesPoint {
  /** `YYYY-MM-DD` (or an ISO date-time). */
  date: string;
  series: string;
  value: number;
}

export interface LineChartOptions {
  description: string;
  yTitle: string;
  /** One small chart per series, each with its own y scale (series of very different sizes). */
  facet?: boolean;
  width?: number;
  height?: number;
  percent?: boolean;
  /** Order of the series (legend, facets); default: order of first appearance. */
  seriesOrder?: string[];
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", Arial, sans-serif';

const CONFIG = {
  font: FONT,
  background: '#ffffff',
  view: { stroke: null },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 600,
    labelColor: '#333',
    titleColor: '#333',
    gridColor: '#e6e6e6',
  },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, labelFontWeight: 600 },
} as const;

const BAR_COLOR = '#4c78a8';
const MAX_LABEL = 28;

/** A bar chart of labelled values. */
export async function barChart(data: BarDatum[], options: BarChartOptions): Promise<string> {
  const horizontal = (options.orient ?? 'horizontal') === 'horizontal';
  const format = options.percent ? '.1%' : ',.0f';
  const ordered = options.sort === 'descending' ? [...data].sort((a, b) => b.value - a.value) : data;
  const rows = ordered.map((d) => ({
    label: d.label,
    value: d.value,
    text: d.text ?? formatValue(d.value, options.percent ?? false),
  }));
  // sort: null keeps the rows' order on the axis.
  const category = {
    field: 'label',
    type: 'nominal' as const,
    sort: null,
    title: null,
    axis: { labelLimit: 220, labelOverlap: false },
  };
  const value = {
    field: 'value',
    type: 'quantitative' as const,
    title: options.valueTitle,
    axis: { format, tickCount: 5 },
    scale: { domainMin: 0, nice: true },
  };
  const spec: TopLevelSpec = {
    description: options.description,
    data: { values: rows },
    width: horizontal ? (options.width ?? 560) : { step: 56 },
    height: horizontal ? { step: 24 } : 240,
    config: CONFIG,
    encoding: horizontal
      ? { y: category, x: value }
      : { x: { ...category, axis: { labelAngle: 0, labelOverlap: false } }, y: value },
    layer: [
      { mark: { type: 'bar', color: options.color ?? BAR_COLOR, cornerRadiusEnd: 2 } },
      {
        mark: horizontal
          ? { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 11, color: '#222' }
          : { type: 'text', align: 'center', baseline: 'bottom', dy: -3, fontSize: 11, color: '#222' },
        encoding: { text: { field: 'text', type: 'nominal' } },
      },
    ],
  } as TopLevelSpec;
  return renderSvg(spec);
}

/** A line chart of one or more dated series; with `facet`, one small chart per series. */
export async function lineChart(points: SeriesPoint[], options: LineChartOptions): Promise<string> {
  const order = options.seriesOrder ?? [...new Set(points.map((p) => p.series))];
  const values = points.map((p) => ({ date: p.date, series: p.series, value: p.value }));
  const format = options.percent ? '.0%' : ',d';
  const x = {
    field: 'date',
    type: 'temporal' as const,
    title: null,
    scale: { type: 'utc' as const },
    // A utc scale formats its ticks in UTC: dates stay the dates of the data, whatever the host's zone.
    axis: { format: '%d %b', labelOverlap: true, tickCount: 8 },
  };
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    title: options.facet ? null : options.yTitle,
    axis: { format, tickCount: options.facet ? 3 : 5, tickMinStep: options.percent ? undefined : 1 },
  };
  const color = {
    field: 'series',
    type: 'nominal' as const,
    sort: order,
    title: null,
    legend: options.facet ? null : { orient: 'top' as const, labelLimit: 260 },
  };
  const tooShort = new Set(points.map((p) => p.date)).size < 2;
  const mark = {
    type: tooShort ? ('point' as const) : ('line' as const),
    strokeWidth: 2,
    point: !tooShort && points.length <= 60 * order.length,
  };
  const spec: TopLevelSpec = options.facet
    ? ({
        description: options.description,
        data: { values },
        config: CONFIG,
        facet: {
          row: {
            field: 'series',
            type: 'nominal',
            sort: order,
            title: null,
            header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' },
          },
        },
        spacing: 14,
        spec: {
          width: options.width ?? 620,
          height: options.height ?? 80,
          mark,
          encoding: { x, y, color },
        },
        resolve: { scale: { y: 'independent' } },
      } as TopLevelSpec)
    : ({
        description: options.description,
        data: { values },
        config: CONFIG,
        width: options.width ?? 620,
        height: options.height ?? 240,
        mark,
        encoding: { x, y, color },
      } as TopLevelSpec);
  return renderSvg(spec);
}

function formatValue(value: number, percent: boolean): string {
  if (percent) return `${(value * 100).toFixed(1)}%`;
  return Math.round(value).toLocaleString('en-US');
}

/** Shortens a category label for an axis (the full label stays in the data table under the chart). */
export function shortLabel(label: string): string {
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

// Vega-Lite warns on stderr about spec details it resolves itself; the charts are checked by tests instead.
const SILENT = vegaLogger(None);

async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec, { logger: SILENT }).spec;
  const view = new View(parseVega(compiled), { renderer: 'none', logLevel: 0 });
  try {
    return stableIds(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Vega numbers clip paths with a counter shared by every render of the process, so the same chart
 * would differ from one generation to the next. Ids become a hash of the chart and a local number:
 * the same data gives the same file, and ids stay unique among the charts of a page.
 */
function stableIds(svg: string): string {
  const numbers = new Map<string, number>();
  const local = svg.replace(/\bclip(\d+)\b/g, (_, n: string) => {
    if (!numbers.has(n)) numbers.set(n, numbers.size);
    return `clip-${numbers.get(n)!}`;
  });
  const prefix = createHash('sha1').update(local).digest('hex').slice(0, 10);
  return local.replace(/\bclip-(\d+)\b/g, `c${prefix}-$1`);
}
