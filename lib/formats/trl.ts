/**
 * Rows in the format TRL's SFTTrainer and GRPOTrainer read for vision-language
 * models: a conversational `prompt` (system and user messages, text content),
 * `images` (TRL puts them before the user text, Qwen's layout), and for SFT a
 * `completion` (the assistant's answer). Multi-view questions carry their
 * views, video questions their sampled frames (evenly spaced, in time order)
 * as images. `sample` holds the project's Sample as JSON, what the reward
 * server scores completions against.
 */
import { isAbsolute, join } from 'node:path';
import type { Sample } from '../../core/index.ts';
import { promptText, SYSTEM_PROMPT, type PromptStyle } from '../prompts/index.ts';

export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TrlRow {
  id: string;
  task: string;
  modality: string;
  /** Image paths: relative to the folder the rows are in, or absolute. */
  images: string[];
  prompt: Message[];
  /** SFT rows: the answer to learn. */
  completion?: Message[];
  /** GRPO rows: the ground truth, for reward functions that read it. */
  solution?: string;
  /** The Sample (core/types.ts) as JSON. */
  sample: string;
}

export interface TrlRowOptions {
  style: PromptStyle;
  /** The assistant text to learn (SFT); omit for prompt-only rows (GRPO), which get `solution` instead. */
  completion?: string;
  /** Make image paths absolute against this folder (the dataset directory). */
  imageRoot?: string;
}

export function trlRow(sample: Sample, { style, completion, imageRoot }: TrlRowOptions): TrlRow {
  const images = sample.media.images.map((p) => (imageRoot && !isAbsolute(p) ? join(imageRoot, p) : p));
  return {
    id: sample.id,
    task: sample.task,
    modality: sample.modality,
    images,
    prompt: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: promptText(sample, style) },
    ],
    ...(completion === undefined ? { solution: sample.answer } : { completion: [{ role: 'assistant', content: completion }] }),
    sample: JSON.stringify(sample),
  };
}
