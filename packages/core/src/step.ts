/**
 * The one shape of a step (build, package, upload, publish, prune and the
 * workflow all follow it), and the helper that numbers its log headers
 * (the workflow's as `Workflow step N.M`, around its steps' own headers).
 *
 * How a step is shaped:
 * - One public function (`packageLayer(options)`) validates the options
 *   (`validate…Options`: every value checked, defaults applied, clients
 *   injected) and runs one command class: `new …Command(validated).run()`.
 *   The class keeps only readonly, constructor-injected inputs; what one step
 *   finds is returned to the next, never stored on `this` between steps. What
 *   the failure path must know (a staging folder to remove, whether a version
 *   was published when Ctrl-C came) is a journal object that `run()` creates
 *   and passes to the steps that write.
 * - The command's steps are declared ONCE, at the top of its file, with
 *   `defineSteps`: phase 1 is always `preflight`, the read-only checks; then
 *   the phases that act. The headers `Step 1 - Preflight check` and
 *   `Step 1.2 - …` are numbered from that list by `StepLog`, never by hand.
 * - `run()` reads as the list: `preflightCheck()` returns what the actions
 *   need (or the result when there is nothing to do: `unchanged`), then one
 *   method per acting phase. Each step is one method, named as its key in
 *   the plan, that starts with `this.steps.start('itsKey')`.
 * - Words: `ensure…()` checks and throws a LayerError naming the fix;
 *   `is…()`/`has…()` answer a question and never write (not to disk, not to
 *   S3, not to `this`); `find…()` returns something or undefined; other
 *   steps are named by what they do (`writeLayerZip`, `putLayerZip`).
 */
import type { Logger } from './logger.js';

/** A step's title: fixed, or made from what the step knows when it starts (a path, a version). */
export type StepTitle = string | ((...args: never[]) => string);

/** One phase: its own header and its steps, in the order they run. */
export interface StepPhaseSpec {
  readonly title: string;
  readonly steps: Readonly<Record<string, StepTitle>>;
}

/** A command's phases, in the order they run; the first is `preflight`. */
export type StepPlanSpec = { readonly preflight: StepPhaseSpec } & Readonly<Record<string, StepPhaseSpec>>;

/** Every step key of a plan (keys are unique across its phases). */
export type StepKey<P extends StepPlanSpec> = { [K in keyof P]: keyof P[K]['steps'] & string }[keyof P];

type TitleOf<P extends StepPlanSpec, S extends string> = { [K in keyof P]: S extends keyof P[K]['steps'] ? P[K]['steps'][S] : never }[keyof P];

/** What a step's title needs when it starts: nothing for a fixed title. */
export type StepTitleArgs<T> = T extends (...args: infer A) => string ? A : [];

interface NumberedStep {
  readonly phase: string;
  readonly number: string;
  readonly title: StepTitle;
}

/** A command's steps, numbered: phase N is `Step N`, its M-th step `Step N.M`. */
export class StepPlan<P extends StepPlanSpec> {
  private readonly phases = new Map<string, { number: string; title: string }>();
  private readonly steps = new Map<string, NumberedStep>();

  constructor(readonly spec: P) {
    const names = Object.keys(spec);
    if (names[0] !== 'preflight') throw new Error(`the first phase of a step plan is 'preflight', not '${names[0] ?? ''}'`);
    for (const [p, phase] of names.entries()) {
      const number = String(p + 1);
      const { title, steps } = spec[phase] as StepPhaseSpec;
      this.phases.set(phase, { number, title });
      for (const [s, [key, stepTitle]] of Object.entries(steps).entries()) {
        if (this.steps.has(key)) throw new Error(`step '${key}' is declared twice in one step plan`);
        this.steps.set(key, { phase, number: `${number}.${s + 1}`, title: stepTitle });
      }
    }
  }

  /** `Step N - title` of a phase. */
  phaseHeader(phase: keyof P & string): { number: string; title: string } {
    const found = this.phases.get(phase);
    if (!found) throw new Error(`no phase '${phase}' in this step plan`);
    return found;
  }

  /** The phase, number and title of a step, its title made from `args`. */
  stepHeader<S extends StepKey<P>>(key: S, ...args: StepTitleArgs<TitleOf<P, S>>): { phase: keyof P & string; number: string; title: string } {
    const found = this.steps.get(key);
    if (!found) throw new Error(`no step '${key}' in this step plan`);
    const title = typeof found.title === 'string' ? found.title : (found.title as (...a: unknown[]) => string)(...(args as unknown[]));
    return { phase: found.phase, number: found.number, title };
  }

  /** The plan as the log numbers it, one line each (for docs and tests); a title made when the step starts shows as `key(…)`. */
  outline(): string[] {
    const lines: string[] = [];
    for (const [phase, { number, title }] of this.phases) {
      lines.push(`${number} ${title}`);
      for (const [key, step] of this.steps) {
        if (step.phase === phase) lines.push(`  ${step.number} ${typeof step.title === 'string' ? step.title : `${key}(…)`}`);
      }
    }
    return lines;
  }
}

/** Declares a command's steps once; the numbers follow from the order. */
export function defineSteps<const P extends StepPlanSpec>(spec: P): StepPlan<P> {
  return new StepPlan(spec);
}

/**
 * Logs a command's step headers from its plan. A step's phase header is
 * logged before its first step, so a run that starts in phase 2 (publish's
 * sharing of an unchanged version) still says which phase it is in. The
 * one state it keeps is which phase was announced last: it is about the log,
 * not about the work.
 */
export class StepLog<P extends StepPlanSpec> {
  private announced: string | undefined;

  constructor(
    readonly plan: StepPlan<P>,
    private readonly logger: Logger,
    /** `Step`; `Workflow step` for the workflow, whose steps log their own `Step N` headers. */
    private readonly label = 'Step',
  ) {}

  /** `Step N - …`: the start of a phase. */
  phase(phase: keyof P & string): void {
    const { number, title } = this.plan.phaseHeader(phase);
    this.logger.step(number, title, this.label);
    this.announced = phase;
  }

  /** `Step N.M - …`: the start of a step, after its phase's header when that was not the last one logged. */
  start<S extends StepKey<P>>(key: S, ...args: StepTitleArgs<TitleOf<P, S>>): void {
    const { phase, number, title } = this.plan.stepHeader(key, ...args);
    if (this.announced !== phase) this.phase(phase);
    this.logger.step(number, title, this.label);
  }
}
