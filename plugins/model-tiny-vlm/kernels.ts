/**
 * The compute kernels of tiny-vlm: matrix products, a transformer layer's
 * dense blocks (norm + qkv projection; output projection + norm + MLP, with
 * residuals) forward and backward, and the attention of one packed sequence
 * (forward, backward, and one decoding step against a KV cache). The rest
 * (gathers, the vision tower's glue, the output softmax) runs in JavaScript
 * in engine.ts.
 *
 * Two implementations with one contract:
 * - `onnxruntime`: each kernel is a small ONNX graph with symbolic shapes run
 *   by onnxruntime-node's CPU provider (its MLAS matrix products run at
 *   ~100 GFLOP/s on one core here, and take transposed operands natively),
 *   one thread per session: parallelism comes from the worker threads.
 * - `js`: plain loops, the reference the fast path is tested against, and
 *   the fallback where no onnxruntime binary exists for the platform.
 *
 * Layouts: `qkv` is the packed [positions, 3 x dim] projection (q already
 * scaled by 1/sqrt(head size)), heads are column blocks of each third;
 * attention weights are [heads, T, S] for a segment of T rows seeing S.
 */
import { createRequire } from 'node:module';
import { addInto, fresh, relu, rmsNorm, rmsNormBackward, type Alloc } from './loops.ts';
import { Graph } from './onnx.ts';

/**
 * Rows [offset, offset + length) of the packed batch. A segment with a
 * `prefix` continues those rows (a prompt shared by several completions, as
 * GRPO's G samples): it attends to all of them, then causally to itself.
 */
export interface Segment {
  offset: number;
  length: number;
  prefix?: { offset: number; length: number };
  /** Every row attends to every row of the segment, no causal mask (an image's patches in the vision encoder). */
  open?: boolean;
}

export interface GemmOptions {
  /** A is given as [k, m]. */
  transA?: boolean;
  /** B is given as [n, k]. */
  transB?: boolean;
  /** Write the [m, n] result here (else a new array). */
  out?: Float32Array;
}

/** Keys and values of the prompts and of the generated rows, per layer, for decoding. */
export interface DecodeCache {
  prompts: number;
  rowsPerPrompt: number;
  /** Longest prompt (the prompt cache width). */
  promptLength: number;
  /** Generated steps the own cache holds now (it grows in chunks as decoding goes on: attention costs what is filled). */
  width: number;
  /** [prompts, promptLength]: 0 for a prompt's positions, -1e9 for padding. */
  promptMask: Float32Array;
  /** Per layer: prompt keys transposed [prompts, heads, dh, promptLength] and values [prompts, heads, promptLength, dh]. */
  promptKeys: Float32Array[];
  promptValues: Float32Array[];
  /** Per layer: generated keys transposed [rows, heads, dh, width] and values [rows, heads, width, dh]. */
  ownKeys: Float32Array[];
  ownValues: Float32Array[];
  /** [width]: 0 for the filled steps, -1e9 for the rest. */
  ownMask: Float32Array;
}

/** One transformer layer's weights (views into the flat parameters). */
export interface LayerWeights {
  norm1: Float32Array;
  qkv: Float32Array;
  out: Float32Array;
  norm2: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

/** What the dense part after attention keeps for its backward pass. */
export interface LayerOut {
  out: Float32Array;
  /** The residual stream after attention, [N, dim]. */
  mid: Float32Array;
  /** The MLP's hidden activations after ReLU, [N, ffn]. */
  hidden: Float32Array;
}

export interface Kernels {
  readonly name: string;
  /** qkv [N, 3D] = rmsNorm(h) W_qkv, queries scaled by 1/sqrt(head size). */
  layerIn(h: Float32Array, w: LayerWeights): Float32Array;
  /** mid = h + attended W_out; out = mid + relu(rmsNorm(mid) W_up) W_down. */
  layerOut(h: Float32Array, attended: Float32Array, w: LayerWeights): LayerOut;
  /** `layerOut`'s `out` alone, when no backward pass follows (less memory written). */
  layerOutValue(h: Float32Array, attended: Float32Array, w: LayerWeights): Float32Array;
  /** Backward of `layerOut`: dMid (the gradient reaching h through the residual), dAttended, weight gradients. */
  layerOutBackward(dOut: Float32Array, attended: Float32Array, kept: LayerOut, w: LayerWeights): { dMid: Float32Array; dAttended: Float32Array; grads: Pick<LayerWeights, 'out' | 'norm2' | 'up' | 'down'> };
  /** Backward of `layerIn` plus the residual: dh = dMid + d(layerIn)/dh . dQkv. */
  layerInBackward(dQkv: Float32Array, h: Float32Array, dMid: Float32Array, w: LayerWeights): { dh: Float32Array; grads: Pick<LayerWeights, 'norm1' | 'qkv'> };
  /** C [m, n] = op(A) op(B). */
  gemm(a: Float32Array, b: Float32Array, m: number, k: number, n: number, options?: GemmOptions): Float32Array;
  /** Attend one segment: writes its rows of `out` [positions, dim]; returns the attention weights [heads, T, S]. */
  attend(qkv: Float32Array, seg: Segment, out: Float32Array): Float32Array;
  /** `attend` without its weights, when no backward pass follows. */
  attendValue(qkv: Float32Array, seg: Segment, out: Float32Array): void;
  /** Backward of `attend`: adds the segment's gradient into `dQkv` (its own rows' q, k, v; its prefix rows' k, v). */
  attendBackward(qkv: Float32Array, seg: Segment, weights: Float32Array, dOut: Float32Array, dQkv: Float32Array): void;
  /**
   * One decoding step of layer `layer` after its `layerIn`: the queries of
   * `qkv` [rows, 3 x dim] attend to the prompt and to the generated entries
   * `ownMask` opens (this step's keys and values already in the cache), then
   * `layerOut`; with `next`, the next layer's `layerIn` too. Returns the
   * layer's output [rows, dim] and, with `next`, the next layer's qkv.
   */
  decodeLayer(h: Float32Array, qkv: Float32Array, cache: DecodeCache, layer: number, w: LayerWeights, next?: LayerWeights): { out: Float32Array; qkv?: Float32Array };
}

export interface ModelShape {
  dim: number;
  heads: number;
  ffn: number;
}

const masks = new Map<string, Float32Array>();
/** [T, P + T]: the first P columns (a prefix) open, then causal; all open for an `open` segment. */
export function attentionMask(T: number, P: number, open = false): Float32Array {
  const key = `${T}:${P}:${open}`;
  let m = masks.get(key);
  if (!m) {
    const width = P + T;
    m = new Float32Array(T * width);
    if (!open) for (let i = 0; i < T; i++) m.fill(-1e9, i * width + P + i + 1, (i + 1) * width);
    if (masks.size > 512) masks.clear();
    masks.set(key, m);
  }
  return m;
}

/** The rows a segment attends to: its prefix's, then its own. */
function contextRows(seg: Segment): number[] {
  const rows: number[] = [];
  if (seg.prefix) for (let r = 0; r < seg.prefix.length; r++) rows.push(seg.prefix.offset + r);
  for (let r = 0; r < seg.length; r++) rows.push(seg.offset + r);
  return rows;
}

// -- plain JavaScript ----------------------------------------------------------

export function jsKernels({ dim, heads, ffn }: ModelShape): Kernels {
  const dh = dim / heads;
  const width = 3 * dim;
  const scale = 1 / Math.sqrt(dh);
  const rowsOf = (x: Float32Array, cols: number) => x.length / cols;
  const gemm: Kernels['gemm'] = (a, b, m, k, n, options) => kernels.gemm(a, b, m, k, n, options);
  /** Decoding attention of the queries in `qkv` against the cache (see `decodeLayer`); the filled steps are a prefix of the own cache. */
  const decodeAttend = (qkv: Float32Array, cache: DecodeCache, layer: number): Float32Array => {
    const { rowsPerPrompt: R, promptLength: P, width: W, promptMask } = cache;
    const kp = cache.promptKeys[layer]!;
    const vp = cache.promptValues[layer]!;
    const ko = cache.ownKeys[layer]!;
    const vo = cache.ownValues[layer]!;
    let filled = 0;
    while (filled < W && cache.ownMask[filled] === 0) filled++;
    const rows = cache.prompts * R;
    const out = new Float32Array(rows * dim);
    const s = new Float32Array(P + filled);
    for (let r = 0; r < rows; r++) {
      const p = Math.floor(r / R);
      for (let h = 0; h < heads; h++) {
        const qo = r * width + h * dh;
        let max = -Infinity;
        for (let j = 0; j < P; j++) {
          let x = promptMask[p * P + j]!;
          for (let c = 0; c < dh; c++) x += qkv[qo + c]! * kp[((p * heads + h) * dh + c) * P + j]!;
          s[j] = x;
          if (x > max) max = x;
        }
        for (let j = 0; j < filled; j++) {
          let x = 0;
          for (let c = 0; c < dh; c++) x += qkv[qo + c]! * ko[(r * dim + h * dh + c) * W + j]!;
          s[P + j] = x;
          if (x > max) max = x;
        }
        let total = 0;
        for (let j = 0; j < s.length; j++) total += s[j] = Math.exp(s[j]! - max);
        const o = r * dim + h * dh;
        for (let j = 0; j < P; j++) {
          const w = s[j]! / total;
          for (let c = 0; c < dh; c++) out[o + c]! += w * vp[((p * heads + h) * P + j) * dh + c]!;
        }
        for (let j = 0; j < filled; j++) {
          const w = s[P + j]! / total;
          for (let c = 0; c < dh; c++) out[o + c]! += w * vo[((r * heads + h) * W + j) * dh + c]!;
        }
      }
    }
    return out;
  };
  const kernels: Kernels = {
    name: 'js',
    layerIn(h, w) {
      const n = rowsOf(h, dim);
      const qkv = gemm(rmsNorm(h, n, dim, w.norm1).out, w.qkv, n, dim, width);
      for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) qkv[i * width + c]! *= scale;
      return qkv;
    },
    layerOut(h, attended, w) {
      const n = rowsOf(h, dim);
      const mid = gemm(attended, w.out, n, dim, dim);
      addInto(mid, h);
      const hidden = relu(gemm(rmsNorm(mid, n, dim, w.norm2).out, w.up, n, dim, ffn));
      const out = gemm(hidden, w.down, n, ffn, dim);
      addInto(out, mid);
      return { out, mid, hidden };
    },
    layerOutBackward(dOut, attended, { mid, hidden }, w) {
      const n = rowsOf(dOut, dim);
      const down = gemm(hidden, dOut, ffn, n, dim, { transA: true });
      const dHidden = gemm(dOut, w.down, n, dim, ffn, { transB: true });
      for (let i = 0; i < dHidden.length; i++) if (hidden[i]! <= 0) dHidden[i] = 0;
      const { out: normed2, inv } = rmsNorm(mid, n, dim, w.norm2);
      const up = gemm(normed2, dHidden, dim, n, ffn, { transA: true });
      const dNormed2 = gemm(dHidden, w.up, n, ffn, dim, { transB: true });
      const dMid = Float32Array.from(dOut);
      const norm2 = new Float32Array(dim);
      rmsNormBackward(mid, inv, w.norm2, dNormed2, n, dim, dMid, norm2);
      const out = gemm(attended, dMid, dim, n, dim, { transA: true });
      const dAttended = gemm(dMid, w.out, n, dim, dim, { transB: true });
      return { dMid, dAttended, grads: { out, norm2, up, down } };
    },
    layerInBackward(dQkv, h, dMid, w) {
      const n = rowsOf(h, dim);
      const dq = Float32Array.from(dQkv);
      for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) dq[i * width + c]! *= scale;
      const { out: normed1, inv } = rmsNorm(h, n, dim, w.norm1);
      const qkv = gemm(normed1, dq, dim, n, width, { transA: true });
      const dNormed1 = gemm(dq, w.qkv, n, width, dim, { transB: true });
      const dh = Float32Array.from(dMid);
      const norm1 = new Float32Array(dim);
      rmsNormBackward(h, inv, w.norm1, dNormed1, n, dim, dh, norm1);
      return { dh, grads: { norm1, qkv } };
    },
    gemm(a, b, m, k, n, { transA = false, transB = false, out } = {}) {
      const c = out ?? new Float32Array(m * n);
      c.fill(0, 0, m * n);
      for (let i = 0; i < m; i++)
        for (let p = 0; p < k; p++) {
          const x = transA ? a[p * m + i]! : a[i * k + p]!;
          if (x === 0) continue;
          const row = i * n;
          if (transB) for (let j = 0; j < n; j++) c[row + j]! += x * b[j * k + p]!;
          else for (let j = 0, from = p * n; j < n; j++) c[row + j]! += x * b[from + j]!;
        }
      return c;
    },
    attend(qkv, seg, out) {
      const T = seg.length;
      const ctx = contextRows(seg);
      const S = ctx.length;
      const mask = attentionMask(T, S - T, seg.open);
      const weights = new Float32Array(heads * T * S);
      for (let h = 0; h < heads; h++)
        for (let i = 0; i < T; i++) {
          const q = (seg.offset + i) * width + h * dh;
          const w = weights.subarray((h * T + i) * S, (h * T + i + 1) * S);
          let max = -Infinity;
          for (let j = 0; j < S; j++) {
            const k = ctx[j]! * width + dim + h * dh;
            let s = mask[i * S + j]!;
            for (let c = 0; c < dh; c++) s += qkv[q + c]! * qkv[k + c]!;
            w[j] = s;
            if (s > max) max = s;
          }
          let total = 0;
          for (let j = 0; j < S; j++) total += w[j] = Math.exp(w[j]! - max);
          const o = (seg.offset + i) * dim + h * dh;
          for (let c = 0; c < dh; c++) out[o + c] = 0;
          for (let j = 0; j < S; j++) {
            const p = (w[j]! /= total);
            const v = ctx[j]! * width + 2 * dim + h * dh;
            for (let c = 0; c < dh; c++) out[o + c]! += p * qkv[v + c]!;
          }
        }
      return weights;
    },
    attendBackward(qkv, seg, weights, dOut, dQkv) {
      const T = seg.length;
      const ctx = contextRows(seg);
      const S = ctx.length;
      const dP = new Float32Array(S);
      for (let h = 0; h < heads; h++)
        for (let i = 0; i < T; i++) {
          const w = weights.subarray((h * T + i) * S, (h * T + i + 1) * S);
          const dO = (seg.offset + i) * dim + h * dh;
          let dot = 0;
          for (let j = 0; j < S; j++) {
            const v = ctx[j]! * width + 2 * dim + h * dh;
            const dv = ctx[j]! * width + 2 * dim + h * dh;
            let s = 0;
            for (let c = 0; c < dh; c++) {
              s += dOut[dO + c]! * qkv[v + c]!;
              dQkv[dv + c]! += w[j]! * dOut[dO + c]!;
            }
            dP[j] = s;
            dot += s * w[j]!;
          }
          const q = (seg.offset + i) * width + h * dh;
          for (let j = 0; j < S; j++) {
            const ds = w[j]! * (dP[j]! - dot);
            if (ds === 0) continue;
            const k = ctx[j]! * width + dim + h * dh;
            for (let c = 0; c < dh; c++) {
              dQkv[q + c]! += ds * qkv[k + c]!;
              dQkv[k + c]! += ds * qkv[q + c]!;
            }
          }
        }
    },
    layerOutValue: (h, attended, w) => kernels.layerOut(h, attended, w).out,
    attendValue: (qkv, seg, out) => void kernels.attend(qkv, seg, out),
    decodeLayer(h, qkv, cache, layer, w, next) {
      const out = kernels.layerOutValue(h, decodeAttend(qkv, cache, layer), w);
      return { out, qkv: next && kernels.layerIn(out, next) };
    },
  };
  return kernels;
}

// -- onnxruntime ---------------------------------------------------------------

interface OrtTensor {
  data: Float32Array;
}
type OrtTensorConstructor = new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
interface OrtSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>, options: object): Record<string, OrtTensor>;
}
interface OrtModule {
  binding: { InferenceSession: new () => OrtSession };
  initOrt: () => void;
  Tensor: OrtTensorConstructor;
}

let ortModule: OrtModule | undefined;
/**
 * onnxruntime-node's native session, used synchronously (its public `run`
 * only wraps this call in a promise): kernels run inside synchronous math.
 * Throws when the package or its binary for this platform is missing.
 */
export function loadOrt(): OrtModule {
  if (!ortModule) {
    const require = createRequire(import.meta.url);
    const { binding, initOrt } = require('onnxruntime-node/dist/binding.js') as Pick<OrtModule, 'binding' | 'initOrt'>;
    const { Tensor } = require('onnxruntime-node') as { Tensor: OrtTensorConstructor };
    initOrt();
    ortModule = { binding, initOrt, Tensor };
  }
  return ortModule;
}

const SESSION_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };

function session(graph: Graph): OrtSession {
  const bytes = graph.toBytes();
  const s = new (loadOrt().binding.InferenceSession)();
  s.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, SESSION_OPTIONS);
  return s;
}

function gemmGraph(transA: boolean, transB: boolean): Graph {
  const g = new Graph();
  const a = g.input('a', transA ? ['k', 'm'] : ['m', 'k']);
  const b = g.input('b', transB ? ['n', 'k'] : ['k', 'n']);
  g.output(g.node('Gemm', [a, b], { transA: transA ? 1 : 0, transB: transB ? 1 : 0 }), 'c', ['m', 'n']);
  return g;
}

/** rmsNorm(x) gain, and 1 / rms per row ([N, 1]). */
function rmsNormGraph(g: Graph, x: string, gain: string): { y: string; inv: string } {
  const inv = g.node('Reciprocal', [g.node('Sqrt', [g.add(g.node('ReduceMean', [g.mul(x, x)], { axes: [-1], keepdims: 1 }), g.scalar(1e-6))])]);
  return { y: g.mul(g.mul(x, inv), gain), inv };
}

/** dx = inv (dy gain) - x inv^3 rowsum(dy gain x) / width; dgain = column sums of dy x inv. */
function rmsNormBackwardGraph(g: Graph, x: string, inv: string, gain: string, dy: string, width: number): { dx: string; dGain: string } {
  const z = g.mul(dy, gain);
  const k = g.mul(g.mul(g.mul(inv, inv), inv), g.mul(g.rowSum(g.mul(z, x)), g.scalar(1 / width)));
  const dx = g.sub(g.mul(inv, z), g.mul(x, k));
  const dGain = g.node('ReduceSum', [g.mul(g.mul(dy, x), inv), g.ints([0])], { keepdims: 0 });
  return { dx, dGain };
}

const tA = (g: Graph, a: string, b: string) => g.node('Gemm', [a, b], { transA: 1 });
const tB = (g: Graph, a: string, b: string) => g.node('Gemm', [a, b], { transB: 1 });

/** rmsNorm(h) W_qkv, queries scaled; the weights are inputs named `${prefix}norm1`, `${prefix}qkv`, and `scale`. */
function layerInOps(g: Graph, { dim }: ModelShape, h: string, prefix = ''): string {
  const { y } = rmsNormGraph(g, h, g.input(`${prefix}norm1`, [dim]));
  return g.mul(g.matmul(y, g.input(`${prefix}qkv`, [dim, 3 * dim])), g.input('scale', [3 * dim]));
}

/**
 * mid = h + attended W_out; y = mid + relu(rmsNorm(mid) W_up) W_down (weights: inputs `out`,
 * `norm2`, `up`, `down`). The residual adds are Gemm's C input, written out rather than left to
 * onnxruntime's MatMul+Add fusion, which applies only where it can prove the shapes: the same
 * rounding whatever graph the block sits in.
 */
function layerOutOps(g: Graph, { dim, ffn }: ModelShape, h: string, attended: string): { y: string; mid: string; hidden: string } {
  const mid = g.node('Gemm', [attended, g.input('out', [dim, dim]), h]);
  const { y } = rmsNormGraph(g, mid, g.input('norm2', [dim]));
  const hidden = g.node('Relu', [g.matmul(y, g.input('up', [dim, ffn]))]);
  return { y: g.node('Gemm', [hidden, g.input('down', [ffn, dim]), mid]), mid, hidden };
}

function layerInGraph(shape: ModelShape): Graph {
  const g = new Graph();
  g.output(layerInOps(g, shape, g.input('h', ['N', shape.dim])), 'y', ['N', 3 * shape.dim]);
  return g;
}

function layerOutGraph(shape: ModelShape, keep: boolean): Graph {
  const { dim, ffn } = shape;
  const g = new Graph();
  const { y, mid, hidden } = layerOutOps(g, shape, g.input('h', ['N', dim]), g.input('attended', ['N', dim]));
  g.output(y, 'y', ['N', dim]);
  if (keep) {
    g.output(mid, 'mid', ['N', dim]);
    g.output(hidden, 'hidden', ['N', ffn]);
  }
  return g;
}

function layerOutBackwardGraph({ dim, ffn }: ModelShape): Graph {
  const g = new Graph();
  const dOut = g.input('dout', ['N', dim]);
  const attended = g.input('attended', ['N', dim]);
  const mid = g.input('mid', ['N', dim]);
  const hidden = g.input('hidden', ['N', ffn]);
  const [wOut, norm2, up, down] = [g.input('out', [dim, dim]), g.input('norm2', [dim]), g.input('up', [dim, ffn]), g.input('down', [ffn, dim])];
  const dHidden = g.mul(tB(g, dOut, down), g.node('Sign', [hidden]));
  const { y: normed2, inv } = rmsNormGraph(g, mid, norm2);
  const { dx, dGain } = rmsNormBackwardGraph(g, mid, inv, norm2, tB(g, dHidden, up), dim);
  const dMid = g.add(dOut, dx);
  g.output(dMid, 'dmid', ['N', dim]);
  g.output(tB(g, dMid, wOut), 'dattended', ['N', dim]);
  g.output(tA(g, attended, dMid), 'gout', [dim, dim]);
  g.output(dGain, 'gnorm2', [dim]);
  g.output(tA(g, normed2, dHidden), 'gup', [dim, ffn]);
  g.output(tA(g, hidden, dOut), 'gdown', [ffn, dim]);
  return g;
}

function layerInBackwardGraph({ dim }: ModelShape): Graph {
  const g = new Graph();
  const dq = g.mul(g.input('dqkv', ['N', 3 * dim]), g.input('scale', [3 * dim]));
  const h = g.input('h', ['N', dim]);
  const norm1 = g.input('norm1', [dim]);
  const { y: normed1, inv } = rmsNormGraph(g, h, norm1);
  const { dx, dGain } = rmsNormBackwardGraph(g, h, inv, norm1, tB(g, dq, g.input('qkv', [dim, 3 * dim])), dim);
  g.output(g.add(g.input('dmid', ['N', dim]), dx), 'dh', ['N', dim]);
  g.output(dGain, 'gnorm1', [dim]);
  g.output(tA(g, normed1, dq), 'gqkv', [dim, 3 * dim]);
  return g;
}

/** [rows, parts x dim] -> per part [heads, rows, dh]. */
function splitHeads(g: Graph, x: string, parts: number, heads: number, dh: number): string[] {
  const t = g.transpose(g.reshape(x, [0, parts, heads, dh]), [1, 2, 0, 3]);
  return Array.from({ length: parts }, (_, i) => g.pick(t, i, 0));
}

/** Per part [heads, rows, dh] -> [rows, parts x dim]. */
function joinHeads(g: Graph, xs: string[], dim: number): string {
  const stacked = xs.length === 1 ? g.node('Unsqueeze', [xs[0]!, g.ints([0])]) : g.concat(xs.map((x) => g.node('Unsqueeze', [x, g.ints([0])])), 0);
  return g.reshape(g.transpose(stacked, [2, 0, 1, 3]), [0, xs.length * dim]);
}

/** Inputs: own rows x [T, 3D], prefix rows p [P, 3D] (when `prefixed`), mask [T, S]. Outputs: o [T, D] and with `keep` w [H, T, S]. */
function attendGraph({ dim, heads }: ModelShape, prefixed: boolean, keep: boolean): Graph {
  const g = new Graph();
  const dh = dim / heads;
  const x = g.input('x', ['T', 3 * dim]);
  const [q, k, v] = splitHeads(g, x, 3, heads, dh);
  let keys = k!;
  let values = v!;
  if (prefixed) {
    const [pk, pv] = splitHeads(g, g.node('Slice', [g.input('p', ['P', 3 * dim]), g.ints([dim]), g.ints([3 * dim]), g.ints([1])]), 2, heads, dh);
    keys = g.concat([pk!, k!], 1);
    values = g.concat([pv!, v!], 1);
  }
  const mask = g.input('mask', ['T', 'S']);
  const w = g.softmax(g.add(g.matmul(q!, g.transpose(keys, [0, 2, 1])), mask));
  if (keep) g.output(w, 'w', [heads, 'T', 'S']);
  g.output(joinHeads(g, [g.matmul(w, values)], dim), 'o', ['T', dim]);
  return g;
}

/**
 * dV = W^T dO, dW = dO V^T, dS = W * (dW - rowsum(dW * W)), dQ = dS K, dK = dS^T Q.
 * Outputs: own [T, 3D] (dq, dk, dv) and, when `prefixed`, prefix [P, 2D] (dk, dv).
 */
function attendBackwardGraph({ dim, heads }: ModelShape, prefixed: boolean): Graph {
  const g = new Graph();
  const dh = dim / heads;
  const x = g.input('x', ['T', 3 * dim]);
  const [q, k, v] = splitHeads(g, x, 3, heads, dh);
  let keys = k!;
  let values = v!;
  const p = prefixed ? g.input('p', ['P', 3 * dim]) : '';
  if (prefixed) {
    const [pk, pv] = splitHeads(g, g.node('Slice', [p, g.ints([dim]), g.ints([3 * dim]), g.ints([1])]), 2, heads, dh);
    keys = g.concat([pk!, k!], 1);
    values = g.concat([pv!, v!], 1);
  }
  const w = g.input('w', [heads, 'T', 'S']);
  const dO = g.transpose(g.reshape(g.input('dout', ['T', dim]), [0, heads, dh]), [1, 0, 2]);
  const dV = g.matmul(g.transpose(w, [0, 2, 1]), dO);
  const dW = g.matmul(dO, g.transpose(values, [0, 2, 1]));
  const dS = g.mul(w, g.sub(dW, g.rowSum(g.mul(dW, w))));
  const dQ = g.matmul(dS, keys);
  const dK = g.matmul(g.transpose(dS, [0, 2, 1]), q!);
  if (!prefixed) {
    g.output(joinHeads(g, [dQ, dK, dV], dim), 'own', ['T', 3 * dim]);
    return g;
  }
  const sizes = g.concat([g.node('Shape', [p], { end: 1 }), g.node('Shape', [x], { end: 1 })], 0);
  const [pdK, odK] = g.multi('Split', [dK, sizes], 2, { axis: 1 });
  const [pdV, odV] = g.multi('Split', [dV, sizes], 2, { axis: 1 });
  g.output(joinHeads(g, [dQ, odK!, odV!], dim), 'own', ['T', 3 * dim]);
  g.output(joinHeads(g, [pdK!, pdV!], dim), 'prefix', ['P', 2 * dim]);
  return g;
}

/**
 * Decoding attention of q [n, D] (rows prompt-major), shape = [prompts, R, H, dh],
 * byPrompt = [prompts, R, H, -1], sizes = [P, W] (int64 inputs: shapes as data, no nodes);
 * inputs: prompt keys^T [np, H, dh, P], values [np, H, P, dh], mask [np, 1, 1, P];
 * the rows' own keys^T [n, H, dh, W], values [n, H, W, dh], mask [W]. Returns o [n, D].
 */
function decodeAttendOps(g: Graph, { dim, heads }: ModelShape, q: string): string {
  const dh = dim / heads;
  const shape = g.input('shape', [4], 'int64');
  const pk = g.input('pk', ['np', heads, dh, 'P']);
  const ok = g.input('ok', ['n', heads, dh, 'W']);
  // against the prompt: [np, H, R, dh] x [np, H, dh, P]
  const sp = g.add(g.matmul(g.transpose(g.node('Reshape', [q, shape]), [0, 2, 1, 3]), pk), g.input('pmask', ['np', 1, 1, 'P']));
  // against the row's own tokens: [n, H, 1, dh] x [n, H, dh, W] -> [np, H, R, W]
  const so = g.add(g.matmul(g.reshape(q, [-1, heads, 1, dh]), ok), g.input('omask', ['W']));
  const soP = g.transpose(g.node('Reshape', [so, g.input('byPrompt', [4], 'int64')]), [0, 2, 1, 3]);
  const [wp, wo] = g.multi('Split', [g.softmax(g.concat([sp, soP], 3)), g.input('sizes', [2], 'int64')], 2, { axis: 3 });
  const fromPrompt = g.reshape(g.transpose(g.matmul(wp!, g.input('pv', ['np', heads, 'P', dh])), [0, 2, 1, 3]), [-1, dim]);
  const woRows = g.reshape(g.transpose(wo!, [0, 2, 1, 3]), [-1, heads, 1, 0]);
  const fromOwn = g.reshape(g.matmul(woRows, g.input('ov', ['n', heads, 'W', dh])), [-1, dim]);
  return g.add(fromPrompt, fromOwn);
}

/**
 * One decoding step of a layer after its layerIn (see `Kernels.decodeLayer`): inputs h [n, D],
 * qkv [n, 3D], the cache (`decodeAttendOps`), the layer's weights, and with `next` the next
 * layer's `next.norm1`, `next.qkv` and `scale`. Outputs y [n, D] and with `next` qkv [n, 3D].
 */
function decodeLayerGraph(shape: ModelShape, next: boolean): Graph {
  const { dim } = shape;
  const g = new Graph();
  const q = g.node('Slice', [g.input('qkv', ['n', 3 * dim]), g.ints([0]), g.ints([dim]), g.ints([1])]);
  const { y } = layerOutOps(g, shape, g.input('h', ['n', dim]), decodeAttendOps(g, shape, q));
  g.output(y, 'y', ['n', dim]);
  if (next) g.output(layerInOps(g, shape, y, 'next.'), 'nqkv', ['n', 3 * dim]);
  return g;
}

interface Sessions {
  /** [transA][transB]. */
  gemm: OrtSession[][];
  /** [without weights, keeping them][without prefix, with prefix]. */
  attend: OrtSession[][];
  backward: OrtSession[];
  /** [last layer, with the next layer's layerIn]. */
  decode: OrtSession[];
  layerIn: OrtSession;
  /** [output only, keeping what the backward pass needs]. */
  layerOut: OrtSession[];
  layerOutBackward: OrtSession;
  layerInBackward: OrtSession;
}
const sessionCache = new Map<string, Sessions>();

/** The sessions of one model shape, made once per thread and shared by every model of that shape. */
function sessionsOf(shape: ModelShape): Sessions {
  const key = `${shape.dim}/${shape.heads}/${shape.ffn}`;
  let s = sessionCache.get(key);
  if (!s)
    sessionCache.set(
      key,
      (s = {
        gemm: [false, true].map((transA) => [false, true].map((transB) => session(gemmGraph(transA, transB)))),
        attend: [false, true].map((keep) => [false, true].map((prefixed) => session(attendGraph(shape, prefixed, keep)))),
        backward: [session(attendBackwardGraph(shape, false)), session(attendBackwardGraph(shape, true))],
        decode: [session(decodeLayerGraph(shape, false)), session(decodeLayerGraph(shape, true))],
        layerIn: session(layerInGraph(shape)),
        layerOut: [false, true].map((keep) => session(layerOutGraph(shape, keep))),
        layerOutBackward: session(layerOutBackwardGraph(shape)),
        layerInBackward: session(layerInBackwardGraph(shape)),
      }),
    );
  return s;
}

/** Kernels on onnxruntime; every output array comes from `alloc`. */
export function ortKernels(shape: ModelShape, alloc: Alloc = fresh): Kernels {
  const { Tensor } = loadOrt();
  const { dim, heads, ffn } = shape;
  const { gemm: gemms, attend, backward, decode, ...blocks } = sessionsOf(shape);
  const dh = dim / heads;
  const rowsOf = (data: Float32Array, offset: number, length: number, width: number) =>
    new Tensor('float32', data.subarray(offset * width, (offset + length) * width), [length, width]);
  const scale = new Float32Array(3 * dim).fill(1).fill(1 / Math.sqrt(dim / heads), 0, dim);
  const attendFeeds = (qkv: Float32Array, seg: Segment) => {
    const T = seg.length;
    const P = seg.prefix?.length ?? 0;
    const feeds: Record<string, OrtTensor> = { x: rowsOf(qkv, seg.offset, T, 3 * dim), mask: new Tensor('float32', attentionMask(T, P, seg.open), [T, P + T]) };
    if (seg.prefix) feeds.p = rowsOf(qkv, seg.prefix.offset, P, 3 * dim);
    return feeds;
  };
  const t = (data: Float32Array, ...dims: number[]) => new Tensor('float32', data, dims);
  const scaleTensor = t(scale, 3 * dim);
  /** A decoding cache's tensors for one layer, made again only when the cache grew (new arrays). */
  const cacheMade = new WeakMap<Float32Array, { mask: Float32Array; tensors: Record<string, OrtTensor> }>();
  const cacheTensors = (cache: DecodeCache, layer: number) => {
    const made = cacheMade.get(cache.ownKeys[layer]!);
    if (made?.mask === cache.ownMask) return made.tensors;
    const { prompts, rowsPerPrompt: R, promptLength: P, width: W } = cache;
    const n = prompts * R;
    const ints = (...xs: number[]) => new Tensor('int64', BigInt64Array.from(xs, BigInt), [xs.length]);
    const tensors = {
      shape: ints(prompts, R, heads, dh),
      byPrompt: ints(prompts, R, heads, -1),
      sizes: ints(P, W),
      pk: t(cache.promptKeys[layer]!, prompts, heads, dh, P),
      pv: t(cache.promptValues[layer]!, prompts, heads, P, dh),
      pmask: t(cache.promptMask, prompts, 1, 1, P),
      ok: t(cache.ownKeys[layer]!, n, heads, dh, W),
      ov: t(cache.ownValues[layer]!, n, heads, W, dh),
      omask: t(cache.ownMask, W),
    };
    cacheMade.set(cache.ownKeys[layer]!, { mask: cache.ownMask, tensors });
    return tensors;
  };
  /** A layer's weight tensors, made once per layer (they wrap the parameters' memory, read at each run). */
  const made = new WeakMap<Float32Array, Record<keyof LayerWeights, OrtTensor>>();
  const weights = (w: LayerWeights) => {
    let tensors = made.get(w.qkv);
    if (!tensors)
      made.set(
        w.qkv,
        (tensors = { norm1: t(w.norm1, dim), qkv: t(w.qkv, dim, 3 * dim), out: t(w.out, dim, dim), norm2: t(w.norm2, dim), up: t(w.up, dim, ffn), down: t(w.down, ffn, dim) }),
      );
    return tensors;
  };
  return {
    name: 'onnxruntime',
    layerIn(h, w) {
      const n = h.length / dim;
      const y = alloc(n * 3 * dim);
      const { norm1, qkv } = weights(w);
      blocks.layerIn.run({ h: t(h, n, dim), norm1, qkv, scale: scaleTensor }, { y: t(y, n, 3 * dim) }, {});
      return y;
    },
    layerOut(h, attended, w) {
      const n = h.length / dim;
      const { norm2, out, up, down } = weights(w);
      const result = { out: alloc(n * dim), mid: alloc(n * dim), hidden: alloc(n * ffn) };
      blocks.layerOut[1]!.run(
        { h: t(h, n, dim), attended: t(attended, n, dim), out, norm2, up, down },
        { y: t(result.out, n, dim), mid: t(result.mid, n, dim), hidden: t(result.hidden, n, ffn) },
        {},
      );
      return result;
    },
    layerOutValue(h, attended, w) {
      const n = h.length / dim;
      const y = alloc(n * dim);
      const { norm2, out, up, down } = weights(w);
      blocks.layerOut[0]!.run({ h: t(h, n, dim), attended: t(attended, n, dim), out, norm2, up, down }, { y: t(y, n, dim) }, {});
      return y;
    },
    layerOutBackward(dOut, attended, kept, w) {
      const n = dOut.length / dim;
      const { norm2, out, up, down } = weights(w);
      const r = { dMid: alloc(n * dim), dAttended: alloc(n * dim), grads: { out: alloc(dim * dim), norm2: alloc(dim), up: alloc(dim * ffn), down: alloc(ffn * dim) } };
      blocks.layerOutBackward.run(
        { dout: t(dOut, n, dim), attended: t(attended, n, dim), mid: t(kept.mid, n, dim), hidden: t(kept.hidden, n, ffn), out, norm2, up, down },
        { dmid: t(r.dMid, n, dim), dattended: t(r.dAttended, n, dim), gout: t(r.grads.out, dim, dim), gnorm2: t(r.grads.norm2, dim), gup: t(r.grads.up, dim, ffn), gdown: t(r.grads.down, ffn, dim) },
        {},
      );
      return r;
    },
    layerInBackward(dQkv, h, dMid, w) {
      const n = h.length / dim;
      const r = { dh: alloc(n * dim), grads: { norm1: alloc(dim), qkv: alloc(dim * 3 * dim) } };
      blocks.layerInBackward.run(
        { dqkv: t(dQkv, n, 3 * dim), scale: scaleTensor, h: t(h, n, dim), norm1: weights(w).norm1, qkv: weights(w).qkv, dmid: t(dMid, n, dim) },
        { dh: t(r.dh, n, dim), gnorm1: t(r.grads.norm1, dim), gqkv: t(r.grads.qkv, dim, 3 * dim) },
        {},
      );
      return r;
    },
    gemm(a, b, m, k, n, { transA = false, transB = false, out } = {}) {
      const c = out ?? alloc(m * n);
      gemms[transA ? 1 : 0]![transB ? 1 : 0]!.run(
        { a: new Tensor('float32', a.subarray(0, m * k), transA ? [k, m] : [m, k]), b: new Tensor('float32', b.subarray(0, k * n), transB ? [n, k] : [k, n]) },
        { c: new Tensor('float32', c.subarray(0, m * n), [m, n]) },
        {},
      );
      return c;
    },
    attend(qkv, seg, out) {
      const T = seg.length;
      const P = seg.prefix?.length ?? 0;
      const weights = alloc(heads * T * (P + T));
      attend[1]![seg.prefix ? 1 : 0]!.run(attendFeeds(qkv, seg), { o: rowsOf(out, seg.offset, T, dim), w: new Tensor('float32', weights, [heads, T, P + T]) }, {});
      return weights;
    },
    attendValue(qkv, seg, out) {
      attend[0]![seg.prefix ? 1 : 0]!.run(attendFeeds(qkv, seg), { o: rowsOf(out, seg.offset, seg.length, dim) }, {});
    },
    attendBackward(qkv, seg, weights, dOut, dQkv) {
      const T = seg.length;
      const P = seg.prefix?.length ?? 0;
      const feeds: Record<string, OrtTensor> = {
        x: rowsOf(qkv, seg.offset, T, 3 * dim),
        w: new Tensor('float32', weights, [heads, T, P + T]),
        dout: rowsOf(dOut, seg.offset, T, dim),
      };
      if (seg.prefix) feeds.p = rowsOf(qkv, seg.prefix.offset, P, 3 * dim);
      const own = alloc(T * 3 * dim);
      const prefix = alloc(P * 2 * dim);
      const fetches: Record<string, OrtTensor> = { own: t(own, T, 3 * dim) };
      if (seg.prefix) fetches.prefix = t(prefix, P, 2 * dim);
      backward[seg.prefix ? 1 : 0]!.run(feeds, fetches, {});
      addInto(dQkv, own, seg.offset * 3 * dim);
      if (seg.prefix) {
        const d = prefix;
        for (let r = 0; r < P; r++) addInto(dQkv, d.subarray(r * 2 * dim, (r + 1) * 2 * dim), (seg.prefix.offset + r) * 3 * dim + dim);
      }
    },
    decodeLayer(h, qkv, cache, layer, w, next) {
      const n = cache.prompts * cache.rowsPerPrompt;
      const { norm2, out, up, down } = weights(w);
      const y = alloc(n * dim);
      const feeds: Record<string, OrtTensor> = { h: t(h, n, dim), qkv: t(qkv, n, 3 * dim), ...cacheTensors(cache, layer), out, norm2, up, down };
      const fetches: Record<string, OrtTensor> = { y: t(y, n, dim) };
      if (!next) {
        decode[0]!.run(feeds, fetches, {});
        return { out: y };
      }
      const nqkv = alloc(n * 3 * dim);
      Object.assign(feeds, { 'next.norm1': weights(next).norm1, 'next.qkv': weights(next).qkv, scale: scaleTensor });
      decode[1]!.run(feeds, { ...fetches, nqkv: t(nqkv, n, 3 * dim) }, {});
      return { out: y, qkv: nqkv };
    },
  };
}

