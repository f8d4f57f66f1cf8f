/**
 * Test fixture plugin: makes the process SIGKILL itself (or pause) at a
 * deterministic point, chosen by environment variables, so the fault suite
 * kills runs at exact places instead of by timing. Without the variables it
 * does nothing, so a killed run and its resumption use one config.
 *
 *   LADDER_TEST_KILL="metric:<event>[/<stage or point>]:<n>"
 *       right after the n-th metrics.jsonl line of that event (stage-start, step, stage-end, evaluate)
 *       is written (and, for step events, before the step's checkpoint)
 *   LADDER_TEST_KILL="progress:<label>:<n>[:<k>]"
 *       when the k-th (default 1st) progress bar whose label starts with <label> reaches n done:
 *       "dataset" (scenes built), "perception (sft)" (optimizer steps), "cold-start (teacher" (questions),
 *       "reasoning (grpo)" (steps), "held-out" (rows predicted)
 *   LADDER_TEST_PAUSE=<a spec as above> with LADDER_TEST_PAUSE_DIR=<dir>
 *       instead of dying, write <dir>/paused and wait (holding everything) until <dir>/resume exists
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin, z } from '../../core/index.ts';

interface Trigger {
  matches(kind: 'metric' | 'progress', value: Record<string, unknown>): boolean;
}

function parse(spec: string): Trigger {
  const [kind, what, count, occurrence] = spec.split(':');
  const n = Number(count);
  if (!(kind === 'metric' || kind === 'progress') || !what || !(n >= 0)) throw new Error(`kill-switch: bad spec "${spec}"`);
  if (kind === 'metric') {
    const [event, scope] = what.split('/');
    let seen = 0;
    return {
      matches: (k, e) => k === 'metric' && e.event === event && (!scope || e.stage === scope || e.point === scope) && ++seen === n,
    };
  }
  const wanted = Number(occurrence ?? 1);
  const bars: number[] = [];
  let fired = false;
  return {
    matches(k, e) {
      if (k !== 'progress' || fired || !String(e.label).startsWith(what)) return false;
      if (!bars.includes(e.id as number)) bars.push(e.id as number);
      return (fired = bars.indexOf(e.id as number) + 1 === wanted && (e.done as number) >= n);
    },
  };
}

function pause(dir: string): void {
  writeFileSync(join(dir, 'paused'), String(process.pid));
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(join(dir, 'resume'))) Atomics.wait(cell, 0, 0, 50);
}

export default definePlugin({
  name: 'kill-switch',
  options: z.strictObject({}),
  apply(ladder) {
    const kill = process.env.LADDER_TEST_KILL ? parse(process.env.LADDER_TEST_KILL) : undefined;
    const hold = process.env.LADDER_TEST_PAUSE ? parse(process.env.LADDER_TEST_PAUSE) : undefined;
    const check = (kind: 'metric' | 'progress', value: Record<string, unknown>) => {
      if (kill?.matches(kind, value)) process.kill(process.pid, 'SIGKILL');
      if (hold?.matches(kind, value)) pause(process.env.LADDER_TEST_PAUSE_DIR!);
    };
    ladder.hooks.step.tap('kill-switch', (event) => check('metric', event));
    ladder.hooks.progress.tap('kill-switch', (event) => check('progress', event as unknown as Record<string, unknown>));
  },
});
