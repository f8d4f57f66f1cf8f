/**
 * VLM-R1's JSON Lines (github.com/om-ai-lab/VLM-R1, `grpo_jsonl.py`, "For
 * your own data"): `id`, `image` (a list of paths relative to its
 * `--image_folders`), `conversations` with one `<image>` per image before the
 * question in the human turn and the answer in the gpt turn. Its GRPO script
 * adds its own thinking instruction, so questions carry only their options
 * (the `plain` prompt style); localization questions carry the localization
 * template. `question_type` and `data_type` follow SpatialLadder-26k.
 */
import type { Sample } from '../../core/index.ts';
import { promptText } from '../prompts/index.ts';
import { DATA_TYPES, QUESTION_TYPES } from './spatialladder.ts';

export function vlmR1Row(sample: Sample, index: number): Record<string, unknown> {
  return {
    id: index,
    image: sample.media.images,
    conversations: [
      { from: 'human', value: `${'<image>'.repeat(sample.media.images.length)}${promptText(sample, 'plain')}` },
      { from: 'gpt', value: sample.answer },
    ],
    question_type: QUESTION_TYPES[sample.task] ?? sample.task,
    data_type: DATA_TYPES[sample.modality],
  };
}
