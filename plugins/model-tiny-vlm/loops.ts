/** The elementwise and row-wise loops shared by the engine and the plain-JavaScript kernels. */

export const EPS = 1e-6;

/** dst[at..] += src. */
export function addInto(dst: Float32Array, src: Float32Array, at = 0): void {
  for (let i = 0; i < src.length; i++) dst[at + i]! += src[i]!;
}

export function relu(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) if (x[i]! < 0) x[i] = 0;
  return x;
}

/** y = x / rms(x) * gain per row; `inv` = 1 / rms per row. */
export function rmsNorm(x: Float32Array, rows: number, width: number, gain: Float32Array): { out: Float32Array; inv: Float32Array } {
  const out = new Float32Array(rows * width);
  const inv = new Float32Array(rows);
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
