/**
 * Dataset statistics in the paper's Table 6 layout (rows: modality;
 * columns: the seven dimensions, numeric then multiple choice; plus a total),
 * with localization, the candidates each filter dropped, the answer-letter
 * distribution of every multiple-choice task and a histogram of the numeric
 * answers of every numeric dimension.
 */
import { join } from 'node:path';
import { markdownTable, MODALITIES, writeJsonAtomic, type Sample, type SkippedScene } from '../../core/index.ts';
import { barChartSvg, ticks, writePng } from '../../lib/charts/index.ts';
import { DIMENSION_LABELS, LETTERS, SPATIAL_CELLS } from '../../lib/tasks/index.ts';

const MODALITY_LABELS: Record<string, string> = { 'single-image': 'Single-Image', 'multi-view': 'Multi-View', video: 'Video' };
const DIMENSIONS = Object.keys(SPATIAL_CELLS);

export interface Histogram {
  bins: { from: number; to: number; count: number }[];
  min: number;
  max: number;
  mean: number;
}

export interface DatasetStats {
  samples: number;
  split: { train: number; heldOut: number; validation: number; trainScenes: number; heldOutScenes: number; validationScenes: number };
  /** Bad scenes the source's `onBadScene: 'skip'` left out, with why. */
  skipped: SkippedScene[];
  /** modality -> dimension -> samples (Table 6), and the row total. */
  table: Record<string, Record<string, number> & { total: number }>;
  localization: number;
  /** Samples of tasks outside the seven dimensions and localization. */
  other: Record<string, number>;
  candidates: { generated: number; kept: number; drops: Record<string, number> };
  /** task -> letter -> answers. */
  letters: Record<string, Record<string, number>>;
  histograms: Record<string, Histogram>;
}

export function histogram(values: number[], bins = 8): Histogram {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const marks = ticks(min, max, bins);
  let step = marks.length > 1 ? marks[1]! - marks[0]! : 1;
  if (values.every(Number.isInteger)) step = Math.max(1, Math.round(step));
  const start = Math.floor(min / step) * step;
  const count = Math.max(1, Math.floor((max - start) / step) + 1);
  const edges = Array.from({ length: count + 1 }, (_, i) => Number((start + i * step).toPrecision(12)));
  const out = edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1]!, count: 0 }));
  for (const v of values) out[Math.min(out.length - 1, Math.floor((v - start) / step))]!.count++;
  return { bins: out, min, max, mean: Number(mean.toFixed(3)) };
}

export function computeStats(samples: readonly Sample[], manifest: Record<string, unknown>): DatasetStats {
  const table: DatasetStats['table'] = {};
  for (const modality of MODALITIES) table[modality] = Object.assign(Object.fromEntries(DIMENSIONS.map((d) => [d, 0])), { total: 0 });
  const other: Record<string, number> = {};
  const letters: DatasetStats['letters'] = {};
  const numbers: Record<string, number[]> = {};
  let localization = 0;
  for (const s of samples) {
    if (s.task === 'localization') localization++;
    else if (SPATIAL_CELLS[s.task]) {
      table[s.modality]![s.task]!++;
      table[s.modality]!.total++;
    } else other[s.task] = (other[s.task] ?? 0) + 1;
    if (s.answerKind === 'choice') (letters[s.task] ??= {})[s.answer] = (letters[s.task]![s.answer] ?? 0) + 1;
    if (s.answerKind === 'number') (numbers[s.task] ??= []).push(Number(s.answer));
  }
  const scenes = (manifest.scenes ?? {}) as { train?: string[]; heldOut?: string[]; validation?: string[]; skipped?: SkippedScene[] };
  const candidates = (manifest.candidates ?? {}) as { generated?: number; drops?: Record<string, number> };
  const drops = candidates.drops ?? {};
  const generated = candidates.generated ?? 0;
  return {
    samples: samples.length,
    split: {
      train: samples.filter((s) => (s.split ?? 'train') === 'train').length,
      heldOut: samples.filter((s) => s.split === 'held-out').length,
      validation: samples.filter((s) => s.split === 'validation').length,
      trainScenes: scenes.train?.length ?? 0,
      heldOutScenes: scenes.heldOut?.length ?? 0,
      validationScenes: scenes.validation?.length ?? 0,
    },
    skipped: scenes.skipped ?? [],
    table,
    localization,
    other,
    candidates: { generated, kept: generated - Object.values(drops).reduce((a, b) => a + b, 0), drops },
    letters: Object.fromEntries(
      Object.entries(letters)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([task, counts]) => [task, Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)))]),
    ),
    histograms: Object.fromEntries(
      Object.entries(numbers)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([task, values]) => [task, histogram(values)]),
    ),
  };
}

const percent = (n: number, total: number) => (total ? `${((100 * n) / total).toFixed(1)}%` : '-');

/** The statistics as text: markdown tables, like the paper's Table 6 and below it the rest. */
export function formatStats(stats: DatasetStats): string {
  const header = ['Modality', ...DIMENSIONS.map((d) => DIMENSION_LABELS[d]!), 'Total'];
  const rows = MODALITIES.map((m) => [
    MODALITY_LABELS[m]!,
    ...DIMENSIONS.map((d) => (SPATIAL_CELLS[d]!.includes(m) ? String(stats.table[m]![d]) : '-')),
    String(stats.table[m]!.total),
  ]);
  const column = (d: string) => String(MODALITIES.reduce((sum, m) => sum + (stats.table[m]![d] ?? 0), 0));
  rows.push(['All', ...DIMENSIONS.map(column), String(MODALITIES.reduce((sum, m) => sum + stats.table[m]!.total, 0))]);
  const out = [
    `${stats.samples} samples: ${stats.split.train} train (${stats.split.trainScenes} scenes), ${stats.split.heldOut} held-out (${stats.split.heldOutScenes} scenes)` +
      (stats.split.validationScenes ? `, ${stats.split.validation} validation (${stats.split.validationScenes} scenes)` : ''),
    ...(stats.skipped.length ? [`${stats.skipped.length} bad scene(s) skipped:`, ...stats.skipped.map((s) => `  ${s.id}: ${s.error}`)] : []),
    '',
    'Spatial samples (paper Table 6 layout; numeric: Obj. Cnt. to Room Size, multiple choice: Rel. Dist. to Appr. Order):',
    markdownTable(header, rows),
    '',
    `Object localization (single image, one per single-image question): ${stats.localization}`,
  ];
  for (const [task, n] of Object.entries(stats.other)) out.push(`Other task ${task}: ${n}`);
  const drops = Object.entries(stats.candidates.drops);
  out.push(
    '',
    `Candidates: ${stats.candidates.generated} generated, ${stats.candidates.kept} kept (${percent(stats.candidates.generated - stats.candidates.kept, stats.candidates.generated)} dropped)`,
    markdownTable(['filter', 'dropped', 'of generated'], drops.map(([name, n]) => [name, String(n), percent(n, stats.candidates.generated)])),
  );
  const used = [...new Set(Object.values(stats.letters).flatMap((c) => Object.keys(c)))].sort();
  const letterRows = Object.entries(stats.letters).map(([task, counts]) => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return [task, String(total), ...used.map((l) => `${counts[l] ?? 0} (${percent(counts[l] ?? 0, total)})`)];
  });
  if (letterRows.length) out.push('', 'Answer letters:', markdownTable(['task', 'samples', ...used], letterRows));
  for (const [task, h] of Object.entries(stats.histograms))
    out.push(
      '',
      `Answers of ${task} (min ${h.min}, max ${h.max}, mean ${h.mean}):`,
      markdownTable(['bin', 'samples'], h.bins.map((b) => [`[${b.from}, ${b.to})`, String(b.count)])),
    );
  return out.join('\n');
}

/** Write stats.json and the charts (stats.png: Table 6 counts; letters.png; answers-<task>.png). */
export async function writeStats(dir: string, stats: DatasetStats): Promise<string[]> {
  await writeJsonAtomic(join(dir, 'stats.json'), stats);
  const files = ['stats.json', 'stats.png', 'letters.png'];
  await writePng(
    join(dir, 'stats.png'),
    barChartSvg({
      title: 'Samples per dimension and modality (Table 6 layout)',
      yLabel: 'samples',
      groups: [...DIMENSIONS.map((d) => DIMENSION_LABELS[d]!), 'Localization'],
      series: MODALITIES.map((m) => ({
        name: MODALITY_LABELS[m]!,
        values: [...DIMENSIONS.map((d) => (SPATIAL_CELLS[d]!.includes(m) ? stats.table[m]![d]! : NaN)), m === 'single-image' ? stats.localization : NaN],
      })),
      width: 960,
    }),
  );
  const tasks = Object.keys(stats.letters);
  await writePng(
    join(dir, 'letters.png'),
    barChartSvg({
      title: 'Answer letters per multiple-choice task (share, %)',
      yLabel: '% of answers',
      groups: tasks,
      series: [...LETTERS.slice(0, 4)].map((letter) => ({
        name: letter,
        values: tasks.map((t) => {
          const counts = stats.letters[t]!;
          const total = Object.values(counts).reduce((a, b) => a + b, 0);
          return (100 * (counts[letter] ?? 0)) / total;
        }),
      })),
    }),
  );
  for (const [task, h] of Object.entries(stats.histograms)) {
    const file = `answers-${task}.png`;
    files.push(file);
    await writePng(
      join(dir, file),
      barChartSvg({ title: `Answers of ${task}`, yLabel: 'samples', groups: h.bins.map((b) => `${b.from}`), series: [{ name: task, values: h.bins.map((b) => b.count) }] }),
    );
  }
  return files;
}
