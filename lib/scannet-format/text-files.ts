/**
 * ScanNet's small text files: `<scene>.txt` (`key = value` lines, with
 * `axisAlignment` as 16 row-major numbers) and 4x4 matrices written as four
 * lines of four numbers (poses, intrinsics), where an invalid pose is written
 * `-inf`.
 */
import { SceneError } from './errors.ts';

const SPECIAL: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '-infinity': -Infinity, nan: NaN, '-nan': NaN };

/** Numbers of a whitespace-separated text; `inf`, `-inf` and `nan` are read as such. Throws on any other word. */
export function parseNumbers(text: string, scene: string, file: string): number[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return words.map((word, i) => {
    const special = SPECIAL[word.toLowerCase()];
    if (special !== undefined) return special;
    const value = Number(word);
    if (Number.isNaN(value)) throw new SceneError(scene, file, `number ${i + 1} is "${word}", not a number`);
    return value;
  });
}

/** A 4x4 row-major matrix file (16 numbers; a 3x3 matrix is widened to 4x4). */
export function parseMatrix(text: string, scene: string, file: string): number[] {
  const numbers = parseNumbers(text, scene, file);
  if (numbers.length === 16) return numbers;
  if (numbers.length === 9) {
    const [a, b, c, d, e, f, g, h, i] = numbers as [number, number, number, number, number, number, number, number, number];
    return [a, b, c, 0, d, e, f, 0, g, h, i, 0, 0, 0, 0, 1];
  }
  throw new SceneError(scene, file, `expected a 4x4 matrix (16 numbers), found ${numbers.length}`);
}

export interface SceneInfo {
  /** Every `key = value` line. */
  values: Record<string, string>;
  /** `axisAlignment`; absent in ScanNet's test scans (and in some exports of annotated scans). */
  axisAlignment?: number[];
  number(key: string): number | undefined;
}

export function parseSceneInfo(text: string, scene: string, file: string): SceneInfo {
  const values: Record<string, string> = {};
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new SceneError(scene, file, `line ${i + 1}: expected "key = value", found "${line.slice(0, 60)}"`);
    values[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  let axisAlignment: number[] | undefined;
  if (values.axisAlignment !== undefined) {
    axisAlignment = parseNumbers(values.axisAlignment, scene, `${file} (axisAlignment)`);
    if (axisAlignment.length !== 16 || !axisAlignment.every(Number.isFinite))
      throw new SceneError(scene, file, `axisAlignment must be 16 finite numbers, found ${axisAlignment.length}`);
  }
  return {
    values,
    axisAlignment,
    number(key) {
      const text = values[key];
      if (text === undefined) return undefined;
      const value = Number(text);
      if (!Number.isFinite(value)) throw new SceneError(scene, file, `${key} = "${text}" is not a number`);
      return value;
    },
  };
}

/** Format a 4x4 matrix as ScanNet writes it: four lines of four numbers. */
export const formatMatrix = (m: readonly number[], digits = 6): string =>
  [0, 1, 2, 3].map((r) => m.slice(r * 4, r * 4 + 4).map((v) => (Number.isFinite(v) ? v.toFixed(digits) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan')).join(' ')).join('\n') + '\n';
