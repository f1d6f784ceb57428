import { parse } from '@cdktf/hcl2json';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CLI_COMMANDS, envSchemaKeys, repoRoot, SECRET_NAME } from './project-facts.js';

const run = promisify(execFile);
const infraDir = resolve(repoRoot, 'infra');

type Json = Record<string, unknown>;
/** A block as hcl2json renders it: nested blocks are arrays of objects. */
type Block = Json;

/** Every `.tf` file under infra/, parsed once and merged by block type, resource type and name. */
interface Terraform {
  files: string[];
  resource: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
  variable: Record<string, Block>;
  output: Record<string, Block>;
  locals: Json;
  terraform: Block[];
}

function tfFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : tfFiles(path);
    return entry.name.endsWith('.tf') ? [path] : [];
  });
}

async function loadTerraform(): Promise<Terraform> {
  const tf: Terraform = { files: [], resource: {}, data: {}, variable: {}, output: {}, locals: {}, terraform: [] };
  for (const path of tfFiles(infraDir)) {
    const name = path.slice(infraDir.length + 1);
    tf.files.push(name);
    const parsed = (await parse(name, readFileSync(path, 'utf8'))) as Json;
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries((parsed[kind] ?? {}) as Record<string, Record<string, Block[]>>)) {
        for (const [resourceName, blocks] of Object.entries(byName)) {
          const into = (tf[kind][type] ??= {});
          expect(into[resourceName], `${kind} ${type}.${resourceName} declared twice`).to.equal(undefined);
          into[resourceName] = blocks[0] as Block;
        }
      }
    }
    for (const kind of ['variable', 'output'] as const) {
      for (const [key, blocks] of Object.entries((parsed[kind] ?? {}) as Record<string, Block[]>))
        tf[kind][key] = blocks[0] as Block;
    }
    for (const locals of (parsed.locals ?? []) as Json[]) Object.assign(tf.locals, locals);
    tf.terraform.push(...((parsed.terraform ?? []) as Block[]));
  }
  return tf;
}

/** The first nested block at `path` (hcl2json wraps each nested block in an array). */
function block(from: Block | undefined, ...path: string[]): Block {
  let current: unknown = from;
  for (const key of path) {
    const next = (current as Json | undefined)?.[key];
    current = Array.isArray(next) ? next[0] : next;
  }
  expect(current, `block ${path.join('.')}`).to.be.an('object');
  return current as Block;
}

/** All values under `value`, depth first, with the key that held each. */
function* walk(value: unknown, key = ''): Generator<[string, unknown]> {
  yield [key, value];
  if (Array.isArray(value)) for (const item of value) yield* walk(item, key);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* walk(v, k);
}

describe('infra/ (Terraform)', function () {
  let tf: Terraform;

  before(async () => {
    tf = await loadTerraform();
  });

  function resource(type: string, name: string): Block {
    const found = tf.resource[type]?.[name];
    expect(found, `resource ${type}.${name}`).to.be.an('object');
    return found as Block;
  }

  function resourcesOf(type: string): [string, Block][] {
    return Object.entries(tf.resource[type] ?? {});
  }

  function local<T>(name: string): T {
    expect(tf.locals, 'locals').to.have.property(name);
    return tf.locals[name] as T;
  }

  const datasetRef = (layer: string) => `\${google_bigquery_dataset.this["${layer}"].dataset_id}`;

  it('has the expected files and pins the Google provider', () => {
    expect(tf.files).to.include.members(['versions.tf', 'variables.tf', 'main.tf', 'outputs.tf']);
    const providers = block(
      tf.terraform.find((t) => t.required_providers),
      'required_providers',
    );
    expect(block(providers, 'google').source).to.equal('hashicorp/google');
    expect(tf.terraform.some((t) => typeof t.required_version === 'string')).to.equal(true);
  });

  it('declares the deployment variables, with an EU default location', () => {
    expect(tf.variable).to.include.keys('project', 'region', 'location', 'dataset_prefix', 'analysts_group', 'image');
    expect(tf.variable.location?.default).to.equal('EU');
    for (const [name, variable] of Object.entries(tf.variable)) expect(variable.description, `var.${name}`).to.be.a('string');
  });

  it('creates the raw, staging, marts and ops datasets in the chosen location, described and labelled', () => {
    const datasets = local<Record<string, { description?: string; classification?: string }>>('datasets');
    expect(Object.keys(datasets)).to.have.members(['raw', 'staging', 'marts', 'ops']);
    for (const [layer, dataset] of Object.entries(datasets)) {
      expect(dataset.description, layer).to.be.a('string').with.length.greaterThan(0);
      expect(dataset.classification, layer).to.be.a('string').with.length.greaterThan(0);
    }
    expect(datasets.raw?.classification).to.equal('personal');
    expect(datasets.marts?.classification).to.equal('pseudonymous');
    const dataset = resource('google_bigquery_dataset', 'this');
    expect(dataset.for_each).to.equal('${local.datasets}');
    expect(dataset.dataset_id).to.equal('${var.dataset_prefix}${each.key}');
    expect(dataset.location).to.equal('${var.location}');
    expect(dataset.description).to.equal('${each.value.description}');
    expect(dataset.labels)
      .to.be.a('string')
      .and.match(/^\$\{merge\(local\.labels,/);
    expect(dataset.labels).to.include('each.value.classification');
    expect(local<Json>('labels')).to.include.keys('app', 'environment', 'managed_by');
  });

  it('grants the analysts group read on marts only, never on raw or at project level beyond running jobs', () => {
    const grants = Object.entries(tf.resource)
      .filter(([type]) => /_iam_(member|binding|policy)$|_access$/.test(type))
      .flatMap(([type, byName]) => Object.entries(byName).map(([name, body]) => ({ type, name, body })))
      .filter(({ body }) => JSON.stringify(body).includes('var.analysts_group'));
    expect(grants.map((g) => `${g.type}.${g.name}`)).to.have.members([
      'google_bigquery_dataset_iam_member.analysts_marts_viewer',
      'google_project_iam_member.analysts_job_user',
    ]);
    const marts = resource('google_bigquery_dataset_iam_member', 'analysts_marts_viewer');
    expect(marts.dataset_id).to.equal(datasetRef('marts'));
    expect(marts.role).to.equal('roles/bigquery.dataViewer');
    expect(marts.member).to.equal('group:${var.analysts_group}');
    expect(resource('google_project_iam_member', 'analysts_job_user').role).to.equal('roles/bigquery.jobUser');
    for (const grant of grants) expect(JSON.stringify(grant.body), `${grant.name}`).to.not.match(/raw|staging/);
  });

  it('lets only the pipeline write the datasets, and only analysts and the lookup read marts', () => {
    for (const [name, grant] of resourcesOf('google_bigquery_dataset_iam_member')) {
      if (grant.dataset_id === datasetRef('marts')) {
        expect(grant.role, name).to.equal('roles/bigquery.dataViewer');
        expect(grant.member, name).to.be.oneOf(['group:${var.analysts_group}', '${google_service_account.lookup.member}']);
      } else {
        expect(grant.for_each, `${name}: a grant on every dataset`).to.equal('${google_bigquery_dataset.this}');
        expect(grant.dataset_id).to.equal('${each.value.dataset_id}');
        expect(grant.member, name).to.equal('${google_service_account.pipeline.member}');
        expect(grant.role, name).to.equal('roles/bigquery.dataEditor');
      }
    }
    const lookup = resource('google_bigquery_dataset_iam_member', 'lookup_marts_viewer');
    expect([lookup.dataset_id, lookup.member]).to.deep.equal([datasetRef('marts'), '${google_service_account.lookup.member}']);
    const projectRoles = resourcesOf('google_project_iam_member').map(([, grant]) => `${grant.member} ${grant.role}`);
    expect(projectRoles).to.include('${google_service_account.pipeline.member} roles/bigquery.jobUser');
    expect(projectRoles).to.include('${google_service_account.lookup.member} roles/bigquery.jobUser');
    for (const binding of projectRoles)
      expect(binding).to.not.match(/dataViewer|dataEditor|dataOwner|bigquery\.admin|roles\/(owner|editor)/);
  });

  it('runs the hourly job at minute 5, Paris time, through Cloud Scheduler', () => {
    const schedule = resource('google_cloud_scheduler_job', 'hourly');
    expect(schedule.schedule).to.equal('5 * * * *');
    expect(schedule.time_zone).to.equal('Europe/Paris');
    const target = block(schedule, 'http_target');
    expect(target.http_method).to.equal('POST');
    expect(target.uri).to.equal('https://run.googleapis.com/v2/${google_cloud_run_v2_job.hourly.id}:run');
    expect(block(target, 'oauth_token').service_account_email).to.equal('${google_service_account.scheduler.email}');
    const invoker = resource('google_cloud_run_v2_job_iam_member', 'scheduler_invoker');
    expect([invoker.name, invoker.role, invoker.member]).to.deep.equal([
      '${google_cloud_run_v2_job.hourly.name}',
      'roles/run.invoker',
      '${google_service_account.scheduler.member}',
    ]);
  });

  it('runs `run` as the pipeline service account, one task at a time', () => {
    const job = resource('google_cloud_run_v2_job', 'hourly');
    expect(block(job, 'template').task_count).to.equal(1);
    const task = block(job, 'template', 'template');
    expect(task.service_account).to.equal('${google_service_account.pipeline.email}');
    const container = block(task, 'containers');
    expect(container.image).to.equal('${var.image}');
    expect(container.args).to.deep.equal(['run']);
    expect(CLI_COMMANDS).to.include((container.args as string[])[0]);
    const mount = block(container, 'volume_mounts');
    expect(mount.mount_path).to.equal('${local.landing_mount_path}');
    expect(local<Json>('job_env').ELT_CSV_DIR).to.equal('${local.landing_mount_path}');
  });

  it('serves the lookup from its own service account, ready once it listens on its port', () => {
    const service = resource('google_cloud_run_v2_service', 'lookup');
    const template = block(service, 'template');
    expect(template.service_account).to.equal('${google_service_account.lookup.email}');
    const container = block(template, 'containers');
    const args = container.args as string[];
    expect(args[0]).to.equal('serve-lookup');
    expect(CLI_COMMANDS).to.include(args[0]);
    const port = args[args.indexOf('--port') + 1];
    expect(String(block(container, 'ports').container_port)).to.equal(port);
    // Not /healthz: it answers 503 until the first run fills the mart, which would fail the first deployment.
    expect(String(block(container, 'startup_probe', 'tcp_socket').port)).to.equal(port);
    expect(resource('google_service_account', 'lookup')).to.be.an('object');
  });

  it('passes only configuration variables, as literals for settings and from Secret Manager for secrets', () => {
    const known = envSchemaKeys();
    const literal = { ...local<Json>('warehouse_env'), ...local<Json>('job_env') };
    for (const key of Object.keys(literal)) {
      expect(known.has(key), `${key} declared in pipelines/config/config.ts`).to.equal(true);
      expect(SECRET_NAME.test(key), `${key} passed as a literal`).to.equal(false);
    }
    const catalog = local<Record<string, { secret_id: string; env: string }>>('secret_catalog');
    const secretEnv = Object.values(catalog).map((secret) => secret.env);
    expect(secretEnv).to.include.members(['MARKETING_API_TOKEN', 'ELT_PSEUDONYM_SALT']);
    for (const key of secretEnv) expect(known.has(key), `${key} declared in pipelines/config/config.ts`).to.equal(true);
    const job = block(resource('google_cloud_run_v2_job', 'hourly'), 'template', 'template', 'containers');
    const lookup = block(resource('google_cloud_run_v2_service', 'lookup'), 'template', 'containers');
    for (const [name, container, secrets] of [
      ['job', job, 'local.job_secrets'],
      ['lookup', lookup, 'local.lookup_secrets'],
    ] as const) {
      const envBlocks = (block(container, 'dynamic').env ?? []) as Block[];
      const fromSecrets = envBlocks.find((env) => String(env.for_each).includes(secrets));
      expect(fromSecrets, `${name}: env from ${secrets}`).to.not.equal(undefined);
      const ref = block(fromSecrets, 'content', 'value_source', 'secret_key_ref');
      expect(ref.secret).to.equal('${google_secret_manager_secret.this[env.value].secret_id}');
      expect(ref.version).to.equal('latest');
      expect(container, `${name}: no static env block`).to.not.have.property('env');
    }
    expect(local<string[]>('lookup_secrets')).to.include('lookup_api_key');
  });

  it('declares the secrets without any value', () => {
    const secret = resource('google_secret_manager_secret', 'this');
    expect(secret.for_each).to.equal('${local.secrets}');
    expect(secret.secret_id).to.equal('${each.value.secret_id}');
    expect(secret.labels).to.equal('${local.labels}');
    expect(tf.resource).to.not.have.property('google_secret_manager_secret_version');
    expect(tf.data).to.not.have.property('google_secret_manager_secret_version');
    for (const [key] of walk(tf)) expect(key).to.not.match(/^(secret_data|secret_string|payload)$/);
  });

  it('labels every labelled resource with the common labels', () => {
    for (const [type, name] of [
      ['google_cloud_run_v2_job', 'hourly'],
      ['google_cloud_run_v2_service', 'lookup'],
      ['google_storage_bucket', 'landing'],
    ] as const) {
      expect(String(resource(type, name).labels), `${type}.${name}`).to.match(/local\.labels/);
    }
  });

  it('keeps CRM exports private and time-limited in the landing bucket', () => {
    const bucket = resource('google_storage_bucket', 'landing');
    expect(bucket.uniform_bucket_level_access).to.equal(true);
    expect(bucket.public_access_prevention).to.equal('enforced');
    expect(block(bucket, 'lifecycle_rule', 'action').type).to.equal('Delete');
  });

  it('is formatted as `terraform fmt` writes it', async function () {
    const binary = (process.env.PATH ?? '')
      .split(delimiter)
      .map((dir) => join(dir, 'terraform'))
      .find((path) => existsSync(path));
    if (!binary) {
      console.log('      skipped: no terraform binary on PATH (the structural tests above still ran)');
      this.skip();
    }
    this.timeout(30_000);
    try {
      await run(binary as string, ['fmt', '-check', '-recursive', '-diff', 'infra'], { cwd: repoRoot });
    } catch (error) {
      expect.fail(`terraform fmt -check -recursive infra: files need formatting\n${(error as { stdout?: string }).stdout ?? ''}`);
    }
  });
});
