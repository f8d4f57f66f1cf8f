/**
 * The `ladder` command. Exit codes: 0 ok, 1 run failure, 2 usage or config error.
 */
import { Command, CommanderError } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { loadConfig, type LoadedConfig, type UserConfig } from './config.ts';
import { ConfigError, LadderError, UsageError, messageOf } from './errors.ts';
import { policyIdentity, shortHash } from './fingerprint.ts';
import { createLadder, type Ladder } from './ladder.ts';
import { COMMAND_GROUPS, REGISTRIES, type CommandGroup } from './hooks.ts';
import { evaluationTable, benchmarkMarkdown, benchmarkTable, describePolicy, CONTROLS_LEGEND } from './report.ts';
import type { BenchmarkReport } from './types.ts';
import { analysisCommand } from './analysis.ts';
import { runAblation } from './ablation.ts';
import { buildDataset, checkpointPromptStyle, evaluateBenchmark, loadPolicy, modelSpec, openModel, runCurriculum, runProblems, tooManyErrors, type RunSummary } from './runner.ts';
import { outputFolder, writeJsonAtomic, writeFileAtomic } from './files.ts';
import { PACKAGE_ROOT, PACKAGE_VERSION } from './resolve.ts';
import { createPlugin } from './create.ts';

interface CommonOptions {
  config?: string;
  set?: string[];
  seed?: string;
  name?: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function withCommon(command: Command, name = 'run name: the run directory is <runsDir>/<name> (same as --set name=<name>)'): Command {
  return command
    .option('-c, --config <path>', 'config file (default: search for ladder.config.*, .ladderrc*, or "ladder" in package.json; none found: the spatial-ladder preset)')
    .option('--set <key=value>', 'override one config key, e.g. --set seed=7 --set curriculum[0].options.lr=1e-4 (repeatable)', collect)
    .option('--seed <n>', 'random seed (same as --set seed=<n>)')
    .option('--name <name>', name);
}

function overridesOf(opts: CommonOptions): string[] {
  const overrides = [...(opts.set ?? [])];
  if (opts.seed !== undefined) {
    if (!/^\d+$/.test(opts.seed)) throw new UsageError(`--seed ${opts.seed}: expected a non-negative integer`);
    overrides.push(`seed=${opts.seed}`);
  }
  if (opts.name !== undefined) overrides.push(`name=${JSON.stringify(opts.name)}`);
  return overrides;
}

async function load(opts: CommonOptions, command: string): Promise<LoadedConfig> {
  return loadConfig({ configPath: opts.config, overrides: overridesOf(opts), command });
}

/** Ladders of a loaded config, one per sweep entry, made one at a time. */
async function* ladders(loaded: LoadedConfig): AsyncGenerator<Ladder> {
  const where = loaded.filepath ?? 'default config (presets: spatial-ladder)';
  const names = new Map<string, number>();
  for (const [i, config] of loaded.configs.entries()) {
    const label = loaded.sweep ? `${where} [sweep ${i}]` : where;
    const named: UserConfig = { ...config };
    if (loaded.sweep) {
      const name = config.name ?? `variant-${i}`;
      const seen = names.get(name) ?? 0;
      names.set(name, seen + 1);
      named.name = seen ? `${name}-${seen}` : name;
    }
    const file = loaded.filepath
      ? { path: loaded.filepath, overrides: loaded.overrides, command: loaded.command, cwd: loaded.cwd, index: i }
      : undefined;
    yield await createLadder(named, { baseDir: loaded.baseDir, where: label, file, overrides: loaded.afterPresets[i] });
  }
}

/** The one ladder of a config that is not a sweep. */
async function single(loaded: LoadedConfig, command: string): Promise<Ladder> {
  if (loaded.sweep && loaded.configs.length > 1)
    throw new UsageError(`${loaded.filepath}: a sweep of ${loaded.configs.length} configs; \`ladder ${command}\` takes one (use \`ladder ablate\`)`);
  const { value } = await ladders(loaded).next();
  return value as Ladder;
}

/** Writes a command's output to stdout (the real one, also while `--json` diverts other writes). */
let print = (text: string): void => void process.stdout.write(`${text}\n`);

/**
 * With `--json`, stdout carries exactly one JSON document: while the command
 * runs, anything else written to stdout (by a plugin or a library) goes to
 * stderr, beside the logs and progress.
 */
async function diverted<T>(json: boolean | undefined, command: () => Promise<T>): Promise<T> {
  if (!json) return command();
  const { write } = process.stdout;
  const previous = print;
  const real = write.bind(process.stdout);
  print = (text) => void real(`${text}\n`);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    return await command();
  } finally {
    process.stdout.write = write;
    print = previous;
  }
}

const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));

/** What `--json` prints about a run. */
const runJson = (summary: RunSummary) => ({
  name: summary.name,
  dir: summary.dir,
  status: summary.state.status,
  stages: summary.state.stages.map(({ name, result }) => ({ name, ...result })),
  evaluations: summary.state.evaluations,
});

// ---------------------------------------------------------------------------

async function runCommand(opts: CommonOptions & { resume?: boolean; force?: boolean; json?: boolean }, mode: 'run' | 'train'): Promise<void> {
  const loaded = await load(opts, mode);
  if (loaded.sweep) // every entry is checked before the first one trains
    for await (const ladder of ladders(loaded)) {
      const problems = runProblems(ladder, { evaluate: mode === 'run' });
      if (problems.length) throw new ConfigError(`${ladder.where}: ${problems.join('\n  ')}`);
    }
  const summaries: RunSummary[] = [];
  for await (const ladder of ladders(loaded)) {
    const summary = await runCurriculum(ladder, { resume: opts.resume, force: opts.force, evaluate: mode === 'run' });
    summaries.push(summary);
    if (!opts.json) print(`\n${summary.name}: ${summary.dir}\n${mode === 'run' ? written(join(summary.dir, 'report.md'), summary.table) : `trained ${summary.state.stages.length} stage(s)`}`);
  }
  if (opts.json) printJson({ runs: summaries.map(runJson) });
}

interface EvalOptions extends CommonOptions {
  model?: string;
  benchmark?: string[];
  limit?: string;
  batchSize?: string;
  strict?: boolean;
  maxErrors?: string;
  out?: string;
  fresh?: boolean;
  json?: boolean;
  blind?: boolean;
  swapped?: boolean;
}

const CONTROL_NOTE = { blind: ' (blind control: blank frames)', swapped: " (swapped control: another room's frames)" };

/**
 * `ladder eval`: score one policy on benchmarks. Predictions go to
 * `<runsDir>/<name>/eval/<label>-<fingerprint>/<benchmark>` (or `--out`), so
 * two checkpoints never share a folder; a folder holding predictions of
 * another identity is refused unless --fresh. Exit 1 after writing every
 * report when a benchmark has more unscored rows than allowed.
 */
async function evalCommand(opts: EvalOptions): Promise<void> {
  const loaded = await load(opts, 'eval');
  const ladder = await single(loaded, 'eval');
  const { config } = ladder;
  const model = opts.model ?? config.model.id;
  if (!model) throw new UsageError('--model: name a policy (a model id such as "oracle", or a checkpoint directory)');
  const benchmarks = opts.benchmark?.length ? opts.benchmark.flatMap((b) => b.split(',')) : config.evaluate.benchmarks;
  if (!benchmarks.length) throw new UsageError('--benchmark: name at least one benchmark (or set evaluate.benchmarks in the config)');
  const limit = opts.limit === undefined ? undefined : positiveInt(opts.limit, '--limit');
  if (opts.blind && opts.swapped) throw new UsageError('--blind and --swapped are two controls: ask for one per command');
  const control = opts.blind ? 'blind' : opts.swapped ? 'swapped' : undefined;
  if (opts.out) outputFolder('--out', opts.out);
  if (opts.batchSize !== undefined) config.evaluate.batchSize = positiveInt(opts.batchSize, '--batch-size');
  if (opts.maxErrors !== undefined) config.evaluate.maxErrors = nonNegativeInt(opts.maxErrors, '--max-errors');
  if (opts.strict) config.evaluate.strict = true;
  const named = opts.benchmark?.length ? '--benchmark' : 'evaluate.benchmarks';
  for (const id of benchmarks) {
    try {
      ladder.get('benchmarks', id); // fail fast on an unknown id, naming where it came from
    } catch (error) {
      throw new UsageError(`${named} ${id}: ${messageOf(error)}`);
    }
  }

  const spec = modelSpec(ladder, model); // an unknown backend fails here, before the dataset is built
  const needsData = benchmarks.some((id) => ladder.get('benchmarks', id).usesDataset);
  const dataset = needsData ? await buildDataset(ladder) : undefined;
  const policy = await openModel(ladder, spec, { seed: config.seed, dataset, log: (m: string) => ladder.log(m) });
  const { checkpoint, label } = spec;
  const identity = await policyIdentity(policy, checkpoint);
  const folder = identity.fingerprint ? `${label}-${shortHash(identity.fingerprint)}` : label;
  // a checkpoint may say how it was trained to be asked (policy.json `promptStyle`)
  const promptStyle = checkpoint ? checkpointPromptStyle(checkpoint) : undefined;
  ladder.log(`scoring ${describePolicy(identity)}`);
  const reports: { report: BenchmarkReport; dir: string }[] = [];
  for (const id of benchmarks) {
    const leaf = control ? `${id}-${control}` : id;
    const dir = opts.out ? resolve(opts.out, leaf) : join(resolve(config.runsDir), config.name, 'eval', folder, leaf);
    const report = await evaluateBenchmark(ladder, policy, id, dir, { dataset, limit, promptStyle, identity, existing: opts.fresh ? 'fresh' : 'refuse', blind: opts.blind, swapped: opts.swapped });
    await writeJsonAtomic(join(dir, 'report.json'), report);
    await writeFileAtomic(join(dir, 'report.md'), benchmarkMarkdown(report));
    await ladder.hooks.evaluate.promise(report, label, { name: config.name, dir, seed: config.seed, curriculum: [] });
    reports.push({ report, dir });
    if (!opts.json) print(`\n${id}${control ? CONTROL_NOTE[control] : ''} (${label}): ${dir}\nscored: ${describePolicy(identity)}\n${benchmarkTable(report)}`);
  }
  if (opts.json) printJson({ model: label, ...(checkpoint && { checkpoint }), policy: identity, reports: reports.map(({ report, dir }) => ({ ...report, dir })) });
  else if (reports.length > 1) print(`\n${evaluationTable({ [label]: Object.fromEntries(reports.map(({ report }) => [report.benchmark, report])) })}`);
  await policy.dispose?.();
  const failed = reports.flatMap(({ report, dir }) => {
    const problem = tooManyErrors(report, config.evaluate.maxErrors);
    return problem ? [`${problem}: ${join(dir, 'report.json')} lists them`] : [];
  });
  if (failed.length)
    throw new LadderError(`${failed.join('\n  ')}\n(allow unscored rows with --max-errors <n> or evaluate.maxErrors; a rerun asks only the failed rows again)`);
}

function positiveInt(text: string, option: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${option} ${text}: expected a positive integer`);
  return Number(text);
}

function nonNegativeInt(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${option} ${text}: expected a non-negative integer`);
  return Number(text);
}

/** `ladder <group> [action] [args...]`: the actions plugins register as "<group> <action>". */
async function groupCommand(group: CommandGroup, action: string | undefined, args: string[], opts: CommonOptions & { json?: boolean }): Promise<number> {
  const loaded = await load(opts, group);
  const ladder = await single(loaded, group);
  // `analyze` also lists the `analyses` registry; a command registered under the same name wins
  const registered = ladder.ids('commands').filter((id) => id.startsWith(`${group} `)).map((id) => id.slice(group.length + 1));
  const analyses = group === 'analyze' ? ladder.ids('analyses').filter((id) => !registered.includes(id)) : [];
  const actions = [...registered, ...analyses];
  const commandOf = (id: string) => (analyses.includes(id) ? analysisCommand(ladder, ladder.get('analyses', id)) : ladder.get('commands', `${group} ${id}`));
  const wantsHelp = args.includes('--help') || args.includes('-h');
  if (!action || action === 'help' || action === '--help' || action === '-h') {
    print(
      actions.length
        ? `Usage: ladder ${group} <action> [options]   (${COMMAND_GROUPS[group]})\n\nActions (from the loaded plugins; \`ladder ${group} <action> --help\` for one):\n${actions
            .map((id) => {
              const command = commandOf(id);
              return `  ${id.padEnd(18)} ${command.description}${command.usage ? `\n  ${' '.repeat(18)} ${command.usage}` : ''}`;
            })
            .join('\n')}\n\nCommon options: -c/--config, --set, --seed, --name, --json`
        : `No plugin of this config adds \`ladder ${group}\` actions.`,
    );
    return actions.length || action ? 0 : 2; // listing the actions is what `ladder <group>` does; none to list is a usage error
  }
  if (!actions.includes(action))
    throw new UsageError(`ladder ${group} ${action}: unknown action; available: ${actions.join(', ') || `(none: no plugin adds ${group} actions)`}`);
  const command = commandOf(action);
  if (wantsHelp) {
    print(`Usage: ladder ${group} ${action} ${command.usage ?? ''}\n\n${command.description}${command.help ? `\n\n${command.help}` : ''}`);
    return 0;
  }
  if (opts.json && !command.json) throw new UsageError(`ladder ${group} ${action}: this action has no --json output`);
  const { seed, cacheDir, runsDir } = ladder.config;
  return (await command.run(args, { seed, cacheDir, runsDir, json: !!opts.json, print })) ?? 0;
}

interface AblateOptions extends CommonOptions {
  resume?: boolean;
  force?: boolean;
  out?: string;
  variants?: string;
  order?: string[];
  seeds?: string;
  json?: boolean;
}

async function ablateCommand(opts: AblateOptions): Promise<void> {
  if (opts.out) outputFolder('--out', opts.out);
  const loaded = await load(opts, 'ablate');
  const summary = await runAblation(loaded, {
    variants: opts.variants?.split(',').map((v) => v.trim()),
    orders: opts.order,
    seeds: positiveInt(opts.seeds ?? '1', '--seeds'),
    out: opts.out,
    resume: opts.resume,
    force: opts.force,
  });
  if (opts.json) printJson({ dir: summary.dir, benchmarks: summary.benchmarks, variants: summary.variants, chance: summary.chance, prior: summary.prior, runs: summary.runs });
  else print(`\nablation: ${summary.dir}\n${written(join(summary.dir, 'comparison.md'), `${summary.table}\n\n${CONTROLS_LEGEND}`)}`);
}

/** A report as written (with what plugins added to it, e.g. run-report's paired differences), its heading left out; `fallback` when there is none. */
function written(file: string, fallback: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').replace(/^# .*\n\n/, '').trimEnd() : fallback;
}

async function inspectCommand(opts: CommonOptions & { json?: boolean }): Promise<void> {
  const loaded = await load(opts, 'inspect');
  const out = [];
  for await (const ladder of ladders(loaded)) {
    out.push({
      where: ladder.where,
      config: ladder.config,
      presets: ladder.presets,
      plugins: ladder.plugins.map((p) => ({ ...p, from: relativeToPackage(p.from) })),
      skipped: ladder.skipped,
      registries: Object.fromEntries(REGISTRIES.map((r) => [r, ladder.ids(r)])),
      pipelines: Object.fromEntries(
        (['dataset', 'filters', 'curriculum'] as const).map((h) => [h, ladder.hooks[h].taps.map((t) => t.name)]),
      ),
      // a config may be meant for other commands (eval, data): these are reported, not an error
      problems: runProblems(ladder),
    });
  }
  const result = { file: loaded.filepath ?? null, sweep: loaded.sweep, ladders: out };
  if (opts.json) return printJson(result);
  for (const entry of out) {
    print(`config: ${entry.where}`);
    print(`presets: ${entry.presets.map((p) => `${p.name} (${relativeToPackage(p.from)}, ${p.via})`).join('; ') || '(none)'}`);
    print('plugins:');
    for (const p of entry.plugins) print(`  ${p.name.padEnd(22)} ${p.from}  [${p.via}]\n  ${''.padEnd(22)} taps: ${p.taps.join(', ') || '(none)'}`);
    for (const s of entry.skipped) print(`  ${s.name.padEnd(22)} skipped: ${s.reason} [${s.via}]`);
    print(`resolved config:\n${JSON.stringify(entry.config, null, 2)}\n`);
    if (entry.problems.length) process.stderr.write(`ladder run would refuse this config:\n${entry.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  }
}

async function createCommand(kind: string, name: string, opts: { dir?: string; json?: boolean }): Promise<void> {
  if (kind !== 'plugin') throw new UsageError(`ladder create ${kind}: unknown kind; expected \`ladder create plugin <name>\``);
  const scaffold = await createPlugin(name, opts);
  if (opts.json) return printJson({ package: scaffold.packageName, dir: scaffold.dir, files: scaffold.files });
  const dir = relative(process.cwd(), scaffold.dir) || '.';
  print(`created ${scaffold.packageName} in ${dir}/: ${scaffold.files.join(', ')}`);
  print(`next: cd ${dir} && npm install && npm test; in a project: npm install ${dir.startsWith('.') || dir.startsWith('/') ? dir : `./${dir}`} (README.md says more)`);
}

const relativeToPackage = (path: string) => (path.startsWith(PACKAGE_ROOT) ? path.slice(PACKAGE_ROOT.length) : path);

// ---------------------------------------------------------------------------

export function buildProgram(): Command {
  const program = new Command('ladder')
    .description('Curriculum training of vision-language models for spatial reasoning (SpatialLadder)')
    .version(PACKAGE_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addHelpText(
    'after',
    `\nExamples:\n  ladder run                          the spatial-ladder recipe on the embedded procedural scenes\n  ladder run --name my-run --seed 7 --set curriculum[0].options.epochs=2\n  ladder ablate -c examples/sweep/ladder.config.ts\n  ladder eval --model runs/spatial-ladder/stages/4-reasoning/final --benchmark held-out\n  ladder inspect --json\n\nExit codes: 0 ok, 1 run failure, 2 usage or config error.`,
  );
  const runOptions = (
    command: Command,
    resume = 'continue the run in <runsDir>/<name>: skip finished stages and evaluations, resume a stage from its last checkpoint (exit 2 if there is no such run)',
  ) =>
    command
      .option('--resume', resume)
      .option('--force', 'replace an existing run directory of the same name (never one that another process is running: a run is held by one process)');
  const json = (command: Command, what: string) => command.option('--json', `print ${what} as one JSON document on stdout (logs and progress go to stderr)`);

  json(runOptions(withCommon(program.command('run'))), 'each run (stages, evaluations)')
    .description('build the dataset, train every curriculum stage, evaluate benchmarks at each evaluation point')
    .action(async (opts) => diverted(opts.json, () => runCommand(opts, 'run')));
  json(runOptions(withCommon(program.command('train'))), 'each run (stages)')
    .description('build the dataset and train the curriculum, without benchmarks')
    .action(async (opts) => diverted(opts.json, () => runCommand(opts, 'train')));
  json(withCommon(program.command('eval')), 'the reports')
    .description(
      'evaluate a policy (a model id or a checkpoint directory) on benchmarks; resumable: saved predictions are reused only for the same policy content, rows and settings. Exit 1 when rows could not be scored (beyond --max-errors), after writing the reports',
    )
    .option('-m, --model <policy>', 'model id ("oracle", "chance", "openai", ...), checkpoint directory, or <id>:<path> (e.g. hf:DIR or hf:Qwen/Qwen2.5-VL-3B-Instruct) (default: the config\'s model)')
    .option('-b, --benchmark <id>', 'benchmark id, repeatable or comma-separated (default: evaluate.benchmarks)', collect)
    .option('--limit <n>', 'score a seeded random subset of n rows (drawn with --seed) (default: evaluate.limit, else all)')
    .option('--batch-size <n>', 'rows per policy call (default: evaluate.batchSize, 8)')
    .option('--strict', 'stop at the first bad row instead of reporting it and going on')
    .option('--max-errors <n>', 'rows per benchmark that may fail to be scored before the command exits 1 (default: evaluate.maxErrors, 0)')
    .option('--out <dir>', 'where predictions and reports go (default: <runsDir>/<name>/eval/<model>-<fingerprint>/<benchmark>)')
    .option('--fresh', 'discard predictions already in the output folder and predict every row again')
    .option('--blind', 'the blind control: every image replaced by a blank grey frame of its size (writes to <benchmark>-blind)')
    .option('--swapped', "the swapped control: every row asked with the frames of another row of the same modality from another scene, ordinary frames of the wrong room (writes to <benchmark>-swapped)")
    .action(async (opts) => diverted(opts.json, () => evalCommand(opts)));
  for (const [group, description] of Object.entries(COMMAND_GROUPS) as [CommandGroup, string][])
    withCommon(program.command(group))
      .description(`${description}; \`ladder ${group}\` lists the actions of the loaded plugins`)
      .argument('[action]', 'the action')
      .argument('[args...]', 'options passed to the action (`ladder ' + group + ' <action> --help` lists them)')
      .option('--json', 'print the result as one JSON document on stdout, where the action supports it (logs and progress go to stderr)')
      .allowUnknownOption()
      .helpOption(false)
      .action(async (action, args, opts) => {
        process.exitCode = await diverted(opts.json, () => groupCommand(group, action, args, opts));
      });
  const ablateName = 'prefix of the variant runs: <runsDir>/<name>-<variant>[-seed<N>] (a sweep\'s entries keep their own names) (same as --set name=<name>)';
  json(runOptions(withCommon(program.command('ablate'), ablateName), 'continue an interrupted ablation: finished variant runs are kept, interrupted ones resume, the others start'), 'the comparison (variants, runs)')
    .description(
      'run curriculum variants from the same initial weights and seeds on the same cached dataset, and compare their final benchmark scores; variants come from the config key `ablations` (the spatial-ladder preset defines the paper\'s), from --order, or from a sweep config',
    )
    .option('--variants <names>', 'comma-separated variant names (default: every variant the config defines)')
    .option('--order <stages>', 'add a variant with this stage order, run beside --variants (default: every variant the config defines); "+" trains stages jointly, e.g. "perception+understanding,cold-start,reasoning" (repeatable)', collect)
    .option('--seeds <n>', 'run each variant with n seeds (seed, seed+1, ...) and report mean and spread', '1')
    .option('--out <dir>', 'where the comparison goes (default: <runsDir>/<name>-ablation)')
    .action(async (opts) => diverted(opts.json, () => ablateCommand(opts)));
  json(program.command('create'), 'what was created (package, folder, files)')
    .description('scaffold a community package: `ladder create plugin <name>` writes ladder-plugin-<name>/ (a question task in plain JavaScript, its test, README and package.json)')
    .argument('<kind>', 'what to create: plugin')
    .argument('<name>', 'the short name users list it by, e.g. object-height (or @scope/name)')
    .option('--dir <path>', 'where the package goes (default: ./ladder-plugin-<name>)')
    .action(async (kind: string, name: string, opts: { dir?: string; json?: boolean }) => diverted(opts.json, () => createCommand(kind, name, opts)));
  json(withCommon(program.command('inspect')), 'the resolved config and plugins')
    .description('print the resolved config and every plugin: where it was loaded from and the hooks it tapped')
    .action(async (opts) => diverted(opts.json, () => inspectCommand(opts)));
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof LadderError) {
      process.stderr.write(`ladder: ${messageOf(error)}\n`);
      if (process.env.LADDER_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
      return error.exitCode;
    }
    process.stderr.write(`ladder: ${process.env.LADDER_DEBUG ? (error as Error).stack : messageOf(error)}\n`);
    if (!process.env.LADDER_DEBUG) process.stderr.write('(set LADDER_DEBUG=1 for the stack trace)\n');
    return 1;
  }
}
