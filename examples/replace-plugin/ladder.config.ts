/**
 * Replace one of a preset's plugins: list a plugin of the same name first
 * (yours wins: the preset's copy is skipped), or disable it with
 * [name, false] and bring your own.
 */
import { defineConfig } from 'spatial-ladder';

export default defineConfig({
  presets: ['spatial-ladder'],
  name: 'replace-plugin',
  plugins: [
    // the preset's reporter prints every 5th step; this one every step, as plain lines
    ['reporter', { every: 1, bars: false }],
  ],
});
