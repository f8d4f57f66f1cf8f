/**
 * tasks: a library shared by the task generator and filter plugins
 * (not a plugin: it taps no hook). Geometry of the answers, what each
 * modality shows of a scene, question templates and options, and helpers to
 * define generator and filter plugins.
 */
export * from './geometry.ts';
export * from './observation.ts';
export * from './questions.ts';
export * from './task.ts';
