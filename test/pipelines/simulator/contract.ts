import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

/**
 * Checks HTTP answers against `shared/contracts/marketing-api.openapi.yaml`: the status must be one the
 * operation declares (or its `5XX`), the body must match the declared schema (OpenAPI 3.1 schemas are JSON
 * Schema 2020-12; `$ref`s resolve inside the document), and declared headers must be present and valid.
 */
export const CONTRACT_PATH = fileURLToPath(new URL('../../../../shared/contracts/marketing-api.openapi.yaml', import.meta.url));

type Json = Record<string, unknown>;

const CONTRACT_ID = 'https://contract.invalid/marketing-api.json';
// ajv-formats is CommonJS; under ESM its function is the default export's default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;

export interface ContractChecker {
  /** Throws an Error listing every mismatch. */
  check(path: '/v1/events' | '/v1/users', status: number, headers: Headers, body: unknown): void;
  /** Compiled validator of a component schema, e.g. `EventPage`. */
  schema(name: string): ValidateFunction;
  document: Json;
}

export function loadContract(): ContractChecker {
  const document = parseYaml(readFileSync(CONTRACT_PATH, 'utf8')) as Json;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema({ $id: CONTRACT_ID, components: document.components });

  const resolve = (ref: string): Json => {
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    let node: unknown = document;
    for (const key of ref.slice(2).split('/')) node = (node as Json)[key];
    if (!node) throw new Error(`unresolved $ref ${ref}`);
    return node as Json;
  };
  const deref = (node: Json): Json => (typeof node.$ref === 'string' ? deref(resolve(node.$ref)) : node);
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (ref: string): ValidateFunction => {
    let validate = validators.get(ref);
    if (!validate) {
      validate = ajv.getSchema(`${CONTRACT_ID}${ref}`);
      if (!validate) throw new Error(`no schema at ${ref}`);
      validators.set(ref, validate);
    }
    return validate;
  };

  return {
    document,
    schema: (name) => validatorFor(`#/components/schemas/${name}`),
    check(path, status, headers, body) {
      const operation = ((document.paths as Json)[path] as Json).get as Json;
      const responses = operation.responses as Json;
      const declared = (responses[String(status)] ?? responses[`${String(status)[0]}XX`]) as Json | undefined;
      if (!declared) throw new Error(`status ${status} is not declared for GET ${path}`);
      const response = deref(declared);
      const problems: string[] = [];
      const content = (response.content as Json)['application/json'] as Json;
      const contentType = headers.get('content-type') ?? '';
      if (!contentType.startsWith('application/json')) problems.push(`content-type is ${contentType || 'missing'}`);
      const schema = content.schema as Json;
      const validate = validatorFor(String(schema.$ref));
      if (!validate(body)) problems.push(`body: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
      for (const [name, spec] of Object.entries((response.headers as Json | undefined) ?? {})) {
        const value = headers.get(name);
        if (value === null) {
          problems.push(`header ${name} is missing`);
          continue;
        }
        const headerSchema = (spec as Json).schema as Json;
        const parsed = headerSchema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
        const validateHeader = ajv.compile(headerSchema);
        if (!validateHeader(parsed)) problems.push(`header ${name}: ${ajv.errorsText(validateHeader.errors)}`);
      }
      if (problems.length) throw new Error(`GET ${path} ${status} breaks the contract: ${problems.join('; ')}`);
    },
  };
}
