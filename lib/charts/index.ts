/**
 * charts: a library for the PNG figures runs and datasets write (training
 * curves, benchmark bars, answer histograms). Charts are drawn as SVG and
 * rasterised by sharp, so no canvas or browser is needed. Not a plugin.
 */
import sharp from 'sharp';
import { writeFileAtomic } from '../../core/index.ts';

export interface Series {
  name: string;
  /** [x, y] points; non-finite y values are gaps. */
  points: [number, number][];
  /** Dashed line (a reference such as the chance level). */
  dashed?: boolean;
  /** Draw a dot at each point (for few points, e.g. one per checkpoint). */
  markers?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Names of x = 0, 1, 2, ... (checkpoints, fractions): ticks at those positions with these labels. */
  xLabels?: string[];
  /** Fixed y range (default: the data's). */
  yRange?: [number, number];
  width?: number;
  height?: number;
}

export interface BarChart {
  title: string;
  yLabel: string;
  /** Category labels along x (e.g. variants or dimensions). */
  groups: string[];
  /** One series per bar in each group (e.g. benchmarks). `errors` draws +-error whiskers. */
  series: { name: string; values: number[]; errors?: number[] }[];
  /** Horizontal dashed lines across the plot (e.g. the chance level), labelled at the right. */
  reference?: { value: number; label: string }[];
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const MARGIN = { left: 70, right: 20, top: 56, bottom: 60 };

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const text = (x: number, y: number, content: string, extra = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="DejaVu Sans, sans-serif"${extra.includes('font-size') ? '' : ' font-size="12"'} ${extra}>${escape(content)}</text>`;

/** Round tick values covering [min, max]. */
export function ticks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const label = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4))));

function frame(width: number, height: number, title: string, yLabel: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    text(width / 2, 22, title, 'text-anchor="middle" font-size="15" font-weight="bold"'),
    text(16, MARGIN.top + (height - MARGIN.top - MARGIN.bottom) / 2, yLabel, `text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + (height - MARGIN.top - MARGIN.bottom) / 2})"`),
    body,
    '</svg>',
  ].join('\n');
}

function yAxis(lo: number, hi: number, width: number, height: number) {
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const y = (v: number) => MARGIN.top + plotH * (1 - (v - lo) / (hi - lo || 1));
  const grid = ticks(lo, hi)
    .map((v) => `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>${text(MARGIN.left - 6, y(v) + 4, label(v), 'text-anchor="end"')}`)
    .join('');
  return { y, grid };
}

function legend(names: string[], width: number, dashed: boolean[] = []): string {
  return names
    .map((name, i) => {
      const perRow = Math.max(1, Math.floor((width - MARGIN.left) / 160));
      const x = MARGIN.left + (i % perRow) * 160;
      const y = 42 + Math.floor(i / perRow) * 14;
      const swatch = dashed[i]
        ? `<line x1="${x}" x2="${x + 12}" y1="${y - 4}" y2="${y - 4}" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2" stroke-dasharray="3,2"/>`
        : `<rect x="${x}" y="${y - 9}" width="12" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`;
      return `${swatch}${text(x + 16, y, name)}`;
    })
    .join('');
}

export function lineChartSvg(chart: LineChart): string {
  const { width = 720, height = 400 } = chart;
  const all = chart.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  // named positions get half a step of room on each side, so the outer labels fit
  const xs = chart.xLabels ? [-0.5, chart.xLabels.length - 0.5] : all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [xLo, xHi] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [yLo, yHi] = chart.yRange ?? (ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (yLo === yHi) [yLo, yHi] = [yLo - 1, yHi + 1];
  const plotW = width - MARGIN.left - MARGIN.right;
  const x = (v: number) => MARGIN.left + plotW * ((v - xLo) / (xHi - xLo || 1));
  const { y, grid } = yAxis(yLo, yHi, width, height);
  const xTicks = (chart.xLabels ? chart.xLabels.map((name, i) => [i, name] as const) : ticks(xLo, xHi).map((v) => [v, label(v)] as const))
    .map(([v, name]) => text(x(v), height - MARGIN.bottom + 16, name, 'text-anchor="middle"'))
    .join('');
  const lines = chart.series
    .map((s, i) => {
      const segments: string[] = [];
      let current = '';
      for (const [px, py] of s.points) {
        if (!Number.isFinite(py)) {
          if (current) segments.push(current);
          current = '';
          continue;
        }
        current += `${current ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)} `;
      }
      if (current) segments.push(current);
      const colour = PALETTE[i % PALETTE.length];
      const dots = s.markers
        ? s.points.filter(([, py]) => Number.isFinite(py)).map(([px, py]) => `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${colour}"/>`).join('')
        : '';
      return segments.map((d) => `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="6,4"' : ''}/>`).join('') + dots;
    })
    .join('');
  const body = [
    grid,
    xTicks,
    text(MARGIN.left + plotW / 2, height - 18, chart.xLabel, 'text-anchor="middle"'),
    lines,
    chart.series.length > 1 ? legend(chart.series.map((s) => s.name), width, chart.series.map((s) => !!s.dashed)) : '',
  ].join('\n');
  return frame(width, height, chart.title, chart.yLabel, body);
}

export function barChartSvg(chart: BarChart): string {
  // wide enough for the bars and for the title (bold 15 px: about 9 px a character)
  const { width = Math.max(480, 120 + chart.groups.length * 40 * Math.max(1, chart.series.length), 40 + 9 * chart.title.length), height = 400 } = chart;
  const tops = [...chart.series.flatMap((s) => s.values.map((v, i) => v + (s.errors?.[i] ?? 0))), ...(chart.reference ?? []).map((r) => r.value)].filter(Number.isFinite);
  const hi = Math.max(1e-9, ...tops) * 1.1;
  const { y, grid } = yAxis(0, hi, width, height);
  const plotW = width - MARGIN.left - MARGIN.right;
  const groupW = plotW / Math.max(1, chart.groups.length);
  const barW = (groupW * 0.8) / Math.max(1, chart.series.length);
  const bars = chart.groups
    .map((group, g) => {
      const x0 = MARGIN.left + g * groupW + groupW * 0.1;
      const cells = chart.series
        .map((s, i) => {
          const v = s.values[g] ?? NaN;
          if (!Number.isFinite(v)) return '';
          const bx = x0 + i * barW;
          const err = s.errors?.[g];
          const whisker = err
            ? `<line x1="${bx + barW / 2}" x2="${bx + barW / 2}" y1="${y(v - err)}" y2="${y(v + err)}" stroke="black"/>`
            : '';
          return `<rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW * 0.95).toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"/>${whisker}${text(bx + barW / 2, y(v + (err ?? 0)) - 4, v.toFixed(1), 'text-anchor="middle" font-size="10"')}`;
        })
        .join('');
      return cells + text(x0 + groupW * 0.4, height - MARGIN.bottom + 16, group, 'text-anchor="middle"');
    })
    .join('\n');
  const references = (chart.reference ?? [])
    .filter((r) => Number.isFinite(r.value))
    .map(
      (r) =>
        `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${y(r.value).toFixed(1)}" y2="${y(r.value).toFixed(1)}" stroke="#555" stroke-width="1.2" stroke-dasharray="6,4"/>` +
        text(width - MARGIN.right - 2, y(r.value) - 4, r.label, 'text-anchor="end" font-size="10" fill="#555"'),
    )
    .join('');
  return frame(width, height, chart.title, chart.yLabel, [grid, bars, references, chart.series.length > 1 ? legend(chart.series.map((s) => s.name), width) : ''].join('\n'));
}

/** Rasterise an SVG chart to a PNG file (atomically). */
export async function writePng(path: string, svg: string): Promise<void> {
  await writeFileAtomic(path, await sharp(Buffer.from(svg)).png().toBuffer());
}
