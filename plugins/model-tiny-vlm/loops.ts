/** The elementwise and row-wise loops shared by the engine and the plain-JavaScript kernels. */

export const EPS = 1e-6;

/** Where an array of `length` floats comes from: a fresh one, or an arena's (see Arena). */
export type Alloc = (length: number) => Float32Array;
export const fresh: Alloc = (length) => new Float32Array(length);

/** Quarter-octave size classes: at most 19% of an arena array is unused. */
const sizeClass = (length: number) => Math.max(256, Math.ceil(2 ** (Math.ceil(4 * Math.log2(length)) / 4)));

/**
 * Scratch memory reused across training steps: `take` hands out arrays until
 * `release(mark)` returns every array taken since `mark()`. Allocating the
 * tape of each step afresh left the garbage collector a fifth of the time.
 */
export class Arena {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly taken: Float32Array[] = [];

  /** `length` floats, zeroed; valid until released. */
  readonly take: Alloc = (length) => {
    const size = sizeClass(length);
    const buf = this.free.get(size)?.pop() ?? new Float32Array(size);
    this.taken.push(buf);
    return buf.subarray(0, length).fill(0);
  };

  mark(): number {
    return this.taken.length;
  }

  release(mark: number): void {
    for (const buf of this.taken.splice(mark)) {
      let list = this.free.get(buf.length);
      if (!list) this.free.set(buf.length, (list = []));
      list.push(buf);
    }
  }
}

/** dst[at..] += src. */
export function addInto(dst: Float32Array, src: Float32Array, at = 0): void {
  for (let i = 0; i < src.length; i++) dst[at + i]! += src[i]!;
}

/**
 * Elements [from, to) of `grads` += every slot's, added in slot order in
 * double precision and rounded once; those elements of the slots are zeroed.
 * Each element on its own: any split into ranges gives the same bits.
 */
export function sumSlots(grads: Float32Array, slots: Float32Array[], from: number, to: number): void {
  const [a, b, ...rest] = slots as [Float32Array, Float32Array | undefined, ...Float32Array[]];
  if (!b) for (let j = from; j < to; j++) grads[j]! += a[j]!;
  else
    for (let j = from; j < to; j++) {
      let g = grads[j]! + a[j]! + b[j]!;
      for (const slot of rest) g += slot[j]!;
      grads[j] = g;
    }
  for (const slot of slots) slot.fill(0, from, to);
}

export function relu(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) if (x[i]! < 0) x[i] = 0;
  return x;
}

/** y = x / rms(x) * gain per row; `inv` = 1 / rms per row. */
export function rmsNorm(x: Float32Array, rows: number, width: number, gain: Float32Array, alloc = fresh): { out: Float32Array; inv: Float32Array } {
  const out = alloc(rows * width);
  const inv = alloc(rows);
  for (let r = 0; r < rows; r++) {
    const at = r * width;
    let ss = 0;
    for (let c = 0; c < width; c++) ss += x[at + c]! * x[at + c]!;
    const s = 1 / Math.sqrt(ss / width + EPS);
    inv[r] = s;
    for (let c = 0; c < width; c++) out[at + c] = x[at + c]! * s * gain[c]!;
  }
  return { out, inv };
}

/** dx += inv (dy gain) - x inv^3 mean(dy gain x); dgain += sum over rows of dy x inv. */
export function rmsNormBackward(x: Float32Array, inv: Float32Array, gain: Float32Array, dy: Float32Array, rows: number, width: number, dx: Float32Array, dGain: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const at = r * width;
    const s = inv[r]!;
    let dot = 0;
    for (let c = 0; c < width; c++) {
      const z = dy[at + c]! * gain[c]!;
      dot += z * x[at + c]!;
      dGain[c]! += dy[at + c]! * x[at + c]! * s;
    }
    const k = (s * s * s * dot) / width;
    for (let c = 0; c < width; c++) dx[at + c]! += s * dy[at + c]! * gain[c]! - x[at + c]! * k;
  }
}
