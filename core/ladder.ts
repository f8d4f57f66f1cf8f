/**
 * The Ladder owns the hooks and the resolved config. Plugins receive it in
 * `apply(ladder)`. It records which plugin tapped which hook (for `ladder
 * inspect`), maps the `order` tap option, and reports any error thrown inside
 * a tap or a registered implementation with the plugin's name and the hook.
 */
import type { z } from 'zod';
import { closest, ConfigError, PluginError, UsageError } from './errors.ts';
import { countFilterDrops } from './filters.ts';
import { createHooks, REGISTRIES, type LadderHooks, type RegistryName, type RegistryTypes } from './hooks.ts';
import {
  applyOverrides,
  configSchema,
  finalizeConfig,
  mergeLayers,
  validate,
  type LadderConfig,
  type UserConfig,
} from './config.ts';
import { resolveEntries, type PluginInfo, type PresetInfo } from './resolve.ts';
import type { Plugin } from './plugin.ts';
import type { ProgressTicker } from './types.ts';

export interface LoadedPlugin extends PluginInfo {
  /** Hooks this plugin tapped, e.g. "sources[procedural]", "filters". */
  taps: string[];
}

type AnyHook = {
  intercept(interceptor: object): void;
  taps: { name: string; fn: (...args: unknown[]) => unknown }[];
};
type FullTap = { name: string; type: 'sync' | 'async' | 'promise'; fn: (...args: unknown[]) => unknown; stage?: number; order?: 'pre' | 'post' };

const ORDER_STAGE = { pre: -100, post: 100 } as const;

/**
 * Where a ladder's config came from, so that a worker thread can build the
 * same plugin set: from `config` itself when it is plain data (plugin names,
 * paths and options only), else by loading `file` again.
 */
export interface LadderOrigin {
  /** The config as given to createLadder, before presets were merged. */
  config: UserConfig;
  /** Directory relative plugin paths resolve from. */
  baseDir: string;
  where: string;
  /** Core default plugins it was made with (undefined: the usual ones). */
  defaults?: string[];
  /** `--set` overrides applied after the presets' settings were merged (CreateLadderOptions.overrides). */
  overrides?: string[];
  /** The config file, the overrides applied to it, and which entry of a sweep this ladder is. */
  file?: { path: string; overrides: string[]; command: string; cwd: string; index: number };
}

export class Ladder {
  readonly hooks: LadderHooks = createHooks();
  readonly plugins: LoadedPlugin[] = [];
  readonly presets: PresetInfo[];
  readonly skipped: { name: string; via: string; reason: string }[];
  /** The config file, or "default config". */
  readonly where: string;
  /** Where the config came from (set by createLadder). */
  readonly origin?: LadderOrigin;
  private current?: LoadedPlugin;
  private readonly owners = new WeakMap<object, string>();
  private progressIds = 0;

  constructor(
    readonly config: LadderConfig,
    meta: { where?: string; presets?: PresetInfo[]; skipped?: Ladder['skipped']; origin?: LadderOrigin } = {},
  ) {
    this.where = meta.where ?? 'inline config';
    this.origin = meta.origin;
    this.presets = meta.presets ?? [];
    this.skipped = meta.skipped ?? [];
    // First, so the attribution below wraps it: a filter's bad result is reported as that plugin's error.
    countFilterDrops(this.hooks.filters);
    for (const [name, hook] of Object.entries(this.hooks)) {
      if (REGISTRIES.includes(name as RegistryName))
        (hook as { intercept(i: object): void }).intercept({
          factory: (key: string, inner: AnyHook) => this.instrument(inner, `${name}[${key}]`),
        });
      else this.instrument(hook as unknown as AnyHook, name);
    }
  }

  /** Apply a plugin, recording what it taps. */
  async use(plugin: Plugin, info: Partial<PluginInfo> = {}): Promise<void> {
    const loaded: LoadedPlugin = {
      name: plugin.name,
      request: info.request ?? '(inline plugin)',
      from: info.from ?? 'inline',
      via: info.via ?? 'ladder.use',
      options: info.options,
      taps: [],
    };
    this.plugins.push(loaded);
    this.current = loaded;
    try {
      await plugin.apply(this);
    } catch (error) {
      throw error instanceof PluginError || error instanceof ConfigError ? error : new PluginError(plugin.name, 'apply', error);
    } finally {
      this.current = undefined;
    }
  }

  /** Ids registered in a registry, in tap order. */
  ids(registry: RegistryName): string[] {
    return this.plugins.flatMap((p) =>
      p.taps.filter((t) => t.startsWith(`${registry}[`)).map((t) => t.slice(registry.length + 1, -1)),
    ).filter((id, i, all) => all.indexOf(id) === i);
  }

  has(registry: RegistryName, id: string): boolean {
    return this.lookup(registry, id) !== undefined;
  }

  /**
   * The implementation registered under `id`. Calls into it are attributed:
   * an error names the plugin that registered it and `registry[id].method`.
   */
  get<R extends RegistryName>(registry: R, id: string): RegistryTypes[R] {
    const found = this.lookup(registry, id);
    if (!found) {
      const known = this.ids(registry);
      const hint = closest(id, known);
      throw new ConfigError(
        `no ${registry} entry "${id}" is registered${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${known.length ? known.join(', ') : '(none: add a plugin that provides one)'}`,
      );
    }
    return attribute(found.value, found.plugin, `${registry}[${id}]`) as RegistryTypes[R];
  }

  /** Plugin that registered `id` (the first tap, which wins). */
  owner(registry: RegistryName, id: string): string | undefined {
    return this.lookup(registry, id)?.plugin;
  }

  private lookup(registry: RegistryName, id: string): { value: object; plugin: string } | undefined {
    const hook = (this.hooks[registry] as unknown as { get(key: string): AnyHook | undefined }).get(id);
    for (const tap of hook?.taps ?? []) {
      const value = tap.fn() as object | undefined;
      if (value !== undefined) return { value, plugin: this.owners.get(tap.fn) ?? tap.name };
    }
    return undefined;
  }

  /** Validate part of the config with a plugin's schema; errors name the file and key path. */
  validate<S extends z.ZodType>(schema: S, value: unknown, path: string): z.output<S> {
    return validate(schema, value, this.where, path.split('.'));
  }

  log(message: string, level: 'info' | 'warn' = 'info'): void {
    this.hooks.log.call({ level, message });
  }

  /** A progress counter; reporters draw it (bars on a TTY, plain lines otherwise). */
  progress(label: string, total: number): ProgressTicker {
    const id = ++this.progressIds;
    let done = 0;
    this.hooks.progress.call({ id, label, done, total, finished: false });
    return {
      tick: (n = 1, note) => {
        done += n;
        this.hooks.progress.call({ id, label, done, total, note, finished: false });
      },
      done: () => this.hooks.progress.call({ id, label, done, total, finished: true }),
    };
  }

  private instrument(hook: AnyHook, hookName: string): AnyHook {
    hook.intercept({
      register: (tap: FullTap) => {
        const plugin = this.current?.name ?? tap.name;
        this.current?.taps.push(hookName);
        if (tap.order) tap.stage = ORDER_STAGE[tap.order];
        tap.fn = wrapTap(tap, plugin, hookName);
        this.owners.set(tap.fn, plugin);
        return tap;
      },
    });
    return hook;
  }
}

function wrapTap(tap: FullTap, plugin: string, hook: string): FullTap['fn'] {
  const fn = tap.fn;
  const wrap = (error: unknown) => (error instanceof PluginError || error instanceof ConfigError ? error : new PluginError(plugin, hook, error));
  if (tap.type === 'promise')
    return (...args) => Promise.resolve().then(() => fn(...args)).catch((error) => Promise.reject(wrap(error)));
  if (tap.type === 'async')
    return (...args) => {
      const callback = args.pop() as (error?: unknown, result?: unknown) => void;
      try {
        fn(...args, (error: unknown, result: unknown) => callback(error ? wrap(error) : error, result));
      } catch (error) {
        callback(wrap(error));
      }
    };
  return (...args) => {
    try {
      return fn(...args);
    } catch (error) {
      throw wrap(error);
    }
  };
}

/** Wrap a registered implementation so thrown errors (sync or async) name the plugin. */
function attribute(value: object, plugin: string, hook: string): object {
  const wrap = (error: unknown, method: string) =>
    error instanceof PluginError || error instanceof ConfigError || error instanceof UsageError ? error : new PluginError(plugin, `${hook}${method}`, error);
  const call = (fn: (...a: unknown[]) => unknown, self: unknown, args: unknown[], method: string) => {
    try {
      const result = fn.apply(self, args);
      return result instanceof Promise ? result.catch((error) => Promise.reject(wrap(error, method))) : result;
    } catch (error) {
      throw wrap(error, method);
    }
  };
  if (typeof value === 'function') return (...args: unknown[]) => call(value as (...a: unknown[]) => unknown, undefined, args, '');
  return new Proxy(value, {
    get(target, key, receiver) {
      const member = Reflect.get(target, key, receiver) as unknown;
      if (typeof member !== 'function' || typeof key !== 'string') return member;
      return (...args: unknown[]) => call(member as (...a: unknown[]) => unknown, target, args, `.${key}`);
    },
  });
}

export interface CreateLadderOptions {
  /** Directory relative plugin paths resolve from (the config file's). */
  baseDir?: string;
  /** The config file, for error messages. */
  where?: string;
  /** Core default plugins (default: the reporter). */
  defaults?: string[];
  /** The config file this config was loaded from (recorded in `ladder.origin`). */
  file?: LadderOrigin['file'];
  /**
   * `--set key.path=value` overrides of values the presets provide, applied
   * after their settings are merged (`LoadedConfig.afterPresets`).
   */
  overrides?: string[];
}

/** Resolve presets and plugins, merge settings, validate, and apply every plugin. */
export async function createLadder(user: UserConfig, opts: CreateLadderOptions = {}): Promise<Ladder> {
  const where = opts.where ?? 'inline config';
  validate(configSchema, user, where);
  const resolved = await resolveEntries(user, { baseDir: opts.baseDir ?? process.cwd(), where, defaults: opts.defaults });
  const { presets: _p, plugins: _q, ...userSettings } = user;
  let settings = mergeLayers([userSettings, ...resolved.settings]);
  let label = `${where} (merged with presets)`;
  if (opts.overrides?.length) {
    settings = applyOverrides(settings, opts.overrides);
    label += ` with --set ${opts.overrides.join(' ')}`;
  }
  const merged = validate(configSchema, settings, label);
  const origin: LadderOrigin = {
    config: user,
    baseDir: opts.baseDir ?? process.cwd(),
    where,
    defaults: opts.defaults,
    ...(opts.overrides?.length ? { overrides: opts.overrides } : {}),
    file: opts.file,
  };
  const ladder = new Ladder(finalizeConfig(merged, where), { where, presets: resolved.presets, skipped: resolved.skipped, origin });
  for (const { plugin, info } of resolved.plugins) await ladder.use(plugin, info);
  return ladder;
}
