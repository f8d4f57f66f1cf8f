import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, contentHash, createLadder, evaluateBenchmark, readJsonLines, type BenchmarkContext, type Policy, type PolicyInput } from '../../../core/index.ts';
import { QUESTION_TYPES, type EvaluationIdentity } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { benchRows, SPBENCH_SI_TYPES, writeSpbench } from './benchmark-files.ts';

/** Answers with the truth, or with `wrong` to every question; counts the rows it was asked. */
class Sheet implements Policy {
  readonly id = 'sheet';
  asked = 0;
  constructor(
    private readonly key: string | undefined,
    private readonly wrong = false,
    private readonly crashAt?: number,
  ) {}
  get fingerprint() {
    return this.key === undefined ? undefined : () => contentHash(this.key!);
  }
  async generate(inputs: PolicyInput[]) {
    if (this.crashAt !== undefined && this.asked >= this.crashAt) throw new Error('simulated crash');
    this.asked += inputs.length;
    return inputs.map((input) => [{ text: this.wrong ? '0' : input.reference!.answer }]);
  }
}

async function setup(t: Parameters<typeof tempDir>[0], count = 8) {
  const dir = tempDir(t);
  await writeSpbench(join(dir, 'si'), benchRows(count, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const logs: string[] = [];
  const out = join(dir, 'out');
  const evaluate = async (policy: Policy, extra: { existing?: BenchmarkContext['existing']; limit?: number; maxTokens?: number; strict?: boolean } = {}) => {
    const ladder = await createLadder(
      { plugins: [['benchmark-spbench', { si: join(dir, 'si'), ...(extra.maxTokens && { maxTokens: extra.maxTokens }) }]], evaluate: { batchSize: 2, strict: !!extra.strict } },
      { defaults: [] },
    );
    ladder.hooks.log.tap('test', ({ message }) => void logs.push(message));
    return evaluateBenchmark(ladder, policy, 'spbench-si', out, { existing: extra.existing, limit: extra.limit });
  };
  return { dir, out, logs, evaluate };
}

test('predictions are reused only for the same fingerprint, rows and generation settings', async (t) => {
  const { dir, out, evaluate } = await setup(t);
  const first = new Sheet('weights-a');
  t.is((await evaluate(first)).avg, 100);
  const identity = JSON.parse(readFileSync(join(out, 'identity.json'), 'utf8')) as EvaluationIdentity;
  t.deepEqual(identity.policy, { id: 'sheet', fingerprint: contentHash('weights-a') });
  t.deepEqual(identity.generation, { prompt: 'direct', prePrompt: null, maxTokens: 128, temperature: 0, topP: 1, seed: 42, limit: null });

  const same = new Sheet('weights-a', true);
  t.is((await evaluate(same)).avg, 100, 'same fingerprint: the saved predictions are this policy\'s');
  t.is(same.asked, 0);

  const other = new Sheet('weights-b', true);
  await t.throwsAsync(evaluate(other), {
    instanceOf: ConfigError,
    message: new RegExp(`holds predictions of another evaluation \\(policy: sheet \\(sha256:${contentHash('weights-a').slice(7, 19)}\\) there, sheet \\(sha256:${contentHash('weights-b').slice(7, 19)}\\) now\\)`),
  });
  await t.throwsAsync(evaluate(new Sheet('weights-a'), { maxTokens: 64 }), { message: /\(maxTokens: 128 there, 64 now\)/ });
  t.is(other.asked, 0);

  // the benchmark files changed under the same path: other rows
  await writeSpbench(join(dir, 'si'), benchRows(8, SPBENCH_SI_TYPES, QUESTION_TYPES).map((r) => ({ ...r, question: `${r.question} (revised)` })));
  await t.throwsAsync(evaluate(new Sheet('weights-a')), { message: /\(benchmark rows: spbench-si: 8 rows, sha256:\w{12} there, spbench-si: 8 rows, sha256:\w{12} now\)/ });
});

test('a policy without fingerprint never reuses predictions; "replace" discards another identity\'s, "fresh" any', async (t) => {
  const { out, logs, evaluate } = await setup(t);
  await evaluate(new Sheet(undefined));
  await t.throwsAsync(evaluate(new Sheet(undefined)), { message: /sheet \(no fingerprint\) now \(a policy without fingerprint\(\) cannot be matched to saved predictions\)/ });

  const replacing = new Sheet('weights-b', true);
  const replaced = await evaluate(replacing, { existing: 'replace' });
  t.is(replacing.asked, 8);
  t.is(replaced.avg, 0, 'only the new policy\'s answers are scored');
  t.is(readJsonLines(join(out, 'predictions.jsonl')).length, 8);
  t.true(logs.some((m) => /discarding predictions of another evaluation \(policy: sheet \(no fingerprint\) there/.test(m)));

  const fresh = new Sheet('weights-b');
  t.is((await evaluate(fresh, { existing: 'fresh' })).avg, 100);
  t.is(fresh.asked, 8, 'fresh asks every row again, even under the same identity');
});

test('identity.json is written before the first prediction, so a crash mid-evaluation resumes only under the same identity', async (t) => {
  const { out, evaluate } = await setup(t);
  await t.throwsAsync(evaluate(new Sheet('weights-a', false, 4), { strict: true }), { message: /simulated crash/ });
  t.true(existsSync(join(out, 'identity.json')));
  t.is(readJsonLines<{ prediction?: string }>(join(out, 'predictions.jsonl')).filter((l) => l.prediction).length, 4);
  const resumed = new Sheet('weights-a');
  t.is((await evaluate(resumed)).avg, 100);
  t.is(resumed.asked, 4, 'only the rows the crash left');
  await t.throwsAsync(evaluate(new Sheet('weights-a'), { limit: 3 }), { message: /limit: null there, 3 now/ });
});
