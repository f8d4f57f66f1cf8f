/**
 * Arithmetic the way the Python reference evaluators compute it, so scores
 * come out bit-identical: `float(text)` (what lmms-eval's `to_float` calls),
 * numpy's pairwise summation (what pandas' `.mean()` uses), and Python's
 * left-to-right `sum()`.
 */

/** Characters Python's `str.isspace()` accepts (float() strips them). */
const PY_SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const OUTER_SPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

/** Python's `str.strip()` with no argument. */
export const pythonStrip = (text: string): string => text.replace(OUTER_SPACE, '');
const DIGITS = String.raw`\d(?:_?\d)*`;
const PY_FLOAT = new RegExp(`^[+-]?(?:(?:${DIGITS})?\\.${DIGITS}|${DIGITS}\\.?)(?:[eE][+-]?${DIGITS})?$`);
const PY_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;
const UNICODE_DIGIT = /\p{Nd}/gu;
const IS_DIGIT = /^\p{Nd}$/u;

/** Value of a Unicode decimal digit: digits come in aligned runs of ten (0..9). */
function digitValue(char: string): number {
  const code = char.codePointAt(0)!;
  let start = code;
  while (IS_DIGIT.test(String.fromCodePoint(start - 1))) start--;
  return (code - start) % 10;
}

/**
 * Python's `float(text)`: surrounding whitespace allowed, `_` between digits,
 * `inf`/`infinity`/`nan` in any case, non-ASCII decimal digits; anything else
 * (an empty string, `0x10`, `1,5`, `3m`) is `null`, where Python raises.
 */
export function pythonFloat(text: string): number | null {
  const ascii = pythonStrip(text).replace(UNICODE_DIGIT, (d) => (d >= '0' && d <= '9' ? d : String(digitValue(d))));
  const special = PY_SPECIAL.exec(ascii);
  if (special) return special[2]!.toLowerCase() === 'nan' ? Number.NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!PY_FLOAT.test(ascii)) return null;
  return Number(ascii.replaceAll('_', ''));
}

/**
 * numpy's `add.reduce` over a contiguous float64 array: pairwise summation
 * with eight accumulators in blocks of up to 128 values (numpy's
 * `pairwise_sum`), added to the identity 0.
 */
export function numpySum(values: readonly number[]): number {
  return 0 + pairwise(values, 0, values.length);
}

function pairwise(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += a[start + i]!;
    return sum;
  }
  if (n <= 128) {
    const r = a.slice(start, start + 8) as number[];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) sum += a[start + i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwise(a, start, half) + pairwise(a, start + half, n - half);
}

/** `numpy.mean` / pandas `Series.mean()` of float64 values. */
export const numpyMean = (values: readonly number[]): number => numpySum(values) / values.length;

/** Python's built-in `sum()`: left to right from 0. */
export const pythonSum = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0);
