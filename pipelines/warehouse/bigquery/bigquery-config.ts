import { z } from 'zod';

export const bigQueryConfigSchema = z.object({
  projectId: z.string().min(1),
  location: z.string().min(1).default('EU'),
  /** Datasets are `${prefix}raw`, `${prefix}staging`, `${prefix}marts`, `${prefix}ops`. */
  datasetPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_]*$/, 'letters, digits and underscores only')
    .default(''),
  /** An emulator's base URL, e.g. `http://127.0.0.1:9050`; unset for the real service. */
  apiEndpoint: z.string().url().optional(),
  /** Labels added to every dataset and job. */
  labels: z.record(z.string(), z.string()).default({}),
});

export type BigQueryConfig = z.infer<typeof bigQueryConfigSchema>;
