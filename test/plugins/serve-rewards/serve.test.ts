import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLadder, type Sample, type UsageError, type UserConfig } from '../../../core/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(root, 'core', 'bin.mjs');

const SAMPLE: Sample = {
  id: 's1',
  task: 'relative-direction',
  modality: 'multi-view',
  scene: 'room00',
  question: 'Where is the lamp?',
  options: ['A. left', 'B. right'],
  answer: 'B',
  answerKind: 'choice',
  media: { images: [] },
};

/** A config with only the reward plugins and the command, a config-level weighting and a stage with its own. */
function config(dir: string): string {
  const file = join(dir, 'ladder.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      plugins: ['reward-format', 'reward-accuracy', 'reward-iou', 'serve-rewards'],
      rewards: { format: 1, accuracy: 1 },
      curriculum: [{ name: 'reasoning', kind: 'grpo', rewards: { format: 0.5, accuracy: 2, iou: 1 } }],
    }),
  );
  return file;
}

interface Served {
  child: ChildProcess;
  first: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Start `ladder serve rewards` and wait for its first stdout line (the address). */
function serve(t: ExecutionContext, args: string[], cwd: string): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', 'rewards', ...args], { cwd, env: { ...process.env, CI: 'true', LADDER_REWARD_TOKEN: '' } });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c) => {
      stdout += c;
      if (stdout.includes('\n')) resolve({ child, first: stdout.split('\n')[0]!, stderr: () => stderr, exit });
    });
    void exit.then((code) => reject(new Error(`exited ${code} before printing an address: ${stderr}`)));
  });
}

const rewards = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${url}/v1/rewards`, { method: 'POST', headers, body: JSON.stringify({ completions: ['<think>x</think><answer>B</answer>', 'A'], samples: [SAMPLE, SAMPLE] }) });
  return { status: response.status, body: (await response.json()) as { total: number[]; rewards: Record<string, number[]> } };
};

test("ladder serve rewards serves the config's rewards and weights on 127.0.0.1, prints the URL and stops cleanly on SIGTERM", async (t) => {
  const dir = tempDir(t);
  const served = await serve(t, ['-c', config(dir), '--json'], dir);
  const info = JSON.parse(served.first) as { url: string; host: string; weights: Record<string, number>; token: boolean; endpoints: Record<string, string> };
  t.regex(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.is(info.host, '127.0.0.1');
  t.deepEqual(info.weights, { format: 1, accuracy: 1 });
  t.is(info.endpoints.openrlhf, `POST ${info.url}/get_reward`);
  const { status, body } = await rewards(info.url);
  t.is(status, 200);
  t.deepEqual(body, { rewards: { format: [1, 0], accuracy: [1, 0] }, total: [2, 0] });
  served.child.kill('SIGTERM');
  t.is(await served.exit, 0);
  t.regex(served.stderr(), /reward server stopped \(SIGTERM\): 1 requests, 2 completions scored/);
  await t.throwsAsync(fetch(`${info.url}/v1/health`), undefined, 'the port is closed');
});

test('--stage serves that stage\'s weights; --token-file requires the token; SIGINT stops it', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'token'), 'tok-123\n');
  const served = await serve(t, ['-c', config(dir), '--stage', 'reasoning', '--token-file', join(dir, 'token')], dir);
  const url = /^reward server: (http:\/\/127\.0\.0\.1:\d+)$/.exec(served.first)![1]!;
  t.is((await rewards(url)).status, 401);
  const { body } = await rewards(url, { authorization: 'Bearer tok-123' });
  t.deepEqual(body.total, [0.5 * 1 + 2 * 1 + 0, 0]);
  t.deepEqual(Object.keys(body.rewards), ['format', 'accuracy', 'iou']);
  served.child.kill('SIGINT');
  t.is(await served.exit, 0);
  t.regex(served.stderr(), /stopped \(SIGINT\)/);
});

test('another address only when asked, with a warning', async (t) => {
  const dir = tempDir(t);
  const served = await serve(t, ['-c', config(dir), '--host', '0.0.0.0'], dir);
  t.regex(served.first, /^reward server: http:\/\/127\.0\.0\.1:\d+ \(listening on 0\.0\.0\.0:\d+\)$/);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.regex(served.stderr(), /warning: listening on 0\.0\.0\.0: other machines .* no token is required/);
  served.child.kill('SIGTERM');
  t.is(await served.exit, 0);
});

test('bad options are usage errors (exit 2) that name the option', async (t) => {
  const dir = tempDir(t);
  const file = config(dir);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const taken = (blocker.address() as { port: number }).port;
  const ladder = await createLadder(JSON.parse(readFileSync(file, 'utf8')) as UserConfig, { defaults: [] });
  const command = ladder.get('commands', 'serve rewards');
  const cases: [string[], RegExp][] = [
    [['--port', '70000'], /--port 70000: expected an integer from 0 to 65535/],
    [['--port'], /--port: expects a value/],
    [['--stage', 'nope'], /--stage nope: no such curriculum stage; stages: reasoning/],
    [['--token', 'a', '--token-file', 'b'], /--token or --token-file, not both/],
    [['--token-file', join(dir, 'missing')], /--token-file .*missing: cannot read it \(ENOENT\)/],
    [['--port', String(taken)], new RegExp(`--port ${taken}: already in use on 127.0.0.1`)],
  ];
  for (const [args, message] of cases) {
    const error = await t.throwsAsync(command.run(args, { seed: 1, cacheDir: dir, runsDir: dir, json: false, print: () => {} }), { message });
    t.is((error as UsageError).exitCode, 2, args.join(' '));
  }
  // through the CLI: exit code 2 and the message on stderr; --help lists the options and endpoints
  const run = spawnSync(process.execPath, [BIN, 'serve', 'rewards', '-c', file, '--bogus'], { cwd: dir, encoding: 'utf8' });
  t.is(run.status, 2);
  t.regex(run.stderr, /ladder serve rewards: unknown option --bogus/);
  const help = spawnSync(process.execPath, [BIN, 'serve', 'rewards', '--help', '-c', file], { cwd: dir, encoding: 'utf8' });
  t.is(help.status, 0);
  t.regex(help.stdout, /--token-file <path>/);
  t.regex(help.stdout, /POST \/get_reward +OpenRLHF/);
});
