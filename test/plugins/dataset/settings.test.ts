import test from 'ava';
import { ConfigError } from '../../../core/index.ts';
import { stableJson } from '../../../core/index.ts';
import { datasetPlan, resolveSettings, splitScenes } from '../../../plugins/dataset/index.ts';
import { fixtureLadder } from './helpers.ts';

test('settings: defaults, the seed from the config, the source section passed through', async (t) => {
  const { ladder } = await fixtureLadder({ images: '/nowhere', cacheDir: '/tmp/c', data: { fixture: { extra: 1 } } });
  const settings = resolveSettings(ladder, ladder.config.data, 7);
  t.like(settings, { source: 'fixture', seed: 7, candidates: 60, views: 8, viewSets: 3, frames: 16, jpegQuality: 90, export: true, workers: 0 });
  t.deepEqual(settings.pixels, { min: 12544, max: 100352, factor: 28 });
  t.deepEqual(settings.split, { heldOut: 0.2 });
  t.deepEqual(settings.sourceData, { extra: 1 });
  t.is(settings.tasks.length, 8);
  t.is(resolveSettings(ladder, { ...ladder.config.data, seed: 3 }, 7).seed, 3);
});

test('settings errors name the key', async (t) => {
  const { ladder } = await fixtureLadder({ images: '/nowhere', cacheDir: '/tmp/c' });
  t.throws(() => resolveSettings(ladder, { sorce: 'fixture' }, 1), { instanceOf: ConfigError, message: /data\.sorce: unknown key \(did you mean "source"\?\)/ });
  t.throws(() => resolveSettings(ladder, { source: 'scannet' }, 1), { instanceOf: ConfigError, message: /data\.source: no scene source "scannet" is registered; known: fixture/ });
  t.throws(() => resolveSettings(ladder, { source: 'fixture', tasks: ['object-sise'] }, 1), { instanceOf: ConfigError, message: /data\.tasks: unknown task object-sise/ });
  t.throws(() => resolveSettings(ladder, { source: 'fixture', pixels: { min: 10, max: 5 } }, 1), { instanceOf: ConfigError, message: /data\.pixels\.min/ });
  t.throws(() => resolveSettings(ladder, { source: 'fixture', frames: 1 }, 1), { instanceOf: ConfigError, message: /data\.frames/ });
});

test('the hash depends on content settings, not on key order or the worker count', async (t) => {
  const { ladder } = await fixtureLadder({ images: '/nowhere', cacheDir: '/tmp/c' });
  const hash = (data: Record<string, unknown>, seed = 7) => datasetPlan(ladder, data, seed, '/tmp/c').hash;
  const base = hash({ source: 'fixture', views: 8, frames: 16 });
  t.regex(base, /^[0-9a-f]{16}$/);
  t.is(hash({ frames: 16, views: 8, source: 'fixture' }), base);
  t.is(hash({ source: 'fixture', views: 8, frames: 16, workers: 4 }), base);
  t.is(hash({ source: 'fixture' }), base, 'explicit defaults equal omitted ones');
  t.not(hash({ source: 'fixture', frames: 8 }), base);
  t.not(hash({ source: 'fixture' }, 8), base);
  t.false('version' in datasetPlan(ladder, { source: 'fixture' }, 7, '/tmp/c').inputs.source, 'a source without a version adds none');
  t.is(datasetPlan(ladder, { source: 'fixture' }, 7, '/tmp/c').dir, `/tmp/c/datasets/${base}`);
  t.is(stableJson({ b: [1, { d: 1, c: 2 }], a: undefined }), '{"b":[1,{"c":2,"d":1}]}');
});

const ids = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9'];

test('split by fraction: seeded, by scene, keeping at least one scene on each side', (t) => {
  const split = splitScenes(ids, { heldOut: 0.2 }, 1, 'cfg');
  t.is(split.heldOut.length, 2);
  t.deepEqual([...split.train, ...split.heldOut].sort(), ids);
  t.deepEqual(splitScenes(ids, { heldOut: 0.2 }, 1, 'cfg'), split);
  t.notDeepEqual(splitScenes(ids, { heldOut: 0.2 }, 2, 'cfg').heldOut, split.heldOut);
  t.is(splitScenes(ids, { heldOut: 0.01 }, 1, 'cfg').heldOut.length, 1);
  t.is(splitScenes(ids, { heldOut: 0.99 }, 1, 'cfg').train.length, 1);
  t.deepEqual(splitScenes(ids, { heldOut: 0 }, 1, 'cfg').heldOut, []);
  t.deepEqual(splitScenes(['only'], { heldOut: 0.2 }, 1, 'cfg'), { train: ['only'], heldOut: [], validation: [] });
});

test('a validation share: drawn after the held-out scenes (which stay the same), disjoint from both other splits', (t) => {
  const split = splitScenes(ids, { heldOut: 0.2, validation: 0.3 }, 1, 'cfg');
  t.deepEqual(split.heldOut, splitScenes(ids, { heldOut: 0.2 }, 1, 'cfg').heldOut, 'adding validation never changes the benchmark');
  t.is(split.validation.length, 3);
  t.is(split.train.length, 5);
  t.deepEqual([...split.train, ...split.heldOut, ...split.validation].sort(), ids);
  t.is(splitScenes(ids, { heldOut: 0.2, validation: 0.01 }, 1, 'cfg').validation.length, 0, 'a share rounds: a small source may get no validation scene');
  t.deepEqual(splitScenes(['a', 'b'], { heldOut: 0.2, validation: 0.4 }, 1, 'cfg').train.length, 1, 'a scene is always left to train on');
  // a fraction beside scene lists: drawn from the scenes neither held out nor listed to train, seeded
  const mixed = splitScenes(ids, { heldOut: ['s0', 's1'], validation: 0.2 }, 1, 'cfg');
  t.is(mixed.validation.length, 2);
  t.deepEqual(mixed.heldOut, ['s0', 's1']);
  t.deepEqual([...mixed.train, ...mixed.heldOut, ...mixed.validation].sort(), ids);
  t.deepEqual(splitScenes(ids, { heldOut: ['s0', 's1'], validation: 0.2 }, 1, 'cfg'), mixed);
  t.deepEqual(splitScenes(ids.slice(0, 3), { heldOut: ['s0'], validation: 0.15 }, 1, 'cfg'), { train: ['s1', 's2'], heldOut: ['s0'], validation: [] });
  t.throws(() => splitScenes(ids, { heldOut: 0.5, validation: 0.5 }, 1, 'cfg'), { instanceOf: ConfigError, message: /leave no scene to train on/ });
  t.deepEqual(splitScenes(ids.slice(0, 4), { heldOut: ['s2'], validation: ['s3'] }, 1, 'cfg'), { train: ['s0', 's1'], heldOut: ['s2'], validation: ['s3'] });
  t.throws(() => splitScenes(ids, { heldOut: ['s1'], validation: ['s1'] }, 1, 'cfg'), { instanceOf: ConfigError, message: /s1 is in both heldOut and validation/ });
  t.throws(() => splitScenes(ids, { heldOut: ['s1'], validation: ['s12'] }, 1, 'cfg'), { instanceOf: ConfigError, message: /data\.split\.validation: unknown scene s12/ });
});

test('split by lists: explicit scenes; unknown or doubly listed scenes are config errors', (t) => {
  t.deepEqual(splitScenes(ids.slice(0, 4), { heldOut: ['s2'] }, 1, 'cfg'), { train: ['s0', 's1', 's3'], heldOut: ['s2'], validation: [] });
  t.deepEqual(splitScenes(ids.slice(0, 4), { heldOut: ['s2'], train: ['s0'] }, 1, 'cfg'), { train: ['s0'], heldOut: ['s2'], validation: [] });
  t.throws(() => splitScenes(ids, { heldOut: ['s10'] }, 1, 'cfg'), { instanceOf: ConfigError, message: 'cfg: data.split.heldOut: unknown scene s10 (the source lists 10 scenes)' });
  t.throws(() => splitScenes(ids, { heldOut: ['s1'], train: ['s1', 's2'] }, 1, 'cfg'), { instanceOf: ConfigError, message: /s1 is in both heldOut and train/ });
});
