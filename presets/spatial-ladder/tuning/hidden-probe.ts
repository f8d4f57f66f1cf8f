/**
 * Does a checkpoint's hidden state know what its answers do not? For each
 * numeric question type, a ridge regression from the hidden state at the
 * position that writes the answer's first token (the residual stream
 * entering each layer, and the final normed state) to log(true answer),
 * fitted on the training rows and scored on the validation rows with the
 * benchmark's MRA; for a multiple-choice type, to the right option's letter
 * (one-hot; the probe answers its highest among the row's options, scored by
 * accuracy); for localization, from the state where the first corner
 * is written (after `[{"bbox_2d":[`) to the one box's corners, scored by
 * IoU, on the rows that ask for one box. The checkpoint's own prompt style
 * is used (a `think` checkpoint's first token opens its reasoning). Asked
 * three ways: with the row's own frames, with blank frames and with another
 * room's frames (the evaluation's controls). `localization-token` and
 * `localization-name` read the box at a prompt position instead (the layer
 * inputs there; no final column): the image token holding the object's
 * centre, the last token of its name in the question. A probe that scores higher
 * with the own frames than with another room's reads the room from the
 * state, whatever the answer head then writes.
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
import { boxIoU, imageSizeOf, truthBoxes } from '../../../lib/scoring/iou.ts';
import { meanRelativeAccuracy } from '../../../lib/scoring/mra.ts';
import { swapPartners } from '../../../lib/scoring/swap.ts';
import { privateEngine } from '../../../plugins/model-tiny-vlm/attention-map.ts';
import type { Engine } from '../../../plugins/model-tiny-vlm/engine.ts';
import type { TinyVlmPolicy } from '../../../plugins/model-tiny-vlm/policy.ts';
import { tokenGrid } from '../../../plugins/model-tiny-vlm/vision.ts';

const TYPES = ['object-counting', 'absolute-distance', 'object-size', 'room-size', 'relative-distance', 'relative-direction', 'appearance-order', 'localization'];
const CONDITIONS = ['own', 'blank', 'swapped'] as const;
type Condition = (typeof CONDITIONS)[number];
const LAMBDAS = [0.1, 1, 10, 100, 1000];

/**
 * Hidden states at the position that writes the token after `prefix` (the
 * answer's first token when it is empty): one vector per layer input, then
 * the final normed state.
 */
async function states(policy: TinyVlmPolicy, engine: Engine, inputs: PolicyInput[], prefix: string, at?: (ids: number[], i: number) => number) {
  const { model } = policy;
  const D = model.config.dim;
  const written = model.tokenizer.encode(prefix);
  const out: Float32Array[][] = [];
  for (const [i, input] of inputs.entries()) {
    const prompt = model.encode(input);
    const batch = await model.batch([{ prompt, completions: [[...written, model.tokenizer.id('<eos>')]] }]);
    const { tape } = engine.forward(batch, true);
    // a prompt position (one group, so batch rows are positions), or where the answer's next token is written
    const row = at ? at(prompt.ids, i) : batch.rows[written.length]!;
    const final = at ? [] : [tape!.picked.slice(written.length * D, (written.length + 1) * D)];
    out.push([...tape!.layers.map((l) => l.input.slice(row * D, (row + 1) * D)), ...final]);
  }
  return out;
}

/** Ridge regression with an intercept on standardised features, one output per column of Y; returns a predictor. */
function ridge(X: Float32Array[], Y: number[][], lambda: number) {
  const d = X[0]!.length;
  const k = Y[0]!.length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x[j]! / X.length;
  for (const x of X) for (let j = 0; j < d; j++) sd[j] = sd[j]! + (x[j]! - mean[j]!) ** 2 / X.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const z = (x: Float32Array) => Float64Array.from(x, (v, j) => (v - mean[j]!) / sd[j]!);
  const ym = Array.from({ length: k }, (_, c) => Y.reduce((a, y) => a + y[c]!, 0) / Y.length);
  // (Z'Z + lambda I) W = Z'(Y - mean), by Gauss-Jordan elimination on [Z'Z + lambda I | Z'(Y - mean)]
  const A = Array.from({ length: d }, () => new Float64Array(d + k));
  X.forEach((x, i) => {
    const zi = z(x);
    A.forEach((row, a) => {
      for (let b = 0; b < d; b++) row[b] = row[b]! + zi[a]! * zi[b]!;
      for (let c = 0; c < k; c++) row[d + c] = row[d + c]! + zi[a]! * (Y[i]![c]! - ym[c]!);
    });
  });
  A.forEach((row, a) => (row[a] = row[a]! + lambda));
  A.forEach((pivotRow, c) => {
    for (const row of A) {
      if (row === pivotRow) continue;
      const f = row[c]! / pivotRow[c]!;
      if (f) for (let j = c; j < d + k; j++) row[j] = row[j]! - f * pivotRow[j]!;
    }
  });
  return (x: Float32Array) => {
    const zx = z(x);
    return ym.map((m, c) => m + zx.reduce((s, v, j) => s + (v * A[j]![d + c]!) / A[j]![j]!, 0));
  };
}

/** What a probe predicts for a type, and how its prediction scores (x100, as the benchmark scores the type). */
interface Target {
  /** What the answer writes before the predicted part: the state is read where the token after it is written. */
  prefix: string;
  encode(sample: Sample): number[];
  score(predicted: number[], sample: Sample): number;
}

/** log(answer), scored by MRA; counts rounded as a count is written. */
const numeric = (count: boolean): Target => ({
  prefix: '',
  encode: (s) => [Math.log(Number(s.answer))],
  score: ([v], s) => 100 * meanRelativeAccuracy(count ? Math.round(Math.exp(v!)) : Math.exp(v!), Number(s.answer)),
});

/** The one box's corners as fractions of the image, read where the first corner is written, scored by IoU. */
const box: Target = {
  prefix: '[{"bbox_2d":[',
  encode: (s) => {
    const { width, height } = imageSizeOf(s.facts)!;
    const [x1, y1, x2, y2] = truthBoxes(s.answer, s.id)[0]!.box;
    return [x1 / width, y1 / height, x2 / width, y2 / height];
  },
  score: (p, s) => {
    const { width, height } = imageSizeOf(s.facts)!;
    return 100 * boxIoU([p[0]! * width, p[1]! * height, p[2]! * width, p[3]! * height], truthBoxes(s.answer, s.id)[0]!.box);
  },
};

/** The right option as one-hot letters; the probe's answer is its highest among the row's options (accuracy). */
const LETTERS = ['A', 'B', 'C', 'D'];
const choice: Target = {
  prefix: '',
  encode: (s) => LETTERS.map((letter) => (letter === s.answer ? 1 : 0)),
  score: (p, s) => {
    const offered = p.slice(0, s.options!.length);
    return LETTERS[offered.indexOf(Math.max(...offered))] === s.answer ? 100 : 0;
  },
};

/**
 * The one box read at a prompt position instead: `localization-token`, the
 * image token that holds its centre (the truth picks the token: what a box
 * head on a perfectly grounded token could read; with blank frames only the
 * token's cell is left); `localization-name`, the last token of the asked
 * object's name in the prompt (where the grounding loss's head looks from).
 * Image tokens are the encoded prompt's -1 ids; the question follows them.
 */
type PromptRow = (ids: number[], i: number) => number;
const PROMPT_ROWS: Record<string, (rows: Sample[], inputs: PolicyInput[], policy: TinyVlmPolicy) => PromptRow> = {
  'localization-token': (rows, _, policy) => {
    const { rows: gridRows, cols } = tokenGrid(policy.model.config.image);
    const cell = (v: number, n: number) => Math.min(n - 1, Math.floor(v * n));
    return (ids, i) => {
      const [x1, y1, x2, y2] = box.encode(rows[i]!);
      return ids.indexOf(-1) + cell((y1! + y2!) / 2, gridRows) * cols + cell((x1! + x2!) / 2, cols);
    };
  },
  // the grounding loss's own query row for the first phrase (model.encode with grounding)
  'localization-name': (rows, inputs, policy) => (_, i) => {
    const query = policy.model.encode(inputs[i]!, { weight: 1, phrases: rows[i]!.grounding?.slice(0, 1) ?? [] }).grounded?.[0]?.query;
    if (query === undefined) throw new Error(`${rows[i]!.id}: the question does not name its grounded object`);
    return query;
  },
};

const targetOf = (sample: Sample) => (sample.answerKind === 'boxes' ? box : sample.answerKind === 'choice' ? choice : numeric(sample.task === 'object-counting'));

const meanScore = (target: Target, predict: (x: Float32Array) => number[], X: Float32Array[], rows: Sample[]) =>
  X.reduce((s, x, i) => s + target.score(predict(x), rows[i]!), 0) / X.length;

/** The ridge strength by 5-fold cross-validation on the training rows alone. */
function fit(target: Target, X: Float32Array[], rows: Sample[]) {
  const Y = rows.map((r) => target.encode(r));
  const folds = 5;
  const cv = LAMBDAS.map((lambda) => {
    let total = 0;
    for (let f = 0; f < folds; f++) {
      const out = (_: unknown, i: number) => i % folds !== f;
      const held = (_: unknown, i: number) => i % folds === f;
      total += meanScore(target, ridge(X.filter(out), Y.filter(out), lambda), X.filter(held), rows.filter(held));
    }
    return total / folds;
  });
  return ridge(X, Y, LAMBDAS[cv.indexOf(Math.max(...cv))]!);
}

/** Each row's partner for the swapped control, by the evaluation's rule (lib/scoring/swap.ts) among the rows probed. */
function partners(rows: Sample[]): Sample[] {
  const pairs = swapPartners(rows.map((row) => ({ id: row.id, scene: row.scene, modality: row.modality, media: row.media.images, row })), 'hidden-probe');
  return rows.map((row) => pairs.get(row.id)!.row);
}

async function main([checkpoint, datasetDir, types]: string[]) {
  if (!checkpoint || !datasetDir) throw new Error('usage: hidden-probe.ts <checkpoint> <dataset dir> [types, comma-separated]');
  const ladder = await createLadder({ presets: ['spatial-ladder'] });
  const policy = (await loadPolicy(ladder, checkpoint, { log: (line) => console.error(line), seed: 0 })) as unknown as TinyVlmPolicy;
  const engine = privateEngine(policy.model, policy.values, policy.limits.kernels);
  const style = (checkpointPromptStyle(checkpoint) ?? 'direct') as PromptStyle;
  const blankDir = mkdtempSync(join(tmpdir(), 'hidden-probe-'));
  const samples = readJsonLines<Sample>(join(datasetDir, 'samples.jsonl'));
  console.log(`${checkpoint}: score (x100: MRA; accuracy for multiple choice; IoU for localization) on validation of a ridge probe from the answer position's hidden state (fitted on training rows)`);
  console.log(`type | condition | ${[...Array.from({ length: policy.model.config.layers }, (_, l) => `layer ${l} in`), 'final (answer positions only)'].join(' | ')}`);
  for (const asked of types?.split(',') ?? TYPES) {
    const task = asked in PROMPT_ROWS ? 'localization' : asked;
    // localization: the rows that ask for one box
    const bySplit = (split: string) =>
      samples.filter((s) => s.task === task && s.split === split && s.media.images.length && (task !== 'localization' || truthBoxes(s.answer, s.id).length === 1));
    const [train, validation] = [bySplit('train'), bySplit('validation')];
    const target = targetOf(train[0]!);
    const features = async (rows: Sample[], condition: Condition) => {
      const shown = condition === 'swapped' ? partners(rows) : rows;
      const inputs = await Promise.all(
        rows.map(async (row, i) => {
          const input = samplePrompt(row, datasetDir, style);
          const images = samplePrompt(shown[i]!, datasetDir, style).images;
          return { ...input, images: condition === 'blank' ? await blankFrames(images, blankDir) : images };
        }),
      );
      return states(policy, engine, inputs, target.prefix, PROMPT_ROWS[asked]?.(rows, inputs, policy));
    };
    for (const condition of CONDITIONS) {
      const [fx, vx] = [await features(train, condition), await features(validation, condition)];
      const scores = fx[0]!.map((_, k) => meanScore(target, fit(target, fx.map((f) => f[k]!), train), vx.map((f) => f[k]!), validation).toFixed(1));
      console.log(`${asked} (${train.length} / ${validation.length}) | ${condition} | ${scores.join(' | ')}`);
    }
  }
  await policy.dispose?.();
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
