/**
 * The public API of spatial-ladder: what plugins, presets and configs import.
 * Community plugins import it as `spatial-ladder`; built-ins by relative path.
 */
export { z } from 'zod';
export * from './types.ts';
export { createHooks, REGISTRIES, COMMAND_GROUPS } from './hooks.ts';
export type { LadderHooks, RegistryName, RegistryTypes, RunInfo, MetricEvent, ProgressEvent, LogEvent, PluginCommand, CommandContext, CommandGroup, OrderOption } from './hooks.ts';
export { Ladder, createLadder, type LoadedPlugin, type CreateLadderOptions, type LadderOrigin } from './ladder.ts';
export { definePlugin, definePreset, isPlugin, type Plugin, type PluginFactory, type Preset, type PresetFactory } from './plugin.ts';
export { loadConfig, applyOverrides, splitOverrides, validate, keyPath, configSchema, DEFAULT_CONFIG, type UserConfig, type LadderConfig, type LoadedConfig, type PluginEntry, variantSchema, type CurriculumVariant } from './config.ts';
export { resolveEntries, expandName, PACKAGE_ROOT, PACKAGE_VERSION } from './resolve.ts';
export { runFilters } from './filters.ts';
export { datasetRequest, datasetSeed, sourceContext, loadScene, loadScenes, DEFAULT_SOURCE, type LoadOptions, type SkippedScene } from './scenes.ts';
export { runCurriculum, buildDataset, evaluateBenchmark, loadPolicy, modelSpec, openModel, checkpointPromptStyle, preflight, checkOptions, resolveCurriculum, stageRewardWeights, tooManyErrors, stageFor, engineOf, type ModelSpec, type RunOptions, type RunSummary } from './runner.ts';
export { selectSamples, mixStages, orderStages, evaluationPoints, parseStageOptions, applyVariant } from './curriculum.ts';
export { importFile, importDefault, moduleWorker, MODULE_EXTENSION } from './modules.ts';
export { runAblation, parseOrder, summarizeAblation, meanStd, variantEvaluationPoints, type AblationOptions, type AblationRun, type AblationSummary, type AblationVariantSummary } from './ablation.ts';
export { analysisCommand, runAnalysis, readRun, recordedDifferences, deriveLadder, loadedFrom, type Analysis, type AnalysisContext, type AnalysisOption, type AnalysisPoint, type AnalysisRecords, type AnalysisReport, type AnalysisRequest, type AnalysisRun, type OpenedPolicy } from './analysis.ts';
export { RunDirectory, eventKey, readRunState, type RunState, type OpenMode } from './run-directory.ts';
export {
  markdownTable,
  benchmarkTable,
  benchmarkMarkdown,
  describePolicy,
  noRowsScored,
  modalityTable,
  evaluationTable,
  checkpointTable,
  typeTable,
  runTables,
  localizationOf,
  controlLabel,
  CHECKPOINT_CONTROLS,
  REFERENCES,
  type Reference,
  CONTROLS_LEGEND,
  INTERVAL_LEVEL,
  type CheckpointControl,
  type EvaluationControls,
} from './report.ts';
export { contentHash, policyIdentity, shortHash, stableJson } from './fingerprint.ts';
export { tapTracker, type Tracker, type TrackerOptions } from './tracker.ts';
export { createRandom, hash32 } from './random.ts';
export { outputFolder, writeFileAtomic, writeFileAtomicSync, writeJsonAtomic, appendJsonLine, readJsonLines, dropTornLine, fileSizes, tempName, tempOwner } from './files.ts';
export { LadderError, ConfigError, UsageError, PluginError, GenerationErrors, ControlUnavailable } from './errors.ts';
export { acquireLock, withLock, isLocked, lockHolder, lockPathOf, describeHolder, sweepLeftovers, LockedError, type Lock, type LockHolder, type LockOptions } from './lock.ts';

/** Identity helper giving a config file types: `export default defineConfig({ ... })`. */
export const defineConfig = <T extends import('./config.ts').UserConfig | import('./config.ts').UserConfig[]>(config: T): T => config;
