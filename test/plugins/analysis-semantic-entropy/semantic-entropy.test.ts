import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonLines, type Plugin, type Policy, type Sample } from '../../../core/index.ts';
import openai from '../../../plugins/model-openai/index.ts';
import type { PointEntropy } from '../../../plugins/analysis-semantic-entropy/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { analyze, shrunkLadder } from '../../helpers/analysis-ladder.ts';
import { reply, server } from '../model-openai/chat-server.ts';

/** 5 right answers and 3 wrong for letters; for numbers 4 exact, 2 off by 8% (MRA 0.9), 2 unparseable (0). */
function scripted(): Plugin {
  const policy: Policy = {
    id: 'scripted',
    fingerprint: () => 'scripted-1',
    async generate(inputs, sampling) {
      return inputs.map((input) => {
        const { answer, answerKind, options } = input.reference!;
        const wrong = ['A', 'B', 'C', 'D'].filter((l) => l !== answer && !!options?.some((o) => o.startsWith(l)));
        const texts =
          answerKind === 'choice'
            ? [answer, answer, `<answer>${answer}</answer>`, answer.toLowerCase(), answer, wrong[0]!, wrong[1]!, wrong[0]!]
            : [answer, answer, answer, answer, String(Number(answer) * 1.08), String(Number(answer) * 1.08), 'no idea', ''];
        if (texts.length !== sampling.n) throw new Error(`asked for ${sampling.n} answers`);
        return texts.map((text) => ({ text }));
      });
    },
  };
  return { name: 'scripted', apply: (l) => l.hooks.models.for('scripted').tap('scripted', () => ({ id: 'scripted', create: async () => policy })) };
}

/** The held-out spatial questions of the one dataset built under `dir`. */
function heldOut(dir: string): Sample[] {
  const datasets = join(dir, 'cache', 'datasets');
  const [hash] = readdirSync(datasets).filter((n) => /^[0-9a-f]{16}$/.test(n));
  return readJsonLines<Sample>(join(datasets, hash!, 'samples.jsonl')).filter((s) => s.split === 'held-out' && s.answerKind !== 'boxes');
}

test('entropy of hand-built completions equals -sum p ln p per question, and the mean over questions', async (t) => {
  const dir = tempDir(t);
  const ladder = await shrunkLadder(dir, [scripted()]);
  const { result, markdown } = await analyze(ladder, 'semantic-entropy', { model: 'scripted', options: { questions: 0 } });
  const [point] = (result as { points: PointEntropy[] }).points;
  const choice = -((5 / 8) * Math.log(5 / 8) + (3 / 8) * Math.log(3 / 8)); // 0.6615632381579821
  const number = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25)); // 1.0397207708399179
  const samples = heldOut(dir);
  t.true(samples.length >= 5, `${samples.length} held-out questions`);
  t.is(point!.perQuestion.length, samples.length);
  for (const q of point!.perQuestion) {
    const kind = samples.find((s) => s.id === q.id)!.answerKind;
    t.deepEqual([...q.rewards].sort(), kind === 'choice' ? [0, 0, 0, 1, 1, 1, 1, 1] : [0, 0, 0.9, 0.9, 1, 1, 1, 1], q.id);
    t.is(q.entropy, kind === 'choice' ? choice : number, q.id);
  }
  const choices = samples.filter((s) => s.answerKind === 'choice').length;
  t.true(Math.abs(point!.entropy - (choices * choice + (samples.length - choices) * number) / samples.length) < 1e-12);
  t.true(Math.abs(point!.accuracy - (choices * (5 / 8) + (samples.length - choices) * ((4 + 2 * 0.9) / 8)) / samples.length) < 1e-12);
  t.regex(markdown, /chance entropy/);
  t.true(point!.chanceEntropy > 0 && point!.chanceAccuracy > 0.2 && point!.chanceAccuracy < 0.3, 'chance levels beside the numbers');
  // a second invocation asks nothing: the batches are recorded
  const again = await analyze(await shrunkLadder(dir, [scripted()]), 'semantic-entropy', { model: 'scripted', options: { questions: 0 } });
  t.deepEqual(again.result, result);
});

test('a served model (OpenAI protocol on 127.0.0.1): 8 answers at temperature 0.9 per question, the same formula', async (t) => {
  const dir = tempDir(t);
  // every question gets A, B, C, D twice: 2 of 8 right on a 4-option question; letters are no number (MRA 0)
  const { baseURL, requests } = await server(t, (body, _req, res) => reply(res, body, ['A', 'B', 'C', 'D', 'A', 'B', 'C', 'D'].slice(0, body.n)));
  const ladder = await shrunkLadder(dir, [openai({ baseURL, model: 'scripted-server', retryBaseMs: 10 })]);
  const { result, dir: out } = await analyze(ladder, 'semantic-entropy', { model: 'openai', options: { questions: 0 } });
  const [point] = (result as { points: PointEntropy[] }).points;
  const samples = heldOut(dir);
  t.is(requests.length, samples.length, 'one request per question');
  t.true(requests.every((r) => r.body.n === 8 && r.body.temperature === 0.9));
  for (const q of point!.perQuestion) {
    const sample = samples.find((s) => s.id === q.id)!;
    // the truth is one of A-D: 2 of the 8 answers are right whatever the number of options
    const expected = sample.answerKind === 'choice' ? -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)) : 0;
    t.is(q.entropy, expected, q.id);
  }
  t.regex(out, /models\/openai-[0-9a-f]{12}\/analysis\/semantic-entropy$/, 'a --model analysis goes under runs/models/<label>-<hash>');
  t.true(readFileSync(join(out, 'report.md'), 'utf8').includes('chance'));
});
