import { z } from 'zod';

export const duckDbConfigSchema = z.object({
  /** Path of the database file; `:memory:` for a throw-away database. */
  path: z.string().min(1),
  /** Memory limit given to DuckDB, e.g. `2GB`. */
  memoryLimit: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i)
    .optional(),
  threads: z.number().int().positive().optional(),
  /** Opens the file read-only (readers such as the lookup function; several may share the file). */
  readOnly: z.boolean().optional(),
});

export type DuckDbConfig = z.infer<typeof duckDbConfigSchema>;
