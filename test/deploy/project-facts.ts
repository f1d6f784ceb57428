import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository (the Docker build context and the parent of infra/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Reads a repository file as text. */
export function readRepoFile(path: string): string {
  return readFileSync(resolve(repoRoot, path), 'utf8');
}

/** The CLI's commands, as the product defines them (pipelines/cli/commands/<name>.ts). */
export const CLI_COMMANDS = ['run', 'schedule', 'backfill', 'status', 'compile', 'docs', 'serve-lookup', 'simulator', 'generate'];

/**
 * Names of the environment variables declared by `envSchema` in pipelines/config/config.ts, read from its
 * source text (the schema is not exported). Throws when the schema cannot be found, so a refactor of
 * config.ts fails loudly instead of silently emptying the list.
 */
export function envSchemaKeys(): Set<string> {
  const text = readRepoFile('pipelines/config/config.ts');
  const start = text.indexOf('const envSchema = z.object({');
  if (start < 0) throw new Error('pipelines/config/config.ts: `const envSchema = z.object({` not found');
  const end = text.indexOf('\n});', start);
  if (end < 0) throw new Error('pipelines/config/config.ts: end of envSchema not found');
  const keys = [...text.slice(start, end).matchAll(/^\s{2}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1] as string);
  if (keys.length === 0) throw new Error('pipelines/config/config.ts: envSchema declares no key');
  return new Set(keys);
}

/** Variable names that carry secrets: their values never appear in deployment files. */
export const SECRET_NAME = /TOKEN|SECRET|PASSWORD|SALT|API_KEY|WEBHOOK|CREDENTIAL/;
