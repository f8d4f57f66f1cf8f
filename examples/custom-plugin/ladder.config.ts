import { defineConfig } from 'spatial-ladder';
import lengthReward from './length-reward.ts';

export default defineConfig({
  presets: ['spatial-ladder'],
  name: 'custom-reward',
  // a plugin object (from a factory) or a path: './length-reward.ts' works too
  plugins: [lengthReward({ target: 120 })],
  rewards: { format: 1, accuracy: 1, length: 0.2 },
});
