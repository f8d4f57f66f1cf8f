/**
 * Does a checkpoint's counting answer depend on the question? For the first
 * 120 training counting questions with images, the probability the checkpoint
 * gives the answers "1", "2" and "3" (geometric mean over questions), grouped
 * by the counted category and the true count. A model that reads the question
 * gives a chair (2-6 in these rooms) other odds than a door (always 1).
 *
 *   npx tsx presets/spatial-ladder/tuning/counting-probe.ts <checkpoint> <dataset dir>
 */
import { join } from 'node:path';
import { createLadder, loadPolicy, readJsonLines, type Sample } from '../../../core/index.ts';
import { samplePrompt } from '../../../lib/prompts/index.ts';

const ANSWERS = ['1', '2', '3'];

async function main([checkpoint, datasetDir]: string[]) {
  if (!checkpoint || !datasetDir) throw new Error('usage: counting-probe.ts <checkpoint> <dataset dir>');
  const ladder = await createLadder({ presets: ['spatial-ladder'] });
  const policy = await loadPolicy(ladder, checkpoint, { log: (line) => console.error(line), seed: 0 });
  const samples = readJsonLines<Sample>(join(datasetDir, 'samples.jsonl'))
    .filter((s) => s.task === 'object-counting' && (s.split ?? 'train') === 'train' && s.media.images?.length)
    .slice(0, 120);
  const inputs = samples.map((s) => samplePrompt(s, datasetDir, 'direct'));
  // every question with each answer, in one call: row a * n + i is question i with ANSWERS[a]
  const logProbs = await policy.logProbs!(ANSWERS.flatMap(() => inputs), ANSWERS.flatMap((answer) => inputs.map(() => answer)));
  const groups = new Map<string, number[][]>();
  samples.forEach((sample, i) => {
    const key = `${(sample.facts as { category: string }).category} | ${sample.answer}`;
    const group = groups.get(key) ?? ANSWERS.map(() => []);
    ANSWERS.forEach((_, a) => group[a]!.push(logProbs[a * samples.length + i]![0]!));
    groups.set(key, group);
  });
  console.log(`category | true count: p("1") p("2") p("3"), questions`);
  for (const [key, group] of [...groups].sort())
    console.log(`${key.padEnd(24)} ${group.map((lps) => Math.exp(lps.reduce((x, y) => x + y, 0) / lps.length).toFixed(2)).join(' ')}  n=${group[0]!.length}`);
  await policy.dispose?.();
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
