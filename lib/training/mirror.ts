/**
 * Mirrored localization samples (the `mirror` option of both engines' `sft`
 * stages): each localization sample gets a twin whose image is flipped left
 * to right and whose boxes are flipped with it (x -> width - x in the
 * resized image's pixels, where the answer's boxes live; the grounding
 * regions likewise in fractions). Labels and questions are unchanged: a
 * mirrored room is still a room, and the twin shows the same object
 * somewhere else across the image.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import { LadderError, writeFileAtomic, type Sample, type StageContext } from '../../core/index.ts';
import { imageSizeOf, truthBoxes } from '../scoring/index.ts';

const mirrorBox = ([x1, y1, x2, y2]: readonly number[], width: number): [number, number, number, number] => [width - x2!, y1!, width - x1!, y2!];

/** The width the sample's boxes are written in (the image as the model sees it, as the scorer reads it), or an error naming the sample. */
function answerWidth(sample: Sample): number {
  const size = imageSizeOf(sample.facts);
  if (!size) throw new LadderError(`mirror: localization sample ${sample.id} has no facts.image.resizedWidth (a dataset built before it was recorded?): rebuild the dataset or turn the option off`);
  return size.width;
}

/** The image flipped left to right, in its own format (JPEG at quality 95, so one re-encoding loses little). */
async function flipped(path: string): Promise<Buffer> {
  const image = sharp(path).flop();
  return (await image.metadata()).format === 'jpeg' ? image.jpeg({ quality: 95 }).toBuffer() : image.toBuffer();
}

/**
 * The mirrored twin of a localization sample, its image written under
 * `outDir` (once: an existing file is reused, so a resumed stage does not
 * rewrite it). Samples of other tasks give undefined.
 */
export async function mirrorSample(sample: Sample, datasetDir: string, outDir: string): Promise<Sample | undefined> {
  if (sample.answerKind !== 'boxes') return undefined;
  const width = answerWidth(sample);
  const images = await Promise.all(
    sample.media.images.map(async (path) => {
      const target = join(outDir, isAbsolute(path) ? path.replace(/^[/\\]+/, '') : path);
      if (!existsSync(target)) await writeFileAtomic(target, await flipped(isAbsolute(path) ? path : join(datasetDir, path)));
      return target;
    }),
  );
  return {
    ...sample,
    id: `${sample.id}#mirrored`,
    answer: JSON.stringify(truthBoxes(sample.answer, sample.id).map((b) => ({ bbox_2d: mirrorBox(b.box, width), label: b.label }))),
    media: { images },
    facts: { image: sample.facts!.image }, // the other facts' boxes are the unflipped image's
    ...(sample.grounding && { grounding: sample.grounding.map((g) => ({ ...g, regions: g.regions.map((r) => ({ ...r, box: mirrorBox(r.box, 1) })) })) }),
    pairedWith: undefined,
  };
}

/** The stage's samples, each localization sample followed by its mirrored twin (images under `<stage dir>/mirrored`). */
export async function withMirrored(ctx: StageContext): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const sample of ctx.samples) {
    out.push(sample);
    const twin = await mirrorSample(sample, ctx.dataset.dir, join(ctx.dir, 'mirrored'));
    if (twin) out.push(twin);
  }
  ctx.log(`${ctx.entry.name}: ${out.length - ctx.samples.length} mirrored localization samples added`);
  return out;
}
