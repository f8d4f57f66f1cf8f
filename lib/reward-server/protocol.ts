/**
 * The reward server's request bodies, checked field by field, and the
 * mapping of OpenRLHF's remote reward-model request onto them. A malformed
 * request becomes a `RequestError`: an HTTP status, a message and the field
 * at fault, sent back as JSON.
 */
import { keyPath, MODALITIES, z, type Sample } from '../../core/index.ts';
import { scoreAnswer } from '../scoring/index.ts';

export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A Sample as the dataset writes it (samples.jsonl); unknown keys are kept for custom rewards. */
export const sampleSchema = z.looseObject({
  id: z.string(),
  task: z.string(),
  modality: z.enum(MODALITIES as [string, ...string[]]),
  scene: z.string(),
  question: z.string(),
  options: z.array(z.string()).optional(),
  answer: z.string(),
  answerKind: z.enum(['choice', 'number', 'boxes']),
  media: z.looseObject({ images: z.array(z.string()), video: z.string().optional() }),
  facts: z.record(z.string(), z.unknown()).optional(),
  pairedWith: z.string().optional(),
  split: z.enum(['train', 'held-out', 'validation']).optional(),
});

const rewardsRequest = z.strictObject({
  completions: z.array(z.string()),
  samples: z.array(sampleSchema),
});

/** OpenRLHF's remote reward-model request (v0.6.0 to v0.11.0): `query`, `prompts`, `labels`, index-aligned. */
const openRLHFRequest = z.looseObject({
  query: z.array(z.string()),
  prompts: z.array(z.string()),
  labels: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])),
});

export interface RewardBatch {
  completions: string[];
  samples: Sample[];
}

/** The value, checked; else a 400 naming the first field at fault (`at` prefixes its path). */
function parse<S extends z.ZodType>(schema: S, value: unknown, at: PropertyKey[] = [], hint = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = keyPath([...at, ...issue.path, ...(issue.code === 'unrecognized_keys' ? [issue.keys[0]!] : [])]) || '(body)';
  const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message.replace(/^Invalid (input|option): /, '');
  throw new RequestError(400, `${field}: ${message}${hint}`, field);
}

/** Same lengths, and every ground truth readable (a numeric answer that is a number, box JSON that parses). */
function checkBatch(batch: RewardBatch, names: { completions: string; samples: string }): RewardBatch {
  const { completions, samples } = batch;
  if (completions.length !== samples.length)
    throw new RequestError(400, `${names.completions} has ${completions.length} entries and ${names.samples} ${samples.length}: they pair up one to one`, names.completions);
  samples.forEach((sample, i) => {
    try {
      scoreAnswer('', sample, 'spec', `${names.samples}[${i}] (sample ${sample.id})`);
    } catch (error) {
      throw new RequestError(400, (error as Error).message, `${names.samples}[${i}].answer`);
    }
  });
  return batch;
}

/** `POST /v1/rewards`: `{ completions: string[], samples: Sample[] }`. */
export function rewardsBatch(body: unknown): RewardBatch {
  const { completions, samples } = parse(rewardsRequest, body);
  return checkBatch({ completions, samples: samples as Sample[] }, { completions: 'completions', samples: 'samples' });
}

/**
 * Special tokens a decoder leaves at the end of an OpenRLHF query (it decodes
 * prompt + response with `skip_special_tokens=False`): removed, as many as
 * there are, so the completion is what the policy wrote.
 */
export const END_TOKENS = ['<|im_end|>', '<|endoftext|>', '<|eot_id|>', '<|end_of_text|>', '</s>'];

function stripEndTokens(text: string): string {
  for (let again = true; again; ) {
    again = false;
    for (const token of END_TOKENS)
      if (text.endsWith(token)) {
        text = text.slice(0, -token.length);
        again = true;
      }
  }
  return text;
}

/**
 * OpenRLHF's request: `query[i]` is the prompt (chat template applied) plus
 * the response, `prompts[i]` the prompt, `labels[i]` the Sample (its JSON
 * text, or the object). The completion is `query[i]` after `prompts[i]`,
 * end tokens removed.
 */
export function openRLHFBatch(body: unknown): RewardBatch {
  const { query, prompts, labels } = parse(openRLHFRequest, body);
  if (prompts.length !== query.length || labels.length !== query.length)
    throw new RequestError(400, `query, prompts and labels have ${query.length}, ${prompts.length} and ${labels.length} entries: they must be index-aligned`, 'query');
  const completions = query.map((q, i) => {
    if (!q.startsWith(prompts[i]!))
      throw new RequestError(400, `query[${i}] does not start with prompts[${i}], so the response cannot be told from the prompt`, `query[${i}]`);
    return stripEndTokens(q.slice(prompts[i]!.length));
  });
  const samples = labels.map((label, i) => {
    let value: unknown = label;
    if (typeof label === 'string') {
      try {
        value = JSON.parse(label);
      } catch {
        throw new RequestError(400, `labels[${i}]: not JSON; the label must be the sample's JSON (the dataset's \`sample\` column)`, `labels[${i}]`);
      }
    }
    return parse(sampleSchema, value, ['labels', i], ' (the label must be a Sample)') as Sample;
  });
  return checkBatch({ completions, samples }, { completions: 'query', samples: 'labels' });
}
