/** A grid of images with captions, as one PNG (sample sheets of analyses). */
import sharp from 'sharp';

export interface GridCell {
  /** Encoded image bytes or a path; scaled to fit the cell. */
  image: Buffer | string;
  caption?: string;
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * Rows of cells (`rows[r][c]`), each image scaled into a cell `cell`
 * pixels wide with the first image's aspect ratio (others fit inside it),
 * its caption below it, column headings on top.
 */
export async function imageGrid(rows: GridCell[][], opts: { cell?: number; headings?: string[]; title?: string } = {}): Promise<Buffer> {
  const cell = opts.cell ?? 224;
  const captionLines = 3;
  const lineHeight = 13;
  const pad = 8;
  const top = (opts.title ? 26 : 0) + (opts.headings ? 20 : 0);
  const cols = Math.max(1, ...rows.map((r) => r.length), opts.headings?.length ?? 0);
  const first = rows.flat()[0] ? await sharp(rows.flat()[0]!.image).metadata() : undefined;
  const imageH = first?.width && first.height ? Math.round((cell * first.height) / first.width) : cell;
  const cellH = imageH + captionLines * lineHeight + pad;
  const width = cols * (cell + pad) + pad;
  const height = top + rows.length * cellH + pad;
  const text: string[] = [];
  const composites: sharp.OverlayOptions[] = [];
  if (opts.title) text.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escape(opts.title)}</text>`);
  opts.headings?.forEach((h, c) => text.push(`<text x="${pad + c * (cell + pad) + cell / 2}" y="${top - 6}" text-anchor="middle" font-size="12" font-weight="bold">${escape(h)}</text>`));
  for (const [r, row] of rows.entries())
    for (const [c, { image, caption }] of row.entries()) {
      const x = pad + c * (cell + pad);
      const y = top + r * cellH;
      const scaled = await sharp(image).resize(cell, imageH, { fit: 'contain', background: '#ffffff' }).png().toBuffer();
      composites.push({ input: scaled, left: Math.round(x), top: Math.round(y) });
      // wrap the caption into lines of about cell / 6.5 characters
      const words = (caption ?? '').split(/\s+/).filter(Boolean);
      const lines: string[] = [];
      for (const word of words) {
        if (lines.length && (lines.at(-1)! + ' ' + word).length <= cell / 6.5) lines[lines.length - 1] += ` ${word}`;
        else lines.push(word);
      }
      lines.slice(0, captionLines).forEach((line, i) => text.push(`<text x="${x}" y="${y + imageH + (i + 1) * lineHeight}" font-size="11">${escape(line)}</text>`));
    }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="DejaVu Sans, sans-serif">${text.join('')}</g></svg>`;
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([...composites, { input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}
