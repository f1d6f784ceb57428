import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { opportunityCount, opportunityIdAt } from '../../../pipelines/generate/ids.js';
import type { MarketingEvent } from '../../../pipelines/simulator/types.js';

// Tests of `npm run cli -- simulator`, run as a child process the way a person or docker-compose runs it.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DAY = 86_400_000;
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

function cli(args: string[]): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'debug', CI: 'true' };
  delete env.MARKETING_API_TOKEN;
  delete env.ELT_CSV_DIR;
  delete env.ELT_SAMPLE_SEED;
  delete env.ELT_SAMPLE_SCALE;
  const child = spawn(TSX, ['pipelines/cli/main.ts', 'simulator', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { child, stdout: () => out, stderr: () => err };
}

async function exitCode(run: Run): Promise<number | null> {
  if (run.child.exitCode !== null) return run.child.exitCode;
  const [code] = (await once(run.child, 'exit')) as [number | null];
  return code;
}

async function listening(run: Run): Promise<string> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const match = /listening on (http:\/\/\S+)/.exec(run.stdout());
    if (match?.[1]) return match[1];
    if (run.child.exitCode !== null) throw new Error(`simulator exited with ${run.child.exitCode}: ${run.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`simulator did not start: ${run.stderr()}`);
}

describe('cli: simulator command', function () {
  this.timeout(90_000);

  it('prints its help, fault flags included, and exits 0', async () => {
    const run = cli(['--help']);
    expect(await exitCode(run)).to.equal(0);
    for (const flag of [
      '--port',
      '--host',
      '--seed',
      '--days',
      '--events-per-day',
      '--token',
      '--rate-429',
      '--rate-5xx',
      '--rate-reset',
      '--latency-ms',
      '--duplicate-rate',
      '--late-rate',
      '--new-fields',
    ]) {
      expect(run.stdout()).to.include(flag);
    }
  });

  it('refuses a bad flag value with a message naming it and exit code 2', async () => {
    const run = cli(['--rate-429', '1.5']);
    expect(await exitCode(run)).to.equal(2);
    expect(run.stderr()).to.match(/--rate-429/);
    expect(run.stderr()).to.match(/share from 0 to 1/);
  });

  it('serves the API with a token, leads pointing at the generated CRM export, logs free of personal data, and stops cleanly on SIGTERM', async () => {
    const token = 'cli-test-token-123';
    // The command serves by the system clock, and only the last 90 days: a span that ends today.
    const today = Math.floor(Date.now() / DAY) * DAY;
    const from = today - 14 * DAY;
    const run = cli([
      '--port',
      '0',
      '--seed',
      '3',
      '--token',
      token,
      '--from',
      new Date(from).toISOString(),
      '--to',
      new Date(today + DAY).toISOString(),
      '--events-per-day',
      '800',
    ]);
    try {
      const url = await listening(run);
      expect(new URL(url).hostname).to.equal('127.0.0.1');
      expect((await fetch(`${url}/v1/users`)).status).to.equal(401);
      const headers = { authorization: `Bearer ${token}` };
      const users = (await (await fetch(`${url}/v1/users?limit=5`, { headers })).json()) as { data: { email: string }[] };
      expect(users.data).to.have.length(5);
      const leads: MarketingEvent[] = [];
      for (const since of [from, from + 7 * DAY]) {
        const window = {
          received_since: new Date(since).toISOString(),
          received_before: new Date(since + 7 * DAY).toISOString(),
        };
        let query = `${new URLSearchParams(window).toString()}&limit=1000`;
        for (;;) {
          const page = (await (await fetch(`${url}/v1/events?${query}`, { headers })).json()) as {
            data: MarketingEvent[];
            next_cursor: string | null;
          };
          leads.push(...page.data.filter((e) => e.event === 'Lead Submitted'));
          if (!page.next_cursor) break;
          query = `cursor=${encodeURIComponent(page.next_cursor)}`;
        }
      }
      expect(leads.length).to.be.greaterThan(0);
      const exported = new Set(Array.from({ length: opportunityCount('small') }, (_, i) => opportunityIdAt(3, i)));
      for (const lead of leads)
        expect(exported.has(lead.properties.opportunity_id as string), String(lead.properties.opportunity_id)).to.equal(true);

      run.child.kill('SIGTERM');
      expect(await exitCode(run)).to.equal(0);
      const logs = run.stderr();
      expect(logs).to.include('simulator');
      for (const user of users.data) expect(logs).to.not.include(user.email);
      expect(logs).to.not.include(token);
      expect(logs).to.not.match(/@[a-z]+\.(fr|com|net)/);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });
});
