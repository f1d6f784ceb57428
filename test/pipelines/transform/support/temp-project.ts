import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A throwaway models project: `files` maps paths under `models/` to their text. Returns the models
 * folder and a function that deletes the project.
 */
export function tempProject(files: Record<string, string>): { modelsDir: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'transform-project-'));
  const modelsDir = join(root, 'models');
  mkdirSync(modelsDir);
  for (const [path, text] of Object.entries(files)) {
    const file = join(modelsDir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { modelsDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** The YAML of one model with the given columns (`name:TYPE`) and materialization. */
export function modelYaml(
  name: string,
  columns: string[],
  options: { materialized?: string; extra?: string; tests?: string } = {},
): string {
  const cols = columns
    .map((c) => {
      const [column, type] = c.split(':');
      return `      - name: ${column}\n        data_type: ${type ?? 'STRING'}\n        description: The ${column}.`;
    })
    .join('\n');
  return `models:
  - name: ${name}
    description: Model ${name}.
    config:
      materialized: ${options.materialized ?? 'table'}
${options.extra ?? ''}    columns:
${cols}
${options.tests ?? ''}`;
}

/** A sources block declaring raw tables. */
export function sourcesYaml(...tables: string[]): string {
  return `sources:\n  - name: raw\n    tables:\n${tables.map((t) => `      - name: ${t}\n        description: Raw ${t}.`).join('\n')}\n`;
}
