/**
 * The Python environment of engine-trl: a virtual environment with the
 * pinned requirements (requirements.txt), kept in the user's cache folder and
 * keyed by a hash of the requirements and the Python version, so a second
 * checkout, another project or a CI clone on the same machine reuses it.
 *
 *   ${XDG_CACHE_HOME:-~/.cache}/spatial-ladder/venv-<hash>/   (LADDER_CACHE_HOME overrides the parent)
 *
 * `LADDER_PYTHON=/path/to/python` uses an interpreter you manage instead (a
 * cluster module, a conda environment that already has torch with CUDA); it
 * must import the pinned packages.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LadderError, UsageError, withLock, writeJsonAtomic, type ProgressFactory } from '../../core/index.ts';

export const PLUGIN_DIR = fileURLToPath(new URL('.', import.meta.url));
export const REQUIREMENTS = join(PLUGIN_DIR, 'requirements.txt');
/** The Python runner scripts. */
export const RUNNER_DIR = join(PLUGIN_DIR, 'runner');
/** Written into a venv when every requirement installed: a venv without it is incomplete. */
const READY = 'ladder-ready.json';

const SETUP_HINT = 'run `npx ladder setup trl` (a one-time install into the user cache; README "Train Qwen2.5-VL-3B with SpatialLadder on GPUs")';

export interface PythonInfo {
  python: string;
  version: string;
}

/** The system interpreter the venv is made from: LADDER_BASE_PYTHON, else python3. */
function basePython(env: NodeJS.ProcessEnv = process.env): PythonInfo {
  const python = env.LADDER_BASE_PYTHON ?? 'python3';
  const probe = spawnSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new LadderError(`engine-trl needs Python 3.10 or newer: \`${python}\` did not run (${(probe.stderr || probe.error?.message || '').trim()}); install it or set LADDER_BASE_PYTHON`);
  const version = probe.stdout.trim();
  const [major, minor] = version.split('.').map(Number);
  if (major! < 3 || (major === 3 && minor! < 10)) throw new LadderError(`engine-trl needs Python 3.10 or newer; \`${python}\` is ${version}`);
  return { python, version };
}

export function cacheHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.LADDER_CACHE_HOME ?? join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'spatial-ladder');
}

/** The venv for these requirements and this Python (major.minor). */
export function venvDir(requirements = readFileSync(REQUIREMENTS, 'utf8'), pythonVersion = basePython().version, env: NodeJS.ProcessEnv = process.env): string {
  const minor = pythonVersion.split('.').slice(0, 2).join('.');
  const hash = createHash('sha256').update(`python ${minor}\n${requirements}`).digest('hex').slice(0, 12);
  return join(cacheHome(env), `venv-${hash}`);
}

const venvPython = (dir: string) => join(dir, 'bin', 'python');

/**
 * The interpreter that runs the engine: LADDER_PYTHON, else the ready venv.
 * Throws a LadderError saying how to set it up when there is none.
 */
export function enginePython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LADDER_PYTHON) return env.LADDER_PYTHON;
  const dir = venvDir(undefined, undefined, env);
  if (!existsSync(join(dir, READY))) throw new LadderError(`engine-trl: the Python environment is not set up (${dir} is ${existsSync(dir) ? 'incomplete' : 'missing'}): ${SETUP_HINT}`);
  return venvPython(dir);
}

/** The index pip will use, and whether a configured mirror must stand in for an unreachable one. */
async function indexArgs(python: string, log: (m: string) => void, given?: string): Promise<string[]> {
  if (given) return ['--index-url', given];
  const listed = spawnSync(python, ['-m', 'pip', 'config', 'list'], { encoding: 'utf8' }).stdout ?? '';
  const setting = (key: string) =>
    [...new Set([...listed.matchAll(new RegExp(`^[^\\n]*\\.${key}='([^']*)'`, 'gm'))].flatMap((m) => m[1]!.split(/\s+/)).filter(Boolean))];
  if (setting('index-url').length || process.env.PIP_INDEX_URL || process.env.PIP_NO_INDEX) return []; // pip's own configuration decides
  const reachable = await fetch('https://pypi.org/simple/pip/', { method: 'HEAD', signal: AbortSignal.timeout(5000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (reachable) return [];
  const mirrors = setting('extra-index-url');
  if (!mirrors.length && !setting('find-links').length)
    throw new UsageError('setup trl: the Python package index (https://pypi.org/simple) is unreachable and pip has no mirror configured: pass --index-url URL or set PIP_INDEX_URL');
  log(`pip's default index is unreachable: installing from the configured mirror${mirrors.length > 1 ? 's' : ''} (${[...mirrors, ...setting('find-links')].join(', ')})`);
  return mirrors.length ? ['--index-url', mirrors[0]!] : [];
}

/** Call `onLine` with each line of a child's output stream as it arrives (the last one at the end, if unterminated). */
export function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => rest && onLine(rest));
}

function run(command: string, args: string[], onLine: (line: string) => void = () => {}): Promise<{ code: number; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    const tail: string[] = [];
    const line = (text: string) => {
      tail.push(text);
      if (tail.length > 40) tail.shift();
      onLine(text);
    };
    eachLine(child.stdout!, line);
    eachLine(child.stderr!, line);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, tail: tail.join('\n') }));
  });
}

export interface SetupResult {
  dir: string;
  python: string;
  /** False when the environment was already there. */
  installed: boolean;
  /** `pip freeze` of the environment: every package version, pinned or not. */
  freeze: string[];
}

/**
 * Create (or find) the venv: resolve the pinned requirements (a dry run, for
 * the progress total), install them, record `pip freeze`. Two setups at once
 * wait for each other; an interrupted one is started over.
 */
export async function setupEnvironment(opts: { progress: ProgressFactory; log: (m: string) => void; force?: boolean; indexUrl?: string }): Promise<SetupResult> {
  const base = basePython();
  const dir = venvDir(undefined, base.version);
  return withLock(dir, { what: `Python environment ${dir}`, wait: true, onWait: () => opts.log(`waiting for another \`ladder setup trl\` installing ${dir}`) }, async () => {
    const ready = join(dir, READY);
    if (existsSync(ready) && !opts.force) {
      const { freeze } = JSON.parse(readFileSync(ready, 'utf8')) as { freeze: string[] };
      return { dir, python: venvPython(dir), installed: false, freeze };
    }
    await rm(dir, { recursive: true, force: true });
    opts.log(`creating ${dir} (Python ${base.version})`);
    const venv = await run(base.python, ['-m', 'venv', dir]);
    if (venv.code !== 0) throw new LadderError(`setup trl: \`${base.python} -m venv ${dir}\` failed:\n${venv.tail}`);
    const python = venvPython(dir);
    const index = await indexArgs(python, opts.log, opts.indexUrl);
    const pip = [python, '-m', 'pip', 'install', '--progress-bar', 'off', ...index, '-r', REQUIREMENTS] as const;

    const resolving = opts.progress('setup trl: resolving', 1);
    const report = join(dir, 'pip-report.json');
    const dry = await run(pip[0], [...pip.slice(1), '--dry-run', '--quiet', '--report', report]);
    resolving.tick(1);
    resolving.done();
    if (dry.code !== 0) throw new LadderError(`setup trl: pip could not resolve ${REQUIREMENTS}:\n${dry.tail}`);
    const packages = (JSON.parse(readFileSync(report, 'utf8')) as { install: { metadata: { name: string } }[] }).install.map((p) => p.metadata.name);

    const installing = opts.progress('setup trl: installing', packages.length + 1);
    let seen = 0;
    const install = await run(pip[0], pip.slice(1), (line) => {
      const collected = /^(?:Collecting|Processing) (\S+)/.exec(line.trim());
      if (collected && seen < packages.length) installing.tick(1, (seen++, collected[1]!.split('/').pop()!.slice(0, 40)));
      else if (line.startsWith('Installing collected packages')) installing.tick(packages.length - seen, 'unpacking');
    });
    if (install.code !== 0) throw new LadderError(`setup trl: pip install failed (the environment ${dir} stays incomplete; run the command again):\n${install.tail}`);
    const check = await run(python, ['-c', 'import torch, transformers, trl, accelerate, datasets, peft, PIL']);
    if (check.code !== 0) throw new LadderError(`setup trl: the packages installed but do not import:\n${check.tail}`);
    installing.tick(1, 'done');
    installing.done();
    const freeze = spawnSync(python, ['-m', 'pip', 'freeze'], { encoding: 'utf8' }).stdout.trim().split('\n');
    await writeJsonAtomic(ready, { requirements: readFileSync(REQUIREMENTS, 'utf8'), python: base.version, freeze, installed: new Date().toISOString() });
    return { dir, python, installed: true, freeze };
  });
}
