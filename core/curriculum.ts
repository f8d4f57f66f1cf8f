/**
 * The curriculum: an ordered list of stage entries. Each names a stage kind,
 * the data it trains on (one selection, or several trained jointly: a mixed
 * stage) and options. Ablation plugins rewrite the list on the `curriculum`
 * waterfall with the helpers below.
 */
import type { z } from 'zod';
import { validate, variantSchema, type CurriculumVariant } from './config.ts';
import { ConfigError } from './errors.ts';
import { MODALITIES, type DataSelection, type Modality, type Random, type Sample, type StageEntry } from './types.ts';

/**
 * A curriculum entry's options parsed with its stage's schema; errors read
 * `curriculum stage "<name>" (<kind>): options.<key>: ...`.
 */
export function parseStageOptions<S extends z.ZodType>(schema: S, entry: StageEntry): z.output<S> {
  return validate(schema, entry.options ?? {}, `curriculum stage "${entry.name}" (${entry.kind})`, ['options']);
}

const matches = (sample: Sample, selection: DataSelection) =>
  (sample.split ?? 'train') === 'train' &&
  (!selection.tasks || selection.tasks.includes(sample.task)) &&
  (!selection.modalities || selection.modalities.includes(sample.modality));

/**
 * Samples a stage trains on: the training-split samples of the union of its
 * selections (each cut to its `limit` or `fraction`: a prefix of one seeded
 * order of the selection, so smaller cuts are inside larger ones; then, with
 * `balance`, its tasks reweighted), in a seeded order. A sample that balance
 * repeats appears that many times.
 */
export function selectSamples(samples: Sample[], selections: DataSelection[], random: Random): Sample[] {
  const copies = new Map<string, number>();
  selections.forEach((selection, i) => {
    let picked = samples.filter((s) => matches(s, selection));
    const keep = Math.min(selection.limit ?? Infinity, selection.fraction === undefined ? Infinity : Math.ceil(selection.fraction * picked.length));
    if (picked.length > keep) picked = random.fork(`selection-${i}`).shuffle([...picked]).slice(0, keep);
    const counts = selection.balance ? balancedCopies(picked, selection.balance, random.fork(`balance-${i}`)) : new Map(picked.map((s) => [s.id, 1]));
    for (const [id, n] of counts) copies.set(id, Math.max(copies.get(id) ?? 0, n));
  });
  const ordered = samples.flatMap((s) => Array<Sample>(copies.get(s.id) ?? 0).fill(s));
  return random.fork('order').shuffle(ordered);
}

/**
 * Copies of each sample when the selection's tasks are reweighted from their
 * natural shares (balance 0) towards equal shares (balance 1): task t gets
 * N x n_t^(1 - balance) / sum of them, N the selection's size (so a stage's
 * length does not change). A task above its count repeats all its samples,
 * then a seeded prefix of them; a task below keeps a seeded prefix.
 */
function balancedCopies(picked: Sample[], balance: number, random: Random): Map<string, number> {
  const byTask = new Map<string, Sample[]>();
  for (const s of picked) {
    const own = byTask.get(s.task);
    if (own) own.push(s);
    else byTask.set(s.task, [s]);
  }
  const tasks = [...byTask.keys()].sort();
  const weights = tasks.map((t) => byTask.get(t)!.length ** (1 - balance));
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (picked.length * w) / total);
  const targets = exact.map(Math.floor);
  // largest remainders first, so the targets add up to the selection's size
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const missing = picked.length - targets.reduce((a, b) => a + b, 0);
  for (let k = 0; k < missing; k++) targets[byRemainder[k]![1]]! += 1;
  const copies = new Map<string, number>();
  tasks.forEach((task, i) => {
    const own = random.fork(task).shuffle([...byTask.get(task)!]);
    own.forEach((s, k) => {
      const n = Math.floor(targets[i]! / own.length) + (k < targets[i]! % own.length ? 1 : 0);
      if (n) copies.set(s.id, n);
    });
  });
  return copies;
}

/** Replace the named stages by one stage that trains on all their data jointly. */
export function mixStages(curriculum: StageEntry[], names: string[], mixed: Partial<StageEntry> = {}): StageEntry[] {
  const parts = names.map((name) => {
    const entry = curriculum.find((e) => e.name === name);
    if (!entry) throw new ConfigError(`cannot mix stage "${name}": the curriculum has ${curriculum.map((e) => e.name).join(', ')}`);
    return entry;
  });
  const kinds = new Set(parts.map((p) => p.kind));
  if (kinds.size > 1) throw new ConfigError(`cannot mix stages of different kinds (${[...kinds].join(', ')}) into one`);
  const engines = new Set(parts.map((p) => p.engine));
  if (engines.size > 1) throw new ConfigError(`cannot mix stages on different engines (${[...engines].map((e) => e ?? 'the default').join(', ')}) into one`);
  const last = parts.at(-1)!;
  const entry: StageEntry = {
    name: names.join('+'),
    kind: last.kind,
    ...(last.engine ? { engine: last.engine } : {}),
    data: parts.flatMap((p) => p.data),
    ...(last.rewards ? { rewards: { ...last.rewards } } : {}),
    options: { ...last.options },
    evaluate: last.evaluate,
    ...mixed,
  };
  const first = curriculum.findIndex((e) => names.includes(e.name));
  const rest = curriculum.filter((e) => !names.includes(e.name));
  rest.splice(first, 0, entry);
  return rest;
}

/** Keep only the named stages, in the given order. */
export function orderStages(curriculum: StageEntry[], names: string[]): StageEntry[] {
  return names.map((name) => {
    const entry = curriculum.find((e) => e.name === name);
    if (!entry) throw new ConfigError(`no stage "${name}" in the curriculum (it has ${curriculum.map((e) => e.name).join(', ')})`);
    return entry;
  });
}

/** Points at which benchmarks run: "base" (before training) and stage names. */
export function evaluationPoints(at: string[] | undefined, curriculum: StageEntry[]): string[] {
  if (!at) return ['base', ...curriculum.filter((e) => e.evaluate).map((e) => e.name)];
  const known = new Set(['base', ...curriculum.map((e) => e.name)]);
  const unknown = at.filter((p) => !known.has(p));
  if (unknown.length)
    throw new ConfigError(`evaluate.at: unknown point ${unknown.join(', ')}; expected "base" or a stage name (${[...known].join(', ')})`);
  return at;
}

/** Apply a variant: change stages, then drop, mix and order. */
export function applyVariant(curriculum: StageEntry[], variant: CurriculumVariant): StageEntry[] {
  const { stages, drop, mix, order } = variantSchema.parse(variant);
  const unknown = Object.keys(stages).filter((name) => !curriculum.some((e) => e.name === name));
  if (unknown.length) throw new ConfigError(`cannot change stage ${unknown.map((n) => `"${n}"`).join(', ')}: the curriculum has ${curriculum.map((e) => e.name).join(', ')}`);
  let out = curriculum.map((entry): StageEntry => {
    const change = stages[entry.name];
    if (!change) return entry;
    const keep = change.modalities as Modality[] | undefined;
    return {
      ...entry,
      data: keep ? entry.data.map((s) => ({ ...s, modalities: (s.modalities ?? MODALITIES).filter((m) => keep.includes(m)) })) : entry.data,
      options: { ...entry.options, ...change.options },
      ...(change.rewards ? { rewards: change.rewards } : {}),
    };
  });
  out = out.filter((s) => !drop.includes(s.name));
  for (const group of mix) out = mixStages(out, group);
  return order ? orderStages(out, order) : out;
}
