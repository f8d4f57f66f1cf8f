import test from 'ava';
import { createLadder } from '../../../core/index.ts';
import reporter from '../../../plugins/reporter/index.ts';

async function capture(fn: () => Promise<void> | void): Promise<string> {
  const write = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stderr.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = write;
  }
  return out;
}

test.serial('plain mode: progress at start and end, every n-th step, stage lines, a line per evaluation', async (t) => {
  const ladder = await createLadder({ plugins: [reporter({ bars: false, every: 2 })] }, { defaults: [] });
  const out = await capture(async () => {
    const bar = ladder.progress('build dataset', 4);
    for (let i = 0; i < 4; i++) bar.tick();
    bar.done();
    ladder.hooks.step.call({ event: 'stage-start', stage: 'perception', kind: 'sft', time: 0 });
    for (let step = 1; step <= 3; step++) ladder.hooks.step.call({ event: 'step', stage: 'perception', step, loss: 1 / step, lr: 1e-5, time: 0 });
    ladder.log('dataset cached', 'warn');
    await ladder.hooks.evaluate.promise(
      { benchmark: 'held-out', scores: [{ type: 'object-size', kind: 'NQ', count: 3, score: 40 }], nq: 40, mcq: 0, avg: 40 },
      'base',
      { name: 'x', dir: '/x', seed: 1, curriculum: [] },
    );
    await ladder.hooks.evaluate.promise(
      { benchmark: 'held-out', scores: [{ type: 'object-size', kind: 'NQ', count: 3, score: 40 }], nq: 40, mcq: 0, avg: 40, intervals: { avg: { estimate: 40, low: 12.25, high: 71 } } },
      'understanding',
      { name: 'x', dir: '/x', seed: 1, curriculum: [] },
    );
  });
  const lines = out.split('\n');
  t.is(lines[0], 'build dataset: 0/4 (0%)');
  t.regex(out, /build dataset: 4\/4 \(100%\) done in \d+\.\ds/);
  t.regex(out, /== stage perception \(sft\) ==/);
  t.regex(out, /\[perception\] step 2  loss 0\.5000  lr 1\.00e-5/);
  t.notRegex(out, /step 1 |step 3 /, 'only every 2nd step');
  t.regex(out, /warning: dataset cached/);
  t.regex(out, /held-out @ base: NQ 40\.0  MCQ 0\.0  Avg 40\.0 \(3 rows\)/);
  t.regex(out, /held-out @ understanding: NQ 40\.0  MCQ 0\.0  Avg 40\.0 \(95% CI 12\.3 to 71\.0, 3 rows\)/);
});
