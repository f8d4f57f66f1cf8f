/**
 * Does a checkpoint's grounding head look at the named objects in rooms it
 * was not trained on? The mean grounding loss (KL from the regions' target to
 * head 0's attention in the first layer, plugins/model-tiny-vlm/grounding.ts;
 * 0 when met) of a tiny-vlm checkpoint on a dataset's grounded samples, per
 * split (train and validation) and task; nothing is trained (the gradients
 * it accumulates are dropped).
 *
 *   npx tsx presets/spatial-ladder/tuning/grounding-probe.ts <checkpoint> <dataset dir> [per cell=40]
 */
import { loadDataset } from '../../../plugins/dataset/index.ts';
import { tinyVlmBackend } from '../../../plugins/model-tiny-vlm/index.ts';
import { samplePrompt } from '../../../lib/prompts/index.ts';
import type { Sample } from '../../../core/index.ts';
import { runScript } from './script.ts';

async function main([checkpoint, datasetDir, perCell = '40']: string[]) {
  if (!checkpoint || !datasetDir) throw new Error('usage: grounding-probe.ts <checkpoint> <dataset dir> [per cell=40]');
  const dataset = loadDataset(datasetDir);
  const policy = await tinyVlmBackend().load!(checkpoint, { seed: 0, log: () => {} });
  const trainer = policy.trainer!;
  const cells = new Map<string, Sample[]>();
  for (const s of dataset.samples) {
    if (!s.grounding?.length || s.split === 'held-out') continue; // the held-out rows are for the final report only
    const key = `${s.split ?? 'train'} ${s.task}`;
    const rows = cells.get(key) ?? [];
    if (rows.length < Number(perCell)) cells.set(key, [...rows, s]);
  }
  console.log(`${checkpoint}: mean grounding loss per phrase (KL; 0 = attends as the regions say)`);
  for (const [key, samples] of [...cells].sort(([a], [b]) => a.localeCompare(b))) {
    let loss = 0;
    let phrases = 0;
    for (let i = 0; i < samples.length; i += 8) {
      const examples = samples.slice(i, i + 8).map((s) => ({ input: samplePrompt(s, dataset.dir, s.task === 'localization' ? 'plain' : 'direct'), completion: s.answer, grounding: { weight: 1, phrases: s.grounding! } }));
      const result = await trainer.accumulate(examples, (lp) => ({ loss: 0, grads: lp.map((l) => l.map(() => 0)) }));
      loss += result.grounding?.loss ?? 0;
      phrases += result.grounding?.phrases ?? 0;
      trainer.commit();
    }
    console.log(`${key.padEnd(32)} ${(loss / Math.max(1, phrases)).toFixed(3)} (${phrases} phrases, ${samples.length} samples)`);
  }
  await policy.dispose?.();
}

runScript(import.meta.url, main);
