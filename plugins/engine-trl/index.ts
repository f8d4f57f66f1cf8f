/**
 * engine-trl: trains curriculum stages with Hugging Face TRL on PyTorch
 * (SFTTrainer, GRPOTrainer; accelerate for many GPUs and machines) and
 * evaluates Hugging Face checkpoints, through Python processes run from the
 * `runner/` folder. Registers:
 *
 *   engines   "trl"            stage kinds sft, cold-start, grpo (stages.ts)
 *   models    "hf"             a Hugging Face VLM (a hub id or a local folder) as a policy (policy.ts)
 *   commands  "setup trl"      install the pinned Python environment (python.ts)
 *             "hf tiny-model"  a randomly initialised Qwen2.5-VL small enough for CPU tests (tiny-model.ts)
 *
 *   export default { engine: 'trl', model: { id: 'hf', options: { path: 'Qwen/Qwen2.5-VL-3B-Instruct' } } };
 *
 * Nothing here starts Python until a TRL stage, an hf policy or one of the
 * commands runs, so the embedded default needs no Python.
 */
import { parseArgs } from 'node:util';
import { definePlugin, UsageError, z, type CommandContext, type Ladder } from '../../core/index.ts';
import { accelerateSchema } from './launch.ts';
import { hfBackend, BACKEND_ID } from './policy.ts';
import { setupEnvironment } from './python.ts';
import { trlStages } from './stages.ts';
import { tinyModelCommand } from './tiny-model.ts';

export const PLUGIN_NAME = 'engine-trl';
export { enginePython, venvDir, cacheHome, setupEnvironment, REQUIREMENTS, RUNNER_DIR } from './python.ts';
export { HfPolicy, hfBackend, hfOptions, BACKEND_ID } from './policy.ts';
export { accelerateArgs, accelerateSchema, runPython, DEEPSPEED_CONFIGS, type AccelerateSettings } from './launch.ts';
export { trlSftOptions, trlColdStartOptions } from './stages.ts';
export { trlGrpoOptions } from './grpo.ts';

export const ENGINE_ID = 'trl';

function parseCommandArgs<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(command: string, argv: string[], options: T): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError(`ladder ${command}: ${(error as Error).message}`);
  }
}

function setupCommand(ladder: Ladder) {
  return {
    description: 'install the pinned Python environment of the TRL engine (torch, transformers, trl, accelerate, datasets, peft) into the user cache',
    usage: '[--force] [--index-url URL]',
    help: [
      'The environment lives in ${XDG_CACHE_HOME:-~/.cache}/spatial-ladder/venv-<hash>, keyed by',
      'plugins/engine-trl/requirements.txt and the Python version: a second checkout or CI on the',
      'same machine reuses it, and a run of this command when it is ready does nothing.',
      '',
      '  --force          reinstall',
      "  --index-url URL  the package index (default: pip's own configuration; when pip's index is",
      '                   unreachable and a mirror is configured as an extra index, the mirror)',
      '',
      'Environment: LADDER_BASE_PYTHON (the interpreter the venv is made from, default python3),',
      'LADDER_CACHE_HOME (the parent folder), LADDER_PYTHON (skip the venv: use this interpreter).',
    ].join('\n'),
    json: true,
    async run(argv: string[], ctx: CommandContext) {
      const opts = parseCommandArgs('setup trl', argv, { force: { type: 'boolean' }, 'index-url': { type: 'string' } });
      const result = await setupEnvironment({ progress: ladder.progress.bind(ladder), log: (m) => ladder.log(m), force: !!opts.force, indexUrl: opts['index-url'] as string | undefined });
      if (ctx.json) ctx.print(JSON.stringify(result));
      else ctx.print(`${result.installed ? 'installed' : 'ready (already installed)'}: ${result.dir}\npython: ${result.python}\n${result.freeze.filter((l) => /^(torch|transformers|trl|accelerate|datasets|peft)==/.test(l)).join('  ')}`);
    },
  };
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** accelerate settings of every TRL stage (a stage's `options.accelerate` overrides keys). */
    accelerate: accelerateSchema.default(accelerateSchema.parse({})),
  }),
  apply(ladder, { accelerate }) {
    ladder.hooks.engines.for(ENGINE_ID).tap(PLUGIN_NAME, () => ({ id: ENGINE_ID, stages: trlStages(ladder, accelerate) }));
    ladder.hooks.models.for(BACKEND_ID).tap(PLUGIN_NAME, () => hfBackend());
    ladder.hooks.commands.for('setup trl').tap(PLUGIN_NAME, () => setupCommand(ladder));
    ladder.hooks.commands.for('hf tiny-model').tap(PLUGIN_NAME, () =>
      tinyModelCommand(ladder, (argv) =>
        parseCommandArgs('hf tiny-model', argv, { out: { type: 'string' }, vocab: { type: 'string' }, hidden: { type: 'string' }, layers: { type: 'string' }, force: { type: 'boolean' } }),
      ),
    );
  },
});
