/**
 * bench/train: training and rollout speed of tiny-vlm on this machine, with
 * PyTorch on the same model, weights and batches as the anchor, measured
 * interleaved in one run.
 *
 *   npm run bench -- train [--rounds 5] [--steps 4] [--workers 2] [--python PATH]
 *
 * The default ladder's dataset (built or found in .ladder-cache), the default
 * model (seed 42). Each round times, back to back: `--steps` SFT steps on
 * understanding-stage batches of 8 (direct prompts; AdamW and clipping, their
 * elementwise pass on the worker threads as in the stages), then the
 * same steps in PyTorch (one thread, bench/torch_anchor.py), then GRPO-shaped
 * rollouts (8 think prompts x 8 samples x at most 64 tokens, temperature 1,
 * top-p 1, on the initial weights) on both. Ratios are medians over rounds of ours / PyTorch within a round,
 * so machine load shared by both sides cancels. `cores_busy` is the process's
 * CPU time (all threads) over wall time during our SFT steps. The `*_cpu_ratio`
 * figures compare tokens per CPU-second (all threads of each side): the work
 * each side spends per token, whatever the load.
 *
 * PyTorch: `--python PATH`, else $LADDER_PYTHON, else the venvs under
 * ~/.cache/spatial-ladder/, else python3; the first that imports torch. The
 * last line is one JSON object {"bench":"train", ...}.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildDataset, createLadder, SPATIAL_TASKS, type TrainExample } from '../core/index.ts';
import { samplePrompt } from '../lib/prompts/index.ts';
import { AdamW, createOrder, nllObjective, writeTensorFile, type NamedTensor } from '../lib/training/index.ts';
import { tinyVlmBackend, type TinyVlmPolicy } from '../plugins/model-tiny-vlm/index.ts';
import { forwardFlops, type Batch } from '../plugins/model-tiny-vlm/model.ts';
import { normalisePixels, patchesPerImage, patchSize } from '../plugins/model-tiny-vlm/vision.ts';

const flag = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ROUNDS = Number(flag('rounds') ?? 5);
const STEPS = Number(flag('steps') ?? 4);
const WORKERS = Number(flag('workers') ?? 2);
const BATCHES = 8;
const OPTIMIZER = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** A Python that imports torch, or undefined. */
function findPython(): string | undefined {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'spatial-ladder');
  const venvs = existsSync(cache) ? readdirSync(cache).map((d) => join(cache, d, 'bin', 'python')).filter(existsSync) : [];
  const candidates = [flag('python'), process.env.LADDER_PYTHON, ...venvs, 'python3'].filter((p): p is string => !!p);
  return candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

/** The anchor process: JSON lines in and out. */
async function startAnchor(python: string, exchange: string) {
  const script = fileURLToPath(new URL('./torch_anchor.py', import.meta.url));
  const child = spawn(python, [script, exchange], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const read = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the PyTorch anchor exited early (see its error above)');
    return JSON.parse(value as string) as Record<string, number | string | boolean>;
  };
  const hello = await read();
  return {
    hello,
    ask: (cmd: Record<string, unknown>) => {
      child.stdin.write(`${JSON.stringify(cmd)}\n`);
      return read();
    },
    close: () => child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`),
  };
}

const work = mkdtempSync(join(tmpdir(), 'bench-train-'));
try {
  const ladder = await createLadder({ presets: ['spatial-ladder'] });
  const dataset = await buildDataset(ladder);
  let backend = '';
  const policy = (await tinyVlmBackend().create({ workers: WORKERS }, { seed: 42, dataset, log: (m) => (backend = m) })) as TinyVlmPolicy;
  const { config } = policy.model;

  // understanding-stage batches of 8 in the stage's first-epoch order; GRPO-shaped think prompts
  const train = dataset.samples.filter((s) => s.split === 'train' && (SPATIAL_TASKS as readonly string[]).includes(s.task));
  const order = createOrder(train.length, 42, 'understanding')(0);
  const examples: TrainExample[] = order.map((i) => ({ input: samplePrompt(train[i]!, dataset.dir, 'direct'), completion: train[i]!.answer }));
  const batches = Array.from({ length: BATCHES }, (_, k) => examples.slice(k * 8, k * 8 + 8));
  const prompts = order.slice(0, 8).map((i) => samplePrompt(train[i]!, dataset.dir, 'think'));
  const rollout = { maxTokens: 64, temperature: 1, topP: 1, n: 8 };

  // the exchange file: parameters, packed batches, config
  const layouts: Batch[] = [];
  for (const batch of batches) layouts.push(await policy.model.batch(batch.map((e) => ({ prompt: policy.model.encode(e.input), completions: [policy.completionIds(e.completion)] }))));
  const promptLayouts: Batch[] = [];
  for (const p of prompts) promptLayouts.push(await policy.model.batch([{ prompt: policy.model.encode(p), completions: [] }]));
  const floats = (a: ArrayLike<number>) => Float32Array.from(a);
  const pixelShape = (b: Batch) => [b.imageCount * patchesPerImage(config.image), patchSize(config.image)];
  const pixels = (bytes: Uint8Array) => {
    const out = new Float32Array(bytes.length);
    normalisePixels(bytes, out, 0);
    return out;
  };
  const tensors: NamedTensor[] = [
    ...policy.parameters().map((p) => ({ name: `param/${p.name}`, shape: p.shape, data: p.value })),
    ...layouts.flatMap((b, i) => [
      { name: `sft${i}/table`, shape: [b.table.length], data: floats(b.table) },
      { name: `sft${i}/positions`, shape: [b.positions.length], data: floats(b.positions) },
      { name: `sft${i}/rows`, shape: [b.rows.length], data: floats(b.rows) },
      { name: `sft${i}/targets`, shape: [b.targets.length], data: floats(b.targets) },
      ...(b.pixels ? [{ name: `sft${i}/pixels`, shape: pixelShape(b), data: pixels(b.pixels) }] : []),
    ]),
    ...promptLayouts.flatMap((b, i) => [
      { name: `prompt${i}/table`, shape: [b.table.length], data: floats(b.table) },
      { name: `prompt${i}/positions`, shape: [b.positions.length], data: floats(b.positions) },
      ...(b.pixels ? [{ name: `prompt${i}/pixels`, shape: pixelShape(b), data: pixels(b.pixels) }] : []),
    ]),
  ];
  const exchange = join(work, 'exchange.bin');
  const about = {
    config,
    vocab: policy.model.vocab,
    params: policy.parameters().map((p) => p.name),
    optimizer: OPTIMIZER,
    sft: layouts.map((b) => ({ images: b.imageCount, segments: b.segments })),
    rollout: { samples: rollout.n, maxTokens: rollout.maxTokens, eos: policy.tokenizer.id('<eos>'), lengths: promptLayouts.map((b) => b.table.length), images: promptLayouts.map((b) => b.imageCount) },
  };
  await writeTensorFile(exchange, tensors, { bench: JSON.stringify(about) });

  const python = findPython();
  const anchor = python ? await startAnchor(python, exchange).catch((e: Error) => void console.log(`PyTorch anchor failed to start: ${e.message}`)) : undefined;
  if (!python) console.log('PyTorch not found (pass --python PATH, set LADDER_PYTHON, or see README "Benchmarks"): measuring tiny-vlm alone');

  // initial loss of batch 0 on both sides: the parity check
  const lp = await policy.logProbs(batches[0]!.map((e) => e.input), batches[0]!.map((e) => e.completion));
  const loss = -lp.flat().reduce((s, x) => s + x, 0) / lp.flat().length;
  const torchLoss = anchor ? Number((await anchor.ask({ cmd: 'loss' })).loss) : undefined;

  // rollouts on the initial weights on both sides (training makes completions end early at different steps)
  const frozen = await policy.snapshot();
  const optimizer = new AdamW(policy.parameters(), OPTIMIZER, policy.threads);
  let cursor = 0;
  const sft = async () => {
    let tokens = 0;
    let flops = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let s = 0; s < STEPS; s++) {
      const k = cursor++ % BATCHES;
      const result = await policy.accumulate(batches[k]!, nllObjective);
      await optimizer.step(OPTIMIZER.lr, { scale: 1 / result.completionTokens, maxGradNorm: OPTIMIZER.maxGradNorm });
      policy.commit();
      tokens += result.tokens;
      flops += 3 * forwardFlops(config, policy.model.vocab, layouts[k]!);
    }
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    return { seconds, tokens, flops, cores: (used.user + used.system) / 1e6 / seconds };
  };
  const generate = async () => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const out = await frozen.generate(prompts, { ...rollout, seed: 5 });
    const used = process.cpuUsage(cpu);
    return { seconds: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6, tokens: out.flat().reduce((s, g) => s + (g.tokens ?? 0), 0) };
  };
  await sft(); // warm-up: sessions, image cache, JIT
  await generate();
  if (anchor) {
    await anchor.ask({ cmd: 'sft', steps: 1 });
    await anchor.ask({ cmd: 'rollout' });
  }

  const rows: Record<string, number>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const ours = await sft();
    const theirs = anchor ? await anchor.ask({ cmd: 'sft', steps: STEPS }) : undefined;
    const gen = await generate();
    const theirGen = anchor ? await anchor.ask({ cmd: 'rollout' }) : undefined;
    const row: Record<string, number> = {
      sft: ours.tokens / ours.seconds,
      gflops: ours.flops / ours.seconds / 1e9,
      cores: ours.cores,
      rollout: gen.tokens / gen.seconds,
    };
    if (theirs && theirGen) {
      row.torchSft = Number(theirs.tokens) / Number(theirs.seconds);
      row.torchRollout = Number(theirGen.tokens) / Number(theirGen.seconds);
      row.sftRatio = row.sft! / row.torchSft;
      row.rolloutRatio = row.rollout! / row.torchRollout;
      row.sftCpuRatio = ours.tokens / (ours.cores * ours.seconds) / (Number(theirs.tokens) / Number(theirs.cpu));
      row.rolloutCpuRatio = gen.tokens / gen.cpu / (Number(theirGen.tokens) / Number(theirGen.cpu));
    }
    rows.push(row);
    console.log(
      `round ${r + 1}/${ROUNDS}: SFT ${Math.round(row.sft!)} tokens/s (${row.cores!.toFixed(2)} cores busy), rollouts ${Math.round(row.rollout!)} tokens/s` +
        (row.torchSft ? `; PyTorch SFT ${Math.round(row.torchSft)}, rollouts ${Math.round(row.torchRollout!)} (ratios ${row.sftRatio!.toFixed(2)}, ${row.rolloutRatio!.toFixed(2)})` : ''),
    );
  }
  anchor?.close();
  const col = (key: string) => median(rows.map((r) => r[key]!));
  const figures: Record<string, unknown> = {
    bench: 'train',
    backend: backend.match(/tiny-vlm: (\S+) kernels/)?.[1] ?? 'unknown',
    workers: WORKERS,
    parameters: policy.values.length,
    rounds: ROUNDS,
    sft_tokens_per_s: Math.round(col('sft')),
    sft_gflops: round(col('gflops')),
    rollout_tokens_per_s: Math.round(col('rollout')),
    cores_busy: round(col('cores')),
    initial_loss: round(loss, 6),
  };
  if (anchor) {
    Object.assign(figures, {
      torch: anchor.hello.torch,
      torch_sft_tokens_per_s: Math.round(col('torchSft')),
      torch_rollout_tokens_per_s: Math.round(col('torchRollout')),
      sft_ratio: round(col('sftRatio')),
      rollout_ratio: round(col('rolloutRatio')),
      sft_cpu_ratio: round(col('sftCpuRatio')),
      rollout_cpu_ratio: round(col('rolloutCpuRatio')),
      torch_initial_loss: round(torchLoss!, 6),
    });
  }
  console.log(backend);
  console.log(`tiny-vlm: ${figures.parameters} parameters (dim ${config.dim}, ${config.layers} layers, ${config.heads} heads, images ${config.image.width}x${config.image.height})`);
  console.log(`initial loss (SFT batch 0): ours ${loss.toFixed(6)}${torchLoss !== undefined ? `, PyTorch ${torchLoss.toFixed(6)}` : ''}`);
  console.log(`medians of ${ROUNDS} rounds: SFT ${figures.sft_tokens_per_s} tokens/s (${figures.sft_gflops} GFLOP/s of model FLOPs), ${figures.cores_busy} cores busy; rollouts ${figures.rollout_tokens_per_s} tokens/s`);
  if (anchor) {
    console.log(`ours / PyTorch (one thread): SFT ${figures.sft_ratio}x (target >= 0.6), rollouts ${figures.rollout_ratio}x (target >= 1.0)`);
    console.log(`tokens per CPU-second, ours (all threads) / PyTorch: SFT ${figures.sft_cpu_ratio}x, rollouts ${figures.rollout_cpu_ratio}x`);
  }
  await policy.dispose();
  await frozen.dispose?.();
  if (torchLoss !== undefined && Math.abs(torchLoss - loss) > 1e-3 * Math.abs(loss)) {
    console.log(JSON.stringify(figures));
    throw new Error(`initial losses disagree (ours ${loss}, PyTorch ${torchLoss}): the two sides do not compute the same model`);
  }
  console.log(JSON.stringify(figures));
} finally {
  rmSync(work, { recursive: true, force: true });
}
