/**
 * Does a checkpoint's hidden state know what its answers do not? For each
 * numeric question type, a ridge regression from the hidden state at the
 * position that writes the answer's first token (the residual stream
 * entering each layer, and the final normed state) to log(true answer),
 * fitted on the training rows and scored on the validation rows with the
 * benchmark's MRA. Asked three ways: with the row's own frames, with blank
 * frames and with another room's frames (the evaluation's controls). A probe
 * that scores higher with the own frames than with another room's reads the
 * room from the state, whatever the answer head then writes.
 *
 *   npx tsx presets/spatial-ladder/tuning/hidden-probe.ts <checkpoint> <dataset dir> [types, comma-separated]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLadder, loadPolicy, readJsonLines, type PolicyInput, type Sample } from '../../../core/index.ts';
import { checkpointPromptStyle } from '../../../core/runner.ts';
import { blankFrames } from '../../../lib/media/index.ts';
import { samplePrompt, type PromptStyle } from '../../../lib/prompts/index.ts';
import { meanRelativeAccuracy } from '../../../lib/scoring/mra.ts';
import { Engine } from '../../../plugins/model-tiny-vlm/engine.ts';
import { ortKernels } from '../../../plugins/model-tiny-vlm/kernels.ts';
import { Arena } from '../../../plugins/model-tiny-vlm/loops.ts';
import type { TinyVlmPolicy } from '../../../plugins/model-tiny-vlm/policy.ts';

const NUMERIC = ['object-counting', 'absolute-distance', 'object-size', 'room-size'];
const CONDITIONS = ['own', 'blank', 'swapped'] as const;
type Condition = (typeof CONDITIONS)[number];
const LAMBDAS = [0.1, 1, 10, 100, 1000];

/** Hidden states at the answer position: one vector per layer input, then the final normed state. */
function states(policy: TinyVlmPolicy, engine: Engine, inputs: PolicyInput[]) {
  const { model } = policy;
  const D = model.config.dim;
  return async () => {
    const out: Float32Array[][] = [];
    for (const input of inputs) {
      const batch = await model.batch([{ prompt: model.encode(input), completions: [[model.tokenizer.id('<eos>')]] }]);
      const { tape } = engine.forward(batch, true);
      const row = batch.rows[0]!;
      out.push([...tape!.layers.map((l) => l.input.slice(row * D, (row + 1) * D)), tape!.picked.slice(0, D)]);
    }
    return out;
  };
}

/** Ridge regression with an intercept on standardised features; returns a predictor. */
function ridge(X: Float32Array[], y: number[], lambda: number) {
  const d = X[0]!.length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x[j]! / X.length;
  for (const x of X) for (let j = 0; j < d; j++) sd[j] = sd[j]! + (x[j]! - mean[j]!) ** 2 / X.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const z = (x: Float32Array) => Float64Array.from(x, (v, j) => (v - mean[j]!) / sd[j]!);
  const ym = y.reduce((a, b) => a + b, 0) / y.length;
  // (Z'Z + lambda I) w = Z'(y - ym), by Gaussian elimination
  const A = Array.from({ length: d }, () => new Float64Array(d + 1));
  X.forEach((x, i) => {
    const zi = z(x);
    A.forEach((row, a) => {
      for (let b = 0; b < d; b++) row[b] = row[b]! + zi[a]! * zi[b]!;
      row[d] = row[d]! + zi[a]! * (y[i]! - ym);
    });
  });
  A.forEach((row, a) => (row[a] = row[a]! + lambda));
  A.forEach((pivotRow, c) => {
    for (const row of A) {
      if (row === pivotRow) continue;
      const f = row[c]! / pivotRow[c]!;
      if (f) for (let k = c; k <= d; k++) row[k] = row[k]! - f * pivotRow[k]!;
    }
  });
  const w = A.map((row, a) => row[d]! / row[a]!);
  return (x: Float32Array) => ym + z(x).reduce((s, v, j) => s + v * w[j]!, 0);
}

/** Mean MRA (x100) of the probe's answers; counts are rounded as a count is written. */
const mra = (predict: (x: Float32Array) => number, X: Float32Array[], truth: number[], count: boolean) =>
  (100 * X.reduce((s, x, i) => s + meanRelativeAccuracy(count ? Math.round(Math.exp(predict(x))) : Math.exp(predict(x)), truth[i]!), 0)) / X.length;

/** The ridge strength by 5-fold cross-validation on the training rows alone. */
function fit(X: Float32Array[], truth: number[], count: boolean) {
  const y = truth.map(Math.log);
  const folds = 5;
  const cv = LAMBDAS.map((lambda) => {
    let total = 0;
    for (let f = 0; f < folds; f++) {
      const inFold = (i: number) => i % folds === f;
      const p = ridge(X.filter((_, i) => !inFold(i)), y.filter((_, i) => !inFold(i)), lambda);
      total += mra(p, X.filter((_, i) => inFold(i)), truth.filter((_, i) => inFold(i)), count);
    }
    return total / folds;
  });
  return ridge(X, y, LAMBDAS[cv.indexOf(Math.max(...cv))]!);
}

/** Each row's partner for the swapped control: the next row of the same modality from another room. */
function partners(rows: Sample[]): Sample[] {
  return rows.map((row, i) => {
    for (let k = 1; k < rows.length; k++) {
      const other = rows[(i + k) % rows.length]!;
      if (other.modality === row.modality && other.scene !== row.scene) return other;
    }
    throw new Error(`${row.id}: no row of another room to swap frames with`);
  });
}

async function main([checkpoint, datasetDir, types]: string[]) {
  if (!checkpoint || !datasetDir) throw new Error('usage: hidden-probe.ts <checkpoint> <dataset dir> [types, comma-separated]');
  const ladder = await createLadder({ presets: ['spatial-ladder'] });
  const policy = (await loadPolicy(ladder, checkpoint, { log: (line) => console.error(line), seed: 0 })) as unknown as TinyVlmPolicy;
  const arena = new Arena();
  const { model } = policy;
  const engine = new Engine(model.config, model.vocab, model.specs, Float32Array.from(policy.values), ortKernels(model.config, arena.take), arena);
  const style = (checkpointPromptStyle(checkpoint) ?? 'direct') as PromptStyle;
  const blankDir = mkdtempSync(join(tmpdir(), 'hidden-probe-'));
  const samples = readJsonLines<Sample>(join(datasetDir, 'samples.jsonl'));
  console.log(`${checkpoint}: MRA (x100) on validation of a ridge probe from the answer position's hidden state (fitted on training rows)`);
  console.log(`type | condition | ${[...Array.from({ length: model.config.layers }, (_, l) => `layer ${l} in`), 'final'].join(' | ')}`);
  for (const task of types?.split(',') ?? NUMERIC) {
    const bySplit = (split: string) => samples.filter((s) => s.task === task && s.split === split && s.media.images.length);
    const [train, validation] = [bySplit('train'), bySplit('validation')];
    const count = task === 'object-counting';
    const features = async (rows: Sample[], condition: Condition) => {
      const shown = condition === 'swapped' ? partners(rows) : rows;
      const inputs = await Promise.all(
        rows.map(async (row, i) => {
          const input = samplePrompt(row, datasetDir, style);
          const images = samplePrompt(shown[i]!, datasetDir, style).images;
          return { ...input, images: condition === 'blank' ? await blankFrames(images, blankDir) : images };
        }),
      );
      return states(policy, engine, inputs)();
    };
    for (const condition of CONDITIONS) {
      const [fx, vx] = [await features(train, condition), await features(validation, condition)];
      const [ft, vt] = [train.map((s) => Number(s.answer)), validation.map((s) => Number(s.answer))];
      const scores = fx[0]!.map((_, k) => mra(fit(fx.map((f) => f[k]!), ft, count), vx.map((f) => f[k]!), vt, count).toFixed(1));
      console.log(`${task} (${train.length} / ${validation.length}) | ${condition} | ${scores.join(' | ')}`);
    }
  }
  await policy.dispose?.();
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
