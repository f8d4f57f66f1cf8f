/** Small statistics shared by stages. */
export const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Standard deviation; `unbiased` divides by n - 1 (torch.std's default, which TRL's GRPO uses). */
export function std(xs: number[], unbiased = false): number {
  const n = xs.length;
  if (n < (unbiased ? 2 : 1)) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (unbiased ? n - 1 : n));
}
