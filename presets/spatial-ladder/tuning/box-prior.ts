/**
 * How far does knowing where each category usually is get a localization
 * answer? Scores, with the benchmark's own rule (lib/scoring
 * `localizationScore`), the answer that gives every asked object its
 * category's mean training box (the labels always right), beside the one mean
 * box of all training objects and the `chance` policy's random boxes
 * (lib/scoring `chanceScore`), on the held-out and validation localization
 * rows; the answer that knows only which of tiny-vlm's merged image tokens
 * holds each object's centre (that token's cell as the box: a 2 x 2 grid at
 * 56 pixels, 4 x 4 at 112), what a model that places an object by the token
 * it attends to could write; and how large the boxes are in the pixels the
 * model sees.
 *
 *   npx tsx presets/spatial-ladder/tuning/box-prior.ts <dataset dir> [image width seen, default 56]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonLines, type Sample } from '../../../core/index.ts';
import { categoryBoxes } from '../../../plugins/model-prior/index.ts';
import { chanceScore, imageSizeOf, localizationScore, truthBoxes } from '../../../lib/scoring/index.ts';

function main([datasetDir, seenWidth = '56']: string[]) {
  if (!datasetDir) throw new Error('usage: box-prior.ts <dataset dir> [image width seen]');
  const file = join(datasetDir, 'samples.jsonl');
  if (!existsSync(file)) throw new Error(`${file}: no such file (name a built dataset's folder, e.g. .ladder-cache/datasets/<hash>)`);
  const rows = readJsonLines<Sample>(file).filter((s) => s.task === 'localization');
  if (!rows.some((r) => r.split === 'train')) throw new Error(`${file}: no training localization rows`);
  const boxes = categoryBoxes(rows.filter((r) => r.split === 'train'));
  const mean = (key: string) => boxes.get(key) ?? boxes.get('*')!;
  const answer = (labels: string[], box: (label: string) => number[]) => JSON.stringify(labels.map((label) => ({ bbox_2d: box(label), label })));
  for (const split of ['held-out', 'validation']) {
    const scored = rows.filter((r) => r.split === split);
    let byCategory = 0;
    let overall = 0;
    let chance = 0;
    const cells = new Map(GRIDS.map((n) => [n, 0]));
    const widths: number[] = [];
    for (const row of scored) {
      const truth = truthBoxes(row.answer, row.id);
      const size = imageSizeOf(row.facts);
      const labels = truth.map((t) => t.label);
      byCategory += localizationScore(answer(labels, mean), truth, size);
      overall += localizationScore(answer(labels, () => mean('*')), truth, size);
      chance += chanceScore(row);
      if (size) for (const n of GRIDS) cells.set(n, cells.get(n)! + localizationScore(answer(labels, (label) => centreCell(truth.find((t) => t.label === label)!.box, size, n)), truth, size));
      if (size) for (const { box } of truth) widths.push(((box[2] - box[0]) * Number(seenWidth)) / size.width);
    }
    widths.sort((a, b) => a - b);
    const n = scored.length;
    if (!n) continue;
    console.log(
      `${split}: ${n} rows, IoU x100 of the category's mean box ${((100 * byCategory) / n).toFixed(1)}, of one mean box ${((100 * overall) / n).toFixed(1)}, chance ${((100 * chance) / n).toFixed(1)}; ` +
        `the token cell holding the centre, ${GRIDS.map((g) => `${g} x ${g} tokens ${((100 * cells.get(g)!) / n).toFixed(1)}`).join(', ')}; ` +
        `box width in a ${seenWidth}-pixel-wide image: median ${widths[widths.length >> 1]!.toFixed(1)} px (quartiles ${widths[widths.length >> 2]!.toFixed(1)}-${widths[(3 * widths.length) >> 2]!.toFixed(1)})`,
    );
  }
}

/** Merged-token grids of tiny-vlm's image: 56 and 112 pixels (28 pixels a token). */
const GRIDS = [2, 4];

/** The cell of an n x n grid over the image that holds the box's centre, as a box in the image's pixels. */
function centreCell(box: number[], size: { width: number; height: number }, n: number): number[] {
  const col = Math.min(n - 1, Math.floor((((box[0]! + box[2]!) / 2) * n) / size.width));
  const row = Math.min(n - 1, Math.floor((((box[1]! + box[3]!) / 2) * n) / size.height));
  return [(col * size.width) / n, (row * size.height) / n, ((col + 1) * size.width) / n, ((row + 1) * size.height) / n].map(Math.round);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
