/**
 * The SpatialLadder recipe, written out: what `npx ladder run` does with no
 * config, with the settings a user most often changes.
 */
import { defineConfig } from 'spatial-ladder';

export default defineConfig({
  presets: [['spatial-ladder', { source: 'procedural' }]],
  name: 'recipe',
  seed: 42,
  rewards: { format: 1, accuracy: 1 },
  evaluate: { benchmarks: ['held-out'], at: ['base', 'understanding', 'reasoning'] },
});
