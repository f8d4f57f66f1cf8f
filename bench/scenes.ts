/**
 * Scene ingestion speed: procedural scenes at ScanNet resolution (colour
 * 1296x968, depth 640x480, 300 frames each) read by source-scannet's reader
 * (plan + read: poses, depth decode, visibility of every object in every
 * view, floor area, first sightings), against the time to merely decode the
 * same depth images with sharp at the same concurrency. Target: ingestion at
 * least 50% of decode-only speed.
 *
 *   npm run bench -- scenes [--scenes 3] [--frames 300]
 *   node --import tsx bench/scenes.ts --scenes 3
 *
 * The scenes are generated once into .ladder-cache/bench/ (reported
 * separately); ingestion runs in a fresh child process so its peak memory is
 * its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { generateScene, sceneIdOf, type GeneratorOptions } from '../plugins/source-procedural/index.ts';
import {
  DEFAULT_READER_OPTIONS,
  frameNumbers,
  loadLabelMap,
  planScene,
  readScene,
} from '../lib/scannet-format/index.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SCENES = arg('scenes', 3);
const FRAMES = arg('frames', 300);
const WINDOW = 4;

const OPTIONS: GeneratorOptions = {
  scenes: SCENES,
  frames: FRAMES,
  width: 1296,
  height: 968,
  depthWidth: 640,
  depthHeight: 480,
  frameStep: 10,
  fps: 30,
  sensEvery: 0,
  unalignedEvery: 0,
  video: false,
  meshSpacing: 0.05,
  jpegQuality: 90,
  samplesPerObject: DEFAULT_READER_OPTIONS.samplesPerObject,
  depthTolerance: DEFAULT_READER_OPTIONS.depthTolerance,
};

const root = resolve('.ladder-cache', 'bench', `scenes-${FRAMES}f`);
const ids = Array.from({ length: SCENES }, (_, i) => sceneIdOf(i));

/** Decode every depth PNG of the scenes with sharp, `WINDOW` at a time, as the reader does. */
async function decodeOnly(): Promise<number> {
  const files = ids.flatMap((id) => frameNumbers(readdirSync(join(root, 'scans', id, 'pose'))).map((n) => join(root, 'scans', id, 'depth', `${n}.png`)));
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      await sharp(file).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
  return (performance.now() - start) / 1000;
}

/** Child process: ingest every scene (no cache), then time decode-only; print one JSON line. */
async function measure(): Promise<void> {
  const labels = loadLabelMap(join(root, 'scannetv2-labels.combined.tsv'));
  const extract = mkdtempSync(join(tmpdir(), 'ladder-bench-'));
  // Warm the page cache so both passes read from memory.
  for (const id of ids) for (const sub of ['depth', 'pose']) for (const f of readdirSync(join(root, 'scans', id, sub))) readFileSync(join(root, 'scans', id, sub, f));
  const decodeBefore = await decodeOnly();
  let frames = 0;
  let objects = 0;
  const start = performance.now();
  for (const id of ids) {
    const plan = await planScene(
      { source: 'procedural', id, dir: join(root, 'scans', id), labelMap: labels, extractDir: extract },
      { ...DEFAULT_READER_OPTIONS, frameStride: 1 },
    );
    const scene = await readScene(plan);
    frames += scene.views.length;
    objects += scene.objects.length;
  }
  const ingest = (performance.now() - start) / 1000;
  const decodeAfter = await decodeOnly();
  rmSync(extract, { recursive: true, force: true });
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ingest, decodeBefore, decodeAfter, frames, objects, peakRssMB })}\n`);
}

async function main(): Promise<void> {
  const started = performance.now();
  let generated = 0;
  for (let i = 0; i < SCENES; i++) if ((await generateScene(root, i, 1, OPTIONS)).written) generated++;
  const generateSeconds = (performance.now() - started) / 1000;
  if (generated) console.log(`generated ${generated} scene(s) at 1296x968 / 640x480, ${FRAMES} frames each, in ${generateSeconds.toFixed(1)} s (${root})`);
  else console.log(`scenes already generated in ${root}`);
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--measure', '--scenes', String(SCENES), '--frames', String(FRAMES)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`measurement failed: ${child.stderr}`);
  const m = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { ingest: number; decodeBefore: number; decodeAfter: number; frames: number; objects: number; peakRssMB: number };
  const decode = (m.decodeBefore + m.decodeAfter) / 2;
  const figures = {
    bench: 'scenes',
    scenes: SCENES,
    frames: m.frames,
    objects: m.objects,
    colour: '1296x968',
    depth: '640x480',
    ingestSeconds: round(m.ingest, 2),
    scenesPerSecond: round(SCENES / m.ingest, 3),
    framesPerSecond: round(m.frames / m.ingest, 1),
    decodeOnlyFramesPerSecond: round(m.frames / decode, 1),
    ratio: round(decode / m.ingest, 3),
    target: 0.5,
    peakRssMB: round(m.peakRssMB, 0),
    ...(generated ? { generateSeconds: round(generateSeconds, 1) } : {}),
  };
  console.log(`ingested ${SCENES} scenes (${m.frames} frames, ${m.objects} objects) in ${m.ingest.toFixed(2)} s: ${figures.scenesPerSecond} scenes/s, ${figures.framesPerSecond} frames/s`);
  console.log(`decode-only (sharp, the same ${m.frames} depth PNGs, ${WINDOW} at a time): ${decode.toFixed(2)} s, ${figures.decodeOnlyFramesPerSecond} frames/s (runs: ${m.decodeBefore.toFixed(2)} s, ${m.decodeAfter.toFixed(2)} s)`);
  console.log(`ingestion / decode-only speed: ${figures.ratio} (target >= 0.5: ${figures.ratio >= 0.5 ? 'met' : 'NOT met'}); peak RSS of the ingesting process ${figures.peakRssMB} MB`);
  console.log(JSON.stringify(figures));
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

if (process.argv.includes('--measure')) await measure();
else await main();
