import { type CatalogSpec, type ZetaSql, ZetaSqlError } from '../../../support/zetasql/zetasql.js';
import type { CapturedJob } from './capturing-bigquery.js';
import { isScripting, parameterTypes, splitScript } from './sql-script.js';

/**
 * The statement kinds ZetaSQL resolved, in order: `QUERY`, `MERGE`, `INSERT`..., `CREATE TABLE` or
 * `CREATE VIEW`, and `SCRIPT` for the warehouse's scripting statements.
 */
export type StatementKinds = string[];

/**
 * Analyzes every statement of the captured jobs (scripts split into their statements), each with the
 * types of the job's parameters. Resolves with the kinds; rejects with one error listing every
 * statement ZetaSQL refused, each with `what`, the analyzer's message and the statement.
 */
export async function analyzeJobs(
  zetasql: ZetaSql,
  jobs: CapturedJob[],
  catalog: CatalogSpec,
  what: string,
): Promise<StatementKinds> {
  const kinds: StatementKinds = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const job of jobs) {
    const types = parameterTypes(job.parameters);
    for (const statement of splitScript(job.sql)) {
      const key = `${statement}\u0000${JSON.stringify(types)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (isScripting(statement)) {
        kinds.push('SCRIPT');
        continue;
      }
      try {
        const { statementKind } = await zetasql.analyze(statement, catalog, { types });
        kinds.push(statementKind === 'CREATE_STATEMENT_NODE' ? createKind(statement) : statementKind);
      } catch (error) {
        if (!(error instanceof ZetaSqlError)) throw error;
        problems.push(`${what}: ZetaSQL rejects a statement (job ${job.jobId}): ${error.message}\n--- statement:\n${statement}`);
      }
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n\n'));
  return kinds;
}

// The harness names every CREATE `CREATE_STATEMENT_NODE` (the resolved node is one level deeper);
// once ZetaSQL has resolved it, its first words say which.
function createKind(statement: string): string {
  const match = /^CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+|TEMPORARY\s+)?(TABLE|VIEW)\b/i.exec(statement);
  return match ? `CREATE ${match[1]!.toUpperCase()}` : 'CREATE';
}
