/**
 * Evaluation prompts (SPEC section 5, paper B.2): the question, its options
 * ("Options:" then one per line, as SpatialLadder's released training code
 * writes them), then the style's instructions, joined by newlines.
 *   direct  the stage-2 post prompt (answer directly)
 *   think   the thinking prompt and the stage-3 post prompt (<think> then <answer>)
 * Localization questions (answer kind "boxes") carry their own instruction.
 *
 * Same strings, names and joining as main's `plugins/prompts` library, which
 * this module stands in for until the branches meet (then import from there).
 */
import type { AnswerKind } from '../../core/index.ts';

export type PromptStyle = 'plain' | 'direct' | 'think';
/** Styles a benchmark may use. */
export const PROMPT_STYLES = ['direct', 'think'] as const;

/** Paper B.2, every stage. */
export const SYSTEM_PROMPT = 'You are a helpful assistant.';

export const DIRECT_POST_PROMPT: Record<'choice' | 'number', string> = {
  choice: "Please answer with the option's letter from the given choices (e.g., A, B, etc.) directly.",
  number: 'Please answer the question using a numerical value (e.g., 42 or 3.1) directly.',
};

export const THINK_PROMPT =
  "Please think about this question as if you were a human pondering deeply. Engage in an internal dialogue using expressions such as 'let me think', 'wait', 'Hmm', 'oh, I see', 'let's break it down', etc, or other natural language thought expressions. It's encouraged to include self-reflection or verification in the reasoning process.";

export const THINK_POST_PROMPT: Record<'choice' | 'number', string> = {
  choice:
    "Please provide your detailed reasoning between the <think> </think> tags, and then answer the question with the option's letter from the given choices (e.g., A, B, etc.) within the <answer> </answer> tags.",
  number:
    'Please provide your detailed reasoning between the <think> </think> tags, and then answer the question with a numerical value (e.g., 42 or 3.1) within the <answer> </answer> tags.',
};

export interface PromptQuestion {
  question: string;
  options?: string[];
  answerKind: AnswerKind;
}

/** The user prompt text: question, then "Options:" lines, then the style's instructions, joined by newlines. */
export function promptText(q: PromptQuestion, style: PromptStyle): string {
  const parts = [q.question];
  if (q.options?.length) parts.push(`Options:\n${q.options.join('\n')}`);
  if (style !== 'plain' && q.answerKind !== 'boxes') {
    if (style === 'think') parts.push(THINK_PROMPT, THINK_POST_PROMPT[q.answerKind]);
    else parts.push(DIRECT_POST_PROMPT[q.answerKind]);
  }
  return parts.join('\n');
}
