import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLadder, evaluateBenchmark } from '../../../core/index.ts';
import { QUESTION_TYPES } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { benchRows, writeBenchParquet, writeVideo } from '../../lib/scoring/benchmark-files.ts';

type Part = { type: string; text?: string; image_url?: { url: string }; video_url?: { url: string } };
interface Body {
  messages: { role: string; content: string | Part[] }[];
  max_tokens: number;
  temperature: number;
}

/** A chat-completions server on 127.0.0.1 that records requests and answers "A." */
async function chatServer(t: ExecutionContext) {
  const bodies: Body[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      bodies.push(JSON.parse(raw) as Body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'A.' } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return { baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, bodies };
}

/** VSI-Bench with two scenes' videos; the rows' types alternate numeric and multiple choice. */
function writeVsi(root: string) {
  const types = ['object_counting', 'object_rel_distance'];
  const rows = benchRows(4, types, QUESTION_TYPES, ['scene0011_00', 'scene0015_00']).map((row) => ({ ...row, dataset: 'scannet' }));
  writeBenchParquet(join(root, 'test.parquet'), rows);
  for (const scene of ['scene0011_00', 'scene0015_00']) writeVideo(join(root, 'scannet', `${scene}.mp4`), { frames: 12 });
  return rows;
}

async function evaluate(dir: string, root: string, baseURL: string, model: Record<string, unknown>, out: string) {
  const ladder = await createLadder(
    { plugins: [['benchmark-vsi', { root, frames: 3, setting: 'lmms-eval' }], ['model-openai', { baseURL, model: 'qwen', ...model }]], cacheDir: join(dir, 'cache') },
    { defaults: [] },
  );
  const policy = await ladder.get('models', 'openai').create({}, { seed: 1, log: () => undefined });
  return evaluateBenchmark(ladder, policy, 'vsi-bench', out);
}

test("video: 'video_url' sends each VSI-Bench video whole as a data: URL (or a file:// URL), with lmms-eval's prompt and 16 tokens", async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'vsi');
  const rows = writeVsi(root);
  const { baseURL, bodies } = await chatServer(t);

  const report = await evaluate(dir, root, baseURL, { video: 'video_url' }, join(dir, 'data'));
  t.is(report.settings!.media, 'video');
  t.is(bodies.length, rows.length);
  for (const body of bodies) {
    const [system, user] = body.messages;
    t.deepEqual(system, { role: 'system', content: 'You are a helpful assistant.' });
    const [video, text, ...rest] = user!.content as Part[];
    t.is(rest.length, 0);
    t.is(video!.type, 'video_url');
    const [, mime, data] = /^data:([^;]+);base64,(.*)$/.exec(video!.video_url!.url)!;
    t.is(mime, 'video/mp4');
    const row = rows.find((r) => text!.text!.includes(r.question))!;
    t.deepEqual(Buffer.from(data!, 'base64'), readFileSync(join(root, 'scannet', `${row.scene_name}.mp4`)), 'the file, byte for byte');
    t.true(text!.text!.startsWith(`These are frames of a video.\n${row.question}\n`));
    t.is(body.max_tokens, 16);
    t.is(body.temperature, 0);
  }

  bodies.length = 0;
  await evaluate(dir, root, baseURL, { video: 'video_url', videoUrl: 'file' }, join(dir, 'file'));
  for (const body of bodies) {
    const url = ((body.messages[1]!.content as Part[])[0]!).video_url!.url;
    t.regex(url, /^file:\/\//);
    t.regex(fileURLToPath(url), /vsi\/scannet\/scene00(11|15)_00\.mp4$/);
  }

  bodies.length = 0;
  const frames = await evaluate(dir, root, baseURL, {}, join(dir, 'frames'));
  t.is(frames.settings!.media, undefined);
  for (const body of bodies) {
    const parts = body.messages[1]!.content as Part[];
    t.deepEqual(parts.map((p) => p.type), ['image_url', 'image_url', 'image_url', 'text'], 'the default: 3 sampled frames as images');
  }
});
