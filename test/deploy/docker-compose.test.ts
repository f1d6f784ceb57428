import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { CLI_COMMANDS, envSchemaKeys, readRepoFile, repoRoot, SECRET_NAME } from './project-facts.js';

const run = promisify(execFile);

interface ComposeService {
  build?: { context?: string; dockerfile?: string } | string;
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  init?: boolean;
  stop_grace_period?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const composeText = readRepoFile('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as ComposeFile;
const APP_SERVICES = ['scheduler', 'lookup', 'simulator', 'pipeline-bigquery'];

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml: service ${name} is missing`);
  return found;
}

function env(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, String(value)]));
}

/** The value of `--flag N` or `--flag=N` in a service's command. */
function flag(name: string, flagName: string): string | undefined {
  const command = service(name).command ?? [];
  const index = command.indexOf(flagName);
  if (index >= 0) return command[index + 1];
  return command.find((arg) => arg.startsWith(`${flagName}=`))?.slice(flagName.length + 1);
}

/** Container ports published by a service (`host:container`). */
function containerPorts(name: string): string[] {
  return (service(name).ports ?? []).map((mapping) => mapping.split(':').at(-1) as string);
}

/** Named-volume mounts of a service, as target path -> volume name. */
function namedMounts(name: string): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const spec of service(name).volumes ?? []) {
    const [source, target] = spec.split(':');
    if (source && target && !source.startsWith('.') && !source.startsWith('/')) mounts.set(target, source);
  }
  return mounts;
}

async function exitCode(file: string, args: string[]): Promise<number> {
  try {
    await run(file, args, { timeout: 10_000 });
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'number' ? code : -1;
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  await new Promise<void>((done) => server.close(() => done()));
}

describe('docker-compose.yml', () => {
  it('declares the scheduler, lookup and simulator by default, and the emulator stack under the bigquery profile', () => {
    for (const name of ['scheduler', 'lookup', 'simulator']) expect(service(name).profiles, name).to.equal(undefined);
    for (const name of ['bigquery-emulator', 'pipeline-bigquery'])
      expect(service(name).profiles, name).to.deep.equal(['bigquery']);
  });

  it('builds every application service from the repository Dockerfile into one image', () => {
    const images = new Set<string | undefined>();
    for (const name of APP_SERVICES) {
      const build = service(name).build;
      const context = typeof build === 'string' ? build : build?.context;
      const dockerfile = (typeof build === 'object' && build.dockerfile) || 'Dockerfile';
      expect(context, `${name} build context`).to.be.a('string');
      expect(existsSync(resolve(repoRoot, context as string, dockerfile)), `${name}: ${dockerfile} in ${context}`).to.equal(true);
      images.add(service(name).image);
    }
    expect([...images]).to.have.length(1);
    expect(service('bigquery-emulator').image).to.equal('ghcr.io/goccy/bigquery-emulator:0.8.1');
  });

  it('runs only real CLI commands, with the role each service stands for', () => {
    for (const name of APP_SERVICES) {
      const command = service(name).command ?? [];
      expect(CLI_COMMANDS, `${name} runs ${command[0]}`).to.include(command[0]);
    }
    expect(service('scheduler').command?.[0]).to.equal('schedule');
    expect(service('lookup').command?.[0]).to.equal('serve-lookup');
    expect(service('simulator').command?.[0]).to.equal('simulator');
    expect(service('pipeline-bigquery').command?.[0]).to.equal('run');
  });

  it('uses commands and flags that the CLI program registers', async function () {
    const { buildProgram } = await import('../../pipelines/cli/program.js');
    const registered = new Map(buildProgram().commands.map((command) => [command.name(), command]));
    const used = APP_SERVICES.map((name) => ({ name, command: service(name).command ?? [] }));
    const missing = used.filter(({ command }) => !registered.has(command[0] as string)).map(({ command }) => command[0]);
    if (missing.length > 0) {
      console.log(`      skipped: not registered in pipelines/cli/program.ts yet: ${[...new Set(missing)].join(', ')}`);
      this.skip();
    }
    for (const { name, command } of used) {
      const options = registered.get(command[0] as string)?.options.map((option) => option.long) ?? [];
      for (const arg of command.slice(1).filter((arg) => arg.startsWith('--'))) {
        expect(options, `${name}: ${command[0]} ${arg}`).to.include(arg.split('=')[0]);
      }
    }
  });

  it('sets only environment variables that pipelines/config/config.ts declares', () => {
    const known = envSchemaKeys();
    for (const name of APP_SERVICES) {
      for (const key of Object.keys(env(name))) expect(known.has(key), `${name}: ${key}`).to.equal(true);
    }
    const interpolated = [...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] as string);
    expect(interpolated).to.have.length.greaterThan(0);
    for (const key of interpolated) expect(known.has(key), `\${${key}} interpolation`).to.equal(true);
  });

  it('holds no secret value: secret variables only pass through from the caller', () => {
    for (const name of APP_SERVICES) {
      for (const [key, value] of Object.entries(env(name))) {
        if (!SECRET_NAME.test(key)) continue;
        expect(value, `${name}: ${key}`).to.match(new RegExp(`^\\$\\{${key}(:?-)?\\}$`));
      }
    }
  });

  it('keeps the DuckDB file and the landing folder on named volumes at the configured paths', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const warehouseVolumes = new Set<string>();
    for (const name of APP_SERVICES) {
      const vars = env(name);
      const mounts = namedMounts(name);
      for (const volume of mounts.values()) expect(declared, `${name} mounts ${volume}`).to.include(volume);
      if ((vars.ELT_WAREHOUSE ?? 'duckdb') === 'duckdb' && vars.ELT_DUCKDB_PATH) {
        const volume = mounts.get(posix.dirname(vars.ELT_DUCKDB_PATH));
        expect(volume, `${name}: a named volume at the directory of ${vars.ELT_DUCKDB_PATH}`).to.be.a('string');
        warehouseVolumes.add(volume as string);
      }
      if (vars.ELT_CSV_DIR)
        expect(mounts.get(vars.ELT_CSV_DIR), `${name}: a named volume at ${vars.ELT_CSV_DIR}`).to.be.a('string');
    }
    expect(env('lookup').ELT_DUCKDB_PATH).to.equal(env('scheduler').ELT_DUCKDB_PATH);
    expect([...warehouseVolumes], 'scheduler and lookup share one warehouse volume').to.have.length(1);
  });

  it('creates every named-volume mount point in the image, owned by its unprivileged user', () => {
    const dockerfile = readRepoFile('Dockerfile');
    const created =
      dockerfile
        .match(/mkdir -p ([^\n&\\]+)/)?.[1]
        ?.trim()
        .split(/\s+/) ?? [];
    expect(dockerfile).to.match(/chown -R node:node \/data/);
    for (const name of APP_SERVICES) {
      for (const target of namedMounts(name).keys()) expect(created, `${name}: ${target}`).to.include(target);
    }
  });

  it('publishes each server on the port it listens on, and points clients at those ports', () => {
    expect(containerPorts('lookup')).to.deep.equal([flag('lookup', '--port')]);
    expect(containerPorts('simulator')).to.deep.equal([flag('simulator', '--port')]);
    expect(containerPorts('bigquery-emulator')).to.deep.equal([flag('bigquery-emulator', '--port')]);
    for (const name of ['scheduler', 'pipeline-bigquery']) {
      const api = new URL(env(name).MARKETING_API_URL as string);
      expect([api.hostname, api.port], name).to.deep.equal(['simulator', flag('simulator', '--port')]);
    }
    expect(env('scheduler').MARKETING_API_URL).to.equal('http://simulator:8787');
  });

  it('points the BigQuery pipeline at the emulator and its project', () => {
    const vars = env('pipeline-bigquery');
    expect(vars.ELT_WAREHOUSE).to.equal('bigquery');
    expect(vars.BIGQUERY_API_ENDPOINT).to.equal('http://bigquery-emulator:9050');
    expect(vars.BIGQUERY_PROJECT).to.equal('local-project');
    expect(new URL(vars.BIGQUERY_API_ENDPOINT as string).port).to.equal(flag('bigquery-emulator', '--port'));
    expect(flag('bigquery-emulator', '--project')).to.equal(vars.BIGQUERY_PROJECT);
  });

  it('health-checks every server and starts clients only once their servers are healthy', () => {
    expect(service('lookup').healthcheck?.test?.join(' ')).to.include(`127.0.0.1:${flag('lookup', '--port')}/healthz`);
    expect(service('simulator').healthcheck?.test?.join(' ')).to.include(`${flag('simulator', '--port')}, '127.0.0.1'`);
    expect(service('bigquery-emulator').healthcheck?.test?.join(' ')).to.include(
      `127.0.0.1/${flag('bigquery-emulator', '--port')}`,
    );
    for (const client of ['scheduler', 'pipeline-bigquery']) {
      for (const [dependency, { condition }] of Object.entries(service(client).depends_on ?? {})) {
        expect(service(dependency).healthcheck, `${client} waits for ${dependency}`).to.not.equal(undefined);
        expect(condition, `${client} -> ${dependency}`).to.equal('service_healthy');
      }
    }
    expect(Object.keys(service('scheduler').depends_on ?? {})).to.include('simulator');
    expect(Object.keys(service('pipeline-bigquery').depends_on ?? {})).to.have.members(['simulator', 'bigquery-emulator']);
  });

  it('forwards stop signals to the scheduler and leaves an in-flight run time to finish', () => {
    expect(service('scheduler').init).to.equal(true);
    expect(service('scheduler').stop_grace_period).to.match(/^\d+[ms]$/);
  });

  describe('health check commands', () => {
    /** The script of a `[CMD, program, -c|-e, script]` health check, with the service port swapped for `port`. */
    function probe(name: string, servicePort: string, port: number, portPattern: (p: string) => string): string[] {
      const test = service(name).healthcheck?.test ?? [];
      const script = test[3] ?? '';
      expect(script, `${name} probes ${portPattern(servicePort)}`).to.include(portPattern(servicePort));
      return [test[2] as string, script.replace(portPattern(servicePort), portPattern(String(port)))];
    }

    it('lookup: passes on 200 from /healthz and fails on an error status or a closed port', async () => {
      let status = 200;
      const paths: string[] = [];
      const server = createServer((request, response) => {
        paths.push(request.url ?? '');
        response.writeHead(status).end();
      });
      const port = await listen(server);
      try {
        const args = probe('lookup', flag('lookup', '--port') as string, port, (p) => `127.0.0.1:${p}`);
        expect(await exitCode(process.execPath, args)).to.equal(0);
        status = 503;
        expect(await exitCode(process.execPath, args)).to.equal(1);
        expect(paths).to.deep.equal(['/healthz', '/healthz']);
      } finally {
        await close(server);
      }
      const args = probe('lookup', flag('lookup', '--port') as string, port, (p) => `127.0.0.1:${p}`);
      expect(await exitCode(process.execPath, args)).to.equal(1);
    });

    it('simulator: passes while the port accepts connections and fails once it is closed', async () => {
      const server = createServer((_request, response) => response.end());
      const port = await listen(server);
      const args = probe('simulator', flag('simulator', '--port') as string, port, (p) => `connect(${p},`);
      try {
        expect(await exitCode(process.execPath, args)).to.equal(0);
      } finally {
        await close(server);
      }
      expect(await exitCode(process.execPath, args)).to.equal(1);
    });

    it('bigquery-emulator: passes on 200 for the project dataset list and fails otherwise', async function () {
      if ((await exitCode('bash', ['-c', 'true'])) !== 0) {
        console.log('      skipped: bash is not available on this machine');
        this.skip();
      }
      let status = 200;
      const paths: string[] = [];
      const server = createServer((request, response) => {
        paths.push(request.url ?? '');
        response.writeHead(status).end('{}');
      });
      const port = await listen(server);
      try {
        const args = probe('bigquery-emulator', flag('bigquery-emulator', '--port') as string, port, (p) => `127.0.0.1/${p}`);
        expect(await exitCode('bash', args)).to.equal(0);
        status = 404;
        expect(await exitCode('bash', args)).to.equal(1);
        expect(paths).to.deep.equal([
          '/bigquery/v2/projects/local-project/datasets',
          '/bigquery/v2/projects/local-project/datasets',
        ]);
      } finally {
        await close(server);
      }
    });
  });
});
