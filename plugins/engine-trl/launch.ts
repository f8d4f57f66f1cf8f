/**
 * Running the Python side: one process (or an `accelerate launch` of many)
 * whose stdout lines `@ladder {json}` are events and everything else is log
 * text, kept in a log file and shown (the last lines) when the process fails.
 *
 * The process runs in its own process group. SIGINT and SIGTERM received by
 * the framework while it runs are forwarded to the whole group (accelerate's
 * launcher and every rank), and so is an abort of `signal`; the runner itself
 * stops when the framework process disappears (LADDER_PARENT_PID), so a
 * SIGKILL leaves no orphan training on.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LadderError, z } from '../../core/index.ts';
import { eachLine, PLUGIN_DIR, RUNNER_DIR } from './python.ts';

const EVENT_PREFIX = '@ladder ';

export interface RunnerEvent {
  event: string;
  [key: string]: unknown;
}

export interface PythonRun {
  /** Called for each `@ladder` event line. */
  onEvent?: (event: RunnerEvent) => void;
  /** Every other output line is appended here. */
  logFile?: string;
  signal?: AbortSignal;
  env?: Record<string, string>;
  cwd?: string;
}

/** The framework was interrupted while the runner ran: the run can be resumed. */
export class InterruptedError extends LadderError {
  constructor(readonly signalName: string) {
    super(`interrupted by ${signalName}: the runner was stopped; \`ladder run --resume\` continues from its last checkpoint`);
  }
}

/** Run `python args...`; resolves when it exits 0, throws with the last lines of its output otherwise. */
export function runPython(python: string, args: string[], opts: PythonRun = {}): Promise<void> {
  if (opts.logFile) mkdirSync(dirname(opts.logFile), { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      cwd: opts.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        PYTHONPATH: [RUNNER_DIR, process.env.PYTHONPATH].filter(Boolean).join(':'),
        LADDER_PARENT_PID: String(process.pid),
        TOKENIZERS_PARALLELISM: 'false',
        ...opts.env,
      },
    });
    const tail: string[] = [];
    let received: string | undefined;
    const forward = (name: NodeJS.Signals) => {
      received ??= name;
      try {
        process.kill(-child.pid!, name);
      } catch {
        // already gone
      }
    };
    const onInt = () => forward('SIGINT');
    const onTerm = () => forward('SIGTERM');
    const onAbort = () => forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    let failure: unknown;
    const handle = (line: string) => {
      if (line.startsWith(EVENT_PREFIX)) {
        try {
          opts.onEvent?.(JSON.parse(line.slice(EVENT_PREFIX.length)) as RunnerEvent);
        } catch (error) {
          failure ??= error;
          forward('SIGTERM');
        }
        return;
      }
      tail.push(line);
      if (tail.length > 60) tail.shift();
      if (opts.logFile) appendFileSync(opts.logFile, `${line}\n`);
    };
    eachLine(child.stdout!, handle);
    eachLine(child.stderr!, handle);
    child.on('error', (error) => reject(new LadderError(`cannot start ${python}: ${error.message}`)));
    child.on('close', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      opts.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      if (received) return reject(new InterruptedError(received));
      if (code === 0) return resolve();
      const where = opts.logFile ? ` (full output: ${opts.logFile})` : '';
      reject(new LadderError(`${args.find((a) => a.endsWith('.py')) ?? python} failed (${signal ? `signal ${signal}` : `exit code ${code}`})${where}:\n${tail.slice(-25).join('\n')}`));
    });
  });
}

export const runnerScript = (name: string) => join(RUNNER_DIR, name);

/**
 * accelerate settings, passed through to `accelerate launch`. The defaults run
 * one process on the machine's accelerator (or the CPU). Several processes on
 * CPUs use gloo (`--multi_gpu` with no GPU: accelerate's own `--cpu` flag
 * runs one process whatever `--num_processes` says).
 */
export const accelerateSchema = z.strictObject({
  /** Processes (one per GPU) on this machine times machines: the world size. */
  numProcesses: z.number().int().positive().default(1),
  numMachines: z.number().int().positive().default(1),
  machineRank: z.number().int().nonnegative().default(0),
  mainProcessIp: z.string().min(1).optional(),
  mainProcessPort: z.number().int().positive().optional(),
  /** "no", "fp16", "bf16"; default: bf16 on a GPU that supports it, else no. */
  mixedPrecision: z.enum(['no', 'fp16', 'bf16']).optional(),
  /** A DeepSpeed config file ("zero2" and "zero3" name the ones shipped in plugins/engine-trl/deepspeed/). */
  deepspeed: z.string().min(1).optional(),
  /** An accelerate config file (`accelerate config`), used as the base. */
  configFile: z.string().min(1).optional(),
  /** More `accelerate launch` arguments, verbatim. */
  extraArgs: z.array(z.string()).default([]),
});
export type AccelerateSettings = z.output<typeof accelerateSchema>;

export const DEEPSPEED_CONFIGS: Record<string, string> = {
  zero2: join(PLUGIN_DIR, 'deepspeed', 'zero2.json'),
  zero3: join(PLUGIN_DIR, 'deepspeed', 'zero3.json'),
};

/** `python -m accelerate.commands.launch ... script args`: the arguments after the interpreter. */
export function accelerateArgs(settings: AccelerateSettings, script: string, scriptArgs: string[]): string[] {
  const args = ['-m', 'accelerate.commands.launch'];
  if (settings.configFile) args.push('--config_file', settings.configFile);
  args.push('--num_processes', String(settings.numProcesses * settings.numMachines), '--num_machines', String(settings.numMachines), '--machine_rank', String(settings.machineRank));
  if (settings.mainProcessIp) args.push('--main_process_ip', settings.mainProcessIp);
  if (settings.mainProcessPort) args.push('--main_process_port', String(settings.mainProcessPort));
  if (settings.deepspeed) args.push('--use_deepspeed', '--deepspeed_config_file', DEEPSPEED_CONFIGS[settings.deepspeed] ?? settings.deepspeed);
  else if (settings.numProcesses * settings.numMachines > 1) args.push('--multi_gpu');
  if (settings.mixedPrecision) args.push('--mixed_precision', settings.mixedPrecision);
  args.push('--dynamo_backend', 'no', ...settings.extraArgs, script, ...scriptArgs);
  return args;
}
