import test from 'ava';
import { PAPER_BUDGET } from '../../../lib/media/index.ts';
import { hfBackend, type HfPolicy } from '../../../plugins/engine-trl/index.ts';

const HUB_ID = 'Qwen/Qwen2.5-VL-3B-Instruct';

test("an hf model asked without a dataset sees images at the paper's budget, not its processor's 12.8 M pixels; the dataset's budget or the options win", async (t) => {
  const ctx = { seed: 1, log: () => undefined };
  const budget = async (options: Record<string, unknown>, dataset?: unknown) => {
    const policy = (await hfBackend().create({ path: HUB_ID, ...options }, { ...ctx, dataset } as never)) as HfPolicy;
    return [policy.options.minPixels, policy.options.maxPixels];
  };
  t.deepEqual(await budget({}), [12_544, 100_352]);
  t.deepEqual([PAPER_BUDGET.minPixels, PAPER_BUDGET.maxPixels], [12_544, 100_352]);
  t.deepEqual(await budget({}, { manifest: { settings: { pixels: { min: 3_136, max: 50_176 } } } }), [3_136, 50_176]);
  t.deepEqual(await budget({ maxPixels: 401_408 }, { manifest: { settings: { pixels: { min: 3_136, max: 50_176 } } } }), [3_136, 401_408]);
});
