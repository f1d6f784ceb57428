/** The generator's public interface: realistic, seeded CRM exports for demos, tests and benchmarks. */
export {
  checkExportDate,
  DEFAULT_EXPORT_DATE,
  DEFAULT_SCALE,
  DEFAULT_SEED,
  exportFileName,
  generateCrmExports,
  type GenerateOptions,
} from './generate-crm.js';
export { MAX_OPPORTUNITIES, opportunityCount, opportunityIdAt, SCALES } from './ids.js';
export type { BadRow, BadRowReason, DirtLevel, GeneratedFile, GenerateManifest } from './manifest.js';
export { writeExportWithoutColumn, type MissingColumnFile, type MissingColumnOptions } from './missing-column.js';
export { EXTRA_COLUMN } from './dirt.js';
