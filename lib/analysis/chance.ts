/**
 * The chance policy's score on benchmarks: the `chance` model (model-chance,
 * seeded uniform answers) evaluated as any checkpoint is, once per benchmark,
 * into `<dir>/chance/<benchmark>` (its predictions are reused when asked again).
 */
import { join } from 'node:path';
import { evaluateBenchmark, LadderError, type BenchmarkReport, type Dataset, type Ladder } from '../../core/index.ts';

export async function chanceReports(ladder: Ladder, benchmarks: string[], dir: string, dataset: Dataset): Promise<Record<string, BenchmarkReport>> {
  if (!ladder.has('models', 'chance'))
    throw new LadderError('scores are shown beside the chance policy\'s: add the plugin model-chance (the spatial-ladder preset has it)');
  const policy = await ladder.get('models', 'chance').create({}, { seed: ladder.config.seed, dataset, log: (m) => ladder.log(m) });
  const out: Record<string, BenchmarkReport> = {};
  for (const id of benchmarks) out[id] = await evaluateBenchmark(ladder, policy, id, join(dir, 'chance', id), { dataset, existing: 'replace' });
  return out;
}
