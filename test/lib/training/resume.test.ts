/**
 * A real CLI run killed with SIGKILL mid-stage and restarted with
 * `ladder run --resume` ends with the same metrics and weights as an
 * uninterrupted run.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../../helpers/temp.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'core/bin.mjs');

function config(dir: string, name: string) {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      seed: 11,
      presets: [],
      plugins: [join(ROOT, 'test/fixtures/toy-ladder/plugin.ts'), 'model-tiny-vlm', 'stage-sft', 'stage-grpo'],
      model: { id: 'tiny-vlm', options: { dim: 32, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28, maxLength: 256 } },
      curriculum: [
        { name: 'understanding', kind: 'sft', options: { epochs: 2, batchSize: 2, gradAccum: 2, checkpointEvery: 2 } },
        { name: 'reasoning', kind: 'grpo', options: { generations: 4, maxTokens: 6, batchSize: 1, gradAccum: 2, maxSteps: 6, checkpointEvery: 2 } },
      ],
      rewards: { format: 1, accuracy: 1 },
      evaluate: { benchmarks: [] },
      runsDir: join(dir, 'runs'),
      cacheDir: join(dir, 'cache'),
    }),
  );
  return file;
}

/** Run the CLI; with `killWhen`, SIGKILL it as soon as that file exists. */
function ladder(args: string[], killWhen?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = killWhen ? setInterval(() => existsSync(killWhen) && child.kill('SIGKILL'), 20) : undefined;
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearInterval(timer);
      done({ code, signal, output });
    });
  });
}

const state = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, 'runs', name, 'state.json'), 'utf8'));

test('a run killed with SIGKILL mid-stage and resumed ends with the same metrics and weights as an uninterrupted run', async (t) => {
  const dir = tempDir(t);
  const straight = await ladder(['run', '-c', config(dir, 'straight')]);
  t.is(straight.code, 0, straight.output);

  const cfg = config(dir, 'killed');
  const checkpoint = join(dir, 'runs', 'killed', 'stages', '2-reasoning', 'step-000002', 'stage.json');
  const killed = await ladder(['run', '-c', cfg], checkpoint);
  t.is(killed.signal, 'SIGKILL', killed.output);
  const partial = state(dir, 'killed');
  t.is(partial.status, 'running');
  t.deepEqual(partial.stages.map((s: { name: string }) => s.name), ['understanding']);

  const resumed = await ladder(['run', '-c', cfg, '--resume']);
  t.is(resumed.code, 0, resumed.output);
  t.regex(resumed.output, /resumed from .*step-000002/);

  const a = state(dir, 'straight');
  const b = state(dir, 'killed');
  t.is(b.status, 'done');
  t.deepEqual(
    b.stages.map((s: { name: string; result: { metrics: unknown } }) => [s.name, s.result.metrics]),
    a.stages.map((s: { name: string; result: { metrics: unknown } }) => [s.name, s.result.metrics]),
  );
  const weights = (name: string) => readFileSync(join(dir, 'runs', name, 'stages', '2-reasoning', 'final', 'model.safetensors'));
  t.true(weights('killed').equals(weights('straight')), 'final weights are byte-identical');
  const curve = (name: string) => JSON.parse(readFileSync(join(dir, 'runs', name, 'stages', '2-reasoning', 'final', 'stage.json'), 'utf8')).history;
  t.deepEqual(curve('killed'), curve('straight'));
  t.true(existsSync(join(dir, 'runs', 'killed', 'stages', '2-reasoning', 'reward_mean.png')));
});
