/** Mean of the finite values (NaN when there is none): what reports average, skipping undefined measures. */
export function mean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
}
