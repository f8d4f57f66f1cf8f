/**
 * `Policy.attention` for tiny-vlm: one forward pass per input over its prompt
 * and completion, in this thread, on the policy's kernels and a private copy
 * of its weights; the attention weights every layer's pass keeps for its
 * backward are read at the positions that produced the completion's tokens
 * (the last prompt position, then each completion token but the last) and
 * at the image-token positions, and averaged over those positions.
 */
import type { AttentionMap, PolicyInput } from '../../core/index.ts';
import { Engine } from './engine.ts';
import { jsKernels, ortKernels } from './kernels.ts';
import { Arena } from './loops.ts';
import type { TinyVlm } from './model.ts';
import type { KernelChoice } from './replica.ts';
import { tokenGrid } from './vision.ts';

/** An engine in this thread on the policy's kernels and a private copy of its weights, for passes that read what a forward pass keeps. */
export function privateEngine(model: TinyVlm, values: Float32Array, kernels: KernelChoice): Engine {
  const arena = new Arena();
  return new Engine(model.config, model.vocab, model.specs, Float32Array.from(values), kernels === 'onnxruntime' ? ortKernels(model.config, arena.take) : jsKernels(model.config), arena);
}

export async function attentionMaps(model: TinyVlm, values: Float32Array, kernels: KernelChoice, items: { input: PolicyInput; completion: number[] }[]): Promise<AttentionMap[]> {
  const { config } = model;
  const engine = privateEngine(model, values, kernels);
  const grid = tokenGrid(config.image);
  const maps: AttentionMap[] = [];
  for (const { input, completion } of items) {
    const prompt = model.encode(input);
    const batch = await model.batch([{ prompt, completions: [completion] }]);
    const { tape } = engine.forward(batch, true);
    const S = batch.table.length;
    const visual: number[] = [];
    batch.table.forEach((row, i) => row >= model.vocab && visual.push(i));
    const V = visual.length;
    const { layers, heads } = config;
    const weights = new Float32Array(layers * heads * V);
    for (let l = 0; l < layers; l++) {
      const w = tape!.layers[l]!.weights[0]!; // [heads, S, S]: the input's one segment
      for (let h = 0; h < heads; h++)
        for (const q of batch.rows)
          for (let v = 0; v < V; v++) weights[(l * heads + h) * V + v]! += w[(h * S + q) * S + visual[v]!]! / batch.rows.length;
    }
    maps.push({ layers, heads, grids: prompt.images.map((path) => ({ image: input.images.indexOf(path), ...grid })), weights, positions: batch.rows.length });
  }
  return maps;
}
