/**
 * Blank frames for the blind control: the same question asked with every
 * image replaced by a uniform grey frame of the image's own size, so a model
 * that answers as well without its images is shown to answer from priors.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../../core/index.ts';

/** The grey of a blank frame (RGB, 0-255): mid-grey, the mean a normalised image is centred on. */
export const BLANK_GREY = 128;

/**
 * A blank frame for each image, same width and height, written once per size
 * under `dir` (`blank-<w>x<h>.png`) and shared by every row.
 */
export async function blankFrames(images: string[], dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  return Promise.all(
    images.map(async (image) => {
      const { width, height } = await sharp(image).metadata();
      if (!width || !height) throw new Error(`${image}: no image size (cannot make its blank frame)`);
      const path = join(dir, `blank-${width}x${height}.png`);
      if (!existsSync(path)) {
        const png = await sharp({ create: { width, height, channels: 3, background: { r: BLANK_GREY, g: BLANK_GREY, b: BLANK_GREY } } })
          .png()
          .toBuffer();
        await writeFileAtomic(path, png);
      }
      return path;
    }),
  );
}
