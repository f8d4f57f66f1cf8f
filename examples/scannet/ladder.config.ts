/**
 * Swap the dataset: the recipe on ScanNet v2 instead of the procedural
 * scenes. Download ScanNet under its terms; `root` is the folder holding
 * `scans/`. Held-out and validation scenes come from the same split (the
 * preset's `data.split`: 10% of the listed scenes each); list
 * `split: { heldOut: [...] }` to use ScanNet's val scenes.
 */
import { defineConfig } from 'spatial-ladder';

export default defineConfig({
  presets: [
    [
      'spatial-ladder',
      {
        source: 'scannet',
        scannet: { root: process.env.SCANNET_ROOT ?? '/data/scannet', split: 'scannetv2_train.txt', frameStride: 10 },
      },
    ],
  ],
  name: 'scannet',
  // real rooms are larger: more candidates per scene before the filters
  data: { candidates: 120 },
});
