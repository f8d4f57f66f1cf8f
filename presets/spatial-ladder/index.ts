/**
 * The SpatialLadder recipe (SPEC.md): procedural ScanNet-format scenes by
 * default (ScanNet by option), every task generator and quality filter, the
 * curriculum perception -> understanding -> cold start -> reasoning, the
 * format and accuracy rewards, and the held-out benchmark.
 */
import { definePreset, z, type PluginEntry } from '../../core/index.ts';

/** Task ids of the seven spatial dimensions (SPEC section 4). */
export const SPATIAL_TASKS = [
  'object-counting',
  'absolute-distance',
  'object-size',
  'room-size',
  'relative-distance',
  'relative-direction',
  'appearance-order',
];

/** The recipe's plugins. */
const PLUGINS: PluginEntry[] = [
  // short stages: a step line every 5 steps
  ['reporter', { every: 5 }],
  // scene sources (data.source picks one; list ['source-scannet', { root }] in your plugins to use ScanNet)
  'source-procedural',
  'source-scannet',
  // `ladder data scenes`
  'scenes',
];

export default definePreset({
  options: z.strictObject({
    /** Scene source: the embedded procedural scenes, or ScanNet (set `data.scannet.root`). */
    source: z.enum(['procedural', 'scannet']).default('procedural'),
  }),
  preset: ({ source }) => ({
    name: 'spatial-ladder',
    plugins: PLUGINS,
    settings: {
      name: 'spatial-ladder',
      model: { id: 'tiny-vlm' },
      data: { source },
      curriculum: [
        { name: 'perception', kind: 'sft', data: { tasks: ['localization'] } },
        { name: 'understanding', kind: 'sft', data: { tasks: SPATIAL_TASKS } },
        { name: 'cold-start', kind: 'cold-start', data: { tasks: SPATIAL_TASKS }, evaluate: false },
        { name: 'reasoning', kind: 'grpo', data: { tasks: SPATIAL_TASKS } },
      ],
      rewards: { format: 1, accuracy: 1 },
      evaluate: { benchmarks: ['held-out'], at: ['base', 'understanding', 'reasoning'] },
      // `ladder ablate`: the paper's curriculum variants (Figures 5 and 13)
      ablations: {
        progressive: {},
        'spatial-only': { order: ['understanding'] },
        mixed: { mix: [['perception', 'understanding']] },
        'no-perception': { drop: ['perception'] },
        'no-understanding': { drop: ['understanding'] },
        'no-reasoning': { drop: ['cold-start', 'reasoning'] },
      },
    },
  }),
});
