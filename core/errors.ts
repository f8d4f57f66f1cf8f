/** Errors the CLI maps to exit codes: 2 for usage and config, 1 for run failures. */
import type { Generation } from './types.ts';

export class LadderError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad configuration: a key, a value, a plugin that cannot be resolved. Exit code 2. */
export class ConfigError extends LadderError {
  override readonly exitCode = 2;
}

/** Bad command-line usage. Exit code 2. */
export class UsageError extends LadderError {
  override readonly exitCode = 2;
}

/**
 * A control cannot be made from these rows (the swapped control of a
 * benchmark whose rows show one room). A run logs it and goes on without
 * that control, where any other failure of an evaluation stops it.
 */
export class ControlUnavailable extends LadderError {}

/** A plugin threw while applying itself or inside a hook. Exit code 1. */
export class PluginError extends LadderError {
  constructor(
    readonly plugin: string,
    readonly hook: string,
    cause: unknown,
  ) {
    super(`plugin "${plugin}" failed in hook "${hook}": ${messageOf(cause)}`, { cause });
  }
}

/**
 * Thrown by `Policy.generate` when some inputs failed and others did not:
 * `results[i]` holds input i's completions, or the error that input met.
 * Policies that ask per input (a served model) throw it so that callers keep
 * the completions they got and report the rest per input, without asking
 * the whole batch again.
 */
export class GenerationErrors extends Error {
  constructor(readonly results: (Generation[] | Error)[]) {
    const failed = results.filter((r): r is Error => r instanceof Error);
    super(`${failed.length} of ${results.length} input(s) failed; the first: ${failed[0]?.message ?? '(none)'}`);
    this.name = 'GenerationErrors';
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Nearest name by edit distance, for "did you mean" hints. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
