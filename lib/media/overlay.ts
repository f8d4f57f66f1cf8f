/**
 * Drawing on images with sharp: hint boxes and arrows (the hint
 * experiment), attention heat maps. sharp applies a resize before any
 * composite whatever the call order, so the overlay is an SVG at the output
 * size whose viewBox is the source image's pixel space: coordinates stay in
 * source pixels and land where they belong at any output size.
 */
import sharp from 'sharp';
import type { Box2D } from '../../core/index.ts';

export interface OverlayBox {
  /** Inclusive pixel box [x1, y1, x2, y2] in the source image. */
  box: Box2D;
  colour: string;
}

export interface OverlayArrow {
  from: [number, number];
  to: [number, number];
  colour: string;
}

/** A heat map over a grid of cells covering the whole image (e.g. attention on visual tokens). */
export interface OverlayHeat {
  rows: number;
  cols: number;
  /** rows x cols values, row-major, drawn from transparent (0) to opaque hot (1). */
  values: ArrayLike<number>;
}

export interface Overlay {
  boxes?: OverlayBox[];
  arrows?: OverlayArrow[];
  heat?: OverlayHeat;
  /** Line width in source pixels (default: 1/80 of the source width, at least 2). */
  stroke?: number;
}

/** Colours of a heat value in [0, 1]: dark purple -> red -> yellow. */
function heatColour(v: number): string {
  const stops = [
    [0, [40, 11, 84]],
    [0.5, [220, 57, 47]],
    [1, [252, 231, 37]],
  ] as const;
  const x = Math.min(1, Math.max(0, v));
  const i = x <= 0.5 ? 0 : 1;
  const [x0, c0] = stops[i]!;
  const [x1, c1] = stops[i + 1]!;
  const f = (x - x0) / (x1 - x0);
  return `rgb(${c0.map((c, k) => Math.round(c + f * (c1[k]! - c))).join(',')})`;
}

/** The overlay as SVG: `width` x `height` on the page, source pixel coordinates inside. */
export function overlaySvg(overlay: Overlay, source: { width: number; height: number }, width: number, height: number): string {
  const stroke = overlay.stroke ?? Math.max(2, source.width / 80);
  const parts: string[] = [];
  if (overlay.heat) {
    const { rows, cols, values } = overlay.heat;
    const cw = source.width / cols;
    const ch = source.height / rows;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const v = values[r * cols + c]!;
        parts.push(`<rect x="${c * cw}" y="${r * ch}" width="${cw}" height="${ch}" fill="${heatColour(v)}" fill-opacity="${(0.15 + 0.55 * Math.min(1, Math.max(0, v))).toFixed(3)}"/>`);
      }
  }
  for (const { box, colour } of overlay.boxes ?? [])
    parts.push(
      `<rect x="${box[0]}" y="${box[1]}" width="${box[2] - box[0] + 1}" height="${box[3] - box[1] + 1}" fill="none" stroke="${colour}" stroke-width="${stroke}" shape-rendering="crispEdges"/>`,
    );
  for (const { from, to, colour } of overlay.arrows ?? []) {
    const [dx, dy] = [to[0] - from[0], to[1] - from[1]];
    const length = Math.hypot(dx, dy);
    if (!(length > 0)) continue;
    const [ux, uy] = [dx / length, dy / length];
    const head = Math.min(length * 0.6, stroke * 4);
    const base = [to[0] - ux * head, to[1] - uy * head];
    const side = head * 0.6;
    parts.push(
      `<line x1="${from[0]}" y1="${from[1]}" x2="${base[0]}" y2="${base[1]}" stroke="${colour}" stroke-width="${stroke}"/>`,
      `<polygon points="${to[0]},${to[1]} ${base[0]! - uy * side},${base[1]! + ux * side} ${base[0]! + uy * side},${base[1]! - ux * side}" fill="${colour}"/>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${source.width} ${source.height}" preserveAspectRatio="none">${parts.join('')}</svg>`;
}

/**
 * Draw `overlay` on an image (a path or encoded bytes) and return PNG bytes,
 * at `size` (default: the image's own size). Lossless, so what is drawn is
 * exactly what a model is shown.
 */
export async function drawOverlay(image: string | Buffer, overlay: Overlay, size?: { width: number; height: number }): Promise<Buffer> {
  const meta = await sharp(image).metadata();
  if (!meta.width || !meta.height) throw new Error(`${typeof image === 'string' ? image : 'image'}: cannot read the image size`);
  const source = { width: meta.width, height: meta.height };
  const { width, height } = size ?? source;
  const svg = overlaySvg(overlay, source, width, height);
  return sharp(image).resize(width, height, { fit: 'fill' }).removeAlpha().composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).png().toBuffer();
}
