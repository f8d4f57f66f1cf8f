import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../core/cli.ts';
import { buildDataset, type Dataset, type Sample } from '../../../core/index.ts';
import { checkDataset, coverageProblems, enabledCells, sampleProblems } from '../../../plugins/dataset/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { fixtureConfig, fixtureLadder } from './helpers.ts';

async function captured(argv: string[]): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  try {
    return { code: await main(['node', 'ladder', ...argv]), out };
  } finally {
    process.stdout.write = write;
  }
}

test.serial('ladder data build / check / stats from a config file', async (t) => {
  const root = tempDir(t);
  const file = join(root, 'ladder.config.json');
  writeFileSync(file, JSON.stringify({ ...fixtureConfig({ images: join(root, 'images'), cacheDir: join(root, 'cache') }), plugins: [...(fixtureConfig({ images: join(root, 'images'), cacheDir: '' }).plugins as unknown[]), ['reporter', { bars: false }]] }));
  const built = await captured(['data', 'build', '-c', file]);
  t.is(built.code, 0);
  t.regex(built.out, /^built: .*cache\/datasets\/[0-9a-f]{16}\n/);
  t.regex(built.out, /\| Modality +\| Obj\. Cnt\. \|/);
  const again = await captured(['data', 'build', '-c', file, '--json']);
  t.like(JSON.parse(again.out), { cached: true, samples: JSON.parse((await captured(['data', 'stats', '-c', file, '--json'])).out).samples });
  const check = await captured(['data', 'check', '-c', file]);
  t.is(check.code, 0, check.out);
  t.regex(check.out, /ok: no scene is in two splits; \d+ samples valid; every cell covered/);
  const stats = await captured(['data', 'stats', '-c', file, '--out', join(root, 'stats')]);
  t.regex(stats.out, /wrote stats\.json, stats\.png, letters\.png/);
  t.is((await captured(['data', 'build', '-c', file, '--workers', 'two'])).code, 2);
  // a folder named on the command line that holds no dataset is a usage error (exit 2), not a run failure
  t.is((await captured(['data', 'stats', '-c', file, '--dir', join(root, 'images')])).code, 2);
  t.is((await captured(['data', 'check', '-c', file, '--against', join(root, 'nowhere')])).code, 2);
  // an --out that is a file, not a folder, is a usage error too
  t.is((await captured(['data', 'stats', '-c', file, '--out', file])).code, 2);
  t.is((await captured(['data', 'export', '-c', file, '--format', 'trl', '--out', file])).code, 2);
});

const clone = (d: Dataset, samples: Sample[], manifest = d.manifest): Dataset => ({ dir: d.dir, manifest, samples });

test('check proves the split: a scene in both splits, or training scenes held out elsewhere, are reported', async (t) => {
  const root = tempDir(t);
  const images = join(root, 'images');
  const a = await buildDataset((await fixtureLadder({ images, cacheDir: join(root, 'a'), data: { split: { heldOut: ['room01'] } } })).ladder);
  t.deepEqual(checkDataset(a, [], enabledCells(a.manifest)).problems, []);
  const b = await buildDataset((await fixtureLadder({ images, cacheDir: join(root, 'b'), data: { split: { heldOut: ['room02'] } } })).ladder);
  const problems = checkDataset(a, [b], enabledCells(a.manifest)).problems;
  t.deepEqual(problems, [`training scene room02 is held out in ${b.dir}`, `held-out scene room01 trains in ${b.dir}`]);

  const leaked = a.samples.map((s, i) => (i === 0 ? { ...s, split: 'held-out' as const } : s));
  const report = checkDataset(clone(a, leaked), [], enabledCells(a.manifest));
  t.false(report.ok);
  t.true(report.problems.includes(`scene ${a.samples[0]!.scene} has samples in both the train and the held-out split`));
});

test('sample checks: letters, numbers, boxes inside the image, media, pairs, grounding', (t) => {
  const base: Sample = { id: 'q', task: 'relative-direction', modality: 'single-image', scene: 's', question: 'q', options: ['A. x', 'B. y'], answer: 'C', answerKind: 'choice', media: { images: ['nowhere.jpg'] } };
  const ids = new Map<string, Sample>([['q', base]]);
  t.deepEqual(sampleProblems(base, '/tmp', ids), ['q: answer "C" is not one of the option letters', 'q: missing media file nowhere.jpg']);
  t.deepEqual(sampleProblems({ ...base, options: undefined, answerKind: 'number', answer: '1e5' }, '/tmp', ids).slice(0, 1), ['q: answer "1e5" is not a number']);
  const boxes = { ...base, options: undefined, task: 'localization', answerKind: 'boxes' as const, facts: { image: { resizedWidth: 100, resizedHeight: 50 } } };
  t.deepEqual(sampleProblems({ ...boxes, answer: '[{"bbox_2d":[1,2,100,20],"label":"a"}]', pairedWith: 'q' }, '/tmp', ids).slice(0, 1), [
    'q: box [1,2,100,20] lies outside the 100x50 image or is inverted',
  ]);
  t.true(sampleProblems({ ...boxes, answer: '"[]"' }, '/tmp', ids)[0]!.endsWith('not a non-empty JSON list'), 'JSON encoded twice is caught');
  t.true(sampleProblems({ ...base, pairedWith: 'missing' }, '/tmp', ids).includes('q: paired with missing, which is not in the dataset'));
  const grounded = { ...base, question: 'Is the lamp left of the desk?', answer: 'A' };
  const problems = (grounding: Sample['grounding']) => sampleProblems({ ...grounded, grounding }, '/tmp', ids).filter((p) => p.includes('grounding'));
  t.deepEqual(problems([{ phrase: 'lamp', regions: [{ image: 0, box: [0.1, 0.2, 0.3, 0.4] }] }]), []);
  t.deepEqual(problems([{ phrase: 'chair', regions: [{ image: 1, box: [0.5, 0.2, 0.3, 1.2] }] }]), [
    'q: grounding phrase "chair" is not in the question',
    'q: grounding of "chair" names image 1, which the sample does not have',
    'q: grounding box [0.5,0.2,0.3,1.2] of "chair" is not [x1, y1, x2, y2] within [0, 1]',
  ]);
});

test('coverage: an empty cell and a skewed letter are reported; two options allow 60%, a few samples their most even split', (t) => {
  const choice = (i: number, task: string, answer: string, n = 4): Sample => ({
    id: `${task}${i}`, task, modality: 'video', scene: 's', question: 'q', answer, answerKind: 'choice', media: { images: ['a'] },
    options: Array.from({ length: n }, (_, j) => `${'ABCD'[j]}. ${j}`),
  });
  const cells = { 'appearance-order': ['video'] as const, 'relative-distance': ['video'] as const, 'room-size': ['video'] as const };
  const samples = [...'AAACD'.split('').map((l, i) => choice(i, 'appearance-order', l)), ...'AABBA'.split('').map((l, i) => choice(i, 'relative-distance', l, 2))];
  t.deepEqual(coverageProblems(samples, { cells }), ['no training sample of room-size (video)', 'appearance-order: answer A in 60.0% of 5 samples (limit 40%)']);
  const even = 'AABCD'.split('').map((l, i) => choice(i, 'appearance-order', l));
  t.deepEqual(coverageProblems(even, { cells: { 'appearance-order': ['video'] } }), [], '2 of 5 over four letters is as even as 5 samples get');
  const skewed = 'AABCDABCDABCDABCDABC'.split('').map((l, i) => choice(i, 'appearance-order', l));
  t.deepEqual(coverageProblems(skewed, { cells: { 'appearance-order': ['video'] } }), [], 'A 6 of 20: 30%, under 35%');
  t.deepEqual(coverageProblems([...skewed, choice(20, 'appearance-order', 'A'), choice(21, 'appearance-order', 'A')], { cells: { 'appearance-order': ['video'] } }), [
    'appearance-order: answer A in 36.4% of 22 samples (limit 35%)',
  ]);
  t.deepEqual(coverageProblems(samples.slice(5), { cells: { 'relative-distance': ['video'] } }), [], 'A in 3 of 5 two-option answers is exactly the limit');
});

test.serial('workers rebuild a config holding inline plugin objects by loading its file again', async (t) => {
  const root = tempDir(t);
  const config = fixtureConfig({ images: join(root, 'images'), cacheDir: join(root, 'cache'), data: { workers: 2 }, fixture: { scenes: 3 } });
  const file = join(root, 'ladder.config.mjs');
  writeFileSync(
    file,
    `const inline = { name: 'inline-note', apply(ladder) { ladder.hooks.log.tap('inline-note', () => {}); } };\nexport default { ...${JSON.stringify(config)}, plugins: [...${JSON.stringify(config.plugins)}, inline] };\n`,
  );
  const logs: string[] = [];
  const error = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => (logs.push(String(chunk)), true)) as typeof process.stderr.write;
  let result;
  try {
    result = await captured(['data', 'build', '-c', file, '--json']);
  } finally {
    process.stderr.write = error;
  }
  t.is(result.code, 0, logs.join(''));
  t.false(logs.join('').includes('generating in this thread'), logs.join(''));
  const inThread = await fixtureLadder({ images: join(root, 'images'), cacheDir: join(root, 'cache'), fixture: { scenes: 3 } });
  const hash = JSON.parse(result.out).hash as string;
  t.is((await buildDataset(inThread.ladder)).dir, join(root, 'cache', 'datasets', hash), 'inline plugins that tap no data hook leave the hash alone');
});
