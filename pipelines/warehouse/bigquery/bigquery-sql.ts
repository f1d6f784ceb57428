import type { StagedLoad } from '../types.js';

/** A quoted identifier: `` `name` ``. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** A table path quoted as one identifier, as BigQuery writes it: `` `project.dataset.table` ``. */
export function tablePath(projectId: string, datasetId: string, tableId: string): string {
  return quoteIdentifier(`${projectId}.${datasetId}.${tableId}`);
}

/** BigQuery table ids: letters, marks, digits, `_` and `-`, at most 1024 characters. */
export const TABLE_ID = /^[\p{L}\p{M}\p{N}_-]{1,1024}$/u;

/** What one staged load writes, for the statement builders. Names are already quoted. */
export interface LoadStatementInput {
  /** The target table, quoted. */
  target: string;
  /** The table the file was loaded into (every column of the target, NULL where the file had none). */
  source: string;
  /** The target's columns to write (unquoted names). */
  columns: string[];
  write: StagedLoad['write'];
  /**
   * A range predicate on the target that bounds the partitions read: `column` between the parameters
   * named `lo` and `hi` (computed from the loaded rows), or NULL when `nulls` is set.
   */
  prune?: { column: string; lo: string; hi: string; nulls: boolean };
}

const q = quoteIdentifier;

/** Null-safe equality of the key columns of two aliases. */
export function keyMatch(key: string[], t: string, s: string): string {
  return key.map((k) => `${t}.${q(k)} IS NOT DISTINCT FROM ${s}.${q(k)}`).join(' AND ');
}

/** `s` is at least as new as `t` on the version tuple (lexicographic); NULL when a version is NULL. */
export function versionNotOlder(versionBy: string[], s: string, t: string): string {
  const [first, ...rest] = versionBy;
  if (first === undefined) return 'TRUE';
  const a = `${s}.${q(first)}`;
  const b = `${t}.${q(first)}`;
  if (rest.length === 0) return `${a} >= ${b}`;
  return `(${a} > ${b} OR (${a} = ${b} AND ${versionNotOlder(rest, s, t)}))`;
}

function pruneCondition(prune: LoadStatementInput['prune'], alias: string): string | null {
  if (!prune) return null;
  const column = `${alias}.${q(prune.column)}`;
  const range = `${column} BETWEEN @${prune.lo} AND @${prune.hi}`;
  return prune.nulls ? `(${range} OR ${column} IS NULL)` : range;
}

/**
 * One row per key of the loaded rows: for upsert the greatest version, for insert-new any one; ties
 * are broken on the row's JSON text so that the choice never depends on storage order.
 */
export function dedupeSelect(input: LoadStatementInput): string {
  const write = input.write;
  if (write.mode === 'append') return `SELECT * FROM ${input.source}`;
  const order =
    write.mode === 'upsert'
      ? [...write.versionBy.map((v) => `${q(v)} DESC`), 'TO_JSON_STRING(elt_src) DESC'].join(', ')
      : 'TO_JSON_STRING(elt_src)';
  return (
    `SELECT * EXCEPT (elt_n) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY ${write.key.map(q).join(', ')} ORDER BY ${order}) AS elt_n ` +
    `FROM ${input.source} AS elt_src) WHERE elt_n = 1`
  );
}

/**
 * The production statement that writes one load: INSERT for append; a MERGE on the key for upsert
 * (the newer or equal version replaces the row) and insert-new (only absent keys). The MERGE's ON
 * clause carries the pruning range, so BigQuery reads only the partitions concerned.
 */
export function loadStatement(input: LoadStatementInput): string {
  const columns = input.columns.map(q).join(', ');
  const write = input.write;
  if (write.mode === 'append') {
    return `INSERT INTO ${input.target} (${columns})\nSELECT ${columns} FROM ${input.source}`;
  }
  const on = [keyMatch(write.key, 'T', 'S'), pruneCondition(input.prune, 'T')].filter(Boolean).join(' AND ');
  const insert = `WHEN NOT MATCHED THEN INSERT (${columns}) VALUES (${input.columns.map((c) => `S.${q(c)}`).join(', ')})`;
  const lines = [`MERGE ${input.target} AS T`, `USING (${dedupeSelect(input)}) AS S`, `ON ${on}`];
  if (write.mode === 'upsert') {
    const set = input.columns.map((c) => `${q(c)} = S.${q(c)}`).join(', ');
    lines.push(`WHEN MATCHED AND ${versionNotOlder(write.versionBy, 'S', 'T')} THEN UPDATE SET ${set}`);
  }
  lines.push(insert);
  return lines.join('\n');
}

/**
 * The production commit script of a unit: the loads' statements and the state statements in one
 * transaction, each load's written row count kept from `@@row_count`, and the counts returned by the
 * script's last statement (`w0`, `w1`...), so that the job's result says what was written.
 */
export function commitScript(loads: string[], state: string[]): string {
  const declare = loads.map((_, i) => `DECLARE elt_w${i} INT64 DEFAULT 0;`);
  const body = loads.flatMap((sql, i) => [terminate(sql), `SET elt_w${i} = @@row_count;`]);
  const result = ['1 AS committed', ...loads.map((_, i) => `elt_w${i} AS w${i}`)].join(', ');
  return [...declare, 'BEGIN TRANSACTION;', ...body, ...state.map(terminate), 'COMMIT TRANSACTION;', `SELECT ${result};`].join(
    '\n',
  );
}

/**
 * Emulator only: the same commit without MERGE, @@row_count or correlated DML, which the emulator
 * gets wrong (MERGE drops its parameters and needs a table source; correlated DELETE crashes it).
 * Each load is staged in temporary tables, keys compared as JSON text with uncorrelated IN lists; the
 * emulator runs the whole request in one SQLite transaction, rolled back on error.
 */
export function emulatorCommitScript(loads: LoadStatementInput[], state: string[], nonce: string): string {
  const statements: string[] = [];
  const counts: string[] = ['1 AS committed'];
  loads.forEach((input, i) => {
    const stage = `elt_stage_${nonce}_${i}`;
    const insert = `elt_insert_${nonce}_${i}`;
    const remove = `elt_delete_${nonce}_${i}`;
    const columns = input.columns.map(q).join(', ');
    const write = input.write;
    statements.push(`CREATE TEMP TABLE ${stage} AS ${dedupeSelect(input)}`);
    let inserted = insert;
    if (write.mode === 'append') {
      inserted = stage;
    } else {
      const keyText = (alias: string) => `TO_JSON_STRING(STRUCT(${write.key.map((k) => `${alias}.${q(k)}`).join(', ')}))`;
      const prune = pruneCondition(input.prune, 'T');
      const targetKeys = (extra: string | null) =>
        `SELECT ${keyText('T')} FROM ${input.target} AS T${[prune, extra].filter(Boolean).length ? ` WHERE ${[prune, extra].filter(Boolean).join(' AND ')}` : ''}`;
      if (write.mode === 'upsert') {
        const join = [keyMatch(write.key, 'T', 'S'), prune].filter(Boolean).join(' AND ');
        statements.push(
          `CREATE TEMP TABLE ${remove} AS SELECT DISTINCT ${keyText('T')} AS k FROM ${input.target} AS T JOIN ${stage} AS S ON ${join} WHERE ${versionNotOlder(write.versionBy, 'S', 'T')}`,
          `CREATE TEMP TABLE ${insert} AS SELECT S.* FROM ${stage} AS S WHERE ${keyText('S')} NOT IN (${targetKeys(`${keyText('T')} NOT IN (SELECT k FROM ${remove})`)})`,
          `DELETE FROM ${input.target} AS T WHERE ${[prune, `${keyText('T')} IN (SELECT k FROM ${remove})`].filter(Boolean).join(' AND ')}`,
        );
      } else {
        statements.push(
          `CREATE TEMP TABLE ${insert} AS SELECT S.* FROM ${stage} AS S WHERE ${keyText('S')} NOT IN (${targetKeys(null)})`,
        );
      }
    }
    statements.push(`INSERT INTO ${input.target} (${columns}) SELECT ${columns} FROM ${inserted}`);
    counts.push(`(SELECT COUNT(*) FROM ${inserted}) AS w${i}`);
  });
  return [...statements, ...state, `SELECT ${counts.join(', ')}`].map(terminate).join('\n');
}

/** Statements run as one transaction (production and emulator alike). */
export function transactionScript(statements: string[]): string {
  return ['BEGIN TRANSACTION;', ...statements.map(terminate), 'COMMIT TRANSACTION;'].join('\n');
}

/**
 * The statements that replace the given days of a DATE-partitioned table with a query's rows; with
 * `uniqueKey`, only the rows of those days whose key the query returns (the query is then evaluated
 * twice, so it must not read the target).
 */
export function incrementalStatements(
  target: string,
  partitionColumn: string,
  partitionsParam: string,
  columns: string[],
  sql: string,
  uniqueKey?: string,
): string[] {
  const names = columns.map(q).join(', ');
  const rows = uniqueKey ? `\n  AND ${q(uniqueKey)} IN (SELECT ${q(uniqueKey)} FROM (\n${sql}\n))` : '';
  return [
    `DELETE FROM ${target} WHERE ${q(partitionColumn)} IN UNNEST(@${partitionsParam})${rows}`,
    `INSERT INTO ${target} (${names})\nSELECT ${names} FROM (\n${sql}\n)`,
  ];
}

/** `incrementalStatements` as one transaction. */
export function incrementalScript(
  target: string,
  partitionColumn: string,
  partitionsParam: string,
  columns: string[],
  sql: string,
  uniqueKey?: string,
): string {
  return transactionScript(incrementalStatements(target, partitionColumn, partitionsParam, columns, sql, uniqueKey));
}

/** Removes a trailing semicolon and blank space, so that a statement can be joined into a script. */
export function trimStatement(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}

/** Ends a statement of a script; on its own line when the statement ends in a line comment. */
function terminate(sql: string): string {
  return /--[^\n]*$/.test(sql) ? `${sql}\n;` : `${sql};`;
}
