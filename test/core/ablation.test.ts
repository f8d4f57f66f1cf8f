import test from 'ava';
import { applyVariant, meanStd, parseOrder, summarizeAblation, variantEvaluationPoints, type AblationRun, type StageEntry } from '../../core/index.ts';

const entry = (name: string): StageEntry => ({ name, kind: 'sft', data: [{ tasks: [name] }], options: {}, evaluate: true });
const curriculum = ['perception', 'understanding', 'reasoning'].map(entry);

test('parseOrder: commas order stages, "+" mixes them', (t) => {
  t.deepEqual(parseOrder('perception+understanding, reasoning'), { mix: [['perception', 'understanding']], order: ['perception+understanding', 'reasoning'] });
  t.deepEqual(applyVariant(curriculum, parseOrder('perception+understanding,reasoning')).map((e) => e.name), ['perception+understanding', 'reasoning']);
  t.deepEqual(applyVariant(curriculum, parseOrder('reasoning,perception')).map((e) => e.name), ['reasoning', 'perception']);
  t.throws(() => parseOrder(' , '), { message: /expected stage names/ });
});

test('a variant is evaluated at the configured points it still has, and always after its last stage', (t) => {
  const at = ['base', 'understanding', 'reasoning'];
  t.deepEqual(variantEvaluationPoints(at, curriculum), at);
  t.deepEqual(variantEvaluationPoints(at, applyVariant(curriculum, { order: ['understanding'] })), ['base', 'understanding']);
  t.deepEqual(variantEvaluationPoints(at, applyVariant(curriculum, { drop: ['reasoning'] })), ['base', 'understanding']);
  t.deepEqual(variantEvaluationPoints(at, applyVariant(curriculum, { mix: [['perception', 'understanding']] })), ['base', 'reasoning']);
  t.deepEqual(variantEvaluationPoints(['base'], curriculum), ['base', 'reasoning']);
  t.deepEqual(variantEvaluationPoints(at, []), ['base']);
  const quiet = curriculum.map((e) => ({ ...e, evaluate: e.name === 'perception' }));
  t.deepEqual(variantEvaluationPoints(undefined, quiet), ['base', 'perception', 'reasoning']);
});

test('meanStd uses the sample standard deviation', (t) => {
  t.deepEqual(meanStd([40]), { mean: 40, std: 0 });
  const { mean, std } = meanStd([40, 42, 44]);
  t.is(mean, 42);
  t.is(std, 2); // sqrt(((-2)^2 + 0 + 2^2) / 2)
});

test('summarizeAblation groups runs by variant, averaging each benchmark over seeds', (t) => {
  const report = (avg: number) => ({ benchmark: 'held-out', scores: [], nq: avg, mcq: avg, avg });
  const runs: AblationRun[] = [
    { variant: 'progressive', seed: 1, name: 'p1', dir: '/p1', stages: ['perception', 'understanding'], final: { 'held-out': report(50) } },
    { variant: 'progressive', seed: 2, name: 'p2', dir: '/p2', stages: ['perception', 'understanding'], final: { 'held-out': report(54) } },
    { variant: 'spatial-only', seed: 1, name: 's1', dir: '/s1', stages: ['understanding'], final: { 'held-out': report(47) } },
    { variant: 'spatial-only', seed: 2, name: 's2', dir: '/s2', stages: ['understanding'], final: { 'held-out': report(47) } },
  ];
  const summary = summarizeAblation(runs, '/out');
  t.deepEqual(summary.variants.map((v) => [v.variant, v.curriculum, v.avg['held-out']!.mean]), [
    ['progressive', 'perception -> understanding', 52],
    ['spatial-only', 'understanding', 47],
  ]);
  t.is(summary.variants[0]!.avg['held-out']!.std, Math.sqrt(8));
  t.regex(summary.table, /\| progressive +\| perception -> understanding \| +2 \| 52\.0 ± 2\.8 +\|/);
});
