/**
 * AdamW (Loshchilov & Hutter) over a policy's trainable parameters, in plain
 * JavaScript on the Float32Arrays the trainer exposes, so any backend that
 * implements `PolicyTrainer.parameters()` trains with the same optimizer and
 * its state (moments, step) is saved with every checkpoint, as safetensors
 * (`m/<parameter>`, `v/<parameter>`; metadata `steps`).
 *
 * A step scales the gradients, clips their global norm and updates. The
 * norm's sum of squares is one loop in parameter order; the rest is
 * elementwise (`adamwPass`), so when the trainer lends threads
 * (`PolicyTrainer.threads`) it runs split by parameter range on them, with
 * the same bits as one pass in the calling thread.
 */
import type { ParameterThreads, TrainableParameter } from '../../core/index.ts';
import { readTensorFile, writeTensorFile } from './tensor-file.ts';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay, applied to parameters marked `decay` (matrices, not norms). */
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

export interface StepOptions {
  /** Multiply the gradients by this first (e.g. 1 / the step's completion tokens). Default 1. */
  scale?: number;
  /** Clip the global L2 norm of the scaled gradients to this; 0 (the default): no clipping. */
  maxGradNorm?: number;
}

/** What one `adamwPass` reads: per parameter its arrays and value factor, and the step's constants. */
export interface AdamWPassArgs {
  value: Float32Array[];
  grad: Float32Array[];
  m: Float32Array[];
  v: Float32Array[];
  /** 1 - lr x weightDecay for parameters marked `decay`, else 1. */
  decay: number[];
  /** The gradient is grad x scale, rounded to float32, then x clip, rounded (as if each were stored). */
  scale: number;
  clip: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 - beta1^t) and 1 / (1 - beta2^t): the bias corrections. */
  stepSize: number;
  secondScale: number;
}

export class AdamW {
  /** Optimizer steps taken (bias correction uses it). */
  steps = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly length: number;

  /** With `threads` (the trainer's, when it lends them) the moments live in shared memory and the update runs on them. */
  constructor(
    private readonly params: TrainableParameter[],
    private readonly options: AdamWOptions = ADAMW_DEFAULTS,
    private readonly threads?: ParameterThreads,
  ) {
    this.length = params.reduce((s, p) => s + p.value.length, 0);
    for (const p of threads ? params : [])
      if (!(p.value.buffer instanceof SharedArrayBuffer && p.grad.buffer instanceof SharedArrayBuffer))
        throw new Error(`AdamW: the trainer lends threads but parameter "${p.name}" is not in shared memory`);
    const moments = () => {
      const flat = threads ? threads.shared(this.length) : new Float32Array(this.length);
      let at = 0;
      return params.map((p) => flat.subarray(at, (at += p.value.length)));
    };
    this.m = moments();
    this.v = moments();
  }

  /**
   * One update with learning rate `lr` from the parameters' `grad` arrays
   * (left as they are; `commit` zeroes them): the gradient is scaled by
   * `scale`, then clipped to `maxGradNorm`. Returns the scaled gradient's
   * norm before clipping. The same bits as scaling the `grad` arrays, then
   * clipping them, then stepping on them.
   */
  async step(lr: number, { scale = 1, maxGradNorm = 0 }: StepOptions = {}): Promise<number> {
    const { beta1, beta2, eps, weightDecay } = this.options;
    const norm = gradientNorm(this.params, scale);
    this.steps += 1;
    const args: AdamWPassArgs = {
      value: this.params.map((p) => p.value),
      grad: this.params.map((p) => p.grad),
      m: this.m,
      v: this.v,
      decay: this.params.map((p) => (p.decay ? 1 - lr * weightDecay : 1)),
      scale,
      clip: maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1,
      beta1,
      beta2,
      eps,
      stepSize: lr / (1 - beta1 ** this.steps),
      secondScale: 1 / (1 - beta2 ** this.steps),
    };
    if (this.threads) await this.threads.forRanges(import.meta.url, 'adamwPass', args, this.length);
    else adamwPass(args, 0, this.length);
    return norm;
  }

  async save(file: string): Promise<void> {
    const entries = this.params.flatMap((p, i) => [
      { name: `m/${p.name}`, shape: p.shape, data: this.m[i]! },
      { name: `v/${p.name}`, shape: p.shape, data: this.v[i]! },
    ]);
    await writeTensorFile(file, entries, { steps: String(this.steps) });
  }

  async load(file: string): Promise<void> {
    const { tensors, metadata } = await readTensorFile(file);
    this.params.forEach((p, i) => {
      for (const [key, target] of [['m', this.m[i]!], ['v', this.v[i]!]] as const) {
        const saved = tensors.get(`${key}/${p.name}`);
        if (!saved || saved.length !== target.length)
          throw new Error(`${file}: optimizer state for "${p.name}" is missing or has the wrong size`);
        target.set(saved);
      }
    });
    this.steps = Number(metadata.steps ?? 0);
  }
}

/** Global L2 norm of the gradients x `scale` (each product rounded to float32): one sum in parameter order. */
export function gradientNorm(params: TrainableParameter[], scale = 1): number {
  let sum = 0;
  for (const { grad } of params)
    for (let j = 0; j < grad.length; j++) {
      const g = Math.fround(grad[j]! * scale);
      sum += g * g;
    }
  return Math.sqrt(sum);
}

/** The AdamW update of elements [from, to) of the parameters laid end to end; each element on its own. */
export function adamwPass(a: AdamWPassArgs, from: number, to: number): void {
  const { scale, clip, beta1, beta2, eps, stepSize, secondScale } = a;
  const [keep1, keep2] = [1 - beta1, 1 - beta2];
  let start = 0;
  for (let i = 0; i < a.value.length && start < to; i++) {
    const value = a.value[i]!;
    const end = start + value.length;
    if (end > from) {
      const [grad, m, v, decay] = [a.grad[i]!, a.m[i]!, a.v[i]!, a.decay[i]!];
      const last = Math.min(to, end) - start;
      for (let j = Math.max(from, start) - start; j < last; j++) {
        const g = Math.fround(Math.fround(grad[j]! * scale) * clip);
        const mj = beta1 * m[j]! + keep1 * g;
        const vj = beta2 * v[j]! + keep2 * g * g;
        m[j] = mj;
        v[j] = vj;
        value[j] = value[j]! * decay - (stepSize * mj) / (Math.sqrt(vj * secondScale) + eps);
      }
    }
    start = end;
  }
}
