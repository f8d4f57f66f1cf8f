/**
 * The `hf` policy backend: a Hugging Face VLM (a hub id or a local folder
 * saved with save_pretrained) answering through a Python worker
 * (runner/policy_worker.py) that batches generation and feeds images, and
 * video frames as images, through the model's processor. The worker starts
 * on the first `generate` and stops on `dispose` or when a TRL stage needs
 * the memory; a TRL stage points the policy at the checkpoint it wrote.
 *
 *   model: { id: 'hf', options: { path: 'Qwen/Qwen2.5-VL-3B-Instruct' } }
 *   ladder eval --model hf:runs/x/stages/4-reasoning/final --benchmark held-out
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, LadderError, stableJson, validate, z, type Generation, type Policy, type PolicyBackend, type PolicyInput, type SamplingOptions } from '../../core/index.ts';
import { PAPER_BUDGET } from '../../lib/media/index.ts';
import { RUNNER_DIR, enginePython } from './python.ts';

export const BACKEND_ID = 'hf';
/** What a TRL stage records beside its final model (not part of the model's identity). */
export const STAGE_RECORD = 'trl-stage.json';
const EVENT_PREFIX = '@ladder ';

export const hfOptions = z.strictObject({
  /** A Hugging Face hub id ("Qwen/Qwen2.5-VL-3B-Instruct") or a folder written by save_pretrained. */
  path: z.string().min(1),
  /** Inputs per generate call inside the worker. */
  batchSize: z.number().int().positive().default(8),
  /** Image pixel budget given to the processor (default: the dataset's, else the model's own). */
  minPixels: z.number().int().positive().optional(),
  maxPixels: z.number().int().positive().optional(),
  /** The model's attention kernel (transformers' attn_implementation): "sdpa" (default), "eager", "flash_attention_2" (the paper's; needs the flash-attn package and a GPU). */
  attnImplementation: z.enum(['sdpa', 'eager', 'flash_attention_2']).optional(),
});
export type HfOptions = z.output<typeof hfOptions>;

/** policy.json of a checkpoint a TRL stage wrote. */
export interface HfManifest {
  backend: typeof BACKEND_ID;
  format: 1;
  /** The model the stage started from. */
  base?: string;
  promptStyle?: string;
  options?: Partial<HfOptions>;
}

/** A local folder holding a Hugging Face model (resolved), or the hub id as given. */
const modelLocation = (path: string, baseDir = process.cwd()) => (existsSync(resolve(baseDir, path)) ? resolve(baseDir, path) : path);

class Worker {
  private pending = new Map<number, { resolve: (g: Generation[][]) => void; reject: (e: Error) => void }>();
  private next = 1;
  private tail: string[] = [];
  private exited?: Error;
  readonly ready: Promise<{ device: string }>;

  constructor(private readonly child: ChildProcess, label: string) {
    let onReady!: (v: { device: string }) => void;
    let onFail!: (e: Error) => void;
    this.ready = new Promise((res, rej) => ((onReady = res), (onFail = rej)));
    let rest = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith(EVENT_PREFIX)) {
          this.remember(line);
          continue;
        }
        const event = JSON.parse(line.slice(EVENT_PREFIX.length)) as { event: string; id?: number; generations?: Generation[][]; message?: string; device?: string };
        if (event.event === 'ready') onReady({ device: event.device ?? '?' });
        const waiter = event.id !== undefined ? this.pending.get(event.id) : undefined;
        if (!waiter) continue;
        this.pending.delete(event.id!);
        if (event.event === 'result') waiter.resolve(event.generations!);
        else waiter.reject(new LadderError(`hf policy (${label}): ${event.message}`));
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => chunk.split('\n').forEach((l) => this.remember(l)));
    child.on('close', (code, signal) => {
      this.exited = new LadderError(`hf policy worker for ${label} stopped (${signal ?? `exit code ${code}`}):\n${this.tail.slice(-20).join('\n')}`);
      onFail(this.exited);
      for (const waiter of this.pending.values()) waiter.reject(this.exited);
      this.pending.clear();
    });
  }

  private remember(line: string) {
    if (!line) return;
    this.tail.push(line);
    if (this.tail.length > 60) this.tail.shift();
  }

  async request(inputs: unknown[], sampling: SamplingOptions): Promise<Generation[][]> {
    await this.ready;
    if (this.exited) throw this.exited;
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, inputs, sampling })}\n`);
    });
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('close', () => resolve());
      this.child.stdin!.end();
      setTimeout(() => this.child.kill('SIGTERM'), 10_000).unref();
    });
  }
}

export class HfPolicy implements Policy {
  readonly id = BACKEND_ID;
  private worker?: Worker;

  constructor(
    /** The model the policy answers with: a folder or a hub id. TRL stages move it to their checkpoints. */
    public path: string,
    readonly options: Omit<HfOptions, 'path'>,
    private readonly log: (message: string) => void,
  ) {}

  /**
   * The content identity of what answers: sha256 over the model folder's
   * files (weights, config, tokenizer, processor, chat template; streamed)
   * and the pixel budget. A hub id is identified by its name and options
   * (its files live in the Hugging Face cache, not here).
   */
  async fingerprint(): Promise<string> {
    const hash = createHash('sha256').update(stableJson({ minPixels: this.options.minPixels, maxPixels: this.options.maxPixels }));
    if (!existsSync(this.path)) return `sha256:${hash.update(`hub:${this.path}`).digest('hex')}`;
    for (const name of readdirSync(this.path).sort()) {
      if (!/\.(safetensors|json|jinja|txt|model)$/.test(name) || name === 'policy.json' || name === STAGE_RECORD) continue;
      hash.update(`${name}\0`);
      for await (const chunk of createReadStream(join(this.path, name))) hash.update(chunk as Buffer);
    }
    return `sha256:${hash.digest('hex')}`;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const args = [join(RUNNER_DIR, 'policy_worker.py'), '--model', this.path, '--batch-size', String(this.options.batchSize)];
    if (this.options.minPixels) args.push('--min-pixels', String(this.options.minPixels));
    if (this.options.maxPixels) args.push('--max-pixels', String(this.options.maxPixels));
    if (this.options.attnImplementation) args.push('--attn', this.options.attnImplementation);
    const child = spawn(enginePython(), args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1', LADDER_PARENT_PID: String(process.pid), TOKENIZERS_PARALLELISM: 'false' },
    });
    child.on('error', () => undefined);
    this.worker = new Worker(child, this.path);
    this.worker.ready.then(({ device }) => this.log(`hf policy: ${this.path} on ${device}`), () => undefined);
    return this.worker;
  }

  async generate(inputs: PolicyInput[], sampling: SamplingOptions): Promise<Generation[][]> {
    const worker = this.start();
    return worker.request(
      inputs.map((i) => ({ system: i.system, prompt: i.prompt, images: i.images })),
      sampling,
    );
  }

  /** Stop the worker (its memory is needed elsewhere, or the weights changed). The next `generate` starts a new one. */
  async release(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.close();
  }

  /** Answer with the model in `dir` from now on. */
  async useCheckpoint(dir: string): Promise<void> {
    await this.release();
    this.path = dir;
  }

  dispose(): Promise<void> {
    return this.release();
  }
}

export function hfBackend(): PolicyBackend {
  return {
    id: BACKEND_ID,
    options: hfOptions,
    async create(raw, ctx) {
      const { path, ...options } = validate(hfOptions, raw, 'model.options');
      // the dataset's image budget, else the paper's (as the dataset's default): never the processor's own
      // 12.8 M pixels, which would score a base model at another resolution than the checkpoints trained from it
      const pixels = (ctx.dataset?.manifest.settings as { pixels?: { min: number; max: number } } | undefined)?.pixels;
      const minPixels = options.minPixels ?? pixels?.min ?? PAPER_BUDGET.minPixels;
      const maxPixels = options.maxPixels ?? pixels?.max ?? PAPER_BUDGET.maxPixels;
      return new HfPolicy(modelLocation(path), { ...options, minPixels, maxPixels }, ctx.log);
    },
    async load(dir, ctx) {
      const manifest = JSON.parse(readFileSync(join(dir, 'policy.json'), 'utf8')) as HfManifest;
      if (manifest.backend !== BACKEND_ID) throw new ConfigError(`${dir}/policy.json: not an hf checkpoint`);
      const options = hfOptions.omit({ path: true }).parse(manifest.options ?? {});
      return new HfPolicy(resolve(dir), options, ctx.log);
    },
  };
}
