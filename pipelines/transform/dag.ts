import { ConfigError, TerminalError } from '../core/errors.js';

/** A model and the models it depends on. */
export interface DagNode {
  name: string;
  dependsOn: string[];
}

/**
 * Orders models so that each comes after everything it depends on; among models free to go, the
 * alphabetical order decides, so the order is stable. A cycle is a TerminalError naming it
 * (`cycle in model dependencies: a -> b -> a`).
 */
export function topologicalOrder(nodes: DagNode[]): string[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const remaining = new Map(nodes.map((n) => [n.name, new Set(n.dependsOn.filter((d) => byName.has(d)))]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, deps]) => deps.size === 0).map(([name]) => name);
    if (ready.length === 0) throw new TerminalError(`cycle in model dependencies: ${findCycle(remaining).join(' -> ')}`);
    ready.sort();
    const next = ready[0]!;
    order.push(next);
    remaining.delete(next);
    for (const deps of remaining.values()) deps.delete(next);
  }
  return order;
}

function findCycle(graph: Map<string, Set<string>>): string[] {
  // Every node left has a dependency left, so walking dependencies from any node must revisit one.
  const path: string[] = [];
  let current = [...graph.keys()].sort()[0]!;
  while (!path.includes(current)) {
    path.push(current);
    current = [...graph.get(current)!].sort()[0]!;
  }
  const cycle = path.slice(path.indexOf(current));
  return [...cycle, current];
}

/** Every model downstream of `name` (not including it). */
export function descendants(nodes: DagNode[], name: string): Set<string> {
  const found = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const node of nodes) {
      if (node.dependsOn.includes(current) && !found.has(node.name)) {
        found.add(node.name);
        queue.push(node.name);
      }
    }
  }
  return found;
}

/** Every model upstream of `name` (not including it). */
export function ancestors(nodes: DagNode[], name: string): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const found = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    for (const dep of byName.get(queue.shift()!)?.dependsOn ?? []) {
      if (!found.has(dep) && byName.has(dep)) {
        found.add(dep);
        queue.push(dep);
      }
    }
  }
  return found;
}

/**
 * The models a selection names: `name` (or `layer.name`), `name+` with everything downstream, `+name`
 * with everything upstream. Empty selection: all. An unknown name is a ConfigError listing the known ones.
 */
export function selectModels(nodes: DagNode[], selection: string | string[] | undefined): Set<string> {
  const items = (Array.isArray(selection) ? selection : (selection ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) return new Set(nodes.map((n) => n.name));
  const known = new Set(nodes.map((n) => n.name));
  const selected = new Set<string>();
  for (const item of items) {
    const upstream = item.startsWith('+');
    const downstream = item.endsWith('+');
    const name = item.replace(/^\+|\+$/g, '').replace(/^(staging|marts)\./, '');
    if (!known.has(name)) {
      throw new ConfigError(`--models: unknown model '${name}' (known: ${[...known].sort().join(', ')})`);
    }
    selected.add(name);
    if (downstream) for (const d of descendants(nodes, name)) selected.add(d);
    if (upstream) for (const a of ancestors(nodes, name)) selected.add(a);
  }
  return selected;
}
