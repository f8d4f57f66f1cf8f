/**
 * AdamW (Loshchilov & Hutter) over a policy's trainable parameters, in plain
 * JavaScript on the Float32Arrays the trainer exposes, so any backend that
 * implements `PolicyTrainer.parameters()` trains with the same optimizer and
 * its state (moments, step) is saved with every checkpoint, as safetensors
 * (`m/<parameter>`, `v/<parameter>`; metadata `steps`).
 */
import type { TrainableParameter } from '../../core/index.ts';
import { readTensorFile, writeTensorFile } from './tensor-file.ts';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay, applied to parameters marked `decay` (matrices, not norms). */
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

export class AdamW {
  /** Optimizer steps taken (bias correction uses it). */
  steps = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  constructor(
    private readonly params: TrainableParameter[],
    private readonly options: AdamWOptions = ADAMW_DEFAULTS,
  ) {
    this.m = params.map((p) => new Float32Array(p.value.length));
    this.v = params.map((p) => new Float32Array(p.value.length));
  }

  /** One update with learning rate `lr` from the parameters' `grad` arrays. */
  step(lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.options;
    this.steps += 1;
    // bias corrections folded into the step size and the second moment's scale
    const stepSize = lr / (1 - beta1 ** this.steps);
    const secondScale = 1 / (1 - beta2 ** this.steps);
    const [keep1, keep2] = [1 - beta1, 1 - beta2];
    for (let i = 0; i < this.params.length; i++) {
      const m = this.m[i]!;
      const v = this.v[i]!;
      const { value, grad, decay: decays } = this.params[i]!;
      const decay = decays ? 1 - lr * weightDecay : 1;
      for (let j = 0; j < value.length; j++) {
        const g = grad[j]!;
        const mj = beta1 * m[j]! + keep1 * g;
        const vj = beta2 * v[j]! + keep2 * g * g;
        m[j] = mj;
        v[j] = vj;
        value[j] = value[j]! * decay - (stepSize * mj) / (Math.sqrt(vj * secondScale) + eps);
      }
    }
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

/** Multiply every gradient by `factor` (e.g. 1 / tokens in the step). */
export function scaleGradients(params: TrainableParameter[], factor: number): void {
  for (const { grad } of params) for (let j = 0; j < grad.length; j++) grad[j]! *= factor;
}

/** Global L2 norm of the gradients; when above `maxNorm` (> 0), scale them down to it. Returns the norm before clipping. */
export function clipGradients(params: TrainableParameter[], maxNorm: number): number {
  let sum = 0;
  for (const { grad } of params) for (let j = 0; j < grad.length; j++) sum += grad[j]! * grad[j]!;
  const norm = Math.sqrt(sum);
  if (maxNorm > 0 && norm > maxNorm) scaleGradients(params, maxNorm / (norm + 1e-6));
  return norm;
}
