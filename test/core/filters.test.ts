import test from 'ava';
import { createLadder, PluginError, runFilters, type Candidate, type Plugin, type Scene } from '../../core/index.ts';
import { syntheticScene } from '../helpers/synthetic-scene.ts';

const scene: Scene = syntheticScene({ id: 'room', seed: 1, objects: 4, views: 2 });
const candidates = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, task: i % 2 ? 'odd' : 'even' }) as Candidate);

/** Filters of every tap kind, one of them ordered first. */
const filters: Plugin = {
  name: 'filters',
  apply(ladder) {
    ladder.hooks.filters.tap('drop-odd', (cs) => cs.filter((c) => c.task !== 'odd'));
    ladder.hooks.filters.tapPromise('keep-three', async (cs) => cs.slice(0, 3));
    ladder.hooks.filters.tapAsync('pass', (_cs, _ctx, done) => done(null, undefined as unknown as Candidate[]));
    ladder.hooks.filters.tap({ name: 'drop-first', order: 'pre' }, (cs) => cs.slice(1));
  },
};

test('filters run through the declared waterfall; a wrapper on every tap counts what it drops, in tap order', async (t) => {
  const ladder = await createLadder({ plugins: [filters] }, { defaults: [] });
  const calls: number[] = [];
  ladder.hooks.filters.intercept({ call: (cs) => void calls.push(cs.length) });
  const { kept, drops } = await runFilters(ladder, candidates, { scene, seed: 1 });
  t.deepEqual(kept.map((c) => c.id), ['c2', 'c4', 'c6']);
  t.deepEqual(drops, { 'drop-first': 1, 'drop-odd': 5, 'keep-three': 1, pass: 0 });
  t.deepEqual(Object.keys(drops), ['drop-first', 'drop-odd', 'keep-three', 'pass']);
  t.deepEqual(calls, [10], 'the hook itself was called, once');
  // each call has its own tally
  t.deepEqual((await runFilters(ladder, candidates.slice(0, 4), { scene, seed: 1 })).drops, { 'drop-first': 1, 'drop-odd': 2, 'keep-three': 0, pass: 0 });
});

test('a filter returning something other than candidates is an error naming it', async (t) => {
  const bad: Plugin = { name: 'bad-filter', apply: (l) => l.hooks.filters.tapPromise('bad-filter', async () => 'nothing' as unknown as Candidate[]) };
  const ladder = await createLadder({ plugins: [bad] }, { defaults: [] });
  await t.throwsAsync(runFilters(ladder, candidates, { scene, seed: 1 }), { instanceOf: PluginError, message: /"bad-filter".*filter "bad-filter" returned string, not an array of candidates/ });
});
