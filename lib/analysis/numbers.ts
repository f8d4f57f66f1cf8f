/** Numbers as reports print them. */

/** Mean of the finite values (NaN when there is none). */
export function mean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
}

/** A share in [0, 1] as a percentage with one decimal ("-" when not a number). */
export const percent = (x: number): string => (Number.isFinite(x) ? (100 * x).toFixed(1) : '-');

/** "41.5 (chance 25.0)": a score beside its chance level, both formatted by `format`. */
export const withChance = (value: number, chance: number, format: (x: number) => string = percent): string => `${format(value)} (chance ${format(chance)})`;
