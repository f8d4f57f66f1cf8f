/**
 * A run directory `runs/<name>/`: the resolved config, `metrics.jsonl` (one
 * JSON object per event), `run.log`, `state.json` (what finished, for
 * `--resume`), stage checkpoints and evaluation reports.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from './errors.ts';
import { appendJsonLine, writeFileAtomicSync } from './files.ts';
import type { BenchmarkReport, StageResult } from './types.ts';

export interface RunState {
  status: 'running' | 'done' | 'failed';
  /** Finished stages, in order, with their results. */
  stages: { name: string; result: StageResult }[];
  /** Evaluation point ("base" or a stage name) -> benchmark id -> report. */
  evaluations: Record<string, Record<string, BenchmarkReport>>;
  error?: string;
}

export class RunDirectory {
  readonly dir: string;
  readonly metricsFile: string;
  readonly logFile: string;
  readonly stateFile: string;

  constructor(runsDir: string, name: string) {
    this.dir = resolve(runsDir, name);
    this.metricsFile = join(this.dir, 'metrics.jsonl');
    this.logFile = join(this.dir, 'run.log');
    this.stateFile = join(this.dir, 'state.json');
  }

  /**
   * Prepare the directory. An existing run is continued with `resume`,
   * replaced with `force`, and otherwise left alone with an error.
   */
  open(mode: { resume?: boolean; force?: boolean }): RunState {
    const exists = existsSync(this.stateFile);
    if (exists && mode.resume) return JSON.parse(readFileSync(this.stateFile, 'utf8')) as RunState;
    if (exists && !mode.force)
      throw new UsageError(
        `run directory ${this.dir} already holds a run: pass --resume to continue it, --force to replace it, or --name to start another`,
      );
    if (mode.force) rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    const state: RunState = { status: 'running', stages: [], evaluations: {} };
    this.saveState(state);
    return state;
  }

  saveState(state: RunState): void {
    writeFileAtomicSync(this.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  }

  writeJson(relative: string, value: unknown): void {
    writeFileAtomicSync(join(this.dir, relative), `${JSON.stringify(value, null, 2)}\n`);
  }

  writeText(relative: string, text: string): void {
    writeFileAtomicSync(join(this.dir, relative), text);
  }

  metric(event: object): void {
    appendJsonLine(this.metricsFile, event);
  }

  log(line: string): void {
    appendFileSync(this.logFile, `${new Date().toISOString()} ${line}\n`);
  }

  /** Directory of the i-th curriculum stage. */
  stageDir(index: number, name: string): string {
    return join(this.dir, 'stages', `${index + 1}-${name}`);
  }

  evalDir(point: string, benchmark: string): string {
    return join(this.dir, 'eval', point, benchmark);
  }
}
