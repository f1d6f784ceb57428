import { escapeHtml, pageFile } from './html.js';
import type { DocsModel, DocsSource } from './types.js';

export type LineageLayer = 'raw' | 'staging' | 'marts';

export interface LineageNode {
  /** `layer.name`. */
  id: string;
  layer: LineageLayer | string;
  name: string;
  description: string;
  /** Page of the node, relative to the site's root; absent for relations the site does not document. */
  href?: string;
}

/** The DAG from sources to marts: an edge goes from a relation to a model that reads it. */
export interface LineageGraph {
  nodes: LineageNode[];
  edges: Array<{ from: string; to: string }>;
}

const LAYER_RANK: Record<string, number> = { raw: 0, staging: 1, marts: 2 };

/** Builds the lineage graph of the documented models and sources; unknown relations become plain nodes. */
export function lineageGraph(models: DocsModel[], sources: DocsSource[]): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  for (const source of sources) {
    const id = `raw.${source.name}`;
    nodes.set(id, { id, layer: 'raw', name: source.name, description: source.description, href: `sources.html#${id}` });
  }
  for (const model of models) {
    const id = `${model.layer}.${model.name}`;
    nodes.set(id, {
      id,
      layer: model.layer,
      name: model.name,
      description: model.description,
      href: pageFile(model.layer, model.name),
    });
  }
  const edges: LineageGraph['edges'] = [];
  for (const model of models) {
    for (const dependency of new Set(model.dependsOn)) {
      if (!nodes.has(dependency)) {
        const dot = dependency.indexOf('.');
        const [layer, name] = dot > 0 ? [dependency.slice(0, dot), dependency.slice(dot + 1)] : ['raw', dependency];
        nodes.set(dependency, { id: dependency, layer, name, description: 'Not documented' });
      }
      edges.push({ from: dependency, to: `${model.layer}.${model.name}` });
    }
  }
  return { nodes: [...nodes.values()], edges };
}

/** The part of the graph a node is connected to: itself, everything upstream and everything downstream. */
export function neighbourhood(graph: LineageGraph, id: string): LineageGraph {
  const reach = (step: (edge: { from: string; to: string }, current: string) => string | undefined): Set<string> => {
    const seen = new Set([id]);
    const stack = [id];
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const edge of graph.edges) {
        const next = step(edge, current);
        if (next !== undefined && !seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return seen;
  };
  const keep = new Set([
    ...reach((edge, current) => (edge.to === current ? edge.from : undefined)),
    ...reach((edge, current) => (edge.from === current ? edge.to : undefined)),
  ]);
  return {
    nodes: graph.nodes.filter((n) => keep.has(n.id)),
    edges: graph.edges.filter((e) => keep.has(e.from) && keep.has(e.to)),
  };
}

export interface PlacedNode extends LineageNode {
  column: number;
  x: number;
  y: number;
  width: number;
}

export interface LineageLayout {
  nodes: PlacedNode[];
  /** Each edge as the points it passes through: its start, where it crosses each column between, its end. */
  edges: Array<{ from: string; to: string; points: Array<{ x: number; y: number }> }>;
  columns: Array<{ label: string; x: number; width: number }>;
  width: number;
  height: number;
}

const FONT_SIZE = 12;
// Monospace text: every character is 0.6 em wide, so box widths can be computed without a browser.
const CHAR_WIDTH = FONT_SIZE * 0.6;
const NODE_HEIGHT = 30;
/** Height reserved in a column for an edge passing through it. */
const LANE_HEIGHT = 6;
const V_GAP = 14;
const H_GAP = 64;
const PAD_X = 12;
const MARGIN = 16;
const HEADER = 34;
const FONT =
  'ui-monospace, SFMono-Regular, Menlo, Consolas, &quot;DejaVu Sans Mono&quot;, &quot;Liberation Mono&quot;, monospace';

const COLORS: Record<string, { fill: string; stroke: string }> = {
  raw: { fill: '#f1f1f1', stroke: '#8a8a8a' },
  staging: { fill: '#e3eef9', stroke: '#4c78a8' },
  marts: { fill: '#e3f3e1', stroke: '#3b8a3e' },
};
const OTHER = { fill: '#fff7e0', stroke: '#b08400' };

/**
 * A layered layout (Sugiyama style): raw tables in the first column, each model one column right of
 * the furthest relation it reads, marts always right of every staging model. An edge spanning several
 * columns gets a lane in each column it crosses, so it never runs behind a box. Within a column, boxes
 * and lanes are ordered by the mean position of their neighbours (a few sweeps each way), which keeps
 * edges short and crossings few.
 */
export function layoutLineage(graph: LineageGraph): LineageLayout {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const parents = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const edge of graph.edges) parents.get(edge.to)?.push(edge.from);

  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle: the compiler rejects them; do not loop here
    visiting.add(id);
    const node = byId.get(id)!;
    const own = node.layer === 'raw' ? 0 : Math.max(1, ...parents.get(id)!.map((p) => depthOf(p) + 1));
    visiting.delete(id);
    depth.set(id, own);
    return own;
  };
  for (const node of graph.nodes) depthOf(node.id);
  // Marts start right of the deepest staging model, so the three layers read as bands.
  const stagingEnd = Math.max(0, ...graph.nodes.filter((n) => n.layer === 'staging').map((n) => depth.get(n.id)!));
  const rawColumn = new Map<string, number>();
  const columnOf = (id: string): number => {
    const known = rawColumn.get(id);
    if (known !== undefined) return known;
    rawColumn.set(id, 0);
    const node = byId.get(id)!;
    let own = depth.get(id)!;
    if (node.layer === 'marts') own = Math.max(own, stagingEnd + 1, ...parents.get(id)!.map((p) => columnOf(p) + 1));
    rawColumn.set(id, own);
    return own;
  };
  for (const node of graph.nodes) columnOf(node.id);
  const used = [...new Set(rawColumn.values())].sort((a, b) => a - b);
  const column = new Map([...rawColumn].map(([id, c]) => [id, used.indexOf(c)]));

  // Items of each column: boxes, and lanes of the edges crossing it (`~<edge>@<column>`).
  const columns: string[][] = used.map(() => []);
  for (const node of [...graph.nodes].sort((a, b) => a.name.localeCompare(b.name))) columns[column.get(node.id)!]!.push(node.id);
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  const link = (from: string, to: string): void => {
    up.set(to, [...(up.get(to) ?? []), from]);
    down.set(from, [...(down.get(from) ?? []), to]);
  };
  const chains = graph.edges.map((edge, k) => {
    const chain = [edge.from];
    const start = column.get(edge.from);
    const end = column.get(edge.to);
    if (start !== undefined && end !== undefined) {
      for (let c = start + 1; c < end; c++) {
        const lane = `~${k}@${c}`;
        columns[c]!.push(lane);
        chain.push(lane);
      }
    }
    chain.push(edge.to);
    for (let i = 1; i < chain.length; i++) link(chain[i - 1]!, chain[i]!);
    return chain;
  });

  const position = new Map<string, number>();
  const index = (): void => columns.forEach((ids) => ids.forEach((id, i) => position.set(id, i)));
  index();
  const sweep = (ids: string[], neighbours: Map<string, string[]>): void => {
    const weight = (id: string): number => {
      const ns = neighbours.get(id) ?? [];
      return ns.length === 0 ? position.get(id)! : ns.reduce((sum, n) => sum + position.get(n)!, 0) / ns.length;
    };
    const weights = new Map(ids.map((id) => [id, weight(id)]));
    ids.sort((a, b) => weights.get(a)! - weights.get(b)! || position.get(a)! - position.get(b)!);
  };
  for (let pass = 0; pass < 6; pass++) {
    for (let c = 1; c < columns.length; c++) {
      sweep(columns[c]!, up);
      index();
    }
    for (let c = columns.length - 2; c >= 0; c--) {
      sweep(columns[c]!, down);
      index();
    }
  }

  const height = (id: string): number => (id.startsWith('~') ? LANE_HEIGHT : NODE_HEIGHT);
  const columnHeight = (ids: string[]): number =>
    ids.reduce((sum, id) => sum + height(id), 0) + Math.max(0, ids.length - 1) * V_GAP;
  const widths = columns.map((ids) =>
    Math.max(...ids.filter((id) => !id.startsWith('~')).map((id) => byId.get(id)!.name.length * CHAR_WIDTH + 2 * PAD_X)),
  );
  const innerHeight = Math.max(...columns.map(columnHeight));
  const centre = new Map<string, { x: number; y: number }>();
  const nodes: PlacedNode[] = [];
  const placedColumns: LineageLayout['columns'] = [];
  let x = MARGIN;
  columns.forEach((ids, c) => {
    let y = MARGIN + HEADER + (innerHeight - columnHeight(ids)) / 2;
    for (const id of ids) {
      centre.set(id, { x, y: y + height(id) / 2 });
      if (!id.startsWith('~')) nodes.push({ ...byId.get(id)!, column: c, x, y, width: widths[c]! });
      y += height(id) + V_GAP;
    }
    const layers = [...new Set(ids.filter((id) => !id.startsWith('~')).map((id) => String(byId.get(id)!.layer)))];
    placedColumns.push({
      label: layers.sort((a, b) => (LAYER_RANK[a] ?? 9) - (LAYER_RANK[b] ?? 9)).join(' / '),
      x,
      width: widths[c]!,
    });
    x += widths[c]! + H_GAP;
  });
  const widthOf = (id: string): number => widths[column.get(id) ?? Number(id.split('@')[1])]!;
  const edges = graph.edges.map((edge, k) => {
    const chain = chains[k]!;
    const points: Array<{ x: number; y: number }> = [];
    chain.forEach((id, i) => {
      const at = centre.get(id)!;
      if (i > 0) points.push({ x: at.x - 1, y: at.y });
      if (i < chain.length - 1) points.push({ x: at.x + widthOf(id), y: at.y });
    });
    return { from: edge.from, to: edge.to, points };
  });
  return {
    nodes,
    edges,
    columns: placedColumns,
    width: Math.ceil(x - H_GAP + MARGIN),
    height: Math.ceil(MARGIN * 2 + HEADER + innerHeight),
  };
}

export interface LineageSvgOptions {
  /** Node to draw emphasized (the page's own model). */
  highlight?: string;
  /** Prefix of every link (e.g. `../`); default none: links are relative to the site's root. */
  linkPrefix?: string;
  /** Accessible title of the picture. */
  title?: string;
}

/** An SVG path through the points: a smooth curve between columns, straight across a column (a lane). */
function edgePath(points: Array<{ x: number; y: number }>): string {
  const round = (n: number): number => Math.round(n * 10) / 10;
  let d = `M${round(points[0]!.x)},${round(points[0]!.y)}`;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1]!, points[i]!];
    if (i % 2 === 0) {
      d += ` L${round(b.x)},${round(b.y)}`;
    } else {
      const dx = Math.max(24, (b.x - a.x) / 2);
      d += ` C${round(a.x + dx)},${round(a.y)} ${round(b.x - dx)},${round(b.y)} ${round(b.x)},${round(b.y)}`;
    }
  }
  return d;
}

/**
 * The lineage graph as a standalone SVG document (usable inline in HTML or as a file): a box per
 * relation coloured by layer, linked to its page, with its description as tooltip, and an arrow per
 * dependency. Self-contained: no script, no external resource.
 */
export function renderLineageSvg(graph: LineageGraph, options: LineageSvgOptions = {}): string {
  if (graph.nodes.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="40" viewBox="0 0 320 40" class="lineage"><text x="10" y="24" font-family="sans-serif" font-size="13">No models documented.</text></svg>`;
  }
  const layout = layoutLineage(graph);
  const prefix = options.linkPrefix ?? '';
  const title = options.title ?? 'Lineage: sources to staging to marts';
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" class="lineage" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="group" aria-label="${escapeHtml(title)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<defs><marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7a7a7a"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  );
  for (const column of layout.columns) {
    out.push(
      `<text x="${column.x + column.width / 2}" y="${MARGIN + 14}" text-anchor="middle" font-family="sans-serif" font-size="13" font-weight="600" fill="#555">${escapeHtml(column.label)}</text>`,
    );
  }
  out.push(`<g class="edges" fill="none" stroke="#8f8f8f" stroke-width="1.4">`);
  for (const edge of layout.edges) {
    const emphasized = options.highlight !== undefined && (edge.from === options.highlight || edge.to === options.highlight);
    out.push(
      `<path data-edge="${escapeHtml(`${edge.from}->${edge.to}`)}" d="${edgePath(edge.points)}" marker-end="url(#lineage-arrow)"${emphasized ? ' stroke="#333" stroke-width="2"' : ''}/>`,
    );
  }
  out.push(`</g>`);
  for (const node of layout.nodes) {
    const colors = COLORS[node.layer] ?? OTHER;
    const own = node.id === options.highlight;
    const box = [
      `<title>${escapeHtml(`${node.id}: ${node.description}`)}</title>`,
      `<rect x="${node.x}" y="${node.y}" width="${node.width}" height="${NODE_HEIGHT}" rx="6" fill="${colors.fill}" stroke="${colors.stroke}" stroke-width="${own ? 3 : 1.3}"/>`,
      `<text x="${node.x + node.width / 2}" y="${node.y + NODE_HEIGHT / 2 + 4}" text-anchor="middle" font-family="${FONT}" font-size="${FONT_SIZE}" fill="#1d1d1d"${own ? ' font-weight="700"' : ''}>${escapeHtml(node.name)}</text>`,
    ].join('');
    const attributes = `class="node" data-node="${escapeHtml(node.id)}" data-layer="${escapeHtml(String(node.layer))}"`;
    if (node.href) {
      const href = escapeHtml(prefix + node.href);
      out.push(`<a ${attributes} href="${href}" xlink:href="${href}">${box}</a>`);
    } else {
      out.push(`<g ${attributes}>${box}</g>`);
    }
  }
  out.push(`</svg>`);
  return out.join('\n');
}
