/**
 * Stage checkpoints: directories `step-<n>` (every N optimizer steps) and
 * `final` inside the stage directory, each written to a temporary directory
 * and renamed into place, so a crash leaves either the old or the new one.
 * Each holds what the backend saves (`policy.json`, weights, tokenizer, so
 * core's `loadPolicy` can open it), `optimizer.safetensors` (AdamW moments)
 * and `stage.json` (the data cursor, RNG derivation, metric history).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../core/index.ts';

export interface StageState {
  /** Stage kind and name that wrote it. */
  kind: string;
  stage: string;
  /** Optimizer steps completed. */
  step: number;
  totalSteps: number;
  /** Where the data stream stands (epoch, position in the epoch's order, ...). */
  cursor: Record<string, number>;
  /**
   * Every random stream of a stage is derived from (seed, label, step), e.g.
   * createRandom(seed, `<stage>/epoch-<e>`); this records that derivation, so
   * restoring `step` restores every stream.
   */
  rng: { seed: number; streams: string[] };
  /** Per-step metrics (no timings), for the stage's result and plots. */
  history: Record<string, number>[];
  /** Set in `final`: the stage's result metrics. */
  result?: Record<string, number>;
}

export const FINAL = 'final';
export const OPTIMIZER_FILE = 'optimizer.safetensors';

/**
 * `dir/name`, or `dir/legacy` when only that exists: the file an earlier
 * release wrote in its place (its format is still read, for one release).
 */
export function checkpointFile(dir: string, name: string, legacy: string): string {
  const file = join(dir, name);
  return !existsSync(file) && existsSync(join(dir, legacy)) ? join(dir, legacy) : file;
}
const stepName = (step: number) => `step-${String(step).padStart(6, '0')}`;

/** Write a checkpoint directory atomically: `fill(tmp)` writes the files, then the directory is renamed to `name`. */
export async function writeCheckpoint(stageDir: string, name: string, fill: (dir: string) => Promise<void>): Promise<string> {
  const target = join(stageDir, name);
  const temp = join(stageDir, `.tmp-${name}-${process.pid}`);
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true });
  await fill(temp);
  await rm(target, { recursive: true, force: true });
  await rename(temp, target);
  return target;
}

/**
 * Record in the checkpoint's policy.json (written by the backend) the prompt
 * style the stage trained with, `promptStyle`: `ladder eval --model <dir>`
 * asks the checkpoint that way under the benchmarks' `prompt: 'auto'`.
 */
export async function stampPromptStyle(dir: string, promptStyle: string): Promise<void> {
  const file = join(dir, 'policy.json');
  if (!existsSync(file)) return;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  await writeJsonAtomic(file, { ...manifest, promptStyle });
}

export function readStageState(dir: string): StageState {
  return JSON.parse(readFileSync(join(dir, 'stage.json'), 'utf8')) as StageState;
}

export const writeStageState = (dir: string, state: StageState) => writeJsonAtomic(join(dir, 'stage.json'), state);

/** The checkpoint to resume from: `final` when complete, else the highest complete `step-<n>`. */
export function latestCheckpoint(stageDir: string): string | undefined {
  if (!existsSync(stageDir)) return undefined;
  if (existsSync(join(stageDir, FINAL, 'stage.json'))) return join(stageDir, FINAL);
  const steps = readdirSync(stageDir)
    .filter((n) => /^step-\d+$/.test(n) && existsSync(join(stageDir, n, 'stage.json')))
    .sort();
  return steps.length ? join(stageDir, steps.at(-1)!) : undefined;
}

/** Remove `step-<n>` checkpoints beyond the newest `keep`. */
export async function pruneCheckpoints(stageDir: string, keep: number): Promise<void> {
  const steps = readdirSync(stageDir).filter((n) => /^step-\d+$/.test(n)).sort();
  for (const name of steps.slice(0, Math.max(0, steps.length - keep))) await rm(join(stageDir, name), { recursive: true, force: true });
}

/** Remove every checkpoint of an earlier attempt (a stage that starts over). */
export async function clearCheckpoints(stageDir: string): Promise<void> {
  if (!existsSync(stageDir)) return;
  for (const name of readdirSync(stageDir))
    if (name === FINAL || /^step-\d+$/.test(name) || name.startsWith('.tmp-')) await rm(join(stageDir, name), { recursive: true, force: true });
}

export { stepName };
