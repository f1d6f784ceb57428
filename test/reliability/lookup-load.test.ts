import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { ROOT } from './support/cli-process.js';

/**
 * The lookup under load: `bench/lookup.ts` serves a 174,000-row mart with `serve-lookup` and drives it
 * for 60 s at the target rate (1,000 req/s), then unthrottled, then at the target rate again while the
 * mart is reloaded; every request must answer 200.
 *
 *   npx mocha --timeout 1800000 test/reliability/lookup-load.test.ts
 */
const DURATION_S = Number(process.env.LOOKUP_LOAD_SECONDS ?? 60);
const RATE = Number(process.env.LOOKUP_LOAD_RATE ?? 1000);

interface Phase {
  title: string;
  requests: number;
  rps: number;
  errors: number;
  p99: number;
}

/** The phases `bench/lookup.ts` reports: a title line, then `requests N, R req/s, errors E` and the latencies. */
function parseLookupBench(output: string): Phase[] {
  const phases: Phase[] = [];
  const pattern =
    /\n(fixed rate[^\n]*|concurrency[^\n]*)\n\s+requests ([\d,]+), ([\d,]+) req\/s, errors (\d+)\n\s+latency ms: p50 [\d.]+\s+p99 ([\d.]+)/g;
  for (const m of output.matchAll(pattern)) {
    const number = (text: string) => Number(text.replace(/,/g, ''));
    phases.push({ title: m[1]!, requests: number(m[2]!), rps: number(m[3]!), errors: number(m[4]!), p99: Number(m[5]) });
  }
  return phases;
}

describe('reliability: the opportunity lookup under load', function () {
  it(`serves ${DURATION_S} s at ${RATE} req/s, then unthrottled, then during a reload, with 0 errors`, async function () {
    const args = ['--import', 'tsx', 'bench/lookup.ts', '--duration', String(DURATION_S), '--rate', String(RATE)];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    console.log(stdout.replace(/^/gm, '      '));
    expect(code, `bench/lookup.ts exit code:\n${stderr.slice(-2000)}`).to.equal(0);
    const phases = parseLookupBench(stdout);
    expect(
      phases.map((p) => p.title.split(' ')[0]),
      'phases reported',
    ).to.deep.equal(['fixed', 'concurrency', 'fixed']);
    for (const phase of phases) expect(phase.errors, `errors: ${phase.title}`).to.equal(0);
    const [fixed, , reloading] = phases;
    // The fixed rate was held: at least 95% of rate x duration requests were answered.
    expect(fixed!.requests, 'requests at the target rate').to.be.at.least(0.95 * RATE * DURATION_S);
    expect(reloading!.title, 'the reload happened while serving').to.match(/reload done/);
    expect(stdout).to.match(/errors \(non-200, socket errors, timeouts\): 0\n/);
  });
});
