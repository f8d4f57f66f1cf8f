/**
 * bench/train: training throughput of tiny-vlm on this machine's tfjs backend.
 *
 *   node --import tsx bench/train.ts [--steps N] [--samples N]
 *
 * Measures, in one run: the backend's own 2-D matmul rate (the baseline),
 * SFT tokens/s and model FLOP utilisation (model FLOPs of forward + backward
 * / wall time / baseline rate; target >= 30%), GRPO rollout tokens/s
 * (generation with the KV cache) and GRPO training tokens/s. The last line is
 * one JSON object {"bench":"train", ...}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../plugins/model-tiny-vlm/tf.ts';
import { tinyVlmBackend, type TinyVlmPolicy } from '../plugins/model-tiny-vlm/index.ts';
import { forwardFlops } from '../plugins/model-tiny-vlm/model.ts';
import { samplePrompt } from '../lib/prompts/index.ts';
import { grpoObjective, groupAdvantages } from '../plugins/stage-grpo/index.ts';
import { AdamW, nllObjective, scaleGradients } from '../lib/training/index.ts';
import { writeToyDataset } from '../test/helpers/toy-dataset.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const STEPS = arg('steps', 8);
const SAMPLES = arg('samples', 64);

/** The backend's plain 2-D matmul rate (GFLOP/s) at a size like the model's largest products. */
function matmulRate(): number {
  const a = tf.randomNormal([1024, 128]);
  const b = tf.randomNormal([128, 512]);
  const run = (n: number) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) tf.tidy(() => void tf.matMul(a, b).dataSync());
    return (performance.now() - start) / 1000;
  };
  run(3);
  let best = Infinity;
  for (let r = 0; r < 5; r++) best = Math.min(best, run(10) / 10);
  a.dispose();
  b.dispose();
  return (2 * 1024 * 128 * 512) / best / 1e9;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-train-'));
try {
  const dataset = await writeToyDataset(dir, { count: SAMPLES, images: [2, 8] });
  let backend = '';
  const policy = (await tinyVlmBackend().create({}, { seed: 1, dataset, log: (m) => (backend = m) })) as TinyVlmPolicy;
  const { config } = policy.model;
  const baseline = matmulRate();

  // SFT: batches of 8, AdamW step each
  const examples = dataset.samples.map((s) => ({ input: samplePrompt(s, dir, 'direct'), completion: s.answer }));
  const optimizer = new AdamW(policy.parameters(), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const sftStep = async (k: number) => {
    const batch = examples.slice((k * 8) % examples.length, ((k * 8) % examples.length) + 8);
    const result = await policy.accumulate(batch, nllObjective);
    scaleGradients(policy.parameters(), 1 / result.completionTokens);
    optimizer.step(1e-3);
    policy.commit();
    const layout = await policy.model.batch(batch.map((e) => ({ prompt: policy.model.encode(e.input), completions: [policy.completionIds(e.completion)] })));
    return { tokens: result.tokens, flops: 3 * forwardFlops(config, policy.model.vocab, layout) };
  };
  await sftStep(0);
  let sftTokens = 0;
  let sftFlops = 0;
  let sftSeconds = 0;
  for (let k = 1; k <= STEPS; k++) {
    const start = performance.now();
    const { tokens, flops } = await sftStep(k);
    sftSeconds += (performance.now() - start) / 1000;
    sftTokens += tokens;
    sftFlops += flops;
  }
  // the layout rebuild inside sftStep is timed too (it is part of what a step costs)

  // GRPO: G = 8 completions of 64 tokens for 2 questions, then one training pass over them
  const G = 8;
  const questions = dataset.samples.slice(0, 2).map((s) => samplePrompt(s, dir, 'think'));
  let start = performance.now();
  const generations = await policy.generate(questions, { maxTokens: 64, temperature: 1, topP: 1, seed: 5, n: G });
  const rolloutSeconds = (performance.now() - start) / 1000;
  const rolloutTokens = generations.flat().reduce((s, g) => s + (g.tokens ?? 0), 0);
  const rollouts = generations.flatMap((g, q) => g.map((gen) => ({ input: questions[q]!, completion: gen.text, tokenIds: gen.tokenIds })));
  const advantages = generations.flatMap((g) => groupAdvantages(g.map((x) => (x.tokens ?? 0) / 64)));
  start = performance.now();
  const grpo = await policy.accumulate(rollouts, grpoObjective(advantages, { epsilon: 0.2, beta: 0.01 }, rollouts.length));
  const grpoSeconds = (performance.now() - start) / 1000;

  const sftRate = sftFlops / sftSeconds / 1e9;
  const figures = {
    bench: 'train',
    backend: backend.match(/"(\w[\w-]*)"/)?.[1] ?? 'unknown',
    parameters: policy.parameters().reduce((s, p) => s + p.value.length, 0),
    matmul_gflops: Number(baseline.toFixed(2)),
    sft_tokens_per_s: Math.round(sftTokens / sftSeconds),
    sft_gflops: Number(sftRate.toFixed(2)),
    sft_mfu: Number((sftRate / baseline).toFixed(3)),
    sft_mfu_target: 0.3,
    rollout_tokens_per_s: Math.round(rolloutTokens / rolloutSeconds),
    grpo_train_tokens_per_s: Math.round(grpo.tokens / grpoSeconds),
    grpo_completion_tokens_per_s: Math.round(grpo.completionTokens / grpoSeconds),
  };
  console.log(backend);
  console.log(`tiny-vlm: ${figures.parameters} parameters (dim ${config.dim}, ${config.layers} layers, ${config.heads} heads, images ${config.image.width}x${config.image.height})`);
  console.log(`baseline 2-D matmul [1024x128]x[128x512]: ${figures.matmul_gflops} GFLOP/s`);
  console.log(`SFT (batch 8, ${STEPS} steps): ${figures.sft_tokens_per_s} tokens/s, ${figures.sft_gflops} GFLOP/s model FLOPs = ${(100 * figures.sft_mfu).toFixed(1)}% of the matmul rate (target >= 30%)`);
  console.log(`GRPO rollouts (2 questions x G=${G}, <= 64 tokens, KV cache): ${figures.rollout_tokens_per_s} generated tokens/s`);
  console.log(`GRPO training pass (shared prompts): ${figures.grpo_train_tokens_per_s} tokens/s (${figures.grpo_completion_tokens_per_s} completion tokens/s)`);
  console.log(JSON.stringify(figures));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
