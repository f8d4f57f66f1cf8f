/**
 * Do a checkpoint's localization boxes follow where the object is, or only
 * what it is? For each asked object whose label the answer names, pairs the
 * answer's box centre with the truth's, and prints the Pearson correlation
 * of the two across the rows, horizontally and vertically. A box written
 * from the category alone follows the truth vertically (doors stand on the
 * floor, pictures hang high) and not horizontally (where along the walls an
 * object stands is the room's); run it on the blank-frame predictions too.
 *
 *   npx tsx presets/spatial-ladder/tuning/box-place.ts <dataset dir> <predictions.jsonl> [more predictions.jsonl ...]
 */
import { readJsonLines, type Sample } from '../../../core/index.ts';
import { loadDataset } from '../../../plugins/dataset/index.ts';
import { mean } from '../../../lib/training/index.ts';
import { parseBoxes, truthBoxes } from '../../../lib/scoring/index.ts';
import { runScript } from './script.ts';

export interface Placement {
  /** Asked objects whose label the answer names with a box. */
  matched: number;
  /** Pearson correlation of predicted and true box centres, x and y (NaN with fewer than two pairs or no spread). */
  x: number;
  y: number;
}

const centre = (box: readonly number[]) => [(box[0]! + box[2]!) / 2, (box[1]! + box[3]!) / 2] as const;

function pearson(a: number[], b: number[]): number {
  const [ma, mb] = [mean(a), mean(b)];
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** The placement of `predictions` (id -> completion) against the localization rows they answer. */
export function boxPlacement(rows: Sample[], predictions: Map<string, string>): Placement {
  const predicted: [number, number][] = [];
  const truth: [number, number][] = [];
  for (const row of rows) {
    const completion = predictions.get(row.id);
    if (row.task !== 'localization' || completion === undefined) continue;
    const boxes = parseBoxes(completion) ?? [];
    for (const t of truthBoxes(row.answer, row.id)) {
      const answer = boxes.find((b) => b?.label === t.label);
      if (!answer) continue;
      predicted.push([...centre(answer.box)]);
      truth.push([...centre(t.box)]);
    }
  }
  const axis = (k: 0 | 1) => pearson(predicted.map((p) => p[k]), truth.map((t) => t[k]));
  return { matched: predicted.length, x: axis(0), y: axis(1) };
}

function main([datasetDir, ...files]: string[]) {
  if (!datasetDir || !files.length) throw new Error('usage: box-place.ts <dataset dir> <predictions.jsonl> [more ...]');
  const rows = loadDataset(datasetDir).samples.filter((s) => s.task === 'localization');
  for (const file of files) {
    const predictions = new Map(readJsonLines<{ id: string; prediction: string }>(file).map((p) => [p.id, p.prediction]));
    const { matched, x, y } = boxPlacement(rows, predictions);
    const shown = (r: number) => (Number.isNaN(r) ? 'none (one centre for every box)' : r.toFixed(2));
    console.log(`${file}: ${matched} boxes with an asked label; centre correlation with the truth: x ${shown(x)}, y ${shown(y)}`);
  }
}

runScript(import.meta.url, main);
