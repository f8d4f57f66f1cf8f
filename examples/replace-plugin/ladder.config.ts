/**
 * Replace one of a preset's plugins: list a plugin of the same name yourself
 * (yours comes first, so the preset's copy is skipped), or disable it with
 * [name, false] and bring your own.
 */
import { defineConfig } from 'spatial-ladder';

export default defineConfig({
  presets: ['spatial-ladder'],
  name: 'strict-visibility',
  plugins: [
    // the preset keeps objects at least 40% visible (docs/method.md#quality-filters); this study keeps 60%
    ['filter-visibility', { min: 0.6 }],
    // and drops the per-scene caps altogether
    ['filter-caps', false],
  ],
});
