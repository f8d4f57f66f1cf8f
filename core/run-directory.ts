/**
 * A run directory `runs/<name>/`: the resolved config, `metrics.jsonl` (one
 * JSON object per event), `run.log`, `state.json` (what finished, for
 * `--resume`), stage checkpoints and evaluation reports.
 *
 * One process at a time: `lock()` takes `runs/<name>.lock` (core/lock.ts;
 * beside the directory, so `--force` can replace the directory under it)
 * before anything is read or written, and a second process is refused with
 * the holder's pid, start time and command. A lock left by a killed process
 * is stale and taken over; on `--resume` the temporary files it left are removed.
 *
 * metrics.jsonl holds one line per event across kills and resumes: a resumed
 * run repeats the events after its last checkpoint, and the first repeated
 * event (same `eventKey`) cuts the file back to where the earlier process
 * wrote it, so the lines that remain are those of the process that produced
 * the final weights.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { LadderError, UsageError, messageOf } from './errors.ts';
import { appendJsonLine, dropTornLine, writeFileAtomicSync } from './files.ts';
import { acquireLock, type Lock } from './lock.ts';
import type { BenchmarkReport, StageResult } from './types.ts';

export interface RunState {
  status: 'running' | 'done' | 'failed';
  /** Finished stages, in order, with their results. */
  stages: { name: string; result: StageResult }[];
  /** Evaluation point ("base" or a stage name) -> benchmark id -> report. */
  evaluations: Record<string, Record<string, BenchmarkReport>>;
  /** Benchmark id -> the reference policy's report (`evaluate.chance`). */
  chance?: Record<string, BenchmarkReport>;
  /** Benchmark id -> the answer-prior policy's report (`evaluate.prior`). */
  prior?: Record<string, BenchmarkReport>;
  /** Evaluation point -> benchmark id -> the blind control's report (`evaluate.blind`). */
  blind?: Record<string, Record<string, BenchmarkReport>>;
  /** Evaluation point -> benchmark id -> the swapped control's report (`evaluate.swapped`). */
  swapped?: Record<string, Record<string, BenchmarkReport>>;
  error?: string;
}

export interface OpenMode {
  /** Continue the run; `'if-present'` starts it when there is none (`ladder ablate --resume`). */
  resume?: boolean | 'if-present';
  /** Replace an existing run. */
  force?: boolean;
}

/** What makes a metric event the same event when a resumed run repeats it. */
export function eventKey(event: Record<string, unknown>): string {
  return JSON.stringify([event.event, event.stage, event.step, event.phase, event.point, event.benchmark, event.control]);
}

/**
 * A holder whose event loop is blocked this long (one long synchronous
 * training step) would look stale to another host; a killed holder on this
 * host is recognised at once by its pid.
 */
const RUN_LOCK_STALE_MS = 10 * 60_000;

/**
 * A run's state.json, its stage checkpoints found in `dir`: a run directory
 * copied or moved elsewhere recorded them under its old place
 * (`<old>/stages/<i>-<name>/final`), read here as the same folder in `dir`
 * when that exists.
 */
export function readRunState(dir: string): RunState {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as RunState;
  for (const { result } of state.stages) {
    const at = result.checkpoint?.lastIndexOf(`${sep}stages${sep}`) ?? -1;
    const here = at < 0 ? undefined : join(dir, result.checkpoint!.slice(at + 1));
    if (here && existsSync(here)) result.checkpoint = here;
  }
  return state;
}

export class RunDirectory {
  readonly dir: string;
  readonly metricsFile: string;
  readonly logFile: string;
  readonly stateFile: string;
  /** Events written by an earlier process of this run -> byte offset of their line. */
  private earlier = new Map<string, number>();

  constructor(runsDir: string, name: string) {
    this.dir = resolve(runsDir, name);
    this.metricsFile = join(this.dir, 'metrics.jsonl');
    this.logFile = join(this.dir, 'run.log');
    this.stateFile = join(this.dir, 'state.json');
  }

  /** Hold the run for this process (refused with exit code 2 while another live process holds it). */
  lock(): Promise<Lock> {
    return acquireLock(this.dir, { what: `run directory ${this.dir}`, staleMs: RUN_LOCK_STALE_MS });
  }

  /**
   * Prepare the directory (hold `lock()` first). An existing run is
   * continued with `resume`, replaced with `force`, and otherwise left alone
   * with an error; `resume` of a run that does not exist is an error too.
   */
  open(mode: OpenMode): RunState {
    if (mode.resume && mode.force) throw new UsageError('--resume and --force contradict each other: --resume continues the run, --force deletes it');
    const exists = existsSync(this.stateFile);
    if (exists && mode.resume) {
      this.removeLeftovers();
      this.indexEarlierEvents();
      return readRunState(this.dir);
    }
    if (!exists && mode.resume === true)
      throw new UsageError(`--resume: nothing to resume: ${this.dir} holds no run (no state.json); start it without --resume`);
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

  /** Whether an earlier process of this run already recorded this event. */
  recorded(event: Record<string, unknown>): boolean {
    return this.earlier.has(eventKey(event));
  }

  /** Append one event; an event an earlier process recorded replaces it and everything written after it. */
  metric(event: Record<string, unknown>): void {
    const at = this.earlier.get(eventKey(event));
    if (at !== undefined) {
      truncateSync(this.metricsFile, at);
      for (const [key, offset] of this.earlier) if (offset >= at) this.earlier.delete(key);
    }
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

  /**
   * Temporary files and directories of a killed process (a write cut before
   * its rename: `<file>.tmp-<pid>-...`, `.tmp-<checkpoint>-<pid>`). Safe
   * while holding the lock: no other process writes here.
   */
  private removeLeftovers(): void {
    for (const entry of readdirSync(this.dir, { recursive: true, withFileTypes: true }))
      if (/\.tmp-\d+-\d+-\d+$|^\.tmp-.+-\d+$/.test(entry.name)) rmSync(join(entry.parentPath, entry.name), { recursive: true, force: true });
  }

  private indexEarlierEvents(): void {
    dropTornLine(this.metricsFile);
    if (!existsSync(this.metricsFile)) return;
    let offset = 0;
    readFileSync(this.metricsFile, 'utf8').split('\n').forEach((line, i) => {
      if (line.trim()) {
        let key: string;
        try {
          key = eventKey(JSON.parse(line) as Record<string, unknown>);
        } catch (error) {
          throw new LadderError(`${this.metricsFile}:${i + 1}: malformed JSON line (${messageOf(error)})`);
        }
        // the first line of an event wins, so a repeat removes every copy
        if (!this.earlier.has(key)) this.earlier.set(key, offset);
      }
      offset += Buffer.byteLength(line) + 1;
    });
  }
}
