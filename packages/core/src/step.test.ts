import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from './logger.js';
import { defineSteps, StepLog } from './step.js';

const plan = defineSteps({
  preflight: { title: 'Preflight check', steps: { ensureInputExists: 'Ensure the input exists', ensureInputValid: 'Ensure the input is valid' } },
  write: { title: 'Write the output', steps: { writeOutput: (path: string) => `Write ${path}`, recordOutput: 'Record the output' } },
});

describe('step plan', () => {
  it('numbers phases and steps from the one list, in order', () => {
    expect(plan.outline()).toEqual([
      '1 Preflight check',
      '  1.1 Ensure the input exists',
      '  1.2 Ensure the input is valid',
      '2 Write the output',
      '  2.1 writeOutput(…)',
      '  2.2 Record the output',
    ]);
    expect(plan.stepHeader('writeOutput', '/tmp/out.zip')).toEqual({ phase: 'write', number: '2.1', title: 'Write /tmp/out.zip' });
  });

  it('logs a phase header before the first step of each phase, once', () => {
    const logger = createMemoryLogger();
    const steps = new StepLog(plan, logger);
    steps.start('ensureInputExists');
    logger.detail('found');
    steps.start('ensureInputValid');
    steps.start('writeOutput', 'out.zip');
    steps.start('recordOutput');
    expect(logger.lines).toEqual([
      'Step 1 - Preflight check',
      'Step 1.1 - Ensure the input exists',
      '  found',
      'Step 1.2 - Ensure the input is valid',
      'Step 2 - Write the output',
      'Step 2.1 - Write out.zip',
      'Step 2.2 - Record the output',
    ]);
  });

  it('announces the phase of a run that starts past preflight, and a phase logged explicitly only once', () => {
    const logger = createMemoryLogger();
    const steps = new StepLog(plan, logger);
    steps.start('recordOutput');
    const again = new StepLog(plan, logger);
    again.phase('preflight');
    again.start('ensureInputExists');
    expect(logger.lines).toEqual([
      'Step 2 - Write the output',
      'Step 2.2 - Record the output',
      'Step 1 - Preflight check',
      'Step 1.1 - Ensure the input exists',
    ]);
  });

  it('refuses a plan without preflight first, and a step key declared twice', () => {
    expect(() => defineSteps({ write: { title: 'Write', steps: {} } } as never)).toThrow(
      "the first phase of a step plan is 'preflight', not 'write'",
    );
    expect(() =>
      defineSteps({ preflight: { title: 'Preflight check', steps: { check: 'Check' } }, act: { title: 'Act', steps: { check: 'Check again' } } }),
    ).toThrow("step 'check' is declared twice in one step plan");
  });

  it('logs nothing when quiet', () => {
    const logger = createMemoryLogger({ quiet: true });
    new StepLog(plan, logger).start('ensureInputExists');
    expect(logger.lines).toEqual([]);
  });
});
