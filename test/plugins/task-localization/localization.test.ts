import test from 'ava';
import { pairLocalization, scaleBox } from '../../../plugins/task-localization/index.ts';
import { generate, taskLadder, tinyScene } from '../../helpers/tiny-scene.ts';

const SCANNET = { width: 1296, height: 968, resized: { width: 364, height: 252 } };

test('boxes scale to the resized image, round half to even and clamp inside it', (t) => {
  // sx = 364/1296, sy = 252/968: 100 -> 28.09, 50 -> 13.02, 300 -> 84.26, 250 -> 65.08
  t.deepEqual(scaleBox([100, 50, 300, 250], SCANNET), [28, 13, 84, 65]);
  // the right and bottom edges map to 364 and 252, clamped to the last pixel
  t.deepEqual(scaleBox([0, 0, 1296, 968], SCANNET), [0, 0, 363, 251]);
  // 2.5 rounds to 2 (even): x = 2.5 / (364/1296) = 8.901...
  t.deepEqual(scaleBox([2.5 / (364 / 1296), 0, 10, 10], SCANNET)[0], 2);
});

const scene = tinyScene({
  objects: [
    { id: 1, category: 'chair', center: [0, 0, 0.5] },
    { id: 2, category: 'table', center: [3, 0, 0.5] },
  ],
  views: [{ frame: 7, shows: { 1: { visibility: 0.9, box: [100, 50, 300, 250] }, 2: { visibility: 0.8, box: [600, 400, 1296, 968] } } }],
});

test('the twin of a single-image question: the template around it, grounding JSON encoded once', async (t) => {
  const [question] = (await generate('absolute-distance', scene, 'single-image')).filter((c) => c.refs[0]!.category === 'chair');
  t.truthy(question, 'the generator listed the chair first for this seed');
  const twin = pairLocalization(question!, scene, SCANNET);
  t.is(twin.task, 'localization');
  t.is(twin.answerKind, 'boxes');
  t.is(twin.pairedWith, question!.id);
  t.is(twin.id, `${question!.id}/localization`);
  t.true(twin.question.startsWith(`${question!.question} Please carefully observe the image first`));
  // table: 600 -> 168.52 -> 169, 400 -> 104.13 -> 104, right and bottom edges clamp to 363 and 251
  t.is(twin.answer, '[{"bbox_2d":[28,13,84,65],"label":"chair"},{"bbox_2d":[169,104,363,251],"label":"table"}]');
  t.deepEqual(JSON.parse(twin.answer), [
    { bbox_2d: [28, 13, 84, 65], label: 'chair' },
    { bbox_2d: [169, 104, 363, 251], label: 'table' },
  ]);
  t.deepEqual(twin.media, question!.media);
  t.like(twin.facts, { question: question!.question, image: { resizedWidth: 364, resizedHeight: 252 } });
});

test('localization pairs only single-image questions and generates nothing alone', async (t) => {
  const [video] = await generate('object-size', scene, 'video');
  t.throws(() => pairLocalization(video!, scene, SCANNET), { message: /single-image/ });
  const ladder = await taskLadder(['task-localization']);
  const task = ladder.get('tasks', 'localization') as unknown as { pair: unknown; generate: (...a: unknown[]) => Iterable<unknown> };
  t.is(typeof task.pair, 'function');
  t.deepEqual([...task.generate(scene, 'single-image', {})], []);
});
