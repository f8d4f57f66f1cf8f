/** Runs reward_driver.py (ladder_rewards.py driven as TRL drives it) with the system python3. */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DRIVER = fileURLToPath(new URL('./reward_driver.py', import.meta.url));
/** No __pycache__ written into the source tree by test runs. */
export const PYTHON_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

/** The python3 on PATH, or an error saying what the test needs. */
export function python3(): string {
  const probe = spawnSync('python3', ['-c', 'import sys; print(sys.version_info >= (3, 8))'], { encoding: 'utf8' });
  if (probe.error || probe.stdout.trim() !== 'True')
    throw new Error('python3 (3.8 or newer, standard library only) is not on PATH: the reward client tests run plugins/engine-trl/runner/ladder_rewards.py with it; install Python 3');
  return 'python3';
}

export interface DriverJob {
  url: string;
  ids: string[];
  token?: string;
  completions: string[];
  /** Each sample's JSON text, as the dataset's `sample` column holds it. */
  samples: string[];
  mode: 'identity' | 'throughput';
  batch?: number;
  rounds?: number;
}

/**
 * Run the driver (asynchronously: the reward server may live in this
 * process) and parse its last output line; `command` prefixes it (e.g.
 * `['taskset', '-c', '0']` to pin it to one core).
 */
export function runDriver<T>(job: DriverJob, command: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = [...command, python3(), DRIVER];
    const child = spawn(program!, args, { stdio: ['pipe', 'pipe', 'pipe'], env: PYTHON_ENV });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`reward_driver.py exited ${code}: ${err.trim()}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as T);
    });
    child.stdin.end(JSON.stringify(job));
  });
}

/** A double's 64 bits as 16 hex digits (big-endian), as Python's struct.pack('>d', x).hex() writes them. */
export function doubleHex(x: number): string {
  const buffer = Buffer.alloc(8);
  buffer.writeDoubleBE(x);
  return buffer.toString('hex');
}
