/**
 * `ladder hf tiny-model --out DIR`: a randomly initialised Qwen2.5-VL with a
 * few million parameters and a tokenizer trained on the config's dataset
 * (every prompt in every style, every answer), saved in Hugging Face format
 * with its processor (runner/tiny_model.py). Nothing is downloaded; the
 * result loads with `from_pretrained` like a hub checkpoint, so the whole TRL
 * path runs on it on a CPU.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildDataset, UsageError, type Dataset, type Ladder, type PluginCommand } from '../../core/index.ts';
import { PAPER_BUDGET } from '../../lib/media/index.ts';
import { promptText, SYSTEM_PROMPT, type PromptStyle } from '../../lib/prompts/index.ts';
import { runPython, runnerScript } from './launch.ts';
import { enginePython } from './python.ts';

const STYLES: PromptStyle[] = ['plain', 'direct', 'think'];

/** The text the tokenizer learns: the system prompt, every sample's prompt in every style and its answer. */
export function* tokenizerText(dataset: Dataset): Generator<string> {
  yield SYSTEM_PROMPT;
  for (const sample of dataset.samples) {
    for (const style of STYLES) yield promptText(sample, style);
    yield sample.answer;
  }
}

/** The dataset's pixel budget (its images are resized to it), from the manifest. */
export function pixelBudget(dataset: Dataset): { min: number; max: number } {
  const pixels = (dataset.manifest.settings as { pixels?: { min: number; max: number } } | undefined)?.pixels;
  return pixels ?? { min: PAPER_BUDGET.minPixels, max: PAPER_BUDGET.maxPixels };
}

export interface TinyModelOptions {
  seed: number;
  vocab?: number;
  hidden?: number;
  layers?: number;
}

export async function writeTinyModel(dataset: Dataset, out: string, o: TinyModelOptions, log: (m: string) => void): Promise<{ parameters: number; vocab: number }> {
  const python = enginePython();
  await mkdir(out, { recursive: true });
  const texts = join(out, '.tokenizer-texts.jsonl');
  await writeFile(texts, [...tokenizerText(dataset)].map((t) => JSON.stringify(t)).join('\n') + '\n');
  const { min, max } = pixelBudget(dataset);
  const args = [runnerScript('tiny_model.py'), '--texts', texts, '--out', out, '--seed', String(o.seed), '--min-pixels', String(min), '--max-pixels', String(max)];
  if (o.vocab) args.push('--vocab', String(o.vocab));
  if (o.hidden) args.push('--hidden', String(o.hidden), '--intermediate', String(2 * o.hidden));
  if (o.layers) args.push('--layers', String(o.layers));
  let done: { parameters: number; vocab: number } | undefined;
  try {
    await runPython(python, args, { onEvent: (e) => void (e.event === 'done' && (done = e as unknown as typeof done)) });
  } finally {
    await rm(texts, { force: true });
  }
  log(`tiny Qwen2.5-VL: ${done!.parameters.toLocaleString('en-US')} parameters, vocabulary ${done!.vocab} -> ${out}`);
  return done!;
}

const positive = (text: string | undefined, option: string) => {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`hf tiny-model: ${option} ${text}: expected a positive integer`);
  return Number(text);
};

export function tinyModelCommand(ladder: Ladder, parse: (argv: string[]) => Record<string, string | boolean | undefined>): PluginCommand {
  return {
    description: 'write a randomly initialised Qwen2.5-VL (a few million parameters) with a tokenizer trained on this config\'s dataset, in Hugging Face format',
    usage: '--out DIR [--vocab 2000] [--hidden 256] [--layers 2] [--force]',
    help: [
      'Builds (or finds cached) the config\'s dataset, trains a byte-level BPE tokenizer on its prompts and',
      "answers (Qwen's 22 special tokens at ids 0-21), and saves model, tokenizer, chat template and image",
      'processor with save_pretrained. Use it as `model: { id: "hf", options: { path: DIR } }`.',
      '',
      '  --out DIR     where to write (must be empty or absent, unless --force)',
      '  --vocab N     tokenizer vocabulary size (default 2000)',
      '  --hidden N    text width (default 256; the vision tower is 64 wide, 2 blocks)',
      '  --layers N    text layers (default 2)',
      'The seed is the config\'s (--seed).',
    ].join('\n'),
    json: true,
    async run(argv, ctx) {
      const opts = parse(argv);
      if (typeof opts.out !== 'string') throw new UsageError('hf tiny-model: --out DIR is required');
      const out = resolve(opts.out);
      if (existsSync(out) && readdirSync(out).length && !opts.force) throw new UsageError(`hf tiny-model: ${out} is not empty (pass --force to replace it)`);
      if (opts.force) await rm(out, { recursive: true, force: true });
      const dataset = await buildDataset(ladder);
      const made = await writeTinyModel(
        dataset,
        out,
        {
          seed: ctx.seed,
          vocab: positive(opts.vocab as string | undefined, '--vocab'),
          hidden: positive(opts.hidden as string | undefined, '--hidden'),
          layers: positive(opts.layers as string | undefined, '--layers'),
        },
        (m) => ladder.log(m),
      );
      ctx.print(ctx.json ? JSON.stringify({ out, ...made }) : `wrote ${out} (${made.parameters.toLocaleString('en-US')} parameters)`);
    },
  };
}
