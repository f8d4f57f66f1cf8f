/**
 * The tiny VLM: image patches -> patch embedding (one matmul) -> optional
 * vision encoder layers (pre-norm transformer layers in which each image's
 * patches attend to each other, as a ViT's) -> RMSNorm -> 2x2 merge (a
 * reshape) -> MLP into the text width, as Qwen2.5-VL's merger;
 * then a pre-norm decoder-only transformer over
 *
 *   <bos> system <user> (<image> v v v v)* prompt <assistant> completion <eos>
 *
 * with learned absolute positions (or rotary ones, rotary.ts), causal multi-head attention, a ReLU MLP
 * and a separate output head (untied: with a tied head, Adam moves the rows
 * of tokens that are never targets, e.g. prompt words while stage 2 trains
 * one-token answers, along one shared direction, as outputs and so as inputs).
 * Weights are initialised from (seed, config, tokenizer) alone, so every run
 * with those starts from the same weights whatever data a stage sees.
 */
import { createRandom } from '../../core/index.ts';
import type { PolicyInput, TrainExample } from '../../core/index.ts';
import { copiedRows, groundedRows, phraseSpans, type GroundedRow, type PhraseSpan } from './grounding.ts';
import type { Segment } from './kernels.ts';
import type { Tokenizer } from './tokenizer.ts';
import { ImageCache, patchSize, patchesPerImage, tokenGrid, tokensPerImage, type ImageGeometry } from './vision.ts';

export interface TinyVlmConfig {
  dim: number;
  layers: number;
  heads: number;
  /** Hidden width of each MLP. */
  ffn: number;
  /** Width of patch embeddings before the merge. */
  visionDim: number;
  /**
   * Vision encoder layers over each image's patches (width visionDim, `heads`
   * heads, MLP 4 x visionDim); absent in checkpoints written before the option, as 0.
   */
  visionLayers?: number;
  /** Longest sequence (positions table size). */
  maxLength: number;
  /**
   * Text positions: a learned vector added to each token (absent in checkpoints
   * written before the option), or its queries and keys rotated (rotary.ts).
   */
  positions?: 'learned' | 'rotary';
  image: ImageGeometry;
  /** At most this many images per input (more are subsampled evenly, in order). */
  maxImages: number;
  initStd: number;
}

export interface ParamSpec {
  name: string;
  shape: number[];
  decay: boolean;
  init: 'normal' | 'ones' | 'zeros';
  std?: number;
}

/**
 * Init std of `vision.slot`, the embedding of where a merged image token sits
 * in its image (one row per 2x2 block), added after the merge. The patch
 * positions (`vision.pos`) are added before the patch norm, where a patch's
 * content outweighs them, and the text positions are as small (0.02). Taught
 * at lr 1e-3 whether one coloured square (40-80 px of 336) is left or right
 * in the image, the model without the slot answered one word to every image
 * through 1,500 steps; with the slot at 0.3 it reached 99% in 300 (at 0.1:
 * chance still). At lr 3e-4 it learns that task with or without the slot
 * (presets/spatial-ladder/tuning/where-probe.ts, README "Where, not only what").
 */
export const SLOT_STD = 0.3;

export function paramSpecs(c: TinyVlmConfig, vocab: number): ParamSpec[] {
  const n = (name: string, shape: number[], std = c.initStd): ParamSpec => ({ name, shape, decay: true, init: 'normal', std });
  const g = (name: string, size: number): ParamSpec => ({ name, shape: [size], decay: false, init: 'ones' });
  /** `count` pre-norm layers `<prefix><l>.*` of width `width`; residual outputs scaled by 1/sqrt(2 count). */
  const layers = (prefix: string, count: number, width: number, ffn: number): ParamSpec[] =>
    Array.from({ length: count }, (_, l) => {
      const residualStd = c.initStd / Math.sqrt(2 * count);
      return [
        g(`${prefix}${l}.norm1`, width),
        n(`${prefix}${l}.qkv`, [width, 3 * width]),
        n(`${prefix}${l}.out`, [width, width], residualStd),
        g(`${prefix}${l}.norm2`, width),
        n(`${prefix}${l}.up`, [width, ffn]),
        n(`${prefix}${l}.down`, [ffn, width], residualStd),
      ];
    }).flat();
  return [
    n('embed', [vocab, c.dim]),
    ...(c.positions === 'rotary' ? [] : [{ ...n('pos', [c.maxLength, c.dim]), decay: false }]),
    n('vision.patch', [patchSize(c.image), c.visionDim], 1 / Math.sqrt(patchSize(c.image))),
    { ...n('vision.pos', [patchesPerImage(c.image), c.visionDim]), decay: false },
    ...layers('vision.l', c.visionLayers ?? 0, c.visionDim, 4 * c.visionDim),
    g('vision.norm', c.visionDim),
    n('vision.merge1', [4 * c.visionDim, c.dim]),
    n('vision.merge2', [c.dim, c.dim]),
    { ...n('vision.slot', [tokensPerImage(c.image), c.dim], SLOT_STD), decay: false },
    ...layers('l', c.layers, c.dim, c.ffn),
    g('final.norm', c.dim),
    n('head', [c.dim, vocab]),
  ];
}

/** Seeded initial values: Box-Muller normals from a stream per parameter name. */
export function initialValues(spec: ParamSpec, seed: number): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (spec.init === 'ones') out.fill(1);
  if (spec.init !== 'normal') return out;
  const random = createRandom(seed, `tiny-vlm/init/${spec.name}`);
  const std = spec.std ?? 0.02;
  for (let i = 0; i < size; i += 2) {
    const u = 1 - random.next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    const t = 2 * Math.PI * random.next();
    out[i] = r * Math.cos(t);
    if (i + 1 < size) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** An encoded prompt: token ids with -1 at image-token positions, and its images. */
export interface EncodedPrompt {
  ids: number[];
  images: string[];
  /** The grounding loss's rows (indices into `ids`), when the example is grounded. */
  grounded?: GroundedRow[];
  /** The copy loss: the phrases' tokens in the prompt, and its weight (`TrainExample.copy`). */
  copy?: { spans: PhraseSpan[]; weight: number };
}

/**
 * A prompt and the completions (token ids) scored after it. With one
 * completion it is one sequence; with several (GRPO's G samples) the prompt
 * is laid out once and every completion attends to it (`Segment.prefix`).
 */
export interface SequenceGroup {
  prompt: EncodedPrompt;
  completions: number[][];
}

/** A batch laid out for one forward pass. */
export interface Batch {
  /** Row of the lookup table per position: a token id, or vocab + vision row. */
  table: Int32Array;
  positions: Int32Array;
  /** [images * patches, patch size] RGB bytes (the engine maps them to [-1, 1], in the replica's thread), or undefined without images. */
  pixels?: Uint8Array;
  imageCount: number;
  segments: Segment[];
  /** Per group: the row of its prompt's last position. */
  promptEnds: number[];
  /** Hidden rows that predict each completion token, and those tokens, groups and completions in order. */
  rows: Int32Array;
  targets: Int32Array;
  /** The grounding and copy losses' rows (batch rows), when examples have them. */
  grounded?: GroundedRow[];
}

/** At most `k` items, evenly spaced and in order (the first and last kept): video frames beyond `maxImages`. */
export function evenlySpaced<T>(items: T[], k: number): T[] {
  if (items.length <= k) return items;
  if (k === 1) return [items[0]!];
  return Array.from({ length: k }, (_, i) => items[Math.round((i * (items.length - 1)) / (k - 1))]!);
}

/**
 * The model's description and data layout: config, tokenizer, parameter
 * specs, and how inputs become packed batches (the math is in engine.ts).
 */
export class TinyVlm {
  constructor(
    readonly config: TinyVlmConfig,
    readonly tokenizer: Tokenizer,
    readonly specs: ParamSpec[],
    readonly images: ImageCache,
  ) {}

  get vocab(): number {
    return this.tokenizer.size;
  }

  /** Lay out an input as a prompt: <bos> system <user> (<image> v..)* prompt <assistant>; with `grounding`, its grounded rows; with `copy`, where its phrases are. */
  encode(input: PolicyInput, grounding?: TrainExample['grounding'], copy?: TrainExample['copy']): EncodedPrompt {
    const tk = this.tokenizer;
    const images = evenlySpaced(input.images, this.config.maxImages);
    const perImage = tokensPerImage(this.config.image);
    const ids = [tk.id('<bos>'), ...tk.encode(input.system ?? ''), tk.id('<user>')];
    const imageStarts: number[] = [];
    for (let i = 0; i < images.length; i++) {
      ids.push(tk.id('<image>'));
      imageStarts.push(ids.length);
      ids.push(...new Array<number>(perImage).fill(-1));
    }
    const promptStart = ids.length;
    ids.push(...tk.encode(input.prompt), tk.id('<assistant>'));
    const spans = copy && copy.weight > 0 ? phraseSpans(ids, promptStart, copy.phrases.map((p) => tk.encode(` ${p}`))) : [];
    const copied = spans.length ? { copy: { spans, weight: copy!.weight } } : {};
    if (!grounding?.phrases.length || !(grounding.weight > 0)) return { ids, images, ...copied };
    const layout = { promptStart, imageStarts, imageIndex: images.map((path) => input.images.indexOf(path)), grid: tokenGrid(this.config.image) };
    const grounded = groundedRows(input.prompt, (text) => tk.encode(text), layout, grounding.phrases, grounding.weight);
    return { ids, images, ...(grounded.length && { grounded }), ...copied };
  }

  async batch(groups: SequenceGroup[]): Promise<Batch> {
    const { maxLength, image } = this.config;
    const table: number[] = [];
    const positions: number[] = [];
    const segments: Segment[] = [];
    const promptEnds: number[] = [];
    const grounded: GroundedRow[] = [];
    const rows: number[] = [];
    const targets: number[] = [];
    const paths = groups.flatMap((g) => g.prompt.images);
    let visionRow = 0;
    const place = (ids: number[], start: number) => {
      ids.forEach((id, t) => {
        table.push(id >= 0 ? id : this.vocab + visionRow++);
        positions.push(start + t);
      });
    };
    for (const { prompt, completions } of groups) {
      const P = prompt.ids.length;
      const longest = Math.max(0, ...completions.map((c) => c.length));
      if (P + longest > maxLength)
        throw new Error(`sequence of ${P + longest} tokens exceeds the model's maxLength ${maxLength} (raise model.options.maxLength, or lower maxImages / image size)`);
      const offset = table.length;
      // the prompt's rows come first either way (with several completions, as a segment of their own)
      for (const row of prompt.grounded ?? []) grounded.push({ ...row, query: offset + row.query, keys: row.keys.map((k) => offset + k) });
      if (completions.length === 1) {
        const ids = [...prompt.ids, ...completions[0]!];
        place(ids, 0);
        segments.push({ offset, length: ids.length });
        for (let t = P; t < ids.length; t++) rows.push(offset + t - 1), targets.push(ids[t]!);
        if (prompt.copy) grounded.push(...copiedRows(completions[0]!, prompt.copy.spans, (t) => offset + P + t - 1, (i) => offset + i, prompt.copy.weight));
      } else {
        place(prompt.ids, 0);
        segments.push({ offset, length: P });
        for (const c of completions) {
          const start = table.length;
          place(c, P);
          segments.push({ offset: start, length: c.length, prefix: { offset, length: P } });
          c.forEach((id, t) => (rows.push(t === 0 ? offset + P - 1 : start + t - 1), targets.push(id)));
        }
      }
      promptEnds.push(offset + P - 1);
    }
    if (visionRow !== paths.length * tokensPerImage(image)) throw new Error('internal: image token count does not match the images');
    let pixels: Uint8Array | undefined;
    if (paths.length) {
      const size = patchSize(image) * patchesPerImage(image);
      pixels = new Uint8Array(paths.length * size);
      const decoded = await Promise.all(paths.map((path) => this.images.load(path)));
      decoded.forEach((bytes, i) => pixels!.set(bytes, i * size));
    }
    return {
      table: Int32Array.from(table),
      positions: Int32Array.from(positions),
      pixels,
      imageCount: paths.length,
      segments,
      promptEnds,
      rows: Int32Array.from(rows),
      targets: Int32Array.from(targets),
      ...(grounded.length && { grounded }),
    };
  }
}

/**
 * Model FLOPs of one forward pass over a batch (multiply-adds count 2):
 * vision tower (its encoder layers: projections, MLP, attention among an
 * image's patches), every layer's projections and MLP, attention scores and
 * mixing as computed (each segment against its context), and the output head
 * on the scored rows. Training (forward + backward) is 3x this.
 */
export function forwardFlops(c: TinyVlmConfig, vocab: number, b: Batch): number {
  const positions = b.table.length;
  const perImagePatches = patchesPerImage(c.image);
  const vd = c.visionDim;
  const encoder = (c.visionLayers ?? 0) * perImagePatches * (12 * vd * vd + 2 * perImagePatches * vd);
  const vision = b.imageCount * (perImagePatches * patchSize(c.image) * vd + encoder + (perImagePatches / 4) * (4 * vd * c.dim + c.dim * c.dim));
  const layer = positions * (3 * c.dim * c.dim + c.dim * c.dim + 2 * c.dim * c.ffn);
  const attention = b.segments.reduce((s, seg) => s + 2 * seg.length * (seg.length + (seg.prefix?.length ?? 0)) * c.dim, 0);
  return 2 * (vision + c.layers * (layer + attention) + b.rows.length * c.dim * vocab);
}
