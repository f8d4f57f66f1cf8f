/**
 * Completions for the reward-identity test and bench: real samples of the
 * project's dataset builder (fixture scenes, every task and filter) paired
 * with crafted completions covering every format case, letters and numbers,
 * values at each MRA threshold (and one ulp either side), and localization
 * edge cases (invalid JSON, boxes outside the image, label matching).
 */
import { join } from 'node:path';
import { buildDataset, type Sample } from '../../../core/index.ts';
import { MRA_THRESHOLDS, imageSizeOf, optionLetters } from '../../../lib/scoring/index.ts';
import { fixtureLadder } from '../../plugins/dataset/helpers.ts';

export interface RewardCases {
  completions: string[];
  samples: Sample[];
}

/** The dataset builder's samples on two small fixture scenes (real ids, facts, options, box answers), at most `perTask` of each task. */
export async function realSamples(dir: string, perTask = 6): Promise<Sample[]> {
  const { ladder } = await fixtureLadder({ images: join(dir, 'images'), cacheDir: join(dir, 'cache'), fixture: { scenes: 2, views: 12, objects: 8 }, data: { split: { heldOut: 0 } } });
  const seen = new Map<string, number>();
  return (await buildDataset(ladder)).samples.filter((s) => {
    seen.set(s.task, (seen.get(s.task) ?? 0) + 1);
    return seen.get(s.task)! <= perTask;
  });
}

const wrap = (answer: string, think = 'let me think') => `<think>${think}</think><answer>${answer}</answer>`;

/** Every way a completion can pass or fail the format check, around a given answer. */
function formatVariants(answer: string): string[] {
  return [
    wrap(answer),
    `<think>a\nb</think>\n \t<answer>${answer}</answer>`,
    ` ${wrap(answer)}`,
    `${wrap(answer)}\n`,
    `<think>a<think>b</think></think><answer>${answer}</answer>`,
    `<think>x</think><answer>${answer}</answer><answer>${answer}</answer>`,
    `<think>x</think><think>y</think><answer>${answer}</answer>`,
    `<THINK>x</THINK><answer>${answer}</answer>`,
    `<think>x</think><answer >${answer}</answer>`,
    `<think>x</think><answer>${answer}</answer >`,
    `so: <think>x</think><answer>${answer}</answer>`,
    `<think>x</think><answer>${answer}</answer> done`,
    `<answer>${answer}</answer>`,
    `<think>x</think>`,
    `<think>x</think>text<answer>${answer}</answer>`,
    `<answer>${answer}</answer><think>x</think>`,
    `<think></think><answer></answer>`,
    `<think>x</think><answer>${answer}</answer></think>`,
    `<think>思考 ✓ \u00a0</think><answer>${answer}</answer>`,
    `<think>x</think><answer>${answer}`,
    '',
  ];
}

/** The next double above (+1) or below (-1) a positive finite x. */
function ulp(x: number, direction: 1 | -1): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + BigInt(direction));
  return view.getFloat64(0);
}

/**
 * Predictions whose relative error is exactly 1 - t for each threshold t,
 * as the project's MRA computes it (|p - g| / g in float64), found by
 * stepping ulps from g * t and g * (2 - t); then one ulp either side.
 */
function thresholdPredictions(truth: number): number[] {
  const out: number[] = [];
  for (const t of MRA_THRESHOLDS) {
    for (const start of [truth * t, truth * (2 - t)]) {
      let p = start;
      for (let k = 0; k < 64 && Math.abs(p - truth) / truth !== 1 - t; k++) p = ulp(p, Math.abs(p - truth) / truth < 1 - t === p > truth ? 1 : -1);
      if (Math.abs(p - truth) / truth === 1 - t) out.push(ulp(p, -1), p, ulp(p, 1));
    }
  }
  return out;
}

function choiceCompletions(sample: Sample): string[] {
  const letters = optionLetters(sample.options);
  const right = sample.answer;
  const wrong = letters.find((l) => l !== right)!;
  const outside = String.fromCharCode(letters.at(-1)!.charCodeAt(0) + 1);
  const option = sample.options?.find((o) => o.startsWith(`${right}.`)) ?? right;
  return [
    ...formatVariants(right),
    ...formatVariants(wrong).slice(0, 4),
    ...[right, right.toLowerCase(), `${right}.`, `(${right})`, `${right})`, `${right}..`, `The answer is ${right}`, option, ` ${right}`, `${right}\n`, wrong, outside]
      .flatMap((a) => [a, wrap(a), wrap(` ${a} `)]),
  ];
}

function numberCompletions(sample: Sample): string[] {
  const truth = Number(sample.answer);
  const near = thresholdPredictions(truth).map(String);
  return [
    ...formatVariants(sample.answer),
    ...near.map((p) => wrap(p)),
    ...near.slice(0, 12),
    ...[`${sample.answer}m`, `about ${sample.answer} meters`, `-${sample.answer}`, '0', '1,234.5', '2.5e-1', 'nan', 'inf', '1e999', 'three', `${truth * 10}`, `${truth / 3}`]
      .flatMap((a) => [a, wrap(a)]),
  ];
}

function boxCompletions(sample: Sample): string[] {
  const truth = JSON.parse(sample.answer) as { bbox_2d: number[]; label: string }[];
  const size = imageSizeOf(sample.facts)!;
  const first = truth[0]!;
  const [x1, y1, x2, y2] = first.bbox_2d as [number, number, number, number];
  const json = (boxes: unknown) => JSON.stringify(boxes);
  const answers = [
    sample.answer,
    json(truth.map((b) => ({ ...b, label: ` ${b.label.toUpperCase()} ` }))),
    json(truth.map((b) => ({ ...b, label: `${b.label}s` }))),
    json([first]),
    json(first),
    json([...truth, first]),
    json([...truth, { bbox_2d: [0, 0, 5, 5], label: 'ghost' }]),
    json(truth.map((b) => ({ ...b, bbox_2d: b.bbox_2d.map((v) => v + 3) }))),
    json(truth.map((b) => ({ ...b, bbox_2d: b.bbox_2d.map((v) => v + 0.5) }))),
    json([{ ...first, bbox_2d: [x1, y1, size.width + 1, y2] }]),
    json([{ ...first, bbox_2d: [-1, y1, x2, y2] }]),
    json([{ ...first, bbox_2d: [x1, y1, size.width, size.height] }]),
    json([{ ...first, bbox_2d: [x2, y1, x1, y2] }]),
    json([{ ...first, bbox_2d: [x1, y1, x1, y2] }]),
    json([{ ...first, bbox_2d: [x1, y1, x2] }]),
    json([{ ...first, bbox_2d: ['a', y1, x2, y2] }]),
    json([{ bbox_2d: first.bbox_2d }]),
    json([{ ...first, label: 7 }]),
    `\`\`\`json\n${sample.answer}\n\`\`\``,
    `\`\`\`\n${sample.answer}\n\`\`\``,
    sample.answer.slice(0, -1),
    '{"foo": 1}',
    '42',
    '"chair"',
    '[]',
    'null',
    'not json at all',
  ];
  return [...formatVariants(sample.answer).slice(0, 12), ...answers.flatMap((a) => [a, wrap(a)])];
}

/** Crafted completions for each sample, plus numeric samples re-asked with ground truths 1, 10 and 0.3 (threshold values exact). */
export function rewardCases(samples: Sample[]): RewardCases {
  const out: RewardCases = { completions: [], samples: [] };
  const add = (sample: Sample, completions: string[]) => {
    for (const c of completions) {
      out.completions.push(c);
      out.samples.push(sample);
    }
  };
  const numeric = samples.find((s) => s.answerKind === 'number')!;
  const crafted = ['1', '10', '0.3'].map((answer) => ({ ...numeric, id: `${numeric.id}/gt=${answer}`, answer }));
  for (const sample of [...samples, ...crafted]) {
    if (sample.answerKind === 'choice') add(sample, choiceCompletions(sample));
    else if (sample.answerKind === 'number') add(sample, numberCompletions(sample));
    else add(sample, boxCompletions(sample));
  }
  return out;
}
