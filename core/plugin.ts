/**
 * The extension surface: plugins and presets.
 *
 * A plugin is a plain object `{ name, apply(ladder) }`, usually made by a
 * factory that takes options. In `apply` it taps hooks (see hooks.ts):
 *
 *     import { definePlugin, z } from 'spatial-ladder';
 *     const PLUGIN_NAME = 'reward-length';
 *     export default definePlugin({
 *       name: PLUGIN_NAME,
 *       options: z.object({ target: z.number().default(64) }),
 *       apply(ladder, { target }) {
 *         ladder.hooks.rewards.for('length').tap(PLUGIN_NAME, () =>
 *           (completions) => completions.map((c) => Math.exp(-Math.abs(c.length - target) / target)));
 *       },
 *     });
 *
 * A preset is plain data: the plugins and presets it brings, and settings
 * (config keys such as `curriculum`) that the user's config overrides.
 */
import type { z } from 'zod';
import type { Ladder } from './ladder.ts';
import type { PluginEntry, UserConfig } from './config.ts';

export interface Plugin {
  /** Used as the tap name, in `inspect`, in errors, and by `[name, false]`. */
  name: string;
  apply(ladder: Ladder): void | Promise<void>;
}

/** A factory whose options the resolver validates before calling it. */
export interface PluginFactory<Options = Record<string, unknown>> {
  (options?: Partial<Options>): Plugin;
  /** zod schema of the options; errors then name the key path in the config. */
  schema?: z.ZodType<Options>;
  pluginName?: string;
}

export interface Preset {
  name?: string;
  presets?: PluginEntry[];
  plugins?: PluginEntry[];
  /** Config keys this preset sets; the user's config wins over them. */
  settings?: Omit<UserConfig, 'presets' | 'plugins'>;
}

export interface PresetFactory<Options = Record<string, unknown>> {
  (options?: Partial<Options>): Preset;
  schema?: z.ZodType<Options>;
}

/**
 * Make a plugin factory with validated options. `apply` receives the parsed
 * options (schema defaults filled in).
 */
export function definePlugin<S extends z.ZodType>(spec: {
  name: string;
  options: S;
  apply(ladder: Ladder, options: z.output<S>): void | Promise<void>;
}): PluginFactory<z.output<S>>;
export function definePlugin(spec: { name: string; apply(ladder: Ladder): void | Promise<void> }): PluginFactory<object>;
export function definePlugin(spec: {
  name: string;
  options?: z.ZodType;
  apply(ladder: Ladder, options?: unknown): void | Promise<void>;
}): PluginFactory {
  const factory: PluginFactory = (options) => {
    const parsed = spec.options ? spec.options.parse(options ?? {}) : undefined;
    return { name: spec.name, apply: (ladder) => spec.apply(ladder, parsed) };
  };
  factory.schema = spec.options as z.ZodType<Record<string, unknown>> | undefined;
  factory.pluginName = spec.name;
  return factory;
}

/** Make a preset factory with validated options. */
export function definePreset<S extends z.ZodType>(spec: {
  options: S;
  preset(options: z.output<S>): Preset;
}): PresetFactory<z.output<S>> {
  const factory: PresetFactory = (options) => spec.preset(spec.options.parse(options ?? {}));
  factory.schema = spec.options as z.ZodType<Record<string, unknown>>;
  return factory as PresetFactory<z.output<S>>;
}

export const isPlugin = (value: unknown): value is Plugin =>
  !!value &&
  typeof value === 'object' &&
  typeof (value as Plugin).name === 'string' &&
  (value as Plugin).name.length > 0 &&
  typeof (value as Plugin).apply === 'function';
