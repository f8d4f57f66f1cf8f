/**
 * training: a library shared by the training stages (not a plugin; it taps
 * no hook): AdamW on plain arrays, the cosine schedule, gradient clipping,
 * atomic checkpoints with resume, the supervised loop, end-of-stage plots.
 */
export { AdamW, ADAMW_DEFAULTS, gradientNorm, type AdamWOptions, type StepOptions } from './optimizer.ts';
export { cosineWithWarmup } from './schedule.ts';
export { writeTensorFile, readTensorFile, encodeSafetensors, decodeSafetensors, type NamedTensor, type TensorFile } from './tensor-file.ts';
export { checkpointFile, latestCheckpoint, readStageState, writeCheckpoint, FINAL, OPTIMIZER_FILE, type StageState } from './checkpoint.ts';
export { TrainingRun, requireAttentionLoss, requireTrainer, writeCurves, type OptimizerOptions, type CheckpointOptions } from './run.ts';
export { trainSupervised, supervisedPlan, nllObjective, type SupervisedOptions } from './sft.ts';
export { stageOptions, promptStyleSchema, optimizerSchema, checkpointSchema, supervisedSchema, mirrorSchema } from './options.ts';
export { mirrorSample, withMirrored } from './mirror.ts';
export { mean, std } from './stats.ts';
export { createOrder } from './order.ts';
export { scoreGenerations } from './rewards.ts';
export { coldStartData, keeps, teacherSchema, type TeacherOptions, type KeptCompletion } from './cold-start.ts';
