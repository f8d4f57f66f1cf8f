/**
 * The tiny VLM's math over flat Float32Arrays: the forward pass of a packed
 * batch, its backward pass written out by hand (no autodiff: the model is
 * fixed, and every gradient below is checked against finite differences in
 * the tests), prefill and one decoding step with a KV cache. Matrix products
 * and attention go to the kernels (kernels.ts); norms, residuals, gathers and
 * the output softmax are loops here.
 *
 * Parameters live in one flat array in `paramSpecs` order (`paramOffsets`),
 * gradients in another of the same layout, so a data-parallel replica adds
 * its whole gradient in one pass and AdamW walks one array.
 */
import { jsKernels, ortKernels, type DecodeCache, type Kernels, type LayerOut, type LayerWeights, type Segment } from './kernels.ts';
import { addInto, Arena, relu, rmsNorm, rmsNormBackward, type Alloc } from './loops.ts';
import { copyHead, GROUNDING_HEAD, groundingBackward, type GroundedRow } from './grounding.ts';
import type { Batch, ParamSpec, TinyVlmConfig } from './model.ts';
import { rotate, rotaryTable, type RotaryTable } from './rotary.ts';
import { normalisePixels, patchSize, patchesPerImage, tokensPerImage } from './vision.ts';

/** Start of each parameter in the flat array, and the total size. */
export function paramOffsets(specs: ParamSpec[]): { offsets: Map<string, [number, number]>; size: number } {
  const offsets = new Map<string, [number, number]>();
  let at = 0;
  for (const s of specs) {
    const size = s.shape.reduce((a, b) => a * b, 1);
    offsets.set(s.name, [at, size]);
    at += size;
  }
  return { offsets, size: at };
}

/** Receives each sequence's keys and values ([length, dim] row-major) of every layer from a forward pass. */
export type KvCapture = (layer: number, segment: number, keys: Float32Array, values: Float32Array) => void;

interface LayerTape {
  input: Float32Array;
  qkv: Float32Array;
  /** Attention weights per segment. */
  weights: Float32Array[];
  attended: Float32Array;
  kept: LayerOut;
}

interface VisionTape {
  pixels: Float32Array;
  /** Patch embeddings plus positions: the vision encoder's input. */
  embedded: Float32Array;
  /** The vision encoder's layers (the last one's output is the norm's input) and their attention segments. */
  layers: LayerTape[];
  segments: Segment[];
  inv: Float32Array;
  normed: Float32Array;
  hidden: Float32Array;
  out: Float32Array;
}

/** Rows of a supervised attention head (grounding.ts) and the loss they add up to. */
interface Supervision {
  layer: number;
  head: number;
  rows: GroundedRow[];
  loss: number;
}

/** What `backward` returns: the grounding and copy losses of the batch's rows (unweighted sums of KL divergences). */
export interface SupervisedLosses {
  grounding: number;
  copy: number;
}

/** What the backward pass needs from a forward pass (arrays in the engine's arena from `mark` on). */
export interface Tape {
  mark: number;
  batch: Batch;
  vision?: VisionTape;
  layers: LayerTape[];
  final: Float32Array;
  invFinal: Float32Array;
  picked: Float32Array;
  probs: Float32Array;
}

export class Engine {
  private readonly views = new Map<string, Float32Array>();
  private readonly offsets: Map<string, [number, number]>;
  private readonly dh: number;
  private readonly alloc: Alloc;
  /** The vision encoder's dense blocks (width visionDim), when it has layers. */
  private readonly visionKernels?: Kernels;
  /** The arena mark of the tape kept for `backward`, if any. */
  private kept?: number;
  /** With rotary positions: their angles (the text layers' queries and keys are rotated; no `pos` parameter). */
  private readonly rotary?: RotaryTable;

  /** `kernels` allocate from `arena` (the engine releases what a call took when the call no longer needs it). */
  constructor(
    readonly config: TinyVlmConfig,
    readonly vocab: number,
    specs: ParamSpec[],
    readonly values: Float32Array,
    readonly kernels: Kernels,
    private readonly arena = new Arena(),
  ) {
    this.alloc = arena.take;
    this.offsets = paramOffsets(specs).offsets;
    for (const [name, [at, size]] of this.offsets) this.views.set(name, values.subarray(at, at + size));
    this.dh = config.dim / config.heads;
    if (config.positions === 'rotary') this.rotary = rotaryTable(config.maxLength, this.dh);
    if (config.visionLayers) {
      const shape = { dim: config.visionDim, heads: config.heads, ffn: 4 * config.visionDim };
      this.visionKernels = kernels.name === 'onnxruntime' ? ortKernels(shape, this.alloc) : jsKernels(shape);
    }
  }

  private w(name: string): Float32Array {
    return this.views.get(name)!;
  }

  /** The gradient of parameter `name` inside a flat gradient array. */
  private g(grads: Float32Array, name: string): Float32Array {
    const [at, size] = this.offsets.get(name)!;
    return grads.subarray(at, at + size);
  }

  private gemm(a: Float32Array, b: Float32Array, m: number, k: number, n: number, transA = false, transB = false): Float32Array {
    return this.kernels.gemm(a, b, m, k, n, { transA, transB, out: this.alloc(m * n) });
  }

  /** Run `f` with scratch arrays from the engine's arena, released afterwards (its result must not live there). */
  scoped<T>(f: (alloc: Alloc) => T): T {
    const mark = this.arena.mark();
    try {
      return f(this.alloc);
    } finally {
      this.arena.release(mark);
    }
  }

  /** grad += a^T b (a [m, k], b [m, n]): a weight's gradient. */
  private addWeightGrad(grad: Float32Array, a: Float32Array, b: Float32Array, m: number, k: number, n: number): void {
    addInto(grad, this.gemm(a, b, k, m, n, true, false));
  }

  // -- forward ------------------------------------------------------------------

  private vision(bytes: Uint8Array, images: number): VisionTape {
    const { image, visionDim: vd, dim } = this.config;
    const patches = patchesPerImage(image);
    const rows = images * patches;
    const pixels = this.alloc(bytes.length);
    normalisePixels(bytes, pixels, 0);
    const embedded = this.gemm(pixels, this.w('vision.patch'), rows, patchSize(image), vd);
    const pos = this.w('vision.pos');
    for (let r = 0; r < rows; r++) {
      const from = (r % patches) * vd;
      for (let c = 0; c < vd; c++) embedded[r * vd + c]! += pos[from + c]!;
    }
    const segments = imageSegments(images, patches);
    const layers: LayerTape[] = [];
    let encoded = embedded;
    for (let v = 0; v < (this.config.visionLayers ?? 0); v++) {
      layers.push(this.keptLayer(this.visionKernels!, this.layerWeights(`vision.l${v}`), encoded, segments));
      encoded = layers[v]!.kept.out;
    }
    const { out: normed, inv } = rmsNorm(encoded, rows, vd, this.w('vision.norm'), this.alloc);
    const merged = rows / 4;
    const hidden = relu(this.gemm(normed, this.w('vision.merge1'), merged, 4 * vd, dim));
    const out = this.gemm(hidden, this.w('vision.merge2'), merged, dim, dim);
    const slot = this.w('vision.slot');
    const slots = tokensPerImage(image);
    for (let r = 0; r < merged; r++) {
      const from = (r % slots) * dim;
      for (let c = 0; c < dim; c++) out[r * dim + c]! += slot[from + c]!;
    }
    return { pixels, embedded, layers, segments, inv, normed, hidden, out };
  }

  private embed(b: Batch, vision?: VisionTape): Float32Array {
    const D = this.config.dim;
    const n = b.table.length;
    const h = this.alloc(n * D);
    const embed = this.w('embed');
    for (let i = 0; i < n; i++) {
      const row = b.table[i]!;
      h.set(row < this.vocab ? embed.subarray(row * D, (row + 1) * D) : vision!.out.subarray((row - this.vocab) * D, (row - this.vocab + 1) * D), i * D);
    }
    this.addPositions(h, b.positions);
    return h;
  }

  /** Learned positions: add each row's position vector (rotary positions act in the layers instead). */
  private addPositions(h: Float32Array, positions: Int32Array): void {
    if (this.rotary) return;
    const D = this.config.dim;
    const pos = this.w('pos');
    for (let i = 0; i < positions.length; i++) addInto(h.subarray(i * D, (i + 1) * D), pos.subarray(positions[i]! * D, (positions[i]! + 1) * D));
  }

  /** A layer's weights: text layer `l`, or the layer named by its prefix (`l0`, `vision.l0`). */
  private layerWeights(l: number | string): LayerWeights {
    const prefix = typeof l === 'number' ? `l${l}` : l;
    const w = (part: string) => this.w(`${prefix}.${part}`);
    return { norm1: w('norm1'), qkv: w('qkv'), out: w('out'), norm2: w('norm2'), up: w('up'), down: w('down') };
  }

  /** One layer; with `keep`, what its backward pass needs. */
  private layer(l: number, h: Float32Array, positions: Int32Array, segments: Segment[], keep: boolean, capture?: KvCapture): { out: Float32Array; tape?: LayerTape } {
    const D = this.config.dim;
    const w = this.layerWeights(l);
    const qkv = this.kernels.layerIn(h, w);
    if (this.rotary) rotate(qkv, positions, D, this.rotary);
    const attended = this.alloc(h.length);
    if (capture) segments.forEach((seg, s) => capture(l, s, columns(qkv, 3 * D, seg.offset, seg.length, D, D, this.alloc), columns(qkv, 3 * D, seg.offset, seg.length, 2 * D, D, this.alloc)));
    if (!keep) {
      for (const seg of segments) this.kernels.attendValue(qkv, seg, attended);
      return { out: this.kernels.layerOutValue(h, attended, w) };
    }
    const tape = this.keptLayer(this.kernels, w, h, segments, qkv, attended);
    return { out: tape.kept.out, tape };
  }

  /** A layer's forward pass keeping what its backward pass needs (`qkv`, `attended`: its first steps, when done). */
  private keptLayer(kernels: Kernels, w: LayerWeights, h: Float32Array, segments: Segment[], qkv = kernels.layerIn(h, w), attended = this.alloc(h.length)): LayerTape {
    const weights = segments.map((seg) => kernels.attend(qkv, seg, attended));
    return { input: h, qkv, weights, attended, kept: kernels.layerOut(h, attended, w) };
  }

  /**
   * A layer's backward pass from dOut: adds its weights' gradients under
   * `prefix`, returns the gradient at its input. `positions`: a text layer's,
   * whose queries and keys rotary positions rotated.
   */
  private layerBackward(kernels: Kernels, prefix: string, t: LayerTape, segments: Segment[], dOut: Float32Array, grads: Float32Array, positions?: Int32Array, supervised: Supervision[] = []): Float32Array {
    const w = this.layerWeights(prefix);
    const back = kernels.layerOutBackward(dOut, t.attended, t.kept, w);
    const dQkv = this.alloc(t.qkv.length);
    segments.forEach((seg, s) => kernels.attendBackward(t.qkv, seg, t.weights[s]!, back.dAttended, dQkv));
    for (const s of supervised) s.loss += groundingBackward(s.rows, segments, t.weights, t.qkv, dQkv, this.config.dim, this.config.heads, s.head);
    if (positions && this.rotary) rotate(dQkv, positions, this.config.dim, this.rotary, true);
    const front = kernels.layerInBackward(dQkv, t.input, back.dMid, w);
    for (const [part, g] of Object.entries({ ...back.grads, ...front.grads })) addInto(this.g(grads, `${prefix}.${part}`), g);
    return front.dh;
  }

  /** Hidden states after the final norm [positions, dim], and with `keep` what backward needs. */
  private trunk(b: Batch, keep: boolean, capture?: KvCapture): Omit<Tape, 'picked' | 'probs'> & { normed: Float32Array } {
    const vision = b.pixels ? this.vision(b.pixels, b.imageCount) : undefined;
    let h = this.embed(b, vision);
    const layers: LayerTape[] = [];
    for (let l = 0; l < this.config.layers; l++) {
      const { out, tape } = this.layer(l, h, b.positions, b.segments, keep, capture);
      if (tape) layers.push(tape);
      h = out;
    }
    const { out: normed, inv } = rmsNorm(h, h.length / this.config.dim, this.config.dim, this.w('final.norm'), this.alloc);
    return { mark: 0, batch: b, vision, layers, final: h, invFinal: inv, normed };
  }

  /** Log-probabilities of the batch's targets; with `keep`, the tape for `backward`. */
  forward(b: Batch, keep = false): { logp: Float32Array; tape?: Tape } {
    if (this.kept !== undefined) this.arena.release(this.kept);
    const mark = this.arena.mark();
    const D = this.config.dim;
    const V = this.vocab;
    const trunk = this.trunk(b, keep);
    const R = b.rows.length;
    const picked = this.alloc(R * D);
    for (let i = 0; i < R; i++) picked.set(trunk.normed.subarray(b.rows[i]! * D, (b.rows[i]! + 1) * D), i * D);
    const probs = this.gemm(picked, this.w('head'), R, D, V);
    const logp = new Float32Array(R);
    for (let i = 0; i < R; i++) {
      const row = probs.subarray(i * V, (i + 1) * V);
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (row[j]! > max) max = row[j]!;
      let total = 0;
      for (let j = 0; j < V; j++) total += row[j] = Math.exp(row[j]! - max);
      logp[i] = Math.log(row[b.targets[i]!]! / total);
      for (let j = 0; j < V; j++) row[j]! /= total;
    }
    if (!keep) {
      this.arena.release(mark);
      return { logp };
    }
    this.kept = mark;
    return { logp, tape: { ...trunk, mark, picked, probs } };
  }

  // -- backward -----------------------------------------------------------------

  /**
   * Add d(sum_i coef_i x logp_i)/d(parameters) into `grads` (flat, parameter
   * layout), plus the gradients of the grounding and copy losses when the
   * batch has their rows; returns those losses (unweighted, summed over the
   * rows; 0 without).
   */
  backward(tape: Tape, coef: Float32Array, grads: Float32Array): SupervisedLosses {
    const { dim: D, layers } = this.config;
    const V = this.vocab;
    const b = tape.batch;
    const n = b.table.length;
    const R = b.rows.length;
    // logp_i = logit_i[t_i] - logsumexp: d/dlogits = coef_i (onehot - p)
    const dLogits = this.alloc(R * V);
    for (let i = 0; i < R; i++) {
      const c = coef[i]!;
      for (let j = 0; j < V; j++) dLogits[i * V + j] = -c * tape.probs[i * V + j]!;
      dLogits[i * V + b.targets[i]!]! += c;
    }
    this.addWeightGrad(this.g(grads, 'head'), tape.picked, dLogits, R, D, V);
    const dPicked = this.gemm(dLogits, this.w('head'), R, V, D, false, true);
    const dNormed = this.alloc(n * D);
    for (let i = 0; i < R; i++) addInto(dNormed, dPicked.subarray(i * D, (i + 1) * D), b.rows[i]! * D);
    let dh = this.alloc(n * D);
    rmsNormBackward(tape.final, tape.invFinal, this.w('final.norm'), dNormed, n, D, dh, this.g(grads, 'final.norm'));

    const grounding = { ...GROUNDING_HEAD, rows: b.grounded?.filter((r) => !r.copy) ?? [], loss: 0 };
    const copy = { ...copyHead(layers), rows: b.grounded?.filter((r) => r.copy) ?? [], loss: 0 };
    for (let l = layers - 1; l >= 0; l--) {
      const supervised = [grounding, copy].filter((s) => s.layer === l && s.rows.length);
      dh = this.layerBackward(this.kernels, `l${l}`, tape.layers[l]!, b.segments, dh, grads, b.positions, supervised);
    }

    // embeddings: token rows, vision rows, positions
    const dEmbed = this.g(grads, 'embed');
    const dPos = this.rotary ? undefined : this.g(grads, 'pos');
    const dVision = tape.vision ? this.alloc(tape.vision.out.length) : undefined;
    for (let i = 0; i < n; i++) {
      const row = b.table[i]!;
      const src = dh.subarray(i * D, (i + 1) * D);
      if (row < V) addInto(dEmbed, src, row * D);
      else addInto(dVision!, src, (row - V) * D);
      if (dPos) addInto(dPos, src, b.positions[i]! * D);
    }
    if (tape.vision) this.visionBackward(tape.vision, dVision!, b.imageCount, grads);
    this.arena.release(tape.mark);
    this.kept = undefined;
    return { grounding: grounding.loss, copy: copy.loss };
  }

  private visionBackward(t: VisionTape, dOut: Float32Array, images: number, grads: Float32Array): void {
    const { image, visionDim: vd, dim } = this.config;
    const patches = patchesPerImage(image);
    const rows = images * patches;
    const merged = rows / 4;
    const dSlot = this.g(grads, 'vision.slot');
    const slots = tokensPerImage(image);
    for (let r = 0; r < merged; r++) addInto(dSlot, dOut.subarray(r * dim, (r + 1) * dim), (r % slots) * dim);
    this.addWeightGrad(this.g(grads, 'vision.merge2'), t.hidden, dOut, merged, dim, dim);
    const dHidden = this.gemm(dOut, this.w('vision.merge2'), merged, dim, dim, false, true);
    for (let i = 0; i < dHidden.length; i++) if (t.hidden[i]! <= 0) dHidden[i] = 0;
    this.addWeightGrad(this.g(grads, 'vision.merge1'), t.normed, dHidden, merged, 4 * vd, dim);
    const dNormed = this.gemm(dHidden, this.w('vision.merge1'), merged, dim, 4 * vd, false, true);
    let dEmbedded = this.alloc(rows * vd);
    rmsNormBackward(t.layers.at(-1)?.kept.out ?? t.embedded, t.inv, this.w('vision.norm'), dNormed, rows, vd, dEmbedded, this.g(grads, 'vision.norm'));
    for (let v = t.layers.length - 1; v >= 0; v--) dEmbedded = this.layerBackward(this.visionKernels!, `vision.l${v}`, t.layers[v]!, t.segments, dEmbedded, grads);
    const dPos = this.g(grads, 'vision.pos');
    for (let r = 0; r < rows; r++) addInto(dPos, dEmbedded.subarray(r * vd, (r + 1) * vd), (r % patches) * vd);
    this.addWeightGrad(this.g(grads, 'vision.patch'), t.pixels, dEmbedded, rows, patchSize(image), vd);
  }

  // -- generation -----------------------------------------------------------------

  /** Logits [groups, vocab] at each group's last prompt position; `capture` receives keys and values. */
  prefill(b: Batch, capture: KvCapture): Float32Array {
    return this.scoped(() => {
      const D = this.config.dim;
      const { normed } = this.trunk(b, false, capture);
      const last = this.alloc(b.promptEnds.length * D);
      b.promptEnds.forEach((row, i) => last.set(normed.subarray(row * D, (row + 1) * D), i * D));
      return this.gemm(last, this.w('head'), b.promptEnds.length, D, this.vocab).slice();
    });
  }

  /**
   * One decoding step for every row: embed `tokens` at `positions`, write
   * their keys and values at step `step` of the cache (which must be that
   * wide), attend, and write the next logits [rows, vocab] into `logits`.
   */
  decodeStep(tokens: Int32Array, positions: Int32Array, cache: DecodeCache, step: number, logits: Float32Array): void {
    this.scoped(() => this.decodeStepIn(tokens, positions, cache, step, logits));
  }

  private decodeStepIn(tokens: Int32Array, positions: Int32Array, cache: DecodeCache, step: number, logits: Float32Array): void {
    const { dim: D, layers, heads } = this.config;
    const dh = this.dh;
    const n = tokens.length;
    const W = cache.width;
    cache.ownMask[step] = 0;
    const embed = this.w('embed');
    const h = this.alloc(n * D);
    for (let r = 0; r < n; r++) h.set(embed.subarray(tokens[r]! * D, (tokens[r]! + 1) * D), r * D);
    this.addPositions(h, positions);
    let x: Float32Array = h;
    let qkv = this.kernels.layerIn(x, this.layerWeights(0));
    for (let l = 0; l < layers; l++) {
      if (this.rotary) rotate(qkv, positions, D, this.rotary);
      const keys = cache.ownKeys[l]!;
      const values = cache.ownValues[l]!;
      for (let r = 0; r < n; r++)
        for (let h = 0; h < heads; h++) {
          const from = r * 3 * D + h * dh;
          const k = (r * D + h * dh) * W + step;
          const v = ((r * heads + h) * W + step) * dh;
          for (let c = 0; c < dh; c++) {
            keys[k + c * W] = qkv[from + D + c]!;
            values[v + c] = qkv[from + 2 * D + c]!;
          }
        }
      const next = this.kernels.decodeLayer(x, qkv, cache, l, this.layerWeights(l), l + 1 < layers ? this.layerWeights(l + 1) : undefined);
      x = next.out;
      qkv = next.qkv!;
    }
    const { out } = rmsNorm(x, n, D, this.w('final.norm'), this.alloc);
    this.kernels.gemm(out, this.w('head'), n, D, this.vocab, { out: logits });
  }
}

// -- loops ----------------------------------------------------------------------

/** Columns [col0, col0 + width) of rows [row0, row0 + rows) of a row-major matrix with `stride` columns. */
function columns(src: Float32Array, stride: number, row0: number, rows: number, col0: number, width: number, alloc: Alloc): Float32Array {
  const out = alloc(rows * width);
  for (let r = 0; r < rows; r++) out.set(src.subarray((row0 + r) * stride + col0, (row0 + r) * stride + col0 + width), r * width);
  return out;
}

/** The vision encoder's attention segments: each image's patches, seeing all of their image and nothing else. */
const imageSegments = (images: number, patches: number): Segment[] => Array.from({ length: images }, (_, i) => ({ offset: i * patches, length: patches, open: true }));
