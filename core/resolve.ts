/**
 * Plugin and preset resolution, like Babel's:
 *
 *   "./x" or "/abs/x"   a path, relative to the config file
 *   "foo"               built-in plugins/foo, else package ladder-plugin-foo
 *   "@acme/foo"         @acme/ladder-plugin-foo   ("@acme" alone: @acme/ladder-plugin)
 *   "module:x"          exactly the package x
 *
 * Presets the same, with presets/ and `ladder-preset-`. Order of the final
 * plugin list: the user's plugins, then presets' plugins (presets flattened
 * depth-first, in declared order), then core defaults. A plugin name seen
 * again later is skipped, so the first occurrence (the user's) wins.
 * `[name, false]` disables a preset's plugin or preset of that name.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, closest, messageOf } from './errors.ts';
import { configSchema, validate, type PluginEntry } from './config.ts';
import { isPlugin, type Plugin, type Preset } from './plugin.ts';
import { importDefault, MODULE_EXTENSION } from './modules.ts';

/** Where core/, plugins/ and presets/ are: the repository, or the installed package's dist/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** This package's version, from its package.json (found by name, from the sources and from dist/). */
export const PACKAGE_VERSION = (createRequire(import.meta.url)('spatial-ladder/package.json') as { version: string }).version;
/** Plugins every run gets unless disabled with `[name, false]`. */
export const CORE_DEFAULT_PLUGINS = ['reporter'];

type Kind = 'plugin' | 'preset';
const PREFIX: Record<Kind, string> = { plugin: 'ladder-plugin', preset: 'ladder-preset' };
const BUILTIN_DIR: Record<Kind, string> = { plugin: 'plugins', preset: 'presets' };

export interface PluginInfo {
  name: string;
  /** What the config said ("source-procedural", "./my-plugin.ts", "(inline object)"). */
  request: string;
  /** The file it was loaded from, or "inline". */
  from: string;
  /** Where in the config it came from: "plugins[0]" or "presets[0] (spatial-ladder) > plugins[3]". */
  via: string;
  options?: unknown;
}

export interface PresetInfo {
  name: string;
  request: string;
  from: string;
  via: string;
  options?: unknown;
}

export interface ResolvedEntries {
  plugins: { plugin: Plugin; info: PluginInfo }[];
  presets: PresetInfo[];
  /** Preset settings, highest priority first. */
  settings: Record<string, unknown>[];
  /** Plugins left out: disabled, or shadowed by an earlier one of the same name. */
  skipped: { name: string; via: string; reason: string }[];
}

interface Located {
  file: string;
  request: string;
}

/** Where a package's ESM entry lives, from its package.json. */
function packageEntry(dir: string): string {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports?: unknown;
    module?: string;
    main?: string;
  };
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) return target.map(pick).find(Boolean);
    if (target && typeof target === 'object') {
      const map = target as Record<string, unknown>;
      if ('.' in map) return pick(map['.']);
      for (const condition of ['import', 'node', 'default']) if (condition in map) return pick(map[condition]);
    }
    return undefined;
  };
  const entry = pick(pkg.exports) ?? pkg.module ?? pkg.main ?? 'index.js';
  return join(dir, entry);
}

/** Find `node_modules/<name>` walking up from each start directory. */
function findPackage(name: string, starts: string[]): string | undefined {
  for (const start of starts) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return packageEntry(candidate);
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

function builtinNames(kind: Kind): string[] {
  const dir = join(PACKAGE_ROOT, BUILTIN_DIR[kind]);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => existsSync(join(dir, name, `index${MODULE_EXTENSION}`)));
}

/** Package name a short request stands for. */
export function expandName(request: string, kind: Kind): string {
  const prefix = PREFIX[kind];
  if (request.startsWith('module:')) return request.slice('module:'.length);
  if (request.startsWith('@')) {
    const [scope, rest] = request.split('/', 2) as [string, string | undefined];
    if (!rest) return `${scope}/${prefix}`;
    return rest.startsWith(prefix) ? request : `${scope}/${prefix}-${rest}`;
  }
  return request.startsWith(`${prefix}-`) ? request : `${prefix}-${request}`;
}

/** The file a request names; `where` (the config and entry) prefixes the error when there is none. */
function locate(request: string, kind: Kind, baseDir: string, where: string): Located {
  const tried: string[] = [];
  if (request.startsWith('.') || request.startsWith('/')) {
    const path = resolvePath(baseDir, request);
    for (const candidate of [path, `${path}.ts`, `${path}.js`, `${path}.mjs`, join(path, 'index.ts'), join(path, 'index.js')]) {
      if (existsSync(candidate) && statSync(candidate).isFile()) return { file: candidate, request };
      tried.push(candidate);
    }
  } else {
    if (!request.startsWith('module:') && !request.includes('/')) {
      const builtin = join(PACKAGE_ROOT, BUILTIN_DIR[kind], request, `index${MODULE_EXTENSION}`);
      if (existsSync(builtin)) return { file: builtin, request };
      tried.push(`built-in ${BUILTIN_DIR[kind]}/${request}`);
    }
    const name = expandName(request, kind);
    const file = findPackage(name, [baseDir, PACKAGE_ROOT]);
    if (file) return { file, request };
    tried.push(`package "${name}" (node_modules from ${baseDir})`);
  }
  const hint = closest(request, builtinNames(kind));
  const install = request.startsWith('.') || request.startsWith('/') ? '' : ` Install it with \`npm install ${expandName(request, kind)}\`.`;
  throw new ConfigError(
    `${where}: cannot find ${kind} "${request}": tried ${tried.join(', ')}.${hint ? ` Did you mean "${hint}"?` : ''}${install}`,
  );
}

async function load(file: string, what: string): Promise<unknown> {
  try {
    return await importDefault(file);
  } catch (error) {
    throw new ConfigError(`${what}: cannot load ${file}: ${messageOf(error)}`, { cause: error });
  }
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? `an object with keys ${Object.keys(value as object).join(', ') || '(none)'}` : `a ${typeof value}`;

/** Split an entry into its request (or object) and options; `false` options mean disabled. */
function splitEntry(entry: PluginEntry): { target: unknown; options: unknown; disabled: boolean } {
  if (Array.isArray(entry)) return { target: entry[0], options: entry[1], disabled: entry[1] === false };
  return { target: entry, options: undefined, disabled: false };
}

const shortName = (name: string, kind: Kind) => name.replace(new RegExp(`^(@[^/]+/)?${PREFIX[kind]}-`), '$1');

/** Turn a module's export plus options into a plugin or preset, validating options and shape. */
async function instantiate(
  exported: unknown,
  options: unknown,
  kind: Kind,
  where: string,
  label: string,
): Promise<unknown> {
  if (typeof exported === 'function') {
    const factory = exported as ((o: unknown) => unknown) & { schema?: import('zod').ZodType };
    const parsed = factory.schema ? validate(factory.schema, options ?? {}, where, ['options']) : options;
    try {
      return await factory(parsed);
    } catch (error) {
      throw new ConfigError(`${where}: the ${kind} factory of ${label} threw: ${messageOf(error)}`, { cause: error });
    }
  }
  if (options !== undefined)
    throw new ConfigError(
      `${where}: ${label} takes no options: its module exports a ${kind} object, not a factory function`,
    );
  return exported;
}

export async function resolveEntries(
  user: { plugins?: PluginEntry[]; presets?: PluginEntry[] },
  ctx: { baseDir: string; where: string; defaults?: string[] },
): Promise<ResolvedEntries> {
  const out: ResolvedEntries = { plugins: [], presets: [], settings: [], skipped: [] };
  const disabled = new Set<string>();
  const collectDisabled = (entries: PluginEntry[] | undefined, kind: Kind) => {
    for (const entry of entries ?? []) {
      const { target, disabled: off } = splitEntry(entry);
      if (off && typeof target === 'string') disabled.add(`${kind}:${shortName(target, kind)}`);
    }
  };
  // names that a `[name, false]` matched, or that were seen at all: a user's entry matching neither is a typo
  const matched = new Set<string>();
  const seenNames = new Set<string>();
  const isDisabled = (name: string, kind: Kind) => {
    const key = `${kind}:${shortName(name, kind)}`;
    seenNames.add(key);
    if (disabled.has(key)) matched.add(key);
    return disabled.has(key);
  };
  collectDisabled(user.plugins, 'plugin');
  collectDisabled(user.presets, 'preset');

  // Pending plugin entries, in final order, with where they came from.
  const pending: { entry: PluginEntry; via: string; baseDir: string; fromUser: boolean }[] = [];
  (user.plugins ?? []).forEach((entry, i) =>
    pending.push({ entry, via: `plugins[${i}]`, baseDir: ctx.baseDir, fromUser: true }),
  );

  const walkPresets = async (entries: PluginEntry[], trail: string, baseDir: string, stack: { id: unknown; label: string }[]) => {
    for (const [i, entry] of entries.entries()) {
      const via = `${trail}presets[${i}]`;
      const { target, options, disabled: off } = splitEntry(entry);
      if (off) continue;
      const where = `${ctx.where}: ${via}`;
      let request: string;
      let from = 'inline';
      let exported: unknown = target;
      if (typeof target === 'string') {
        if (isDisabled(target, 'preset')) {
          out.skipped.push({ name: target, via, reason: 'disabled with [name, false]' });
          continue;
        }
        request = target;
        from = locate(target, 'preset', baseDir, where).file;
        exported = await load(from, where);
      } else request = '(inline preset)';
      const identity = { id: from === 'inline' ? target : from, label: from === 'inline' ? request : from.replace(PACKAGE_ROOT, '') };
      if (stack.some((s) => s.id === identity.id))
        throw new ConfigError(`${where}: preset cycle: ${[...stack, identity].map((s) => s.label).join(' -> ')}`);
      const preset = (await instantiate(exported, options, 'preset', where, `preset "${request}"`)) as Preset;
      if (!preset || typeof preset !== 'object' || Array.isArray(preset) || isPlugin(preset))
        throw new ConfigError(
          `${where}: "${request}" (${from}) is not a preset: expected { plugins?, presets?, settings? } or a factory returning one, got ${describe(preset)}`,
        );
      const extra = Object.keys(preset).filter((k) => !['name', 'plugins', 'presets', 'settings'].includes(k));
      if (extra.length)
        throw new ConfigError(`${where}: preset "${request}" has unknown keys ${extra.join(', ')}; expected name, plugins, presets, settings`);
      const name = preset.name ?? (typeof target === 'string' ? shortName(target, 'preset') : 'inline preset');
      out.presets.push({ name, request, from, via, options });
      if (preset.settings) {
        validate(configSchema.omit({ presets: true, plugins: true }), preset.settings, `${where} (${name}) settings`);
        out.settings.push(preset.settings as Record<string, unknown>);
      }
      const presetDir = from === 'inline' ? baseDir : dirname(from);
      collectDisabled(preset.plugins, 'plugin');
      collectDisabled(preset.presets, 'preset');
      (preset.plugins ?? []).forEach((p, j) =>
        pending.push({ entry: p, via: `${via} (${name}) > plugins[${j}]`, baseDir: presetDir, fromUser: false }),
      );
      await walkPresets(preset.presets ?? [], `${via} (${name}) > `, presetDir, [...stack, identity]);
    }
  };
  await walkPresets(user.presets ?? [], '', ctx.baseDir, []);
  (ctx.defaults ?? CORE_DEFAULT_PLUGINS).forEach((name) =>
    pending.push({ entry: name, via: 'core defaults', baseDir: PACKAGE_ROOT, fromUser: false }),
  );

  const seen = new Set<string>();
  for (const { entry, via, baseDir, fromUser } of pending) {
    const { target, options, disabled: off } = splitEntry(entry);
    if (off) continue;
    const where = `${ctx.where}: ${via}`;
    if (typeof target === 'string' && !fromUser && isDisabled(target, 'plugin')) {
      out.skipped.push({ name: target, via, reason: 'disabled with [name, false]' });
      continue;
    }
    let request = '(inline plugin)';
    let from = 'inline';
    let exported: unknown = target;
    if (typeof target === 'string') {
      request = target;
      from = locate(target, 'plugin', baseDir, where).file;
      exported = await load(from, where);
    } else if (typeof target !== 'function' && !isPlugin(target)) {
      throw new ConfigError(
        `${where}: not a plugin entry: expected a name, a path, [name, options], [name, false] or a plugin object { name, apply(ladder) }, got ${describe(target)}`,
      );
    }
    const plugin = await instantiate(exported, options, 'plugin', where, `plugin "${request}"`);
    if (!isPlugin(plugin))
      throw new ConfigError(
        `${where}: "${request}" (${from}) has the wrong shape: expected { name: string, apply(ladder) } or a factory returning one, got ${describe(plugin)}`,
      );
    if (!fromUser && isDisabled(plugin.name, 'plugin')) {
      out.skipped.push({ name: plugin.name, via, reason: 'disabled with [name, false]' });
      continue;
    }
    if (seen.has(plugin.name)) {
      out.skipped.push({ name: plugin.name, via, reason: 'a plugin of the same name comes first' });
      continue;
    }
    seen.add(plugin.name);
    out.plugins.push({ plugin, info: { name: plugin.name, request, from, via, options } });
  }
  checkDisabled(user, ctx.where, matched, seenNames);
  return out;
}

/**
 * A user's `[name, false]` that matched no plugin or preset of the resolution
 * and names no built-in disables nothing: a misspelt name, reported with the
 * closest one. (A built-in that is not loaded, such as the reporter without
 * core defaults, is left alone.)
 */
function checkDisabled(user: { plugins?: PluginEntry[]; presets?: PluginEntry[] }, where: string, matched: Set<string>, seenNames: Set<string>): void {
  for (const [key, kind] of [['plugins', 'plugin'], ['presets', 'preset']] as const)
    for (const [i, entry] of (user[key] ?? []).entries()) {
      const { target, disabled: off } = splitEntry(entry);
      if (!off || typeof target !== 'string') continue;
      const name = shortName(target, kind);
      if (matched.has(`${kind}:${name}`) || builtinNames(kind).includes(name)) continue;
      const known = [...seenNames].filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1));
      const hint = closest(name, [...new Set([...known, ...builtinNames(kind)])]);
      throw new ConfigError(
        `${where}: ${key}[${i}]: ["${target}", false] disables nothing: no ${kind} or built-in of that name${hint ? ` (did you mean "${hint}"?)` : ''}`,
      );
    }
}
