/**
 * Does a thinking checkpoint's reasoning name the object its question asks
 * about? For saved predictions (an evaluation's `predictions.jsonl`), per
 * question type: the share whose reasoning's first "I see the <object>"
 * names the first object the question names (the sample's `grounding`
 * phrases), and the mean score of the rows that do and of those that do not.
 * Rows whose question names no object (room size) and localization are left
 * out.
 *
 *   npx tsx presets/spatial-ladder/tuning/copy-rate.ts <dataset dir> <predictions.jsonl> [more predictions.jsonl]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonLines, type Sample } from '../../../core/index.ts';
import { namedObjects } from './reward-names-asked.ts';

interface Prediction {
  id: string;
  type: string;
  prediction: string;
  score: number;
}

function main([datasetDir, ...files]: string[]) {
  if (!datasetDir || !files.length) throw new Error('usage: copy-rate.ts <dataset dir> <predictions.jsonl> [more]');
  const samplesFile = join(datasetDir, 'samples.jsonl');
  if (!existsSync(samplesFile)) throw new Error(`${samplesFile}: no such file (name a built dataset's folder)`);
  const asked = new Map(readJsonLines<Sample>(samplesFile).map((s) => [s.id, s.grounding?.[0]?.phrase]));
  for (const file of files) {
    const cells = new Map<string, { copied: number[]; other: number[] }>();
    for (const p of readJsonLines<Prediction>(file)) {
      const phrase = asked.get(p.id);
      if (phrase === undefined || p.type === 'localization') continue;
      const cell = cells.get(p.type) ?? { copied: [], other: [] };
      (namedObjects(p.prediction)[0] === phrase ? cell.copied : cell.other).push(p.score);
      cells.set(p.type, cell);
    }
    console.log(file);
    const mean = (xs: number[]) => (xs.length ? ((100 * xs.reduce((a, b) => a + b, 0)) / xs.length).toFixed(1) : '-');
    for (const [type, { copied, other }] of cells)
      console.log(`  ${type.padEnd(20)} names the asked object ${copied.length}/${copied.length + other.length}; score when it does ${mean(copied)}, when not ${mean(other)}`);
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
