/**
 * Mean relative accuracy (paper eq. 6; docs/method.md#rewards), exactly as
 * VSI-Bench's evaluation computes it: ten thresholds from numpy's
 * `linspace(0.5, 0.95, 10)` and `|pred - gt| / gt <= 1 - t` in float64.
 */

/** numpy.linspace(0.5, 0.95, 10): t_i = i * ((0.95 - 0.5) / 9) + 0.5, the last one exactly 0.95. */
export const MRA_THRESHOLDS: readonly number[] = Object.freeze(
  Array.from({ length: 10 }, (_, i) => (i === 9 ? 0.95 : i * ((0.95 - 0.5) / 9) + 0.5)),
);

/**
 * Fraction of thresholds t with |prediction - truth| / truth <= 1 - t.
 * A missing prediction (unparseable answer) scores 0; so do NaN and infinite
 * predictions and a truth of 0 (the ratio is not finite; Python would raise
 * ZeroDivisionError there). A negative truth is not guarded: the formula is
 * applied as written, so benchmarks reject such rows when they load.
 */
export function meanRelativeAccuracy(prediction: number | null | undefined, truth: number): number {
  if (typeof prediction !== 'number') return 0;
  const error = Math.abs(prediction - truth) / truth;
  let hits = 0;
  for (const t of MRA_THRESHOLDS) if (error <= 1 - t) hits++;
  return hits / MRA_THRESHOLDS.length;
}
