/**
 * A Python interpreter for tests that check file formats with the reference
 * implementation (TensorBoard's own reader, ...). LADDER_PYTHON when set;
 * otherwise a virtual environment with the pinned requirement, made once per
 * machine in the user cache (`<cache>/spatial-ladder/test-venv-<hash>`) from
 * pip's configured index. A test that cannot get one fails saying why; it
 * never skips.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../../core/index.ts';

const cacheHome = () => process.env.LADDER_CACHE_HOME ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'spatial-ladder');

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`\`${command} ${args.join(' ')}\` failed (${result.status ?? result.error?.message}):\n${(result.stderr || result.stdout || '').trim().split('\n').slice(-15).join('\n')}`);
  return result.stdout;
}

/** The same, without blocking the event loop (the lock's heartbeat keeps going during a long install). */
async function runAsync(command: string, args: string[]): Promise<void> {
  try {
    await promisify(execFile)(command, args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { code?: number; stderr?: string; stdout?: string; message: string };
    throw new Error(`\`${command} ${args.join(' ')}\` failed (${e.code ?? e.message}):\n${(e.stderr || e.stdout || '').trim().split('\n').slice(-15).join('\n')}`);
  }
}

/** An interpreter that imports `module`, from LADDER_PYTHON or a cached venv with `requirement` installed. */
export async function pythonWith(module: string, requirement: string): Promise<string> {
  const given = process.env.LADDER_PYTHON;
  if (given) {
    const probe = spawnSync(given, ['-c', `import ${module}`], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`LADDER_PYTHON=${given} cannot import ${module} (${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}): install ${requirement} there, or unset LADDER_PYTHON`);
    return given;
  }
  const version = run('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']).trim();
  const dir = join(cacheHome(), `test-venv-${createHash('sha256').update(`python ${version}\n${requirement}`).digest('hex').slice(0, 12)}`);
  const python = join(dir, 'bin', 'python');
  const ready = join(dir, 'ladder-ready');
  if (existsSync(ready)) return python;
  return withLock(dir, { what: `test environment ${dir}`, wait: true }, async () => {
    if (existsSync(ready)) return python;
    rmSync(dir, { recursive: true, force: true });
    try {
      await runAsync('python3', ['-m', 'venv', dir]);
      // no retries against an unreachable default index: pip then uses the configured mirrors at once
      await runAsync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--retries', '0', '--timeout', '10', requirement]);
      await runAsync(python, ['-c', `import ${module}`]);
    } catch (error) {
      throw new Error(`this test reads files back with Python's ${module} (${requirement}) and could not install it into ${dir}: ${(error as Error).message}\nSet LADDER_PYTHON to an interpreter that has it.`);
    }
    writeFileSync(ready, `${requirement}\n`);
    return python;
  });
}

/** Run a Python script with arguments; its stdout. */
export function runPython(python: string, script: string, args: string[] = []): string {
  return run(python, ['-c', script, ...args]);
}
