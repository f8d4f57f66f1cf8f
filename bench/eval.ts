/**
 * bench/eval: how fast evaluation runs.
 *   - frames: 32 evenly spaced frames of a 60 s 640x480 30 fps H.264 video
 *     (a clean low-bitrate one and a noisy high-bitrate one), sampled the way
 *     benchmarks do (one ffmpeg process, select filter, raw RGB to Node, JPEG
 *     by sharp), against two baselines measured in the same run: one ffmpeg
 *     process per frame (fast seek), and decoding every frame to Node.
 *   - scoring: answers extracted and scored per second (spec and vsi-bench).
 *   - media check: `resolveImage` (path checks, then a reduced-size decode
 *     to the last byte) on ScanNet-sized 1296x968 JPEGs, against
 *     `resolveInside` (path checks only) measured in the same run, and the
 *     same files checked again (decoded once per process).
 *   - loop: the full `evaluateRows` loop with the oracle on a 2,000-row
 *     SPBench-style benchmark (parquet read, path checks, image decodes,
 *     JSONL appends).
 *
 *   node --import tsx bench/eval.ts        (last line: one JSON object)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLadder, evaluateBenchmark } from '../core/index.ts';
import { evenlySpacedIndices, findFfmpeg, probeVideo, sampleFrames } from '../lib/media/index.ts';
import { QUESTION_TYPES, resolveImage, resolveInside, scoreAnswer, type AnswerKey } from '../lib/scoring/index.ts';
import { benchRows, SPBENCH_SI_TYPES, writeImage, writeSpbench } from '../test/lib/scoring/benchmark-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-eval-'));
const ffmpeg = findFfmpeg();
const seconds = async (fn: () => Promise<unknown>) => {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function ffmpegRaw(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg.path, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.on('close', (code) => (code === 0 ? resolve(bytes) : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

try {
  console.log(`ffmpeg: ${ffmpeg.via} ${ffmpeg.version}; node ${process.version}`);
  const encoder = spawnSync(ffmpeg.path, ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout.includes('libx264') ? 'libx264' : 'mpeg4';
  const count = 32;
  /** Time our sampler and the two baselines on one 60 s 640x480 30 fps video. */
  const measure = async (name: string, source: string, repeats: number) => {
    const video = join(dir, `${name}.mp4`);
    const encode = spawnSync(
      ffmpeg.path,
      ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `${source}`,
        '-c:v', encoder, ...(encoder === 'libx264' ? ['-preset', 'veryfast', '-g', '60'] : ['-q:v', '4']), '-pix_fmt', 'yuv420p', video],
      { encoding: 'utf8' },
    );
    if (encode.status !== 0) throw new Error(`cannot encode the test video: ${encode.stderr}`);
    const info = await probeVideo(video);
    const mbps = (statSync(video).size * 8) / 60 / 1e6;
    const indices = evenlySpacedIndices(info.frames, count);
    const ours: number[] = [];
    for (let r = 0; r < repeats; r++) ours.push(await seconds(() => sampleFrames(video, { count, cacheDir: join(dir, `cache-${name}-${r}`) })));
    const cached = await seconds(() => sampleFrames(video, { count, cacheDir: join(dir, `cache-${name}-0`) }));
    const perFrame: number[] = [];
    for (let r = 0; r < repeats; r++)
      perFrame.push(
        await seconds(async () => {
          for (const index of indices)
            await ffmpegRaw(['-ss', (index / 30).toFixed(4), '-i', video, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
        }),
      );
    const decodeAll: number[] = [];
    for (let r = 0; r < repeats; r++) decodeAll.push(await seconds(() => ffmpegRaw(['-i', video, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'])));
    const result = {
      video: `${info.width}x${info.height} ${info.frames} frames ${encoder} ${mbps.toFixed(1)} Mbit/s`,
      sample_s: Number(median(ours).toFixed(3)),
      frames_per_s: Number((count / median(ours)).toFixed(1)),
      cached_ms: Number((cached * 1000).toFixed(1)),
      speedup_vs_process_per_frame: Number((median(perFrame) / median(ours)).toFixed(2)),
      speedup_vs_decode_all: Number((median(decodeAll) / median(ours)).toFixed(2)),
    };
    console.log(`frames (${name}: ${result.video}): ${count} sampled in ${result.sample_s} s (median of ${repeats}) = ${result.frames_per_s} frames/s, JPEGs included; cached ${result.cached_ms} ms`);
    console.log(`  baseline, one ffmpeg per frame (-ss seek, raw only): ${median(perFrame).toFixed(3)} s -> ours is ${result.speedup_vs_process_per_frame}x as fast`);
    console.log(`  baseline, decode all frames to Node (raw only): ${median(decodeAll).toFixed(3)} s -> ours is ${result.speedup_vs_decode_all}x as fast`);
    return result;
  };
  const clean = await measure('clean', 'testsrc2=size=640x480:rate=30:duration=60', 3);
  const noisy = await measure('noisy', 'testsrc2=size=640x480:rate=30:duration=60,noise=alls=12:allf=t', 2);

  const keys: AnswerKey[] = Array.from({ length: 1000 }, (_, i) =>
    i % 2 ? { answer: String(1 + (i % 17) / 4), answerKind: 'number' } : { answer: 'ABCD'[i % 4]!, answerKind: 'choice', options: ['A. a', 'B. b', 'C. c', 'D. d'] },
  );
  const completions = keys.map((key, i) => (i % 3 ? `<think>Let me think about it.</think><answer>${key.answer}</answer>` : `${key.answer}. because`));
  const scoringRate: Record<string, number> = {};
  for (const mode of ['spec', 'vsi-bench'] as const) {
    const rounds = 100;
    const time = await seconds(async () => {
      for (let r = 0; r < rounds; r++) for (let i = 0; i < keys.length; i++) scoreAnswer(completions[i]!, keys[i]!, mode);
    });
    scoringRate[mode] = (rounds * keys.length) / time;
    console.log(`scoring (${mode}): ${Math.round(scoringRate[mode]!).toLocaleString('en-US')} rows/s`);
  }

  const images = Array.from({ length: 40 }, (_, i) => `frames/${i}.jpg`);
  for (const [i, image] of images.entries()) await writeImage(join(dir, image), i, 1296, 968);
  const checked = await seconds(async () => {
    for (const image of images) await resolveImage(dir, image);
  });
  const pathsOnly = await seconds(async () => {
    for (const image of images) resolveInside(dir, image);
  });
  const again = await seconds(async () => {
    for (const image of images) await resolveImage(dir, image);
  });
  const mediaCheckMs = (1000 * checked) / images.length;
  const againMs = (1000 * again) / images.length;
  console.log(
    `media check: ${mediaCheckMs.toFixed(2)} ms per 1296x968 JPEG decoded (${((1000 * pathsOnly) / images.length).toFixed(3)} ms for the path checks alone: ${(checked / pathsOnly).toFixed(0)}x)`,
  );
  console.log(`  the same files checked again (decoded once per process): ${againMs.toFixed(3)} ms each, ${(checked / again).toFixed(0)}x as fast`);

  const rows = 2000;
  await writeSpbench(join(dir, 'spbench'), benchRows(rows, SPBENCH_SI_TYPES, QUESTION_TYPES, Array.from({ length: 20 }, (_, i) => `scene${i}`)));
  const ladder = await createLadder(
    { plugins: [['benchmark-spbench', { si: join(dir, 'spbench') }], 'model-oracle'], evaluate: { batchSize: 16 } },
    { defaults: [] },
  );
  const oracle = await ladder.get('models', 'oracle').create({}, { seed: 1, log: () => undefined });
  let report;
  const loop = await seconds(async () => (report = await evaluateBenchmark(ladder, oracle, 'spbench-si', join(dir, 'out'))));
  const resume = await seconds(() => evaluateBenchmark(ladder, oracle, 'spbench-si', join(dir, 'out')));
  console.log(`loop: ${rows} rows in ${loop.toFixed(2)} s = ${Math.round(rows / loop)} rows/s (oracle, avg ${report!.avg}); resumed run ${resume.toFixed(2)} s`);

  console.log(
    JSON.stringify({
      bench: 'eval',
      ffmpeg: ffmpeg.via,
      frames: count,
      clean,
      noisy,
      scoring_rows_per_s_spec: Math.round(scoringRate.spec!),
      scoring_rows_per_s_vsi_bench: Math.round(scoringRate['vsi-bench']!),
      media_check_ms: Number(mediaCheckMs.toFixed(2)),
      media_check_again_ms: Number(againMs.toFixed(3)),
      loop_rows_per_s: Math.round(rows / loop),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
