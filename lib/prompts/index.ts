/**
 * prompts: the prompts of paper B.2 (docs/method.md#prompts), shared by stages,
 * benchmarks and teachers so that training and evaluation ask the same way.
 * A library, not a plugin.
 *
 * Styles:
 *   plain   the question as is (stage 1: the localization template already
 *           carries its instruction)
 *   direct  question + options + the stage-2 post prompt (answer directly)
 *   think   question + options + the thinking prompt + the stage-3 post
 *           prompt (<think>...</think><answer>...</answer>)
 *   lmms-eval  question + options + lmms-eval's VSI-Bench post prompt
 *           (evaluation only: reproducing published VSI-Bench tables)
 *   spatialladder, spatialladder-think  SpatialLadder's released evaluator
 *           (eval_spld), direct and thinking: "Question: " before the
 *           question, its instructions as it words them (evaluation only)
 */
import { isAbsolute, join } from 'node:path';
import type { AnswerKind, PolicyInput, Sample } from '../../core/index.ts';

export type PromptStyle = 'plain' | 'direct' | 'think' | 'lmms-eval' | 'spatialladder' | 'spatialladder-think';

export const SYSTEM_PROMPT = 'You are a helpful assistant.';

export const DIRECT_POST_PROMPT: Record<'choice' | 'number', string> = {
  choice: "Please answer with the option's letter from the given choices (e.g., A, B, etc.) directly.",
  number: 'Please answer the question using a numerical value (e.g., 42 or 3.1) directly.',
};

/** lmms-eval's VSI-Bench post prompts (`mca_post_prompt`, `na_post_prompt` of its default task config). */
export const LMMS_EVAL_POST_PROMPT: Record<'choice' | 'number', string> = {
  choice: "Answer with the option's letter from the given choices directly.",
  number: 'Please answer the question using a single word or phrase.',
};

export const THINK_PROMPT =
  "Please think about this question as if you were a human pondering deeply. Engage in an internal dialogue using expressions such as 'let me think', 'wait', 'Hmm', 'oh, I see', 'let's break it down', etc, or other natural language thought expressions. It's encouraged to include self-reflection or verification in the reasoning process.";

export const THINK_POST_PROMPT: Record<'choice' | 'number', string> = {
  choice:
    "Please provide your detailed reasoning between the <think> </think> tags, and then answer the question with the option's letter from the given choices (e.g., A, B, etc.) within the <answer> </answer> tags.",
  number:
    'Please provide your detailed reasoning between the <think> </think> tags, and then answer the question with a numerical value (e.g., 42 or 3.1) within the <answer> </answer> tags.',
};

/**
 * The thinking instruction as SpatialLadder's released evaluator words it
 * (`THINKING_TEMPLATE` in eval_spld/data_utils/vsi_utils.py): no full stop
 * after "thought expressions", a space and a newline at the end.
 */
export const SPATIALLADDER_THINK_PROMPT =
  "Please think about this question as if you were a human pondering deeply. Engage in an internal dialogue using expressions such as 'let me think', 'wait', 'Hmm', 'oh, I see', 'let's break it down', etc, or other natural language thought expressions It's encouraged to include self-reflection or verification in the reasoning process. \n";

export interface PromptQuestion {
  question: string;
  options?: string[];
  answerKind: AnswerKind;
}

/**
 * SpatialLadder's evaluator: "Question: " + the question and its "Options:"
 * lines, a newline (then its thinking instruction), then a newline and the
 * post prompt; the direct post prompts are the project's own.
 */
function spatialLadderText(q: PromptQuestion, think: boolean): string {
  const options = q.options?.length ? `\nOptions:\n${q.options.join('\n')}` : '';
  const question = `Question: ${q.question}${options}\n${think ? SPATIALLADDER_THINK_PROMPT : ''}`;
  if (q.answerKind !== 'choice' && q.answerKind !== 'number') return question;
  return `${question}\n${(think ? THINK_POST_PROMPT : DIRECT_POST_PROMPT)[q.answerKind]}`;
}

/** The user prompt text: question, then "Options:" lines, then the style's instructions, joined by newlines. */
export function promptText(q: PromptQuestion, style: PromptStyle): string {
  if (style === 'spatialladder' || style === 'spatialladder-think') return spatialLadderText(q, style === 'spatialladder-think');
  const parts = [q.question];
  if (q.options?.length) parts.push(`Options:\n${q.options.join('\n')}`);
  if (style !== 'plain' && q.answerKind !== 'boxes' && q.answerKind !== 'text') {
    if (style === 'think') parts.push(THINK_PROMPT, THINK_POST_PROMPT[q.answerKind]);
    else parts.push((style === 'lmms-eval' ? LMMS_EVAL_POST_PROMPT : DIRECT_POST_PROMPT)[q.answerKind]);
  }
  return parts.join('\n');
}

/** How an SFT stage prompts by default: plainly for localization alone (stage 1), else for a direct answer. */
export function supervisedStyle(samples: readonly Sample[]): 'plain' | 'direct' {
  const tasks = new Set(samples.map((s) => s.task));
  return tasks.size === 1 && tasks.has('localization') ? 'plain' : 'direct';
}

/**
 * A policy input for a sample: system prompt, user prompt, absolute image
 * paths (media paths are relative to `mediaRoot`), and the reference
 * (ground truth) that oracle policies and teachers may read.
 */
export function samplePrompt(sample: Sample, mediaRoot: string, style: PromptStyle): PolicyInput {
  return {
    system: SYSTEM_PROMPT,
    prompt: promptText(sample, style),
    images: sample.media.images.map((p) => (isAbsolute(p) ? p : join(mediaRoot, p))),
    reference: {
      id: sample.id,
      task: sample.task,
      answer: sample.answer,
      answerKind: sample.answerKind,
      options: sample.options,
      facts: sample.facts,
    },
  };
}
