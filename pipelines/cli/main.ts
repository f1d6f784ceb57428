#!/usr/bin/env node
import { PipelineError } from '../core/errors.js';
import { createCliContext } from './context.js';
import { buildProgram } from './program.js';

const context = createCliContext();
const program = buildProgram(context);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
    process.exitCode = 0;
  } else if (code?.startsWith('commander.')) {
    process.exitCode = 2;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = error instanceof PipelineError && error.kind === 'transient' ? 75 : 1;
  }
}
