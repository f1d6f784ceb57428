import { randomUUID } from 'node:crypto';

/** A run id sortable by time: `20261129T203100Z-1a2b3c4d`. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${stamp}-${randomUUID().slice(0, 8)}`;
}
