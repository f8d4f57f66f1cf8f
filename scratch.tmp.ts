import { writeToyDataset } from './test/helpers/toy-dataset.ts';
import { tinyVlmBackend } from './plugins/model-tiny-vlm/index.ts';
import { samplePrompt } from './plugins/prompts/index.ts';
import { mkdtempSync } from 'node:fs';
const dir = mkdtempSync('/tmp/toy-');
let t = performance.now();
const ds = await writeToyDataset(dir, { count: Number(process.argv[2] ?? 40), images: [2, 8] });
console.log('dataset', (performance.now() - t).toFixed(0), 'ms');
const policy: any = await tinyVlmBackend().create({}, { seed: 1, dataset: ds, log: console.log });
console.log('vocab', policy.tokenizer.size, 'params', policy.parameters().reduce((s: number, p: any) => s + p.value.length, 0));
const ex = ds.samples.map((s) => ({ input: samplePrompt(s, ds.dir, 'direct'), completion: s.answer }));
const lens = ex.map((e) => policy.model.encode(e.input).ids.length);
console.log('mean len', lens.reduce((a, b) => a + b) / lens.length);
for (let rep = 0; rep < 3; rep++) {
  t = performance.now();
  let tokens = 0;
  for (let i = 0; i < ex.length; i += 8) {
    const r = await policy.accumulate(ex.slice(i, i + 8), (lp: number[][]) => ({ loss: -lp.flat().reduce((a, b) => a + b, 0), grads: lp.map((l) => l.map(() => -1)) }));
    tokens += r.tokens;
    if (rep === 0 && i === 0) console.log('loss', r.loss / r.completionTokens);
  }
  const s = (performance.now() - t) / 1000;
  console.log(`train ${tokens} tokens ${s.toFixed(2)}s ${(tokens / s).toFixed(0)} tok/s`);
}
t = performance.now();
const g = await policy.generate(ex.slice(0, 2).map((e) => e.input), { maxTokens: 32, temperature: 1, topP: 1, seed: 3, n: 8 });
console.log('gen', (performance.now() - t).toFixed(0), 'ms', JSON.stringify(g[0][0]));
