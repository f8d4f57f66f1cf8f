import test from 'ava';
import sharp from 'sharp';
import { join } from 'node:path';
import { barChartSvg, lineChartSvg, ticks, writePng } from '../../../lib/charts/index.ts';
import { tempDir } from '../../helpers/temp.ts';

test('ticks are round numbers covering the range', (t) => {
  t.deepEqual(ticks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  t.deepEqual(ticks(3, 47), [10, 20, 30, 40]);
  t.deepEqual(ticks(5, 5), [5]);
});

test('a line chart draws one path per series and splits at gaps', (t) => {
  const svg = lineChartSvg({
    title: 'loss',
    xLabel: 'step',
    yLabel: 'loss',
    series: [
      { name: 'train', points: [[0, 2], [1, 1.5], [2, NaN], [3, 1]] },
      { name: 'eval', points: [[0, 2.5], [3, 1.2]] },
    ],
  });
  t.is((svg.match(/<path /g) ?? []).length, 3);
  t.regex(svg, />train</);
});

test('a bar chart draws a bar per finite value and whiskers for errors', (t) => {
  const svg = barChartSvg({
    title: 'ablation',
    yLabel: 'Avg',
    groups: ['progressive', 'mixed'],
    series: [{ name: 'held-out', values: [40, 35], errors: [2, 0] }, { name: 'vsi', values: [30, NaN] }],
  });
  t.is((svg.match(/<rect x=/g) ?? []).length, 3 + 2, 'three bars and two legend swatches');
  t.is((svg.match(/stroke="black"/g) ?? []).length, 1, 'one whisker (error 0 draws none)');
  t.true(svg.includes('>40.0</text>') && svg.includes('>35.0</text>'), 'values labelled with one decimal');
  const long = barChartSvg({ title: 'Curriculum variants: final benchmark Avg (mean ± std over seeds)', yLabel: 'Avg', groups: ['a'], series: [{ name: 's', values: [1] }] });
  t.is(Number(/width="(\d+)"/.exec(long)![1]), 40 + 9 * 64, 'a long title widens the chart');
});

test('writePng rasterises to a real PNG of the requested size', async (t) => {
  const path = join(tempDir(t), 'plot.png');
  await writePng(path, lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [[0, 0], [1, 1]] }], width: 320, height: 200 }));
  const meta = await sharp(path).metadata();
  t.is(meta.format, 'png');
  t.deepEqual([meta.width, meta.height], [320, 200]);
});
