import * as tf from '@tensorflow/tfjs';
import { writeToyDataset } from './test/helpers/toy-dataset.ts';
import { tinyVlmBackend } from './plugins/model-tiny-vlm/index.ts';
import { samplePrompt } from './plugins/prompts/index.ts';
import { mkdtempSync } from 'node:fs';
const dir = mkdtempSync('/tmp/toy-');
const ds = await writeToyDataset(dir, { count: 16, images: [2, 8] });
const policy: any = await tinyVlmBackend().create({}, { seed: 1, dataset: ds, log: () => {} });
const ex = ds.samples.map((s) => ({ input: samplePrompt(s, ds.dir, 'direct'), completion: s.answer }));
const obj = (lp: number[][]) => ({ loss: 0, grads: lp.map((l) => l.map(() => -1)) });
await policy.accumulate(ex.slice(0, 8), obj);
const info = await tf.profile(async () => { await policy.accumulate(ex.slice(8, 16), obj); });
const by = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) { const e = by.get(k.name) ?? { ms: 0, n: 0 }; e.ms += k.kernelTimeMs as number; e.n++; by.set(k.name, e); }
const total = [...by.values()].reduce((s, e) => s + e.ms, 0);
console.log('kernel total ms', total.toFixed(1), 'kernels', info.kernels.length);
for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(name.padEnd(20), e.ms.toFixed(1), e.n);
const t = performance.now(); await policy.accumulate(ex.slice(8, 16), obj); console.log('wall', (performance.now() - t).toFixed(0));
