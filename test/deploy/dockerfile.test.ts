import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { envSchemaKeys, readRepoFile, repoRoot, SECRET_NAME } from './project-facts.js';

const run = promisify(execFile);

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions of a Dockerfile, continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
      return { keyword: keyword.toUpperCase(), args };
    });
}

const all = instructions(readRepoFile('Dockerfile'));
const globalArgs = new Map(
  all
    .slice(
      0,
      all.findIndex((i) => i.keyword === 'FROM'),
    )
    .filter((i) => i.keyword === 'ARG')
    .map((i) => i.args.split('=') as [string, string]),
);
const stages: Stage[] = [];
for (const instruction of all) {
  if (instruction.keyword === 'FROM') {
    const [image = '', , name] = instruction.args.split(/\s+/);
    const from = image.replace(/\$\{(\w+)\}/g, (_, arg: string) => globalArgs.get(arg) ?? '');
    stages.push({ from, name, instructions: [] });
  } else {
    stages.at(-1)?.instructions.push(instruction);
  }
}
const final = stages.at(-1) as Stage;

function inFinal(keyword: string): Instruction[] {
  return final.instructions.filter((i) => i.keyword === keyword);
}

/** ENV keys, from both `ENV A=1 B=2` and the legacy `ENV A 1` forms. */
function envKeys(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'ENV')
    .flatMap((i) =>
      i.args.includes('=') ? [...i.args.matchAll(/(\w+)=/g)].map((m) => m[1] as string) : [i.args.split(/\s+/)[0] as string],
    );
}

function envValue(stage: Stage, key: string): string | undefined {
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    const match = new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(i.args);
    if (match) return match[1];
  }
  return undefined;
}

function execForm(instruction: Instruction | undefined): string[] {
  expect(instruction, 'instruction present').to.not.equal(undefined);
  const parsed: unknown = JSON.parse((instruction as Instruction).args);
  expect(parsed, `${(instruction as Instruction).keyword} in exec (JSON array) form`).to.be.an('array');
  return parsed as string[];
}

describe('Dockerfile', () => {
  it('is multi-stage: dependencies installed in one stage, a slim Node 20 runtime in the last', () => {
    expect(stages.length).to.be.greaterThan(1);
    expect(final.from).to.match(/^node:20[\w.-]*-slim$/);
    const deps = stages.find((stage) => stage.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args)));
    expect(deps, 'a stage runs npm ci').to.not.equal(undefined);
    expect(deps).to.not.equal(final);
    const install = deps?.instructions.find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args))?.args ?? '';
    expect(install).to.include('--omit=dev');
    const copied = inFinal('COPY').find((i) => i.args.includes(`--from=${deps?.name}`));
    expect(copied?.args, 'runtime copies node_modules from the dependency stage').to.match(/node_modules/);
    expect(
      inFinal('RUN')
        .map((i) => i.args)
        .join('\n'),
    ).to.not.match(/\bnpm (ci|install|i)\b/);
  });

  it('installs from the lock file, with tsx as a runtime dependency (no compile step)', () => {
    const copyLock = stages
      .flatMap((s) => s.instructions)
      .find((i) => i.keyword === 'COPY' && i.args.includes('package-lock.json'));
    expect(copyLock).to.not.equal(undefined);
    const pkg = JSON.parse(readRepoFile('package.json')) as { dependencies?: Record<string, string> };
    expect(pkg.dependencies, 'tsx in dependencies, so --omit=dev keeps it').to.have.property('tsx');
  });

  it('runs as an unprivileged user', () => {
    const user = inFinal('USER').at(-1)?.args;
    expect(user, 'a USER in the final stage').to.be.a('string');
    expect(user).to.not.match(/^(root|0)(:|$)/);
    const lastUser = final.instructions.lastIndexOf(inFinal('USER').at(-1) as Instruction);
    const lastRun = final.instructions.findLastIndex((i) => i.keyword === 'RUN');
    expect(lastUser, 'USER after the last RUN').to.be.greaterThan(lastRun);
  });

  it('gives the unprivileged user its writable state directories', () => {
    const user = inFinal('USER').at(-1)?.args ?? '';
    const runs = inFinal('RUN')
      .map((i) => i.args)
      .join('\n');
    const duckdbPath = envValue(final, 'ELT_DUCKDB_PATH') ?? '';
    const workDir = envValue(final, 'ELT_WORK_DIR') ?? '';
    for (const dir of [posix.dirname(duckdbPath), workDir]) {
      expect(dir, 'an absolute path').to.match(/^\/data\//);
      expect(runs, `${dir} created`).to.match(new RegExp(`mkdir -p [^\n]*${dir}(\\s|$)`));
    }
    expect(runs).to.match(new RegExp(`chown -R ${user}:${user} /data\\b`));
  });

  it('sets only variables the configuration declares, and no secret', () => {
    const known = envSchemaKeys();
    for (const stage of stages) {
      for (const key of envKeys(stage)) {
        expect(SECRET_NAME.test(key), `${key} looks like a secret`).to.equal(false);
        if (key !== 'NODE_ENV') expect(known.has(key), `ENV ${key} is declared in pipelines/config/config.ts`).to.equal(true);
      }
      for (const arg of stage.instructions.filter((i) => i.keyword === 'ARG')) {
        expect(SECRET_NAME.test(arg.args), `ARG ${arg.args}`).to.equal(false);
      }
    }
    for (const [arg] of globalArgs) expect(SECRET_NAME.test(arg), `ARG ${arg}`).to.equal(false);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignore = readRepoFile('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignore[0], '.dockerignore is an allow-list').to.equal('*');
    const allowed = new Set(ignore.filter((line) => line.startsWith('!')).map((line) => line.slice(1).replace(/\/$/, '')));
    for (const forbidden of ['.env', 'node_modules', 'warehouse', 'landing', '.git']) {
      expect(allowed.has(forbidden), `${forbidden} let into the build context`).to.equal(false);
    }
    const sources = stages
      .flatMap((s) => s.instructions)
      .filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !i.args.includes('--from='))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((part) => !part.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources).to.have.length.greaterThan(0);
    for (const source of sources) {
      expect(allowed.has(source.replace(/\/$/, '')), `${source} allowed by .dockerignore`).to.equal(true);
      expect(existsSync(resolve(repoRoot, source)), `${source} exists`).to.equal(true);
    }
  });

  it('exposes the lookup and simulator ports and starts the CLI through tsx', () => {
    const exposed = inFinal('EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed).to.include.members(['8080', '8787']);
    expect(envValue(final, 'LOOKUP_PORT')).to.equal('8080');
    const entrypoint = execForm(inFinal('ENTRYPOINT').at(-1));
    expect(entrypoint.slice(0, 3)).to.deep.equal(['node', '--import', 'tsx']);
    expect(existsSync(resolve(repoRoot, entrypoint[3] as string)), `${entrypoint[3]} exists`).to.equal(true);
    expect(execForm(inFinal('CMD').at(-1))).to.deep.equal(['run']);
  });

  it('has an entry point that starts the CLI', async () => {
    const [, ...args] = execForm(inFinal('ENTRYPOINT').at(-1));
    const { stdout } = await run(process.execPath, [...args, '--help'], { cwd: repoRoot, timeout: 30_000 });
    expect(stdout).to.match(/^Usage: elt/);
  });
});
