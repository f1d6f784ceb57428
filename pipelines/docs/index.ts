/**
 * The documentation site (`docs` command): static HTML from the models, the lineage picture and
 * charts drawn from the marts. `generateDocsSite` takes its own input types; `docsFromProject` builds
 * them from `models/`.
 */
export { generateDocsSite } from './generate-site.js';
export { docsFromProject, docsModelsFromCompiled, docsSourcesFromTables } from './from-project.js';
export type { DocsColumn, DocsModel, DocsSiteOptions, DocsSiteResult, DocsSource, DocsTest } from './types.js';
