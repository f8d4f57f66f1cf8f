import test from 'ava';
import sharp from 'sharp';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { appendJsonLine, createLadder, summarizeAblation, type MetricEvent } from '../../../core/index.ts';
import runReport, { stageSeries } from '../../../plugins/run-report/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const step = (stage: string, s: number, fields: Record<string, number>): MetricEvent => ({ event: 'step', stage, step: s, time: 0, ...fields });

test('stages are laid end to end on one step axis; stages without the key are left out', (t) => {
  const events = [step('perception', 1, { loss: 3 }), step('perception', 2, { loss: 2 }), { event: 'stage-end', stage: 'perception', time: 0 }, step('reasoning', 1, { loss: 1, reward_mean: 0.5 }), step('reasoning', 2, { loss: 0.5, reward_mean: 0.9 })];
  t.deepEqual(stageSeries(events, 'loss'), [
    { name: 'perception', points: [[1, 3], [2, 2]] },
    { name: 'reasoning', points: [[3, 1], [4, 0.5]] },
  ]);
  t.deepEqual(stageSeries(events, 'reward_mean'), [{ name: 'reasoning', points: [[3, 0.5], [4, 0.9]] }]);
  t.deepEqual(stageSeries(events, 'reward_mean', true), [{ name: 'reasoning', points: [[1, 0.5], [2, 0.9]] }], 'local: on the stage\'s own steps');
  t.deepEqual(stageSeries(events, 'loss', true).map((s) => s.points[0]), [[1, 3], [1, 1]]);
});

test('done writes the loss and reward PNGs; compare writes the ablation chart', async (t) => {
  const dir = tempDir(t);
  for (const [s, loss] of [[1, 2], [2, 1]] as const) appendJsonLine(join(dir, 'metrics.jsonl'), step('understanding', s, { loss }));
  appendJsonLine(join(dir, 'metrics.jsonl'), step('reasoning', 1, { loss: 0.8, reward_mean: 1.2, reward_std: 0.4 }));
  const ladder = await createLadder({ plugins: [runReport({ width: 400, height: 300 })] }, { defaults: [] });
  await ladder.hooks.done.promise({ name: 'r', dir, seed: 1, curriculum: [] });
  for (const file of ['loss.png', 'reward_mean.png', 'reward_std.png']) {
    const meta = await sharp(join(dir, 'plots', file)).metadata();
    t.deepEqual([meta.format, meta.width, meta.height], ['png', 400, 300], file);
  }
  const report = (avg: number) => ({ benchmark: 'held-out', scores: [], nq: avg, mcq: avg, avg });
  await ladder.hooks.compare.promise(
    summarizeAblation([{ variant: 'progressive', seed: 1, name: 'p', dir: '/p', stages: ['a'], final: { 'held-out': report(40) } }], dir),
  );
  t.true(existsSync(join(dir, 'ablation.png')));
});
