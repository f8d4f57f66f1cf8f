/**
 * A scene source for the dataset tests: synthetic ring rooms (test/helpers/
 * synthetic-scene.ts) whose views are real JPEG files, drawn with sharp (the
 * objects' 2D boxes as coloured rectangles), and optionally a real mp4 made
 * by ffmpeg. A file (not an inline object) so worker threads can load it.
 *
 * FIXTURE_FAIL_SCENE=<id> makes loading that scene throw (a crash mid-build);
 * it is read at load time, so it does not change the dataset's hash.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { definePlugin, writeFileAtomic, z, type Scene } from '../../../core/index.ts';
import { findFfmpeg } from '../../../lib/media/index.ts';
import { syntheticScene } from '../../helpers/synthetic-scene.ts';

const PLUGIN_NAME = 'fixture-source';
const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

async function drawView(scene: Scene, index: number, path: string): Promise<void> {
  const view = scene.views[index]!;
  const { width, height } = view.intrinsics;
  const rects = view.objects
    .map((o) => {
      const [x1, y1, x2, y2] = o.box2d;
      return `<rect x="${x1.toFixed(1)}" y="${y1.toFixed(1)}" width="${(x2 - x1).toFixed(1)}" height="${(y2 - y1).toFixed(1)}" fill="${PALETTE[o.objectId % PALETTE.length]}"/>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="rgb(${200 - index * 5},200,${180 + index})"/>${rects}</svg>`;
  await writeFileAtomic(path, await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer());
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** Where the scenes' images are written. */
    dir: z.string(),
    scenes: z.number().int().positive().default(5),
    views: z.number().int().positive().default(16),
    objects: z.number().int().positive().default(10),
    /** Give the first scene a real mp4 (needs ffmpeg). */
    video: z.boolean().default(false),
  }),
  apply(ladder, options) {
    const ids = Array.from({ length: options.scenes }, (_, i) => `room${String(i).padStart(2, '0')}`);
    ladder.hooks.sources.for('fixture').tap(PLUGIN_NAME, () => ({
      id: 'fixture',
      list: async () => ids,
      async load(id) {
        if (process.env.FIXTURE_FAIL_SCENE === id) throw new Error(`simulated crash loading ${id}`);
        const base = syntheticScene({ id, seed: 3, objects: options.objects, views: options.views, layout: 'ring', fov: 90, step: 1.5, width: 160, height: 120 });
        const dir = join(options.dir, id);
        mkdirSync(join(dir, 'color'), { recursive: true });
        for (const [i, view] of base.views.entries()) if (!existsSync(join(dir, view.image))) await drawView(base, i, join(dir, view.image));
        const scene: Scene = { ...base, source: 'fixture', dir };
        if (options.video && id === ids[0]) {
          const video = join(dir, 'video.mp4');
          if (!existsSync(video)) {
            const list = base.views.map((v) => `file '${join(dir, v.image)}'\nduration 1.5`).join('\n');
            await writeFileAtomic(join(dir, 'frames.txt'), list);
            const run = spawnSync(findFfmpeg().path, ['-y', '-loglevel', 'error', '-f', 'concat', '-safe', '0', '-i', join(dir, 'frames.txt'), '-c:v', 'mpeg4', '-pix_fmt', 'yuv420p', video]);
            if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.stderr}`);
          }
          scene.video = { path: 'video.mp4', fps: 1 / 1.5, firstSeen: {} };
        }
        return scene;
      },
    }));
  },
});
