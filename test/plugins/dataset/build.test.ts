import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { buildDataset, PluginError, readJsonLines, type Plugin, type Sample } from '../../../core/index.ts';
import { buildCachedDataset, checkDataset, coverageProblems, enabledCells, loadDataset } from '../../../plugins/dataset/index.ts';
import { SPATIAL_CELLS } from '../../../lib/tasks/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { fixtureLadder, PLUGINS } from './helpers.ts';

/** sha256 of every file under a directory, by relative path. */
function digest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const request = (ladder: Awaited<ReturnType<typeof fixtureLadder>>['ladder']) => ({
  seed: ladder.config.seed,
  cacheDir: ladder.config.cacheDir,
  config: ladder.config.data,
  progress: ladder.progress.bind(ladder),
  log: (m: string) => ladder.log(m),
});

test('a build covers every cell of the task x modality table, balances letters, pairs localization and writes valid media', async (t) => {
  const root = tempDir(t);
  const { ladder } = await fixtureLadder({ images: join(root, 'images'), cacheDir: join(root, 'cache'), fixture: { video: true } });
  const dataset = await buildDataset(ladder);
  t.true(dataset.dir.startsWith(join(root, 'cache', 'datasets')));
  t.deepEqual(coverageProblems(dataset.samples), []);
  const report = checkDataset(dataset, [], enabledCells(dataset.manifest));
  t.deepEqual(report.problems, []);
  t.deepEqual(enabledCells(dataset.manifest), SPATIAL_CELLS, 'every task and modality enabled');

  // splits by scene: 5 scenes, 20% held out
  t.deepEqual(dataset.manifest.scenes, { train: report.scenes.train, heldOut: report.scenes.heldOut, skipped: [] });
  t.is(report.scenes.heldOut.length, 1);
  for (const s of dataset.samples) t.is(s.split, report.scenes.heldOut.includes(s.scene) ? 'held-out' : 'train');

  // one localization twin per single-image question, right after it
  const single = dataset.samples.filter((s) => s.modality === 'single-image' && s.task !== 'localization');
  const twins = dataset.samples.filter((s) => s.task === 'localization');
  t.is(twins.length, single.length);
  for (const q of single) t.is(dataset.samples[dataset.samples.indexOf(q) + 1]!.pairedWith, q.id);

  // media: resized colour images (160x120 -> 168x112), the video copied, paths relative
  const image = dataset.samples[0]!.media.images[0]!;
  t.regex(image, /^media\/room\d\d\/\d+\.jpg$/);
  t.like(await sharp(join(dataset.dir, image)).metadata(), { width: 168, height: 112, format: 'jpeg' });
  const video = dataset.samples.find((s) => s.media.video);
  t.is(video?.media.video, 'media/room00/video.mp4');
  t.true(statSync(join(dataset.dir, video!.media.video!)).size > 1000);
  t.true(dataset.samples.filter((s) => s.modality === 'video' && s.scene === 'room00').every((s) => s.media.video));

  // boxes are in the resized image's pixels
  for (const twin of twins) for (const box of JSON.parse(twin.answer) as { bbox_2d: number[] }[]) t.true(box.bbox_2d[2]! < 168 && box.bbox_2d[3]! < 112);

  // the file holds what the hook returned; the manifest's counts and drops add up
  t.deepEqual(readJsonLines<Sample>(join(dataset.dir, 'samples.jsonl')), dataset.samples);
  const counts = dataset.manifest.counts as { samples: number; train: number; heldOut: number };
  t.is(counts.samples, dataset.samples.length);
  t.is(counts.train + counts.heldOut, counts.samples);
  const candidates = dataset.manifest.candidates as { generated: number; drops: Record<string, number> };
  const dropped = Object.values(candidates.drops).reduce((a, b) => a + b, 0);
  t.is(candidates.generated - dropped, dataset.samples.length - twins.length);
  t.deepEqual(Object.keys(candidates.drops), [
    'filter-visibility', 'filter-unique-category', 'filter-noisy-category', 'filter-human-scale',
    'filter-distance-ratio', 'filter-direction-margin', 'filter-appearance-gap', 'filter-caps',
  ]);
  for (const file of ['stats.json', 'stats.png', 'letters.png', 'export/train/spld_spatial_data.jsonl', 'export/held-out/spld_grounding_data.jsonl'])
    t.true(existsSync(join(dataset.dir, file)), file);
  t.false(existsSync(`${dataset.dir}.partial`));
});

test("each sample's grounding is where the objects its question names show: a localization twin's box is its answer", async (t) => {
  const root = tempDir(t);
  const { ladder } = await fixtureLadder({ images: join(root, 'images'), cacheDir: join(root, 'cache') });
  const dataset = await buildDataset(ladder);
  const grounded = dataset.samples.filter((s) => s.grounding?.length);
  t.true(grounded.length > 0.9 * dataset.samples.length, `${grounded.length} of ${dataset.samples.length} grounded`);
  for (const s of grounded)
    for (const { phrase, regions } of s.grounding!) {
      t.true(s.question.includes(phrase), `${s.id}: "${phrase}" is in the question`);
      for (const { image, box } of regions) {
        t.true(image >= 0 && image < s.media.images.length, `${s.id}: image ${image}`);
        t.true(box.every((x) => x >= 0 && x <= 1) && box[0] <= box[2] && box[1] <= box[3], `${s.id}: box ${box}`);
      }
    }
  const twins = dataset.samples.filter((s) => s.task === 'localization');
  t.true(twins.length > 0);
  for (const twin of twins) {
    const answers = JSON.parse(twin.answer) as { bbox_2d: number[]; label: string }[];
    const { width, height } = await sharp(join(dataset.dir, twin.media.images[0]!)).metadata();
    t.deepEqual(twin.grounding?.map((g) => g.phrase).sort(), answers.map((a) => a.label).sort());
    for (const { bbox_2d: answer, label } of answers) {
      const regions = twin.grounding!.find((g) => g.phrase === label)!.regions;
      t.is(regions.length, 1, `${twin.id}: one ${label}`);
      const scaled = regions[0]!.box.map((x, k) => x * (k % 2 ? height! : width!));
      scaled.forEach((x, k) => t.true(Math.abs(x - answer[k]!) <= 1.5, `${twin.id}: grounding ${scaled} against the answer ${answer}`));
    }
  }
});

test('the second build with the same inputs is a no-op; changed inputs rebuild elsewhere', async (t) => {
  const root = tempDir(t);
  const config = { images: join(root, 'images'), cacheDir: join(root, 'cache'), fixture: { scenes: 3 } };
  const first = await fixtureLadder(config);
  const built = await buildCachedDataset(first.ladder, request(first.ladder));
  t.false(built.cached);
  const before = digest(built.dir);
  const mtime = statSync(join(built.dir, 'samples.jsonl')).mtimeMs;

  const again = await fixtureLadder(config);
  const cached = await buildCachedDataset(again.ladder, request(again.ladder));
  t.true(cached.cached);
  t.is(cached.dir, built.dir);
  t.regex(again.logs.join('\n'), /is up to date .* \(cached: nothing to build\)/);
  t.is(statSync(join(built.dir, 'samples.jsonl')).mtimeMs, mtime);
  t.deepEqual(cached.samples, built.samples);

  const workers = await fixtureLadder({ ...config, data: { workers: 3 } });
  t.true((await buildCachedDataset(workers.ladder, request(workers.ladder))).cached, 'the worker count does not change the content');

  for (const changed of [{ ...config, seed: 8 }, { ...config, data: { candidates: 30 } }, { ...config, fixture: { scenes: 3, objects: 9 } }]) {
    const other = await fixtureLadder(changed);
    const rebuilt = await buildCachedDataset(other.ladder, request(other.ladder));
    t.false(rebuilt.cached);
    t.not(rebuilt.dir, built.dir);
  }
  const noCaps = await fixtureLadder({ ...config, plugins: (await import('./helpers.ts')).PLUGINS.filter((p) => p !== 'filter-caps') });
  const uncapped = await buildCachedDataset(noCaps.ladder, request(noCaps.ladder));
  t.not(uncapped.dir, built.dir, 'disabling a filter changes the hash');
  t.true(uncapped.samples.length > built.samples.length);
  t.deepEqual(digest(built.dir), before);
});

test('the same seed gives identical bytes, in one thread or in worker threads', async (t) => {
  const root = tempDir(t);
  const images = join(root, 'images');
  const one = await fixtureLadder({ images, cacheDir: join(root, 'one'), data: { workers: 1 } });
  const two = await fixtureLadder({ images, cacheDir: join(root, 'two'), data: { workers: 2 } });
  const a = await buildCachedDataset(one.ladder, request(one.ladder));
  const b = await buildCachedDataset(two.ladder, request(two.ladder));
  t.is(a.hash, b.hash);
  t.regex(two.logs.join('\n'), /5 scenes in/);
  t.false(two.logs.some((l) => l.includes('generating in this thread')), 'the worker path ran');
  const da = digest(a.dir);
  t.true(Object.keys(da).length > 50);
  t.deepEqual(digest(b.dir), da);
});

test.serial('a build that crashed resumes from the scenes it finished and ends with the same bytes', async (t) => {
  const root = tempDir(t);
  const images = join(root, 'images');
  const crashed = await fixtureLadder({ images, cacheDir: join(root, 'cache') });
  process.env.FIXTURE_FAIL_SCENE = 'room03';
  try {
    await t.throwsAsync(() => buildDataset(crashed.ladder), { instanceOf: PluginError, message: /simulated crash loading room03/ });
  } finally {
    delete process.env.FIXTURE_FAIL_SCENE;
  }
  const partial = readdirSync(join(root, 'cache', 'datasets')).find((d) => d.endsWith('.partial'))!;
  t.deepEqual(readdirSync(join(root, 'cache', 'datasets', partial, 'scenes')).sort(), ['room00.json', 'room01.json', 'room02.json']);
  t.is(readdirSync(join(root, 'cache', 'datasets')).length, 1, 'no finished dataset directory');

  const resumed = await fixtureLadder({ images, cacheDir: join(root, 'cache') });
  const dataset = await buildCachedDataset(resumed.ladder, request(resumed.ladder));
  t.true(resumed.logs.some((l) => l.includes('resuming, 3 of 5 scenes already generated')));
  const clean = await fixtureLadder({ images, cacheDir: join(root, 'clean') });
  t.deepEqual(digest(dataset.dir), digest((await buildCachedDataset(clean.ladder, request(clean.ladder))).dir));
  t.deepEqual(readdirSync(join(root, 'cache', 'datasets')), [dataset.hash]);
});

test('--force rebuilds from scratch', async (t) => {
  const root = tempDir(t);
  const { ladder } = await fixtureLadder({ images: join(root, 'images'), cacheDir: join(root, 'cache'), fixture: { scenes: 2 } });
  const first = await buildCachedDataset(ladder, request(ladder));
  const forced = await buildCachedDataset(ladder, request(ladder), { force: true });
  t.false(forced.cached);
  t.deepEqual(forced.samples, first.samples);
});

test('the build filters through the `filters` hook: an interceptor sees one call per scene', async (t) => {
  const root = tempDir(t);
  const { ladder } = await fixtureLadder({ images: join(root, 'images'), cacheDir: join(root, 'cache'), fixture: { scenes: 3 } });
  const seen: string[] = [];
  ladder.hooks.filters.intercept({ call: (_candidates, ctx) => void seen.push(ctx.scene.id) });
  const dataset = await buildCachedDataset(ladder, request(ladder));
  t.deepEqual(seen, ['room00', 'room01', 'room02']);
  t.true(Object.values((dataset.manifest.candidates as { drops: Record<string, number> }).drops).some((n) => n > 0));
});

test('any task generator can pair: the builder calls `pair` on every kept candidate, with no localization special case', async (t) => {
  const root = tempDir(t);
  const echo: Plugin = {
    name: 'task-echo',
    apply: (l) =>
      l.hooks.tasks.for('echo').tap('task-echo', () => ({
        id: 'echo',
        modalities: ['multi-view'],
        generate: () => [],
        pair: (c, _scene, images) =>
          c.modality === 'multi-view' ? { ...c, id: `${c.id}/echo`, task: 'echo', question: `${images.length} images: ${images.map((i) => `${i.resized.width}x${i.resized.height}`).join(' ')}`, pairedWith: c.id } : undefined,
      })),
  };
  const plugins = [...PLUGINS.filter((p) => p !== 'task-localization'), echo];
  const { ladder } = await fixtureLadder({ images: join(root, 'images'), cacheDir: join(root, 'cache'), fixture: { scenes: 3 }, plugins });
  const { samples } = await buildCachedDataset(ladder, request(ladder));
  const multi = samples.filter((s) => s.modality === 'multi-view' && s.task !== 'echo');
  t.true(multi.length > 0);
  t.false(samples.some((s) => s.task === 'localization'));
  for (const q of multi) {
    const twin = samples[samples.indexOf(q) + 1]!;
    t.like(twin, { id: `${q.id}/echo`, task: 'echo', pairedWith: q.id, media: q.media });
    t.is(q.pairedWith, twin.id);
    t.is(twin.question, `${q.media.images.length} images: ${Array(q.media.images.length).fill('168x112').join(' ')}`);
  }
  t.is(samples.filter((s) => s.task === 'echo').length, multi.length);
});

test('a cached dataset with a missing or cut-short file is built again, not reused; --dir refuses it', async (t) => {
  const root = tempDir(t);
  const config = { images: join(root, 'images'), cacheDir: join(root, 'cache'), fixture: { scenes: 3 } };
  const first = await fixtureLadder(config);
  const built = await buildCachedDataset(first.ladder, request(first.ladder));
  const before = digest(built.dir);
  const files = (built.manifest.files as { sizes: Record<string, number>; sha256: Record<string, string> });
  t.deepEqual(Object.keys(files.sizes).sort(), Object.keys(before).filter((f) => f !== 'manifest.json').sort(), 'the manifest lists every file');
  t.is(files.sha256['samples.jsonl'], createHash('sha256').update(readFileSync(join(built.dir, 'samples.jsonl'))).digest('hex'));

  const image = Object.keys(files.sizes).find((f) => f.startsWith('media/') && f.endsWith('.jpg'))!;
  const breakages: [string, () => void, RegExp][] = [
    ['a missing image', () => rmSync(join(built.dir, image)), new RegExp(`${image} is missing`)],
    ['samples.jsonl cut short', () => truncateSync(join(built.dir, 'samples.jsonl'), 1000), /samples\.jsonl has 1000 bytes, the manifest says \d+/],
    ['samples.jsonl changed in place', () => writeFileSync(join(built.dir, 'samples.jsonl'), readFileSync(join(built.dir, 'samples.jsonl'), 'utf8').replace('"split":"train"', '"split":"xxxxx"')), /samples\.jsonl differs from the manifest's SHA-256/],
    ['only the manifest left', () => { for (const f of readdirSync(built.dir)) if (f !== 'manifest.json') rmSync(join(built.dir, f), { recursive: true }); }, /[^)]+ is missing/],
  ];
  for (const [what, breakIt, problem] of breakages) {
    breakIt();
    t.throws(() => loadDataset(built.dir), { message: new RegExp(`incomplete dataset \\(${problem.source}\\); build it again`) }, what);
    const again = await fixtureLadder(config);
    const rebuilt = await buildCachedDataset(again.ladder, request(again.ladder));
    t.false(rebuilt.cached, what);
    t.regex(again.logs.join('\n'), new RegExp(`is incomplete \\(${problem.source}\\): building it again`), what);
    t.deepEqual(digest(built.dir), before, what);
  }
});
