/**
 * bench/engine: what training through an external engine costs. One function
 * per figure:
 *   - reward_server_completions_per_s: completions rewarded per second
 *     through the whole remote path TRL uses: Python's ladder_rewards.py
 *     (format, accuracy, iou reward functions, called per batch as
 *     GRPOTrainer calls them) -> HTTP -> `ladder serve rewards` (the real
 *     CLI, a separate process). Baseline, same run (before and after, averaged):
 *     the same rewards called in-process (this thread), batch by batch. All
 *     three pinned to core 0 when taskset exists. Target >= 5,000/s.
 *   - reward_identity_max_diff: largest |in-process - through Python and the
 *     server| over every reward and the weighted total of the identity test's
 *     completions. Must be 0.
 *   - trl_wrapper_ratio: SFT tokens per second of a ladder-driven TRL stage
 *     (`ladder train`, engine "trl": the framework, accelerate launch, the
 *     runner streaming metrics) divided by a plain TRL script
 *     (bench/trl_sft_plain.py under the same `accelerate launch`) training
 *     the same rows of the same tiny Qwen2.5-VL with the same settings,
 *     precision (TRL's own default is bf16 autocast, even on a CPU) and seed. Tokens per wall-clock second of the whole command, dataset
 *     cached; pairs interleaved in ABBA order (ladder then plain, plain then
 *     ladder, ...), the median of the pairs' ratios. Target >= 0.9. Also
 *     printed: the same ratio per CPU second of each command's process tree
 *     (trl_cpu_ratio: the wrapper's extra work, whatever else the machine
 *     runs) and inside TRL's training loop (trl_loop_ratio). Needs `npx
 *     ladder setup trl`.
 * Completions: the identity test's cases (test/lib/reward-server/reward-cases.ts):
 * real samples of the dataset builder, crafted completions.
 *
 *   npm run bench -- engine [--batch 256] [--rounds 40] [--pairs 4] [--steps 100]     (last line: one JSON object)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLadder, readJsonLines, type MetricEvent, type Reward } from '../core/index.ts';
import { accelerateArgs, accelerateSchema, enginePython } from '../plugins/engine-trl/index.ts';
import { startRewardServer } from '../lib/reward-server/index.ts';
import { totalReward } from '../lib/scoring/index.ts';
import { realSamples, rewardCases, type RewardCases } from '../test/lib/reward-server/reward-cases.ts';
import { runDriver } from '../test/plugins/engine-trl/reward-driver.ts';
import { writeSmallConfig } from '../test/helpers/small-data.ts';

const TARGET_COMPLETIONS_PER_S = 5000;
const TARGET_WRAPPER_RATIO = 0.9;
const IDS = ['format', 'accuracy', 'iou'];
const WEIGHTS: Record<string, number> = { format: 0.5, accuracy: 1, iou: 2 };
const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { batch: { type: 'string', default: '256' }, rounds: { type: 'string', default: '40' }, pairs: { type: 'string', default: '4' }, steps: { type: 'string', default: '100' } },
});
const batch = Number(values.batch);
const rounds = Number(values.rounds);

async function rewardPlugins(): Promise<Record<string, Reward>> {
  const ladder = await createLadder({ plugins: IDS.map((id) => `reward-${id}`) }, { defaults: [] });
  return Object.fromEntries(IDS.map((id) => [id, ladder.get('rewards', id)]));
}
const entries = (rewards: Record<string, Reward>) => Object.fromEntries(IDS.map((id) => [id, { reward: rewards[id]!, weight: WEIGHTS[id]! }]));

/** `ladder serve rewards` in its own process (optionally pinned); resolves with its URL and a stop function. */
async function serveRewards(dir: string, pin: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const config = join(dir, 'ladder.config.json');
  writeFileSync(config, JSON.stringify({ plugins: [...IDS.map((id) => `reward-${id}`), 'serve-rewards'], rewards: WEIGHTS }));
  const [program, ...args] = [...pin, process.execPath, join(root, 'core', 'bin.mjs'), 'serve', 'rewards', '--json', '-c', config];
  const child = spawn(program!, args, { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`ladder serve rewards exited ${code}`)));
  });
  return { url, stop: () => (child.kill('SIGTERM'), exited) };
}

/** Completions per second of the same rewards called in this thread, batch by batch as the client sends them. */
async function inProcessRate(cases: RewardCases): Promise<number> {
  const rewards = entries(await rewardPlugins());
  const n = cases.completions.length;
  const batchOf = (r: number) => Array.from({ length: batch }, (_, k) => (r * batch + k) % n);
  await totalReward(cases.completions, cases.samples, rewards); // warm-up
  const start = performance.now();
  for (let r = 0; r < rounds; r++) {
    const idx = batchOf(r);
    await totalReward(idx.map((i) => cases.completions[i]!), idx.map((i) => cases.samples[i]!), rewards);
  }
  return (batch * rounds) / ((performance.now() - start) / 1000);
}

/** Completions per second through Python -> HTTP -> the CLI's server, against the same rewards in-process. */
async function rewardServerThroughput(cases: RewardCases, dir: string) {
  // server, client and the in-process baseline (this thread) all on core 0
  const pin = spawnSync('taskset', ['-p', '-c', '0', String(process.pid)]).status === 0 ? ['taskset', '-c', '0'] : [];
  const server = await serveRewards(dir, pin);
  try {
    const job = { url: server.url, ids: IDS, completions: cases.completions, samples: cases.samples.map((s) => JSON.stringify(s)), mode: 'throughput' as const, batch };
    await runDriver({ ...job, rounds: 20 }, pin); // warm-up: the server's JIT
    const before = await inProcessRate(cases);
    const remote = await runDriver<{ completions: number; seconds: number; requests: number }>({ ...job, rounds }, pin);
    const local = (before + (await inProcessRate(cases))) / 2; // the baseline around the remote run: the machine's load drifts
    if (remote.requests !== rounds) throw new Error(`expected one request per batch, the client made ${remote.requests} for ${rounds} batches`);
    const perSecond = remote.completions / remote.seconds;
    console.log(`reward server (${pin.length ? 'server, client and baseline pinned to core 0' : 'unpinned: no taskset'}; Python client, batches of ${batch}, ${rounds} batches, 3 rewards):`);
    console.log(`  through Python + HTTP: ${Math.round(perSecond)} completions/s (target >= ${TARGET_COMPLETIONS_PER_S})`);
    console.log(`  in-process baseline:  ${Math.round(local)} completions/s; ratio ${(perSecond / local).toFixed(3)}`);
    return {
      reward_server_completions_per_s: Math.round(perSecond),
      reward_server_batch: batch,
      reward_server_pinned_one_core: pin.length > 0,
      reward_in_process_completions_per_s: Math.round(local),
      reward_server_ratio: +(perSecond / local).toFixed(3),
    };
  } finally {
    await server.stop();
  }
}

/** Largest difference between in-process rewards and the same rewards through Python and the server (must be 0). */
async function rewardIdentity(cases: RewardCases) {
  const rewards = await rewardPlugins();
  const local = await totalReward(cases.completions, cases.samples, entries(rewards));
  const server = await startRewardServer({ rewards, weights: WEIGHTS });
  try {
    const remote = await runDriver<{ values: Record<string, string[]> }>({
      url: server.url,
      ids: IDS,
      completions: cases.completions,
      samples: cases.samples.map((s) => JSON.stringify(s)),
      mode: 'identity',
    });
    const total = ((await (await fetch(`${server.url}/v1/rewards`, { method: 'POST', body: JSON.stringify(cases) })).json()) as { total: number[] }).total;
    const fromHex = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);
    let max = 0;
    for (const id of IDS) remote.values[id]!.forEach((hex, i) => (max = Math.max(max, Math.abs(fromHex(hex) - local.parts[id]![i]!))));
    total.forEach((v, i) => (max = Math.max(max, Math.abs(v - local.total[i]!))));
    console.log(`reward identity: ${cases.completions.length} completions x ${IDS.length} rewards + total, in-process vs Python client + server: max |diff| ${max}`);
    return { reward_identity_completions: cases.completions.length, reward_identity_max_diff: max };
  } finally {
    await server.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Run a command; its wall-clock seconds and the CPU seconds of its whole process tree (bash's `times`). */
function timed(command: string, args: string[], cwd: string): { seconds: number; cpu: number; stdout: string } {
  const start = performance.now();
  const script = '"$@"; code=$?; times >&2; exit $code';
  const run = spawnSync('bash', ['-c', script, 'bash', command, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${run.stderr.slice(-3000)}`);
  const [user, system] = [...run.stderr.trim().split('\n').at(-1)!.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { seconds: (performance.now() - start) / 1000, cpu: user! + system!, stdout: run.stdout };
}

/** Ladder-driven TRL SFT against a plain TRL script on the same rows, model and settings. */
async function trlWrapperRatio(dir: string) {
  const python = enginePython();
  mkdirSync(dir, { recursive: true });
  const ladder = (args: string[]) => timed(process.execPath, [join(root, 'core', 'bin.mjs'), ...args], dir);
  const config = writeSmallConfig(dir, {
    name: 'wrapped',
    engine: 'trl',
    model: { id: 'hf', options: { path: join(dir, 'model') } },
    curriculum: [{ name: 'understanding', kind: 'sft', data: { tasks: ['object-counting', 'object-size', 'relative-direction'] }, options: { maxSteps: Number(values.steps), batchSize: 4, gradAccum: 1, lr: 1e-4, checkpointEvery: 0 } }],
  });
  ladder(['hf', 'tiny-model', '-c', config, '--out', join(dir, 'model')]);
  const stage = join(dir, 'runs', 'wrapped', 'stages', '1-understanding');
  const pairs: { ladder: number; plain: number; tokens: number; ladderCpu: number; plainCpu: number; ladderLoop: number; plainLoop: number }[] = [];
  for (let pair = 0; pair < Number(values.pairs); pair++) {
    // ABBA: every other pair runs the plain script first, so a machine getting busier or quieter favours neither
    const runPlain = () => timed(python, accelerateArgs(accelerateSchema.parse({}), join(root, 'bench', 'trl_sft_plain.py'), [join(stage, 'trl', 'job.json'), join(dir, 'plain')]), dir);
    const plainFirst = pair % 2 === 1;
    const early = plainFirst ? runPlain() : undefined;
    const wrapped = ladder(['train', '-c', config, '--force']);
    const steps = readJsonLines<MetricEvent>(join(dir, 'runs', 'wrapped', 'metrics.jsonl')).filter((m) => m.event === 'step');
    const tokens = steps.reduce((sum, m) => sum + Number(m.tokens ?? 0), 0);
    const record = JSON.parse(readFileSync(join(stage, 'final', 'trl-stage.json'), 'utf8')) as { result: { train_runtime: number } };
    const plain = early ?? runPlain();
    const result = JSON.parse(plain.stdout.trim().split('\n').at(-1)!) as { tokens: number; train_runtime: number };
    if (result.tokens !== tokens) throw new Error(`the two runs trained on different tokens (${tokens} vs ${result.tokens})`);
    pairs.push({
      ladder: tokens / wrapped.seconds,
      plain: tokens / plain.seconds,
      tokens,
      ladderCpu: tokens / wrapped.cpu,
      plainCpu: tokens / plain.cpu,
      ladderLoop: tokens / record.result.train_runtime,
      plainLoop: tokens / result.train_runtime,
    });
    const p = pairs.at(-1)!;
    console.log(
      `pair ${pair + 1}: ladder ${p.ladder.toFixed(0)} tokens/s (${wrapped.seconds.toFixed(1)} s), plain TRL ${p.plain.toFixed(0)} tokens/s (${plain.seconds.toFixed(1)} s), ratio ${(p.ladder / p.plain).toFixed(3)}; per CPU second ${(p.ladderCpu / p.plainCpu).toFixed(3)} (${wrapped.cpu.toFixed(1)} vs ${plain.cpu.toFixed(1)} CPU s); inside the training loop ${(p.ladderLoop / p.plainLoop).toFixed(3)}`,
    );
  }
  const ratio = median(pairs.map((p) => p.ladder / p.plain));
  console.log(`trl_wrapper_ratio ${ratio.toFixed(3)} (median of ${pairs.length} interleaved pairs, ${pairs[0]!.tokens} tokens per run; target >= ${TARGET_WRAPPER_RATIO})`);
  return {
    trl_wrapper_ratio: +ratio.toFixed(3),
    trl_ladder_tokens_per_s: Math.round(median(pairs.map((p) => p.ladder))),
    trl_plain_tokens_per_s: Math.round(median(pairs.map((p) => p.plain))),
    trl_cpu_ratio: +median(pairs.map((p) => p.ladderCpu / p.plainCpu)).toFixed(3),
    trl_loop_ratio: +median(pairs.map((p) => p.ladderLoop / p.plainLoop)).toFixed(3),
    trl_tokens_per_run: pairs[0]!.tokens,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
try {
  const cases = rewardCases(await realSamples(dir));
  const figures = { bench: 'engine', ...(await rewardServerThroughput(cases, dir)), ...(await rewardIdentity(cases)), ...(await trlWrapperRatio(join(dir, 'trl'))) };
  console.log(JSON.stringify(figures));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
