/** Mean of the finite values (NaN when there is none): what reports average, skipping undefined measures. */
export function mean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
}

/**
 * The change over a stage: the means of the first and last fifth of the logged
 * values, the last minus the first, and that change in standard errors
 * (each fifth's steps taken as independent draws: z = change / sqrt(var1/n + var2/n)),
 * which tells a trend from step-to-step noise. Undefined under 10 values; z is
 * undefined when both fifths are constant.
 */
export function fifthsTrend(values: readonly number[]): { first: number; last: number; change: number; z?: number } | undefined {
  const n = Math.floor(values.length / 5);
  if (n < 2) return undefined;
  const [first, last] = [values.slice(0, n), values.slice(-n)];
  const variance = (xs: number[], m: number) => xs.reduce((sum, x) => sum + (x - m) ** 2, 0) / (xs.length - 1);
  const [a, b] = [mean(first), mean(last)];
  const se = Math.sqrt((variance(first, a) + variance(last, b)) / n);
  return { first: a, last: b, change: b - a, z: se > 0 ? (b - a) / se : undefined };
}
