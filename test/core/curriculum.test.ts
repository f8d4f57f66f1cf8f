import test from 'ava';
import { applyVariant, ConfigError, configSchema, createRandom, mixStages, orderStages, selectSamples, validate, type Sample, type StageEntry } from '../../core/index.ts';

const sample = (id: string, task: string, modality: Sample['modality'], split?: Sample['split']): Sample => ({
  id, task, modality, scene: 's', question: id, answer: '1', answerKind: 'number', media: { images: [] }, split,
});
const samples = [
  sample('a', 'localization', 'single-image'),
  sample('b', 'object-size', 'single-image'),
  sample('c', 'object-size', 'video'),
  sample('d', 'object-size', 'video', 'held-out'),
  sample('e', 'room-size', 'video'),
];
const entry = (name: string, kind = 'sft', data: StageEntry['data'] = [{}]): StageEntry => ({ name, kind, data, options: {}, evaluate: true });

test('selection: union of selections by task and modality, training split only', (t) => {
  const ids = (sel: StageEntry['data']) => selectSamples(samples, sel, createRandom(1)).map((s) => s.id).sort();
  t.deepEqual(ids([{}]), ['a', 'b', 'c', 'e']);
  t.deepEqual(ids([{ tasks: ['object-size'] }]), ['b', 'c']);
  t.deepEqual(ids([{ tasks: ['object-size'], modalities: ['video'] }, { tasks: ['localization'] }]), ['a', 'c']);
});

test('selection: limit picks a seeded subset and the order is seeded', (t) => {
  const pick = (seed: number) => selectSamples(samples, [{ limit: 2 }], createRandom(seed)).map((s) => s.id);
  t.deepEqual(pick(3), pick(3));
  t.is(pick(3).length, 2);
  const orders = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => selectSamples(samples, [{}], createRandom(seed)).map((s) => s.id).join('')));
  t.true(orders.size > 1, 'different seeds give different orders');
});

test('selection: fraction takes that share (rounded up) of one seeded order, so smaller fractions are inside larger ones', (t) => {
  const many = Array.from({ length: 40 }, (_, i) => sample(`s${i}`, 'object-size', 'video'));
  const pick = (fraction: number, limit?: number) => new Set(selectSamples(many, [{ fraction, limit }], createRandom(7, 'stage:x')).map((s) => s.id));
  const [q, h, t3, all] = [pick(0.25), pick(0.5), pick(0.75), pick(1)];
  t.deepEqual([q.size, h.size, t3.size, all.size], [10, 20, 30, 40]);
  t.true([...q].every((id) => h.has(id)) && [...h].every((id) => t3.has(id)), 'nested');
  t.is(pick(0.01).size, 1, 'rounded up: never empty');
  t.deepEqual(pick(0.5, 3), new Set([...selectSamples(many, [{ limit: 3 }], createRandom(7, 'stage:x')).map((s) => s.id)]), 'the smaller of limit and fraction, from the same order');
});

test('selection: balance moves the tasks\' shares from natural (0) to equal (1), the size kept, the absent option the same as 0', (t) => {
  // 90 object-size, 30 counting, 10 room-size samples
  const many = [
    ...Array.from({ length: 90 }, (_, i) => sample(`z${i}`, 'object-size', 'video')),
    ...Array.from({ length: 30 }, (_, i) => sample(`c${i}`, 'object-counting', 'video')),
    ...Array.from({ length: 10 }, (_, i) => sample(`r${i}`, 'room-size', 'video')),
  ];
  const pick = (balance?: number) => selectSamples(many, [{ balance }], createRandom(7, 'stage:x'));
  const shares = (picked: Sample[]) => ['object-size', 'object-counting', 'room-size'].map((task) => picked.filter((s) => s.task === task).length);
  t.deepEqual(pick(0).map((s) => s.id), pick().map((s) => s.id), 'balance 0 is no balance, in the same order');
  t.deepEqual(shares(pick(1)), [43, 44, 43], 'equal shares (the remainder to the first task by name)');
  // weights sqrt(90), sqrt(30), sqrt(10) = 9.49, 5.48, 3.16 of 18.13: 68.0, 39.3, 22.7
  t.deepEqual(shares(pick(0.5)), [68, 39, 23]);
  const balanced = pick(1);
  t.is(balanced.length, 130, 'the selection keeps its size');
  const roomCopies = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'].map((id) => balanced.filter((s) => s.id === id).length);
  t.deepEqual([...roomCopies].sort(), [4, 4, 4, 4, 4, 4, 4, 5, 5, 5], 'a rare task repeats every sample, then a seeded few once more');
  t.is(new Set(balanced.filter((s) => s.task === 'object-size').map((s) => s.id)).size, 43, 'a common task keeps a subset, each once');
  t.deepEqual(pick(1).map((s) => s.id), balanced.map((s) => s.id), 'seeded');
  t.throws(() => validate(configSchema, { curriculum: [{ name: 'x', kind: 'sft', data: { balance: 2 } }] }, 'x.json'), { instanceOf: ConfigError, message: /x\.json: curriculum\[0\]\.data\.balance/ });
});

test('mixStages replaces a group by one stage with the union of its data, in the first one\'s place', (t) => {
  const curriculum = [entry('perception', 'sft', [{ tasks: ['localization'] }]), entry('understanding', 'sft', [{ tasks: ['object-size'] }]), entry('reasoning', 'grpo')];
  const mixed = mixStages(curriculum, ['perception', 'understanding']);
  t.deepEqual(mixed.map((e) => e.name), ['perception+understanding', 'reasoning']);
  t.deepEqual(mixed[0]!.data, [{ tasks: ['localization'] }, { tasks: ['object-size'] }]);
  t.throws(() => mixStages(curriculum, ['understanding', 'reasoning']), { message: /different kinds \(sft, grpo\)/ });
  t.throws(() => orderStages(curriculum, ['reasoning', 'nope']), { message: /no stage "nope" in the curriculum \(it has perception, understanding, reasoning\)/ });
  t.deepEqual(orderStages(curriculum, ['reasoning', 'perception']).map((e) => e.name), ['reasoning', 'perception']);
});

test('a variant\'s stage changes: selections cut to the modalities kept, options merged, reward weights replaced; then drop', (t) => {
  const curriculum = [
    entry('perception', 'sft', [{ tasks: ['localization'] }]),
    entry('understanding', 'sft', [{ tasks: ['object-size'] }, { modalities: ['single-image', 'video'] }]),
    { ...entry('reasoning', 'grpo'), options: { lr: 1e-4, style: 'think' }, rewards: { format: 1, accuracy: 1 } },
  ];
  const changed = applyVariant(curriculum, {
    stages: { understanding: { modalities: ['video'] }, reasoning: { options: { style: 'direct' }, rewards: { accuracy: 1 } } },
    drop: ['perception'],
  });
  t.deepEqual(changed.map((e) => e.name), ['understanding', 'reasoning']);
  t.deepEqual(changed[0]!.data, [{ tasks: ['object-size'], modalities: ['video'] }, { modalities: ['video'] }]);
  t.deepEqual(selectSamples(samples, changed[0]!.data, createRandom(1, 'x')).map((s) => s.id).sort(), ['c', 'e'], 'video training samples only');
  t.deepEqual(changed[1]!.options, { lr: 1e-4, style: 'direct' });
  t.deepEqual(changed[1]!.rewards, { accuracy: 1 });
  t.deepEqual(curriculum[2]!.options, { lr: 1e-4, style: 'think' }, 'the input is not changed');
  t.throws(() => applyVariant(curriculum, { stages: { nowhere: { options: {} } } }), { instanceOf: ConfigError, message: /cannot change stage "nowhere": the curriculum has perception, understanding, reasoning/ });
});
