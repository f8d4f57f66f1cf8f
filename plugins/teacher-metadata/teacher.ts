/**
 * The metadata teacher: writes a short chain of thought from a sample's
 * facts (what is where), then the answer, in the format the format reward asks for (docs/method.md#rewards):
 * `<think>...</think><answer>...</answer>`. It reads `input.reference`, so it
 * is a teacher and an oracle, never a model under test. At a configurable
 * rate it answers wrongly or breaks the format, seeded per (seed, sample,
 * completion), so the cold-start rejection filter has something to reject.
 */
import { createRandom, type Generation, type Policy, type PolicyInput, type PolicyReference, type Random, type SamplingOptions } from '../../core/index.ts';

export interface TeacherOptions {
  /** Fraction of completions with a wrong answer. */
  errorRate: number;
  /** Fraction of completions with a broken format (a tag missing). */
  formatErrorRate: number;
  /** Facts mentioned in the reasoning, at most. */
  maxFacts: number;
  /** Give each object one measurement and state scalar facts (longer chains of thought). */
  measurements: boolean;
  /** End the reasoning by stating the answer ("..., the answer is 3."), which <answer> then repeats. */
  stateAnswer: boolean;
}

// Phrases from the thinking prompt's own words (docs/method.md#prompts), each word written the way the prompt writes it
// (after a space), so a word-level tokenizer built from the prompts has every word ("so", "(longest" would be spelled
// by characters, which a small model learns as noise and, under GRPO, degenerates into).
const OPENERS = ['Hmm, let me think.', "Hmm, let's break it down.", 'let me think.', 'wait, let me think.'];
const CLOSERS = ['oh, I see, the answer is', 'wait, the answer is', 'Hmm, the answer is'];
const LETTERS = ['A', 'B', 'C', 'D', 'E', 'F'];

const words = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
const pick = <T>(random: Random, items: readonly T[]) => items[random.int(items.length)]!;

function value(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(1);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length <= 4 && v.every((x) => typeof x === 'number')) return v.map(value).join(', ');
  return undefined;
}

/**
 * Sentences about the facts: the objects (anything with a category or label)
 * the question names, or all of them when it names none; with `measurements`
 * each gets one measurement (a scalar when there is one) and scalar facts
 * follow ("The distance is 1.3.").
 */
export function describeFacts(facts: Record<string, unknown> | undefined, max: number, question = '', measurements = false): string[] {
  const out: string[] = [];
  const objects: Record<string, unknown>[] = [];
  const describeObject = (o: Record<string, unknown>) => {
    const name = (o.category ?? o.label) as string | undefined;
    if (typeof name !== 'string') return;
    const detail = Object.entries(o)
      .filter(([k]) => measurements && k !== 'category' && k !== 'label' && k !== 'id')
      .sort(([, a], [, b]) => Number(typeof b === 'number') - Number(typeof a === 'number'))
      .map(([k, v]) => [k, value(v)] as const)
      .find(([, v]) => v !== undefined);
    out.push(`I see the ${name}${detail ? `, ${words(detail[0])} ${detail[1]}` : ''}.`);
  };
  const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
  for (const v of Object.values(facts ?? {})) {
    if (Array.isArray(v)) objects.push(...v.filter(isObject));
    else if (isObject(v)) objects.push(v);
  }
  const named = (o: Record<string, unknown>) => String(o.category ?? o.label ?? '');
  const mentioned = objects.filter((o) => named(o) && question.toLowerCase().includes(named(o).toLowerCase()));
  (mentioned.length ? mentioned : objects).forEach(describeObject);
  if (measurements)
    for (const [key, v] of Object.entries(facts ?? {})) {
      const text = value(v);
      if (text !== undefined) out.push(`The ${words(key)} is ${text}.`);
    }
  return out.slice(0, max);
}

/** A wrong answer of the same kind: another option letter, a number off by 2x or more, shifted boxes. */
export function wrongAnswer(ref: PolicyReference, random: Random): string {
  if (ref.answerKind === 'choice') {
    const letters = LETTERS.slice(0, Math.max(2, ref.options?.length ?? 4)).filter((l) => l !== ref.answer.trim().toUpperCase());
    return pick(random, letters);
  }
  if (ref.answerKind === 'number') {
    const truth = Number(ref.answer);
    const factor = random.next() < 0.5 ? 0.2 + 0.3 * random.next() : 2 + random.next();
    const wrong = truth * factor;
    return Number.isInteger(truth) ? String(Math.round(wrong)) : wrong.toFixed(1);
  }
  return ref.answer.replace(/\d+/g, (d) => String(Number(d) + 40 + random.int(40)));
}

export function teacherCompletion(ref: PolicyReference, options: TeacherOptions, random: Random, question = ''): string {
  const wrong = random.next() < options.errorRate;
  const broken = random.next() < options.formatErrorRate;
  const answer = wrong ? wrongAnswer(ref, random) : ref.answer;
  const opener = pick(random, OPENERS);
  const closer = pick(random, CLOSERS); // drawn either way: the same seed gives the same completions with and without it
  const facts = describeFacts(ref.facts, options.maxFacts, question, options.measurements);
  const reasoning = [opener, ...facts, ...(options.stateAnswer ? [`${closer} ${answer}.`] : [])].join(' ');
  if (!broken) return `<think>${reasoning}</think><answer>${answer}</answer>`;
  return random.next() < 0.5 ? `<think>${reasoning}<answer>${answer}</answer>` : `<think>${reasoning}</think>${answer}`;
}

export class MetadataTeacher implements Policy {
  readonly id = 'metadata-teacher';
  constructor(readonly options: TeacherOptions) {}

  async generate(inputs: PolicyInput[], sampling: SamplingOptions): Promise<Generation[][]> {
    return inputs.map((input, i) => {
      const ref = input.reference;
      if (!ref) throw new Error(`metadata-teacher: input ${i} has no reference (the teacher writes from the sample's facts and answer)`);
      return Array.from({ length: sampling.n ?? 1 }, (_, j) => ({ text: teacherCompletion(ref, this.options, createRandom(sampling.seed, `metadata-teacher/${ref.id}/${j}`), input.prompt) }));
    });
  }
}
