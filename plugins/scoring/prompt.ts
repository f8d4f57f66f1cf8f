/**
 * Evaluation prompts (SPEC section 5, paper B.2). `direct` appends stage 2's
 * post prompt (answer directly); `think` appends stage 3's thinking prompt
 * and its post prompt (`<think>` then `<answer>`). The user prompt is
 * `[prePrompt] question [Options: ...] post`, parts joined by newlines; the
 * options block is written as SpatialLadder's released training code writes
 * it ("Options:" then one option per line).
 */
export type PromptStyle = 'direct' | 'think';
export const PROMPT_STYLES: readonly PromptStyle[] = ['direct', 'think'];

/** Paper B.2, every stage. */
export const SYSTEM_PROMPT = 'You are a helpful assistant.';

/** Paper B.2, stage 3: asks for an internal dialogue before answering. */
export const THINK_PROMPT =
  "Please think about this question as if you were a human pondering deeply. Engage in an internal dialogue using expressions such as 'let me think', 'wait', 'Hmm', 'oh, I see', 'let's break it down', etc, or other natural language thought expressions. It's encouraged to include self-reflection or verification in the reasoning process.";

/** Post prompts by style and question kind (paper B.2, stages 2 and 3). */
export const POST_PROMPTS: Record<PromptStyle, { MCQ: string; NQ: string }> = {
  direct: {
    MCQ: "Please answer with the option's letter from the given choices (e.g., A, B, etc.) directly.",
    NQ: 'Please answer the question using a numerical value (e.g., 42 or 3.1) directly.',
  },
  think: {
    MCQ: "Please provide your detailed reasoning between the <think> </think> tags, and then answer the question with the option's letter from the given choices (e.g., A, B, etc.) within the <answer> </answer> tags.",
    NQ: 'Please provide your detailed reasoning between the <think> </think> tags, and then answer the question with a numerical value (e.g., 42 or 3.1) within the <answer> </answer> tags.',
  },
};

export interface PromptParts {
  question: string;
  /** Options to list after the question (omit when the question already contains them). */
  options?: readonly string[];
  /** "IoU" (localization) gets no post prompt: its question carries its own instruction. */
  kind: 'NQ' | 'MCQ' | 'IoU';
  style: PromptStyle;
  /** Text before the question (lmms-eval's VSI-Bench uses "These are frames of a video."). */
  prePrompt?: string;
}

export function buildPrompt({ question, options, kind, style, prePrompt }: PromptParts): string {
  const parts = [prePrompt, question];
  if (options?.length) parts.push(`Options:\n${options.join('\n')}`);
  if (kind !== 'IoU') parts.push(style === 'think' ? `${THINK_PROMPT}\n${POST_PROMPTS.think[kind]}` : POST_PROMPTS.direct[kind]);
  return parts.filter((part) => part !== undefined && part !== '').join('\n');
}
