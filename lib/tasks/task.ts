/**
 * Building blocks of the task generator and filter plugins: the table of
 * (dimension, modality) cells, a plugin factory for generators, candidate
 * construction, and seeded lazy enumeration of object combinations.
 */
import { isAbsolute, resolve } from 'node:path';
import {
  ConfigError,
  definePlugin,
  MODALITIES,
  z,
  type AnswerKind,
  type Candidate,
  type FilterContext,
  type Ladder,
  type Modality,
  type Random,
  type ResizedImage,
  type Scene,
  type SceneObject,
  type TaskContext,
  type TaskGenerator,
} from '../../core/index.ts';
import { longestSide, round } from './geometry.ts';
import { modalitySettings, observations, sceneIndex, type Observation, type SceneIndex } from './observation.ts';

/** The task x modality table (docs/method.md#tasks-and-modalities): the modalities of each spatial dimension, in Table 6's column order. */
export const SPATIAL_CELLS: Readonly<Record<string, readonly Modality[]>> = {
  'object-counting': ['multi-view', 'video'],
  'absolute-distance': MODALITIES,
  'object-size': MODALITIES,
  'room-size': ['video'],
  'relative-distance': MODALITIES,
  'relative-direction': MODALITIES,
  'appearance-order': ['video'],
};

/** Table 6 column headers. */
export const DIMENSION_LABELS: Readonly<Record<string, string>> = {
  'object-counting': 'Obj. Cnt.',
  'absolute-distance': 'Abs. Dist.',
  'object-size': 'Obj. Size',
  'room-size': 'Room Size',
  'relative-distance': 'Rel. Dist.',
  'relative-direction': 'Rel. Dir.',
  'appearance-order': 'Appr. Order',
};

/** What one task's generator needs per (scene, modality). */
export interface GenerateInput {
  scene: Scene;
  index: SceneIndex;
  modality: Modality;
  ctx: TaskContext;
  observations: Observation[];
  /** Make a candidate; ids count up per (scene, task, modality). */
  emit: (fields: CandidateFields) => Candidate;
}

export interface CandidateFields {
  frames: number[];
  refs: SceneObject[];
  question: string;
  answer: string;
  answerKind: AnswerKind;
  options?: string[];
  facts: Record<string, unknown>;
}

/**
 * A task generator plugin: registers `id` on the `tasks` hook. Its option
 * `modalities` narrows the modalities it generates (default: all of
 * `modalities`). Keys of its options found in `TaskContext.options` (the
 * dataset's `data.taskOptions.<id>`) override the plugin's options for that
 * call. `pair` makes twins of other tasks' kept candidates
 * (`TaskGenerator.pair`; localization's grounding twins).
 */
export function defineTask<S extends z.ZodObject>(spec: {
  name: string;
  id: string;
  modalities: readonly Modality[];
  options?: S;
  generate(input: GenerateInput, options: z.output<S>): Iterable<Candidate>;
  pair?(candidate: Candidate, scene: Scene, images: ResizedImage[], options: z.output<S>): Candidate | undefined;
}) {
  const modalities = z
    .array(z.enum(spec.modalities as [Modality, ...Modality[]]))
    .min(1)
    .default([...spec.modalities]);
  const schema = (spec.options ?? z.strictObject({})).extend({ modalities }) as unknown as z.ZodType<z.output<S> & { modalities: Modality[] }>;
  return definePlugin({
    name: spec.name,
    options: schema,
    apply(ladder: Ladder, options) {
      const generator: TaskGenerator = {
        id: spec.id,
        modalities: options.modalities,
        *generate(scene, modality, ctx) {
          const effective = withOverrides(spec.id, schema, options, ctx.options);
          if (!effective.modalities.includes(modality)) return;
          const index = sceneIndex(scene);
          const settings = modalitySettings(ctx.options);
          let n = 0;
          const emit = (fields: CandidateFields) => makeCandidate(scene, spec.id, modality, n++, fields);
          yield* spec.generate({ scene, index, modality, ctx, observations: observations(index, modality, settings, ctx.seed), emit }, effective);
        },
        ...(spec.pair ? { pair: (candidate, scene, images) => spec.pair!(candidate, scene, images, options) } : {}),
      };
      ladder.hooks.tasks.for(spec.id).tap(spec.name, () => generator);
    },
  });
}

/** Plugin options with the keys of `overrides` the schema knows replaced (validated; errors name data.taskOptions). */
function withOverrides<T extends object>(id: string, schema: z.ZodType<T>, options: T, overrides: Record<string, unknown> | undefined): T {
  const known = Object.keys(options);
  const picked = Object.fromEntries(Object.entries(overrides ?? {}).filter(([key]) => known.includes(key)));
  if (!Object.keys(picked).length) return options;
  const parsed = schema.safeParse({ ...options, ...picked });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`data.taskOptions.${id}.${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

const imagePath = (scene: Scene, image: string) => (isAbsolute(image) ? image : resolve(scene.dir, image));

/**
 * A candidate whose media are the scene's own colour images (absolute paths;
 * the dataset builder replaces them by resized copies) and, for video, the
 * scene's video file.
 */
export function makeCandidate(scene: Scene, task: string, modality: Modality, n: number, fields: CandidateFields): Candidate {
  const index = sceneIndex(scene);
  const images = fields.frames.map((frame) => imagePath(scene, index.byFrame.get(frame)!.image));
  const video = modality === 'video' && scene.video?.path ? imagePath(scene, scene.video.path) : undefined;
  return {
    id: `${scene.id}/${task}/${modality}/${n}`,
    task,
    modality,
    scene: scene.id,
    question: fields.question,
    ...(fields.options ? { options: fields.options } : {}),
    answer: fields.answer,
    answerKind: fields.answerKind,
    media: video ? { images, video } : { images },
    facts: fields.facts,
    refs: fields.refs.map((o) => ({ objectId: o.id, category: o.category })),
    frames: fields.frames,
  };
}

/** Plain facts about an object: world centroid and box extents in metres, longest side. */
export function objectFacts(o: SceneObject): Record<string, unknown> {
  return {
    id: o.id,
    category: o.category,
    centroid: o.centroid.map((v) => round(v, 3)),
    size: o.box.size.map((v) => round(v, 3)),
    longest: round(longestSide(o.box), 3),
  };
}

/** True when no two objects share a category (a question can name each one). */
const distinctCategories = (objects: readonly SceneObject[]): boolean =>
  new Set(objects.map((o) => o.category)).size === objects.length;

const factorial = (n: number, k: number) => {
  let total = 1;
  for (let i = 0; i < k; i++) total *= n - i;
  return total;
};

/**
 * Distinct index tuples of size k from n items, in a seeded random order,
 * lazily: small sets (up to 256) are enumerated and shuffled, larger ones drawn by
 * rejection (stopping after 64 repeats in a row).
 */
export function* combos(n: number, k: number, ordered: boolean, random: Random): Generator<number[]> {
  if (n < k || k < 1) return;
  const total = factorial(n, k) / (ordered ? 1 : factorial(k, k));
  if (total <= 256) {
    const all: number[][] = [];
    const walk = (prefix: number[]) => {
      if (prefix.length === k) return void all.push(prefix);
      for (let i = ordered ? 0 : (prefix.at(-1) ?? -1) + 1; i < n; i++) if (!prefix.includes(i)) walk([...prefix, i]);
    };
    walk([]);
    yield* random.shuffle(all);
    return;
  }
  const seen = new Set<string>();
  for (let misses = 0; misses < 64 && seen.size < total; ) {
    const tuple: number[] = [];
    while (tuple.length < k) {
      const i = random.int(n);
      if (!tuple.includes(i)) tuple.push(i);
    }
    const key = (ordered ? tuple : [...tuple].sort((a, b) => a - b)).join(',');
    if (seen.has(key)) {
      misses++;
      continue;
    }
    misses = 0;
    seen.add(key);
    yield tuple;
  }
}

/**
 * Interleave lazily made streams: one item from each stream in turn, so the
 * first candidates of a scene spread over all its views instead of
 * exhausting the first.
 */
export function* roundRobin<T>(streams: (() => Iterator<T>)[]): Generator<T> {
  const open: (Iterator<T> | undefined)[] = streams.map(() => undefined);
  const done = new Set<number>();
  while (done.size < streams.length) {
    for (let i = 0; i < streams.length; i++) {
      if (done.has(i)) continue;
      const next = (open[i] ??= streams[i]!()).next();
      if (next.done) done.add(i);
      else yield next.value;
    }
  }
}

/**
 * Candidates per observation, interleaved over the observations in a seeded
 * order. `each` gets its own seeded stream per observation.
 */
export function perObservation(
  input: GenerateInput,
  each: (observation: Observation, random: Random) => Iterable<Candidate>,
): Generator<Candidate> {
  const random = input.ctx.random;
  const order = random.shuffle(input.observations.map((_, i) => i));
  return roundRobin(order.map((i) => () => each(input.observations[i]!, random.fork(`observation-${i}`))[Symbol.iterator]()));
}

/**
 * The usual generator shape: per observation, tuples of k objects with
 * distinct categories (ordered or not) in a seeded order, turned into
 * candidates by `make` (which returns undefined to skip a tuple).
 */
export function objectTuples(
  input: GenerateInput,
  k: number,
  ordered: boolean,
  make: (objects: SceneObject[], observation: Observation, random: Random) => Candidate | undefined,
): Generator<Candidate> {
  return perObservation(input, function* (observation, random) {
    for (const tuple of combos(observation.objects.length, k, ordered, random)) {
      const objects = tuple.map((j) => observation.objects[j]!);
      if (!distinctCategories(objects)) continue;
      const candidate = make(objects, observation, random);
      if (candidate) yield candidate;
    }
  });
}

// ---------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------

/**
 * Tap a quality filter on the `filters` waterfall. `keep` judges one
 * candidate; candidates of tasks outside `tasks` (when given) pass untouched.
 */
export function tapFilter(
  ladder: Ladder,
  name: string,
  keep: (candidate: Candidate, ctx: FilterContext & { index: SceneIndex }) => boolean,
  tasks?: readonly string[],
): void {
  ladder.hooks.filters.tap(name, (candidates, ctx) => {
    const full = { ...ctx, index: sceneIndex(ctx.scene) };
    return candidates.filter((c) => (tasks && !tasks.includes(c.task)) || keep(c, full));
  });
}

/** Scene objects a candidate refers to, in reference order. */
export const refObjects = (candidate: Candidate, index: SceneIndex): SceneObject[] =>
  candidate.refs.map((r) => {
    const object = index.objects.get(r.objectId);
    if (!object) throw new Error(`candidate ${candidate.id} refers to object ${r.objectId}, which scene ${index.scene.id} does not have`);
    return object;
  });
