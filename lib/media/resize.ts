/**
 * The image size a Qwen2.5-VL style model sees: both sides multiples of
 * `factor` (28 = 14-pixel patches merged 2x2), the pixel count within
 * [minPixels, maxPixels], the aspect ratio kept as closely as possible.
 * Same arithmetic as qwen_vl_utils' smart_resize (Python's round-half-even).
 */

export interface PixelBudget {
  factor: number;
  minPixels: number;
  maxPixels: number;
}

/** The paper's budget (Tables 7-8): 12,544 to 100,352 pixels. */
export const PAPER_BUDGET: PixelBudget = { factor: 28, minPixels: 12_544, maxPixels: 100_352 };

/** Python 3 round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function smartResize(width: number, height: number, budget: PixelBudget = PAPER_BUDGET): { width: number; height: number } {
  const { factor, minPixels, maxPixels } = budget;
  if (!(width > 0 && height > 0)) throw new Error(`smartResize: invalid size ${width}x${height}`);
  if (Math.max(width, height) / Math.min(width, height) > 200)
    throw new Error(`smartResize: aspect ratio of ${width}x${height} is above 200`);
  let h = Math.max(factor, roundHalfEven(height / factor) * factor);
  let w = Math.max(factor, roundHalfEven(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { width: w, height: h };
}
