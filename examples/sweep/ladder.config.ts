/**
 * A sweep: the config exports a function returning several configs.
 * `npx ladder ablate -c examples/sweep/ladder.config.ts` runs each from the
 * same initial weights and seed on the same cached dataset, then compares
 * them (the paper's Figure 13: progressive vs spatial-only vs mixed).
 */
import { defineConfig } from 'spatial-ladder';

const variants = {
  progressive: [],
  'spatial-only': [['stage-order', { drop: ['perception'] }]],
  mixed: [['stage-order', { mix: [['perception', 'understanding']] }]],
} as const;

export default () =>
  defineConfig(
    Object.entries(variants).map(([name, plugins]) => ({
      presets: ['spatial-ladder'],
      name: `order-${name}`,
      plugins: plugins.map(([plugin, options]) => [plugin, options] as [string, unknown]),
    })),
  );
