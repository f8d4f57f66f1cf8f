import test from 'ava';
import { ConfigError, createLadder } from '../../../core/index.ts';

const curriculum = [
  { name: 'perception', kind: 'sft', data: { tasks: ['localization'] } },
  { name: 'understanding', kind: 'sft', data: { tasks: ['object-size'] } },
  { name: 'reasoning', kind: 'grpo' },
];
const run = async (options: object) => {
  const ladder = await createLadder({ curriculum, plugins: [['stage-order', options]] }, { defaults: [] });
  return ladder.hooks.curriculum.call(ladder.config.curriculum).map((e) => `${e.name}:${e.kind}:${e.data.map((d) => d.tasks?.join(',') ?? '*').join('|')}`);
};

test('drop, mix and order rewrite the curriculum as the ablations need', async (t) => {
  t.deepEqual(await run({ drop: ['perception'] }), ['understanding:sft:object-size', 'reasoning:grpo:*']);
  t.deepEqual(await run({ mix: [['perception', 'understanding']] }), ['perception+understanding:sft:localization|object-size', 'reasoning:grpo:*']);
  t.deepEqual(await run({ order: ['understanding', 'perception'] }), ['understanding:sft:object-size', 'perception:sft:localization']);
});

test('bad options are config errors naming the stage or key', async (t) => {
  await t.throwsAsync(run({ drop: 'perception' }), { instanceOf: ConfigError, message: /plugins\[0\]: options\.drop: expected array, received string/ });
  await t.throwsAsync(run({ order: ['reasoning', 'cooling'] }), { message: /no stage "cooling" in the curriculum/ });
});
