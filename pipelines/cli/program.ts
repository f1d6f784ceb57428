import { Command } from 'commander';
import { registerRun } from './commands/run.js';
import { registerSchedule } from './commands/schedule.js';
import { registerStatus } from './commands/status.js';
import { registerBackfill } from './commands/backfill.js';
import { registerServeLookup } from './commands/serve-lookup.js';
import { registerSimulator } from './commands/simulator.js';
import { registerGenerate } from './commands/generate.js';
import { registerCompile } from './commands/compile.js';
import { registerDocs } from './commands/docs.js';
import { createCliContext, type CliContext, type RegisterCommand } from './context.js';

// Each command lives in its own file under commands/ and is listed here.
const commands: RegisterCommand[] = [
  registerRun,
  registerSchedule,
  registerStatus,
  registerBackfill,
  registerServeLookup,
  registerSimulator,
  registerGenerate,
  registerCompile,
  registerDocs,
];

export function buildProgram(context: CliContext = createCliContext()): Command {
  const program = new Command()
    .name('elt')
    .description('Mortgage broker ELT pipeline: CRM exports and marketing activity into warehouse marts')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program, context);
  return program;
}
