/**
 * The Python interpreter tests check file formats with (TensorBoard's own
 * reader, ...): LADDER_PYTHON when set. A test that needs a module the
 * interpreter lacks fails saying how to get it; it never skips.
 */
import { spawnSync } from 'node:child_process';

export function pythonWith(module: string): string {
  const python = process.env.LADDER_PYTHON ?? 'python3';
  const probe = spawnSync(python, ['-c', `import ${module}`], { encoding: 'utf8' });
  if (probe.status !== 0)
    throw new Error(`this test reads files back with Python's ${module}, which \`${python}\` cannot import (${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}): set LADDER_PYTHON to an interpreter that has it`);
  return python;
}

/** Run a Python script with arguments; its stdout. */
export function runPython(python: string, script: string, args: string[] = []): string {
  const run = spawnSync(python, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`python failed (${run.status}):\n${run.stderr}`);
  return run.stdout;
}
