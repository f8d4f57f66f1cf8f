/**
 * The optimizer step as plain loops, the way lib/training wrote it before its
 * passes could run on threads: scale the gradients in place, clip them in
 * place, then AdamW over them. The reference for the bits of `AdamW.step`.
 */
import type { TrainableParameter } from '../../core/index.ts';
import type { AdamWOptions } from '../../lib/training/index.ts';

export class ReferenceAdamW {
  steps = 0;
  readonly m: Float32Array[];
  readonly v: Float32Array[];

  constructor(
    private readonly params: TrainableParameter[],
    private readonly options: AdamWOptions,
  ) {
    this.m = params.map((p) => new Float32Array(p.value.length));
    this.v = params.map((p) => new Float32Array(p.value.length));
  }

  /** Returns the norm before clipping. */
  step(lr: number, scale: number, maxNorm: number): number {
    const scaleAll = (factor: number) => {
      for (const { grad } of this.params) for (let j = 0; j < grad.length; j++) grad[j]! *= factor;
    };
    if (scale !== 1) scaleAll(scale);
    let sum = 0;
    for (const { grad } of this.params) for (let j = 0; j < grad.length; j++) sum += grad[j]! * grad[j]!;
    const norm = Math.sqrt(sum);
    if (maxNorm > 0 && norm > maxNorm) scaleAll(maxNorm / (norm + 1e-6));
    const { beta1, beta2, eps, weightDecay } = this.options;
    this.steps += 1;
    const stepSize = lr / (1 - beta1 ** this.steps);
    const secondScale = 1 / (1 - beta2 ** this.steps);
    this.params.forEach(({ value, grad, decay }, i) => {
      const [m, v] = [this.m[i]!, this.v[i]!];
      const keep = decay ? 1 - lr * weightDecay : 1;
      for (let j = 0; j < value.length; j++) {
        const g = grad[j]!;
        const mj = beta1 * m[j]! + (1 - beta1) * g;
        const vj = beta2 * v[j]! + (1 - beta2) * g * g;
        m[j] = mj;
        v[j] = vj;
        value[j] = value[j]! * keep - (stepSize * mj) / (Math.sqrt(vj * secondScale) + eps);
      }
    });
    return norm;
  }
}
