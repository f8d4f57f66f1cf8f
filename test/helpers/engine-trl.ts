/**
 * What the TRL engine's tests share: the Python environment (a test fails,
 * never skips, when `npx ladder setup trl` has not run), the CLI, a small
 * dataset and a tiny Qwen2.5-VL made by `ladder hf tiny-model`.
 */

type Context = { fail(message?: string): void };
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enginePython } from '../../plugins/engine-trl/index.ts';
import { writeSmallConfig } from './small-data.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'core', 'bin.mjs');

/** The engine's interpreter; fails the test with the setup instruction when there is none. */
export function requirePython(t: Context): string {
  try {
    return enginePython();
  } catch (error) {
    t.fail(`${(error as Error).message}\n(the README's test command, \`npm install && npx ladder setup trl && npm test\`, sets it up)`);
    throw error;
  }
}

/** One PyTorch thread per process: the rest of the suite runs beside these tests on 2 cores. */
const ENV = { ...process.env, CI: 'true', OMP_NUM_THREADS: '1' };

export const ladder = (cwd: string, args: string[]): SpawnSyncReturns<string> => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: ENV });

export const ladderAsync = (cwd: string, args: string[], stderr: 'ignore' | 'pipe' = 'ignore') =>
  spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', stderr], env: ENV });

/** Plugins of the engine tests: short completions in evaluation. */
export const SHORT_EVAL = [['benchmark-held-out', { maxTokens: 8 }]];

/** A config file in `dir` for the small dataset and the tiny model at `<dir>/model`, with `extra` keys. */
export function engineConfig(dir: string, extra: Record<string, unknown>, name = 'ladder.config.json'): string {
  return writeSmallConfig(dir, { plugins: SHORT_EVAL, engine: 'trl', model: { id: 'hf', options: { path: join(dir, 'model') } }, evaluate: { benchmarks: [] }, ...extra }, name);
}

/** `ladder hf tiny-model --out <dir>/model` on the small dataset, narrow for speed. */
export function makeTinyModel(t: Context, dir: string): void {
  requirePython(t);
  const config = engineConfig(dir, {}, 'tiny.config.json');
  const made = ladder(dir, ['hf', 'tiny-model', '-c', config, '--out', join(dir, 'model'), '--hidden', '64', '--vocab', '1000']);
  if (made.status !== 0) t.fail(`ladder hf tiny-model failed:\n${made.stderr}`);
}
