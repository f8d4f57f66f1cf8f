/**
 * A replica computes for the policies registered with it: forward passes
 * (keeping the tape for one backward), backward passes into its gradient
 * array, and generation. It runs inside a worker thread (worker.ts) or, with
 * one worker, in the main thread; the calls and their results are the same.
 *
 * Weights: with worker threads the policy's parameters live in shared
 * memory, written only between calls (by the optimizer); a replica copies
 * them into its own array when their version moved (onnxruntime reads only
 * unshared memory). Gradients go straight into the replica's own slot of
 * shared memory; the slots are summed in worker order, each replica summing
 * its own range of the parameters (`sumSlots`), and the optimizer's passes
 * run the same way (`pass`).
 */
import { decode, type GenerateJob } from './generate.ts';
import { Engine, type SupervisedLosses, type Tape } from './engine.ts';
import { jsKernels, loadOrt, ortKernels } from './kernels.ts';
import { Arena, sumSlots } from './loops.ts';
import type { Batch, ParamSpec, TinyVlmConfig } from './model.ts';

export type KernelChoice = 'onnxruntime' | 'js';

/** Pick the kernels: onnxruntime unless asked for `js` or unavailable (`auto`). */
export function resolveKernels(choice: 'auto' | KernelChoice): { name: KernelChoice; note?: string } {
  if (choice === 'js') return { name: 'js' };
  try {
    loadOrt();
    return { name: 'onnxruntime' };
  } catch (error) {
    const note = `onnxruntime-node not available (${(error as Error).message.split('\n')[0]})`;
    if (choice === 'onnxruntime') throw new Error(`tiny-vlm backend "onnxruntime": ${note}`);
    return { name: 'js', note };
  }
}

export interface ModelRegistration {
  id: number;
  config: TinyVlmConfig;
  vocab: number;
  specs: ParamSpec[];
  /** The parameters (shared memory with worker threads). */
  values: Float32Array;
  /** [0]: bumped by the policy whenever `values` changed (shared memory with worker threads). */
  version: Int32Array;
  /** Every replica's gradient slot (parameter layout), in replica order (shared memory with worker threads). */
  slots: Float32Array[];
  /** Which slot is this replica's. */
  slot: number;
  /** The policy's gradient, where `sumSlots` adds the slots. */
  grads: Float32Array;
}

interface Registered {
  reg: ModelRegistration;
  engine: Engine;
  /** Version of `values` the engine's copy holds (-1: it reads `values` directly). */
  seen: number;
  tape?: Tape;
}

export class Replica {
  private readonly models = new Map<number, Registered>();

  constructor(
    readonly kernelChoice: KernelChoice,
    /** Copy weights out of shared memory before computing (worker threads). */
    private readonly copyWeights: boolean,
  ) {}

  register(reg: ModelRegistration): void {
    const values = this.copyWeights ? new Float32Array(reg.values.length) : reg.values;
    const arena = new Arena();
    const kernels = this.kernelChoice === 'onnxruntime' ? ortKernels(reg.config, arena.take) : jsKernels(reg.config);
    const engine = new Engine(reg.config, reg.vocab, reg.specs, values, kernels, arena);
    this.models.set(reg.id, { reg, engine, seen: this.copyWeights ? Number.NaN : -1 });
  }

  drop(id: number): void {
    this.models.delete(id);
  }

  private model(id: number): Registered {
    const m = this.models.get(id);
    if (!m) throw new Error(`tiny-vlm replica: model ${id} is not registered`);
    if (m.seen !== -1) {
      const version = Atomics.load(m.reg.version, 0);
      if (version !== m.seen) {
        m.engine.values.set(m.reg.values);
        m.seen = version;
      }
    }
    return m;
  }

  /** Log-probabilities of the batch's targets; with `keep`, the tape stays for `backward`. */
  forward(id: number, batch: Batch, keep: boolean): Float32Array {
    const m = this.model(id);
    const { logp, tape } = m.engine.forward(batch, keep);
    m.tape = tape;
    return logp;
  }

  /** Add the gradient of sum(coef x logp) of the kept forward pass (and of its grounding and copy losses) into this replica's slot; returns those losses. */
  backward(id: number, coef: Float32Array): SupervisedLosses {
    const m = this.model(id);
    if (!m.tape) throw new Error('tiny-vlm replica: backward without a kept forward pass');
    const losses = m.engine.backward(m.tape, coef, m.reg.slots[m.reg.slot]!);
    m.tape = undefined;
    return losses;
  }

  /** Elements [from, to) of the policy's gradient += the slots' (loops.ts `sumSlots`). */
  sumSlots(id: number, from: number, to: number): void {
    const { grads, slots } = this.model(id).reg;
    sumSlots(grads, slots, from, to);
  }

  /** An optimizer pass over elements [from, to) of the parameters: export `name` of the ES module `module` (core's `ParameterThreads`). */
  async pass(module: string, name: string, args: unknown, from: number, to: number): Promise<void> {
    const run = (await import(module))[name] as (args: unknown, from: number, to: number) => void;
    run(args, from, to);
  }

  generate(id: number, job: GenerateJob): number[][] {
    return decode(this.model(id).engine, job);
  }
}
