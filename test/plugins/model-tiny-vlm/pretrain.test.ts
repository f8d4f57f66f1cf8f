/**
 * `ladder pretrain tiny-vlm` through the real CLI on 3 procedural rooms and a
 * one-layer model, `--from` continuing from what it wrote, then
 * `model.options.base` starting a ladder from it.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, PACKAGE_ROOT, type Sample } from '../../../core/index.ts';
import { PRETRAINED_DIR, tinyVlmBackend } from '../../../plugins/model-tiny-vlm/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const SMALL = { dim: 32, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28, workers: 1 };

const ladder = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(PACKAGE_ROOT, 'core', 'bin.mjs'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });

test('ladder pretrain tiny-vlm writes a captioning base with its hashes; a ladder starts from it with the tokenizer grown', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ladder.config.json'), JSON.stringify({ presets: ['spatial-ladder'], model: { id: 'tiny-vlm', options: SMALL } }));
  const out = join(dir, 'base');
  const run = ladder(dir, 'pretrain', 'tiny-vlm', '--scenes', '3', '--first', '200', '--epochs', '1', '--out', out, '--json');
  t.is(run.status, 0, run.stderr.slice(-3000));
  const record = JSON.parse(run.stdout) as { command: string; captionF1: { images: number; blind: number; swapped?: number }; sha256: Record<string, string>; settings: { first: number } };
  // the config's model options are part of the command that reproduces the base
  t.is(record.command, `npx ladder pretrain tiny-vlm --scenes 3 --first 200 --epochs 1 --lr 0.001 --seed 42${Object.entries(SMALL).map(([k, v]) => ` --set model.options.${k}=${v}`).join('')}`);
  t.is(record.settings.first, 200);
  t.true(record.captionF1.images >= 0 && record.captionF1.images <= 100 && record.captionF1.blind >= 0);
  t.false('swapped' in record.captionF1, 'one held-out room of three: no other room to swap in, and no figure made up');
  t.deepEqual(Object.keys(record.sha256).sort(), ['model.safetensors', 'policy.json', 'tokenizer.json']);
  for (const [file, hash] of Object.entries(record.sha256)) t.is(createHash('sha256').update(readFileSync(join(out, file))).digest('hex'), hash, file);
  const { out: written, ...saved } = record as typeof record & { out: string };
  t.is(written, out);
  t.deepEqual(JSON.parse(readFileSync(join(out, 'pretrained.json'), 'utf8')), saved);
  // the captions came from rooms scene9200_00 onwards
  const scored = readFileSync(join(dir, 'runs', 'pretrain-tiny-vlm', 'eval', 'caption', 'held-out', 'predictions.jsonl'), 'utf8').trim().split('\n');
  for (const row of scored) t.regex((JSON.parse(row) as { id: string }).id, /^scene920[0-2]_00\/caption\/single-image\//);

  const again = ladder(dir, 'pretrain', 'tiny-vlm', '--scenes', '3', '--out', out);
  t.is(again.status, 2);
  t.regex(again.stderr, /is not empty \(pass --force to replace it\)/);
  t.is(ladder(dir, 'pretrain', 'tiny-vlm', '--scenes', 'x').status, 2);

  // --from continues from a checkpoint (its loss starts where the base's ended); a base set in model.options is not dropped unseen
  const more = join(dir, 'more');
  const continued = ladder(dir, 'pretrain', 'tiny-vlm', '--scenes', '3', '--first', '200', '--epochs', '1', '--from', out, '--out', more, '--json');
  t.is(continued.status, 0, continued.stderr.slice(-3000));
  const next = JSON.parse(continued.stdout) as { command: string; metrics: { loss_first: number; loss_last_epoch: number } };
  const first = record as typeof record & { metrics: { loss_first: number; loss_last_epoch: number } };
  t.regex(next.command, new RegExp(` --from ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --seed 42 `));
  t.log(`first step's loss: ${first.metrics.loss_first.toFixed(3)} from random weights, ${next.metrics.loss_first.toFixed(3)} from the base (whose last epoch averaged ${first.metrics.loss_last_epoch.toFixed(3)})`);
  // from random weights the same seed and captions give the first run's first loss exactly; from the base, about its last
  t.true(next.metrics.loss_first < first.metrics.loss_first - 0.1 && next.metrics.loss_first < first.metrics.loss_last_epoch, "the second run started from the first one's weights");
  const dropped = ladder(dir, 'pretrain', 'tiny-vlm', '--scenes', '3', '--out', join(dir, 'x'), '--set', `model.options.base=${out}`);
  t.is(dropped.status, 2);
  t.regex(dropped.stderr, /model\.options\.base .* is not used .*; pass --from /);
  const missing = ladder(dir, 'pretrain', 'tiny-vlm', '--scenes', '3', '--out', join(dir, 'y'), '--from', join(dir, 'nowhere'));
  t.is(missing.status, 2);
  t.regex(missing.stderr, /--from .*nowhere: not a tiny-vlm checkpoint/);

  const base = JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8')) as { tokens: string[] };
  const sample = { question: 'Is the zebracorn left of the quokka?', answer: 'zebracorn zebracorn', options: undefined, media: { images: [] } } as unknown as Sample;
  const logs: string[] = [];
  const backend = tinyVlmBackend();
  const policy = await backend.create({ base: out, workers: 1 }, { seed: 1, dataset: { dir, manifest: {}, samples: [sample, sample] }, log: (m) => logs.push(m) });
  t.regex(logs.join('\n'), new RegExp(`starting from .*base \\(${base.tokens.length} tokens, [1-9]\\d* added from the dataset\\)`));
  await policy.dispose?.();
  await t.throwsAsync(backend.create({ base: out, dim: 64 }, { seed: 1, dataset: { dir, manifest: {}, samples: [] }, log: () => {} }), {
    instanceOf: ConfigError,
    message: /dim 64 differ from the base .* \(dim 32\); a base fixes the architecture/,
  });
});

test('the shipped base matches the hashes its pretrained.json records; base "pretrained" starts from it for its own architecture only', async (t) => {
  const record = JSON.parse(readFileSync(join(PRETRAINED_DIR, 'pretrained.json'), 'utf8')) as { command: string; sha256: Record<string, string> };
  t.regex(record.command, /^npx ladder pretrain tiny-vlm /);
  t.deepEqual(Object.keys(record.sha256).sort(), ['model.safetensors', 'policy.json', 'tokenizer.json']);
  for (const [file, hash] of Object.entries(record.sha256)) t.is(createHash('sha256').update(readFileSync(join(PRETRAINED_DIR, file))).digest('hex'), hash, file);
  t.true(statSync(join(PRETRAINED_DIR, 'model.safetensors')).size <= 20 * 1024 * 1024);
  const dataset = { dir: PRETRAINED_DIR, manifest: {}, samples: [] };
  const create = async (options: Record<string, unknown>) => {
    const logs: string[] = [];
    const policy = await tinyVlmBackend().create({ workers: 1, ...options }, { seed: 1, dataset, log: (m) => logs.push(m) });
    await policy.dispose?.();
    return logs.join('\n');
  };
  t.regex(await create({ base: 'pretrained' }), /starting from .*pretrained/);
  const other = await create({ base: 'pretrained', dim: 32, heads: 2 });
  t.regex(other, /model.options give dim 32, heads 2, not the shipped base's architecture: starting from random weights/);
  t.regex(await create({ base: 'pretrained', visionLayers: 0 }), /starting from .*pretrained/);
  t.regex(await create({ base: 'pretrained', visionLayers: 2 }), /model.options give visionLayers 2, not the shipped base's architecture: starting from random weights/);
  // the shipped base has rotary positions: the plugin's default (learned), given, is another architecture
  t.regex(await create({ base: 'pretrained', positions: 'rotary' }), /starting from .*pretrained/);
  t.regex(await create({ base: 'pretrained', positions: 'learned' }), /model.options give positions learned, not the shipped base's architecture: starting from random weights/);
  t.notRegex(await create({ base: 'none' }), /starting from/);
});
