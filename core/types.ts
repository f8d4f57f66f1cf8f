/**
 * The public domain types of spatial-ladder. Every plugin talks to the core and
 * to other plugins through these shapes; nothing here depends on a backend.
 *
 * Conventions (docs/method.md#conventions): metres, world +Z up, camera in OpenCV
 * convention (x right, y down, z forward), matrices row-major.
 */
import type { z } from 'zod';

export type Vec3 = [number, number, number];
/** 4x4 matrix, row-major, 16 numbers. */
export type Mat4 = number[];
/** Pixel box [x1, y1, x2, y2], x right, y down. */
export type Box2D = [number, number, number, number];

/** The three input modalities (docs/method.md#tasks-and-modalities). */
export type Modality = 'single-image' | 'multi-view' | 'video';
export const MODALITIES: readonly Modality[] = ['single-image', 'multi-view', 'video'];

/**
 * Task ids of the seven spatial dimensions (docs/method.md#tasks-and-modalities), in the column
 * order of the paper's Table 6: numeric dimensions, then multiple choice.
 * Localization ("localization") is the perception task beside them.
 */
export const SPATIAL_TASKS = [
  'object-counting',
  'absolute-distance',
  'object-size',
  'room-size',
  'relative-distance',
  'relative-direction',
  'appearance-order',
] as const;

// ---------------------------------------------------------------------------
// Scenes: the unified metadata every task generator reads (docs/method.md#scene-facts)
// ---------------------------------------------------------------------------

export interface OrientedBox {
  center: Vec3;
  /** Extent along the box's own x, y, z axes (metres). */
  size: Vec3;
  /** Rotation about +Z (radians) from world x to the box's x axis. */
  yaw: number;
}

export interface SceneObject {
  /** Instance id, unique within the scene (ScanNet `objectId`). */
  id: number;
  /** Category after the label map (what questions name). */
  category: string;
  /** The raw annotation string before the label map. */
  rawCategory: string;
  centroid: Vec3;
  box: OrientedBox;
  /** Number of mesh vertices that belong to the object. */
  pointCount: number;
}

export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
}

/** What one view shows of one object. */
export interface ViewObject {
  objectId: number;
  /** 2D box in pixels of the colour image, clipped to the image. */
  box2d: Box2D;
  /** Object centroid in this camera's frame (OpenCV convention). */
  centroidCamera: Vec3;
  /** Fraction of the object's surface samples inside the image and not occluded. */
  visibility: number;
}

export interface View {
  /** Frame index in the capture (numeric, never a padded string). */
  frame: number;
  /** Seconds from the start of the capture. */
  time: number;
  /** Colour image path, absolute or relative to the scene directory. */
  image: string;
  intrinsics: Intrinsics;
  /** Camera-to-world after axis alignment. */
  cameraToWorld: Mat4;
  objects: ViewObject[];
}

export interface SceneVideo {
  /** Path of a video file when the source has one. */
  path?: string;
  fps: number;
  /** Object id -> first view in which it is visible. */
  firstSeen: Record<number, { frame: number; time: number }>;
}

export interface Scene {
  id: string;
  /** Id of the SceneSource that produced it. */
  source: string;
  /** Directory the scene's files live in. */
  dir: string;
  objects: SceneObject[];
  views: View[];
  video?: SceneVideo;
  /** Floor area in square metres, computed deterministically. */
  floorArea: number;
  /** Free-form notes a source wants the user to see (fallbacks taken, etc.). */
  notes?: string[];
}

export interface SourceContext {
  seed: number;
  /** Directory for anything the source caches. */
  cacheDir: string;
  progress: ProgressFactory;
  log: (message: string) => void;
  signal?: AbortSignal;
}

/** A data source: streams scenes one at a time (never all frames in memory). */
export interface SceneSource {
  id: string;
  /**
   * What a consumer (dataset builder, `ladder data scenes`) does when `load`
   * fails on a bad scene (a missing, truncated or malformed file): 'stop'
   * (the default) or 'skip' the scene and report it.
   */
  onBadScene?: 'stop' | 'skip';
  /**
   * Bump when the scenes this source produces change for the same options
   * (a generator's new version): datasets built from it are keyed by it, so
   * an older build is not reused.
   */
  version?: number | string;
  /** Scene ids in a stable order. */
  list(ctx: SourceContext): Promise<string[]>;
  load(sceneId: string, ctx: SourceContext): Promise<Scene>;
}

// ---------------------------------------------------------------------------
// Samples and task generators (docs/method.md#tasks-and-modalities)
// ---------------------------------------------------------------------------

export type AnswerKind = 'choice' | 'number' | 'boxes' | 'text';

export interface SampleMedia {
  /** Image paths relative to the dataset directory (views, or video frames). */
  images: string[];
  /** A video path relative to the dataset directory, when one exists. */
  video?: string;
}

/** One training or evaluation example. */
export interface Sample {
  id: string;
  /** Task generator id ("localization", "object-size", ...). */
  task: string;
  modality: Modality;
  scene: string;
  /** The templated question alone; prompts add options and instructions (lib/prompts). */
  question: string;
  /** Multiple-choice options as written ("A. left-front"), in letter order. */
  options?: string[];
  /** Ground truth: a letter, a number written as text, or bbox JSON. */
  answer: string;
  answerKind: AnswerKind;
  media: SampleMedia;
  /** Facts used to write the answer (for teachers and analysis). */
  facts?: Record<string, unknown>;
  /** Id of a paired sample (single-image question <-> localization). */
  pairedWith?: string;
  /** Where the objects the question names show in the sample's images (written by the dataset build; training supervision). */
  grounding?: Grounding[];
  /** "train" (default), "held-out" or "validation"; curriculum stages train on "train" only. Splits are by scene. */
  split?: 'train' | 'held-out' | 'validation';
}

/** A generated sample before filtering, with what filters need to judge it. */
export interface Candidate extends Sample {
  /** Objects the question refers to, as (object id, views used). */
  refs: { objectId: number; category: string }[];
  /** Frames of the scene the sample uses. */
  frames: number[];
}

export interface TaskContext {
  seed: number;
  /** A seeded random stream for this (scene, task). */
  random: Random;
  options: Record<string, unknown>;
}

/** A colour image's own size and the size the model sees it at (the dataset's pixel budget). */
export interface ResizedImage {
  width: number;
  height: number;
  resized: { width: number; height: number };
}

export interface TaskGenerator {
  id: string;
  modalities: readonly Modality[];
  generate(scene: Scene, modality: Modality, ctx: TaskContext): Iterable<Candidate>;
  /**
   * Optional: a twin derived from another task's candidate that survived the
   * filters, rather than from the scene (localization pairs with every
   * single-image question). The dataset builder calls it for each kept
   * candidate, with the sizes of the images it shows (`images[i]` for
   * `candidate.frames[i]`), and writes the twin right after the candidate,
   * the two linked by `pairedWith`. Undefined: no twin for this candidate.
   */
  pair?(candidate: Candidate, scene: Scene, images: ResizedImage[]): Candidate | undefined;
}

export interface FilterContext {
  scene: Scene;
  seed: number;
}

/** A dataset on disk, as a stage sees it. */
export interface Dataset {
  dir: string;
  /** The manifest the builder wrote (source, config, seed, counts, hash). */
  manifest: Record<string, unknown>;
  samples: Sample[];
}

export interface DatasetRequest {
  seed: number;
  cacheDir: string;
  config: Record<string, unknown>;
  progress: ProgressFactory;
  log: (message: string) => void;
}

// ---------------------------------------------------------------------------
// Policies (docs/architecture.md#the-model-side)
// ---------------------------------------------------------------------------

export interface PolicyInput {
  system?: string;
  prompt: string;
  /** Absolute image paths (views or sampled video frames), in order. */
  images: string[];
  /**
   * A video file (absolute path) given whole instead of frames: set by
   * benchmarks with videos (VSI-Bench) for policies that take video
   * (`Policy.acceptsVideo`); `images` is then empty.
   */
  video?: string;
  /**
   * What the caller knows about the row. Reference policies (oracle, chance)
   * and teachers (cold start) read it; a real model must never look at it.
   */
  reference?: PolicyReference;
}

export interface PolicyReference {
  id: string;
  task: string;
  answer: string;
  answerKind: AnswerKind;
  options?: string[];
  facts?: Record<string, unknown>;
}

export interface SamplingOptions {
  maxTokens: number;
  /** 0 means greedy. */
  temperature: number;
  topP: number;
  seed: number;
  /** Completions per input (G in GRPO); default 1. */
  n?: number;
}

export interface Generation {
  text: string;
  /** Completion token count, when the backend knows it. */
  tokens?: number;
  /**
   * The backend's own token ids of the completion, as sampled (with the end
   * token when the completion ended by itself, without it when `maxTokens`
   * cut it). Opaque to stages: they pass them back in `TrainExample.tokenIds`
   * so training scores exactly the sampled tokens, not a re-encoding of `text`.
   */
  tokenIds?: number[];
}

/**
 * What every stage and benchmark talks to. Inference-only policies (an
 * OpenAI-compatible server, oracle, chance) implement `generate`; trainable
 * ones add the rest.
 */
export interface Policy {
  readonly id: string;
  /** True when the policy reads `PolicyInput.video` (a whole video file): benchmarks then send videos, not sampled frames. */
  readonly acceptsVideo?: boolean;
  /** True when the policy does not pass on temperature, top-p and seed (its server samples as it will): evaluations record `sampling: "server"`. */
  readonly serverSampling?: boolean;
  /** One array of `n` completions per input. */
  generate(inputs: PolicyInput[], sampling: SamplingOptions): Promise<Generation[][]>;
  /**
   * Per-token log-probabilities of `completions[i]` given `inputs[i]`. When
   * `tokenIds[i]` is given (from `Generation.tokenIds`), those tokens are
   * scored instead of the encoding of `completions[i]`.
   */
  logProbs?(inputs: PolicyInput[], completions: string[], tokenIds?: (number[] | undefined)[]): Promise<number[][]>;
  /**
   * A content identity: equal strings promise equal answers to equal inputs
   * and sampling. Benchmarks reuse saved predictions only for the same
   * fingerprint. Trainable backends hash what they compute with (weights,
   * tokenizer, architecture, numeric backend), the same whether the policy
   * was trained in memory or loaded from a checkpoint; served and reference
   * policies hash their id and the options that change answers. Without it
   * a policy loaded from a checkpoint is identified by a hash of the
   * checkpoint's files, and any other policy's predictions are never reused.
   */
  fingerprint?(): string | Promise<string>;
  /**
   * Optional: where the answer looks. For each input, the attention of the
   * positions that predict `completions[i]`'s tokens (the last prompt
   * position, then each completion token but the last) to the input's image
   * tokens, per layer and head, averaged over those positions. A backend
   * that cannot read its attention leaves this out; the `attention`
   * analysis then says so instead of inventing a number.
   */
  attention?(inputs: PolicyInput[], completions: string[]): Promise<AttentionMap[]>;
  /** Present on trainable policies. */
  trainer?: PolicyTrainer;
  save?(dir: string): Promise<void>;
  dispose?(): Promise<void> | void;
}

/**
 * The visual tokens of one image as a grid: `rows` x `cols` tokens, row-major,
 * each covering an equal cell of the image (a Qwen2.5-VL merged token covers
 * 28 x 28 pixels of the resized image).
 */
export interface ImageTokenGrid {
  /** Position of the image in `PolicyInput.images` (a model that drops images skips indices). */
  image: number;
  rows: number;
  cols: number;
}

/** `Policy.attention`'s answer for one input. */
export interface AttentionMap {
  layers: number;
  heads: number;
  /** The images' token grids, in the order their tokens appear in `weights`. */
  grids: ImageTokenGrid[];
  /**
   * Attention weights, `[layer][head][visual token]` flattened (layers x
   * heads x tokens numbers, tokens image after image, each grid row-major):
   * softmax rows of the attention, so a head's weights over the visual
   * tokens sum to at most 1 (the rest went to text tokens).
   */
  weights: Float32Array;
  /** Positions averaged (the completion's length, its end token included). */
  positions: number;
}

/** One example a stage trains on: an input and the completion whose tokens are scored. */
export interface TrainExample {
  input: PolicyInput;
  completion: string;
  /** The completion's token ids as the same backend generated them (`Generation.tokenIds`). */
  tokenIds?: number[];
  /**
   * Where the prompt's phrases show in its images, and how much to weigh
   * that as an extra loss: a backend that can (`PolicyTrainer.grounds`)
   * teaches the phrase to attend to its regions (tiny-vlm: one attention head).
   */
  grounding?: { weight: number; phrases: Grounding[] };
  /**
   * Phrases of the prompt (category names) the completion writes again, and
   * how much to weigh copying them as an extra loss: a backend that can
   * (`PolicyTrainer.copies`) teaches each mention in the completion to
   * attend to where the prompt wrote it (tiny-vlm: one attention head).
   */
  copy?: { weight: number; phrases: string[] };
}

/**
 * A phrase of a sample's question and where what it names shows in the
 * sample's images: training supervision, never shown to a model.
 */
export interface Grounding {
  /** The phrase as the question writes it (a category name). */
  phrase: string;
  /** The boxes of the things it names: `image` indexes the sample's images, `box` is [x1, y1, x2, y2] in fractions of that image's width and height. */
  regions: { image: number; box: [number, number, number, number] }[];
}

/**
 * A loss written as a function of the per-token log-probabilities of each
 * example's completion (SFT's negative log-likelihood, GRPO's clipped
 * surrogate and KL term both are). Given `logProbs[i][t]`, it returns the
 * loss and d loss / d logProbs[i][t]; the backend back-propagates those
 * through the model. This keeps stages free of any tensor library.
 */
export type TokenObjective = (logProbs: number[][]) => { loss: number; grads: number[][] };

/** A trainable tensor as plain arrays; optimizers (lib/training) update `value` in place from `grad`. */
export interface TrainableParameter {
  name: string;
  shape: number[];
  /** Whether decoupled weight decay applies (matrices yes; norm gains and position tables no). */
  decay: boolean;
  value: Float32Array;
  /** Gradient accumulated by `PolicyTrainer.accumulate` since the last `commit`. */
  grad: Float32Array;
}

export interface AccumulateResult {
  /** The objective's loss. */
  loss: number;
  /** Per-token log-probabilities the objective saw. */
  logProbs: number[][];
  /** Tokens processed (prompt, images and completion) and completion tokens scored. */
  tokens: number;
  completionTokens: number;
  /** With grounded examples: the sum over grounded phrases of the KL divergence from their regions' target to the attention (unweighted; 0 when met). */
  grounding?: { loss: number; phrases: number };
  /** With copy examples: the sum over copied tokens of the KL divergence from their prompt token to the attention (unweighted; 0 when met). */
  copy?: { loss: number; tokens: number };
}

/**
 * Backend-side training operations; the stage decides what to optimise.
 * A step: `accumulate` one or more batches, update `parameters()` values
 * (e.g. AdamW from lib/training), then `commit`.
 */
export interface PolicyTrainer {
  /** Snapshot of the current weights usable as a frozen reference or an "old" policy. */
  snapshot(): Promise<Policy>;
  /**
   * Everything the backend needs to continue training from `dir` later
   * (weights, tokenizer, config; for tiny-vlm the same files as `Policy.save`).
   * Optimizer state and data cursors belong to the stage.
   */
  saveState(dir: string): Promise<void>;
  /** Restore what `saveState` wrote into this policy. */
  loadState(dir: string): Promise<void>;
  /** The trainable parameters, in a fixed order; the arrays stay owned by the trainer. */
  parameters(): TrainableParameter[];
  /** Forward the batch, evaluate `objective` on its per-token log-probs, and add the gradient into `grad`. */
  accumulate(examples: TrainExample[], objective: TokenObjective): Promise<AccumulateResult>;
  /** Take the (updated) parameter values into the model and zero the gradients. */
  commit(): void;
  /** Backend that computes, for logs ("onnxruntime", "js", ...). */
  readonly device: string;
  /** True when `accumulate` uses `TrainExample.grounding` (else a stage asking for it stops with an error). */
  readonly grounds?: boolean;
  /** True when `accumulate` uses `TrainExample.copy`. */
  readonly copies?: boolean;
  /** Optional: threads the optimizer may run its elementwise passes on (without it, they run in the calling thread). */
  readonly threads?: ParameterThreads;
}

/**
 * Threads a backend lends the optimizer. Offer it only when every
 * parameter's `value` and `grad` live in shared memory (SharedArrayBuffer).
 * A pass is a function exported by an ES module, `pass(args, from, to)`,
 * over elements [from, to) of the parameters laid end to end in
 * `parameters()` order; lib/training's AdamW writes its passes so that any
 * split gives the bits of one pass over everything.
 */
export interface ParameterThreads {
  /** `length` zeroed floats in shared memory (e.g. the optimizer's moments). */
  shared(length: number): Float32Array;
  /**
   * Split [0, length) into one contiguous range per thread and run the export
   * `name` of the module at URL `module` on each; resolves when every range is
   * done. `args` is structured-cloned (shared memory stays shared).
   */
  forRanges(module: string, name: string, args: unknown, length: number): Promise<void>;
}

export interface PolicyBackendContext {
  seed: number;
  dataset?: Dataset;
  log: (message: string) => void;
}

/** A model backend: creates fresh policies and loads saved ones. */
export interface PolicyBackend {
  id: string;
  /** Schema of `model.options`: the runner checks the config against it before building the dataset. */
  options?: z.ZodType;
  create(options: Record<string, unknown>, ctx: PolicyBackendContext): Promise<Policy>;
  load?(dir: string, ctx: PolicyBackendContext): Promise<Policy>;
  /** Its policies answer only rows of the run's dataset (benchmarks with `usesDataset`): a run scores it on those alone. */
  datasetRowsOnly?: boolean;
}

// ---------------------------------------------------------------------------
// Rewards, stages, benchmarks
// ---------------------------------------------------------------------------

/** A verifiable reward, TRL style: one score per completion. */
export type Reward = (completions: string[], samples: Sample[]) => number[] | Promise<number[]>;

/** Which data a curriculum stage trains on. */
export interface DataSelection {
  /** Task generator ids; all tasks when absent. */
  tasks?: string[];
  modalities?: Modality[];
  /** Use at most this many samples of the selection. */
  limit?: number;
  /**
   * Use this share of the selection, in (0, 1] (rounded up; with `limit`,
   * the smaller of the two). Drawn from one seeded order of the selection, so
   * a smaller fraction's samples are among a larger one's (data scaling).
   */
  fraction?: number;
  /**
   * Reweight the selection's tasks, in [0, 1]: 0 (absent) keeps their
   * natural shares, 1 gives every task the same number of samples, between
   * them task t gets a share proportional to n_t^(1 - balance). The
   * selection keeps its size: rare tasks' samples are repeated, common
   * tasks' cut to a seeded subset.
   */
  balance?: number;
}

/** One entry of the curriculum (config key `curriculum`). */
export interface StageEntry {
  /** Unique name in the curriculum ("perception", "understanding", ...). */
  name: string;
  /** Stage kind: a key of the `stages` hook ("sft", "cold-start", "grpo"). */
  kind: string;
  /**
   * The engine that trains it: "embedded" (the `stages` registry, the default)
   * or an `engines` id ("trl"). Unset: the config's top-level `engine`.
   */
  engine?: string;
  /** One selection, or several trained jointly (a mixed stage). */
  data: DataSelection[];
  /**
   * Reward id -> weight for this stage (R = sum of weight x reward), read by
   * stages that use rewards; absent: the config's `rewards`. The runner
   * resolves it into `StageContext.rewards`.
   */
  rewards?: Record<string, number>;
  /** Options of the stage kind, validated by the stage. */
  options: Record<string, unknown>;
  /** Evaluate benchmarks after this stage (default true). */
  evaluate: boolean;
}

export interface StageResult {
  /** Directory of the stage's final checkpoint, if it wrote one. */
  checkpoint?: string;
  /**
   * The prompt style the stage trained with ("plain", "direct", "think"):
   * benchmarks evaluating this checkpoint ask the same way by default.
   */
  promptStyle?: string;
  metrics: Record<string, number>;
}

export interface StageContext {
  entry: StageEntry;
  policy: Policy;
  /** Samples selected by `entry.data`, in a seeded order. */
  samples: Sample[];
  dataset: Dataset;
  rewards: Record<string, { reward: Reward; weight: number }>;
  seed: number;
  /** Directory for this stage's checkpoints. */
  dir: string;
  /** True under `ladder run --resume`: continue from the last checkpoint in `dir`, if any. */
  resume: boolean;
  /**
   * Record one training step's metrics (`step` and what the stage measures).
   * With `replay`, a step an earlier process of this run already recorded is
   * left as it was: a stage resumed from a checkpoint may replay the steps up
   * to it, filling only those a kill kept from being recorded.
   */
  emit: (metrics: Record<string, unknown>, options?: { replay?: boolean }) => void;
  progress: ProgressFactory;
  log: (message: string) => void;
  signal?: AbortSignal;
}

export interface Stage {
  kind: string;
  /**
   * Schema of a curriculum entry's `options`: the runner checks every entry
   * of this kind against it before building the dataset (parse them in `run`
   * with `parseStageOptions`, which reports errors the same way).
   */
  options?: z.ZodType;
  /** The stage reads `ctx.rewards`; the runner then checks every configured reward exists before starting. */
  usesRewards?: boolean;
  run(ctx: StageContext): Promise<StageResult>;
}

/** The engine every stage runs on unless the config names another. */
export const EMBEDDED_ENGINE = 'embedded';

/**
 * A training engine other than the embedded one (e.g. "trl": Hugging Face TRL
 * on PyTorch, run by a Python process). It provides its own implementation of
 * the stage kinds it supports; a curriculum entry picks it with `engine`.
 */
export interface Engine {
  id: string;
  /** Stage kind ("sft", "cold-start", "grpo") -> the stage as this engine runs it. */
  stages: Record<string, Stage>;
}

export interface BenchmarkScore {
  /** Question type as the benchmark names it. */
  type: string;
  kind: 'NQ' | 'MCQ';
  count: number;
  /** 0..100 */
  score: number;
  /** A type averaged from others first (VSI-Bench's rel-direction levels): the row types it averages. */
  levels?: string[];
}

/** A score (0..100), or a difference of two, with the bounds of its bootstrap interval. */
export interface ScoreInterval {
  estimate: number;
  low: number;
  high: number;
}

/** A score per (question type, modality): the dimension x modality layout of the paper's tables. */
export interface BenchmarkCell {
  type: string;
  modality: string;
  /** "IoU" for localization and "F1" for free text (captions), reported here but kept out of NQ / MCQ / Avg. */
  kind: 'NQ' | 'MCQ' | 'IoU' | 'F1';
  count: number;
  /** 0..100 */
  score: number;
  /** IoU cells: the share of answers (0..100) that are grounding JSON, a list of well-formed `{bbox_2d, label}`. */
  valid?: number;
}

/** Which policy a benchmark scored (recorded in identity.json, report.json and report.md). */
export interface PolicyIdentity {
  /** `Policy.id`. */
  id: string;
  /** `Policy.fingerprint()`, else a hash of the checkpoint's files; null when neither is known. */
  fingerprint: string | null;
  /** The checkpoint directory the policy was loaded from or trained into, when there is one. */
  checkpoint?: string;
}

export interface BenchmarkReport {
  benchmark: string;
  /** The policy scored. */
  policy?: PolicyIdentity;
  scores: BenchmarkScore[];
  /** Means over types (0..100), as in the paper's Table 1. */
  nq: number;
  mcq: number;
  avg: number;
  /** Rows that could not be scored, with why. */
  errors?: { id: string; message: string }[];
  /** Per (type, modality) scores, for benchmarks whose rows span modalities (held-out). */
  byModality?: BenchmarkCell[];
  /** 95% bootstrap intervals over the rows scored (lib/scoring/bootstrap.ts): of NQ / MCQ / Avg, and of each type's score (`types`, by type). */
  intervals?: Partial<Record<'avg' | 'nq' | 'mcq', ScoreInterval>> & { types?: Record<string, ScoreInterval> };
  /** How the scores were made (prompt style, extraction mode, frames, policy), for reproducing them. */
  settings?: Record<string, unknown>;
}

export interface BenchmarkContext {
  seed: number;
  /** The prompt style the policy was last trained with, when known (see StageResult.promptStyle). */
  promptStyle?: string;
  /** Directory for predictions (resumable JSONL) and the report. */
  dir: string;
  /** Score a seeded random subset of this many rows. */
  limit?: number;
  /** Seed of that subset (default `seed`): a run draws it with the dataset's seed, so every training seed scores the same rows. */
  subsetSeed?: number;
  batchSize: number;
  strict: boolean;
  /** The policy being scored (computed from the policy when absent). */
  identity?: PolicyIdentity;
  /**
   * Predictions already in `dir` are reused only when recorded under the
   * same identity (policy fingerprint, benchmark rows, generation settings).
   * Otherwise: 'refuse' (default) throws a ConfigError naming both
   * identities; 'replace' discards them (logged); 'fresh' discards whatever
   * `dir` holds, matching or not.
   */
  existing?: 'refuse' | 'replace' | 'fresh';
  /**
   * The blind control: ask every row with each image replaced by a blank
   * (uniform grey) frame of its size, and video rows as frames, never whole
   * videos. Scores what a policy answers without seeing: its priors.
   */
  blind?: boolean;
  /**
   * The swapped control: ask every row with the frames of another row of the
   * same modality from another scene (lib/scoring `swapPartners`): ordinary
   * frames of the wrong room, where the blind control's are blank. Needs rows
   * that name their scene.
   */
  swapped?: boolean;
  dataset?: Dataset;
  progress: ProgressFactory;
  log: (message: string) => void;
}

export interface Benchmark {
  id: string;
  /** The benchmark is built from the run's dataset (held-out scenes); the runner passes it in `ctx.dataset`. */
  usesDataset?: boolean;
  /**
   * The benchmark honours `BenchmarkContext.blind` (every benchmark built on
   * lib/scoring's `evaluateRows` does): only then does a run score its blind
   * control, so a control is never a plain score under another name.
   */
  blind?: boolean;
  /** The benchmark honours `BenchmarkContext.swapped`: its rows name their scene. Only then does a run score the swapped control. */
  swapped?: boolean;
  evaluate(policy: Policy, ctx: BenchmarkContext): Promise<BenchmarkReport>;
}

// ---------------------------------------------------------------------------
// Progress, randomness
// ---------------------------------------------------------------------------

export interface ProgressTicker {
  tick(n?: number, note?: string): void;
  done(): void;
}
export type ProgressFactory = (label: string, total: number) => ProgressTicker;

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** A new independent stream derived from this one's seed and `label`. */
  fork(label: string): Random;
  shuffle<T>(items: T[]): T[];
}
