/**
 * Does a positions captioner (`ladder pretrain tiny-vlm --positions`) say
 * where things are, or only what? Of the categories a caption names that its
 * reference names too, the share it places in the same third of the image
 * (left, middle, right: task-caption's `IMAGE_THIRDS`), from a pretraining
 * run's scored predictions and the caption dataset's facts.
 *
 *   npx tsx presets/spatial-ladder/tuning/placement.ts <dataset dir> <predictions.jsonl>...
 *
 * e.g. `.ladder-cache/datasets/<hash>` (the pretraining log's "dataset <hash>")
 * and `runs/pretrain-tiny-vlm/eval/caption/held-out/predictions.jsonl`
 * (`held-out-blind/` for the blank frames).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonLines, type Sample } from '../../../core/index.ts';
import { IMAGE_THIRDS } from '../../../plugins/task-caption/index.ts';
import { runScript } from './script.ts';

/** category -> its third, from "a bed on the left, a lamp in the middle and an armchair on the right." */
export function placements(caption: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of caption.trim().replace(/\.$/, '').split(/, | and /)) {
    const where = IMAGE_THIRDS.find((third) => item.endsWith(` ${third}`));
    if (where) out.set(item.slice(0, -where.length - 1).replace(/^an? /, ''), where);
  }
  return out;
}

function main([datasetDir, ...files]: string[]) {
  if (!datasetDir || !files.length) throw new Error('usage: placement.ts <dataset dir> <predictions.jsonl>...');
  const samples = join(datasetDir, 'samples.jsonl');
  if (!existsSync(samples)) throw new Error(`${samples}: no such file (name a built dataset's folder, e.g. .ladder-cache/datasets/<hash>)`);
  const truth = new Map<string, Map<string, string>>();
  for (const s of readJsonLines<Sample>(samples)) {
    const facts = s.facts as { categories?: string[]; where?: string[] } | undefined;
    if (s.task === 'caption' && facts?.where) truth.set(s.id, new Map(facts.categories!.map((c, i) => [c, facts.where![i]!])));
  }
  if (!truth.size) throw new Error(`${samples}: no captions with positions (was the dataset built with --positions?)`);
  const share = ([named, placed]: number[]) => (named ? `${((100 * placed!) / named!).toFixed(1)}%` : '-');
  for (const file of files) {
    /** category -> [named, placed in the right third] */
    const tally = new Map<string, [number, number]>();
    for (const row of readJsonLines<{ id: string; prediction: string }>(file)) {
      const reference = truth.get(row.id);
      if (!reference) throw new Error(`${file}: row ${row.id} is not a positions caption of ${datasetDir}`);
      for (const [category, where] of placements(row.prediction))
        if (reference.has(category)) {
          const counts = tally.get(category) ?? [0, 0];
          counts[0] += 1;
          if (reference.get(category) === where) counts[1] += 1;
          tally.set(category, counts);
        }
    }
    const all = [...tally.values()].reduce((sum, [n, p]) => [sum[0]! + n, sum[1]! + p], [0, 0]);
    console.log(`${file}: ${all[0]} categories named that the reference names; ${share(all)} of them in the right third`);
    const often = [...tally].filter(([, [n]]) => n >= 20).sort((a, b) => b[1][0] - a[1][0]);
    if (often.length) console.log(`  per category named 20 times or more: ${often.map(([c, counts]) => `${c} ${share(counts)} of ${counts[0]}`).join(', ')}`);
  }
}

runScript(import.meta.url, main);
