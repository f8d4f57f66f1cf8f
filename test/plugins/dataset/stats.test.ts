import test from 'ava';
import { join } from 'node:path';
import sharp from 'sharp';
import { computeStats, formatStats, writeStats } from '../../../plugins/dataset/index.ts';
import { histogram } from '../../../plugins/dataset/stats.ts';
import { samples } from '../../helpers/sample-rows.ts';
import { tempDir } from '../../helpers/temp.ts';


test('histograms use round bins; integer answers get integer bins', (t) => {
  t.deepEqual(histogram([1, 2, 2, 3, 7]).bins.map((b) => [b.from, b.count]), [[1, 1], [2, 2], [3, 1], [4, 0], [5, 0], [6, 0], [7, 1]]);
  const h = histogram([0.4, 1.25, 1.3, 2.9]);
  t.deepEqual(h.bins.map((b) => [b.from, b.to, b.count]), [[0, 0.5, 1], [0.5, 1, 0], [1, 1.5, 2], [1.5, 2, 0], [2, 2.5, 0], [2.5, 3, 1]]);
  t.is(h.mean, 1.462); // 5.85 / 4 = 1.4625, written with three decimals
});

test('stats: Table 6 cells, localization, letters, drops and histograms', async (t) => {
  const stats = computeStats(samples, { scenes: { train: ['room'], heldOut: ['other'] }, candidates: { generated: 40, drops: { 'filter-visibility': 30, 'filter-caps': 5 } } });
  t.is(stats.table['single-image']!['object-size'], 1);
  t.is(stats.table['single-image']!.total, 2);
  t.is(stats.table['multi-view']!['relative-direction'], 1);
  t.is(stats.table.video!.total, 2);
  t.is(stats.localization, 1);
  t.deepEqual(stats.letters, { 'relative-direction': { A: 1, C: 1 } });
  t.deepEqual(stats.candidates, { generated: 40, kept: 5, drops: { 'filter-visibility': 30, 'filter-caps': 5 } });
  t.deepEqual(stats.split, { train: 5, heldOut: 1, validation: 0, trainScenes: 1, heldOutScenes: 1, validationScenes: 0 });
  t.deepEqual(Object.keys(stats.histograms), ['object-counting', 'object-size', 'room-size']);
  const text = formatStats(stats);
  const row = (...cells: string[]) => new RegExp(`\\| ${cells.map((c) => `${c.replace(/[.()]/g, '\\$&')} *`).join('\\| *')}\\|`);
  t.regex(text, row('Modality', 'Obj. Cnt.', 'Abs. Dist.', 'Obj. Size', 'Room Size', 'Rel. Dist.', 'Rel. Dir.', 'Appr. Order', 'Total'));
  t.regex(text, row('Single-Image', '-', '0', '1', '-', '0', '1', '-', '2'));
  t.regex(text, row('Video', '1', '0', '0', '1', '0', '0', '0', '2'));
  t.regex(text, row('filter-visibility', '30', '75.0%'));
  t.true(text.includes('Object localization (single image, one per single-image question): 1'));

  const dir = tempDir(t);
  const files = await writeStats(dir, stats);
  t.deepEqual(files, ['stats.json', 'stats.png', 'letters.png', 'answers-object-counting.png', 'answers-object-size.png', 'answers-room-size.png']);
  t.like(await sharp(join(dir, 'stats.png')).metadata(), { format: 'png', width: 960 });
});
