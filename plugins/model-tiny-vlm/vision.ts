/**
 * Images to patch rows. Each image is resized (sharp, `fill`) to the model's
 * fixed size, cut into `patch` x `patch` RGB patches, and the patches are
 * ordered so that every 4 consecutive rows form one 2x2 block, as the
 * Qwen2.5-VL merger groups them: the model then embeds patches with one
 * matmul and merges blocks with a reshape (no conv2d, which has no filter
 * gradient on wasm).
 */
import sharp from 'sharp';

export interface ImageGeometry {
  width: number;
  height: number;
  patch: number;
}

export const patchesPerImage = (g: ImageGeometry) => (g.width / g.patch) * (g.height / g.patch);
/** Merged (2x2) tokens each image contributes to the sequence. */
export const tokensPerImage = (g: ImageGeometry) => patchesPerImage(g) / 4;
/** The merged tokens of an image as a grid (row by row: each covers 2 x 2 patches). */
export const tokenGrid = (g: ImageGeometry) => ({ rows: g.height / (2 * g.patch), cols: g.width / (2 * g.patch) });
export const patchSize = (g: ImageGeometry) => g.patch * g.patch * 3;

export function checkGeometry(g: ImageGeometry): void {
  for (const side of ['width', 'height'] as const)
    if (g[side] % (2 * g.patch) !== 0)
      throw new Error(`image ${side} ${g[side]} must be a multiple of 2 x patch (${2 * g.patch}) for the 2x2 merge`);
}

/** Reorder HWC RGB bytes into patch rows grouped by 2x2 blocks. */
export function patchify(rgb: Uint8Array, g: ImageGeometry): Uint8Array {
  const { width, patch } = g;
  const cols = width / patch;
  const rows = g.height / patch;
  const out = new Uint8Array(rgb.length);
  let o = 0;
  for (let by = 0; by < rows; by += 2)
    for (let bx = 0; bx < cols; bx += 2)
      for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
        const py = (by + dy) * patch;
        const px = (bx + dx) * patch;
        for (let y = 0; y < patch; y++) {
          const start = ((py + y) * width + px) * 3;
          out.set(rgb.subarray(start, start + patch * 3), o);
          o += patch * 3;
        }
      }
  return out;
}

/** Loads images as patch rows (bytes), caching by path; concurrent loads of one path share one decode. */
export class ImageCache {
  private readonly cache = new Map<string, Promise<Uint8Array>>();

  constructor(
    readonly geometry: ImageGeometry,
    private readonly limit = 4096,
  ) {}

  load(path: string): Promise<Uint8Array> {
    let hit = this.cache.get(path);
    if (!hit) {
      if (this.cache.size >= this.limit) this.cache.delete(this.cache.keys().next().value!);
      hit = this.decode(path);
      hit.catch(() => this.cache.delete(path));
      this.cache.set(path, hit);
    }
    return hit;
  }

  private async decode(path: string): Promise<Uint8Array> {
    let rgb: Buffer;
    try {
      rgb = await sharp(path).resize(this.geometry.width, this.geometry.height, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
    } catch (error) {
      throw new Error(`cannot read image ${path}: ${(error as Error).message}`);
    }
    return patchify(new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), this.geometry);
  }
}

/** Bytes to floats in [-1, 1]. */
export function normalisePixels(bytes: Uint8Array, out: Float32Array, offset: number): void {
  for (let i = 0; i < bytes.length; i++) out[offset + i] = bytes[i]! / 127.5 - 1;
}
