/**
 * Media paths read from benchmark files are untrusted: a row must not make
 * the evaluator read (and send to a remote model) a file outside the
 * benchmark's root. `resolveInside` rejects absolute paths, `..` segments and
 * symbolic links that lead out of the root (unless the user trusts the links
 * of their own data folder: `symlinks: 'follow'`). `resolveImage` and
 * `resolveVideo` also check the file is media before any model sees it: an
 * empty or undecodable file is the row's error, naming the file.
 */
import { existsSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import sharp from 'sharp';
import { z } from '../../core/index.ts';
import { createLimiter } from '../media/index.ts';

/**
 * How symbolic links in a benchmark's folder are taken: `inside` (default) a
 * link must resolve inside the root; `follow` trusts them (a cluster layout
 * of links to other file systems). Absolute paths and `..` stay refused.
 */
export type SymlinkPolicy = 'inside' | 'follow';

/** The benchmark plugins' option for it. */
export const symlinksOption = {
  /** "inside" (default): media reached through a symbolic link leading out of the root are row errors; "follow": trusted. */
  symlinks: z.enum(['inside', 'follow']).default('inside'),
};

/** The absolute path of `path` (relative to `root`); throws a message naming `what` when it is unsafe or missing. */
export function resolveInside(root: string, path: string, what = 'media path', symlinks: SymlinkPolicy = 'inside'): string {
  if (typeof path !== 'string' || !path) throw new Error(`${what}: empty path`);
  if (path.includes('\0')) throw new Error(`${what} ${JSON.stringify(path)}: contains a NUL byte`);
  if (isAbsolute(path) || /^[a-zA-Z]:[\\/]/.test(path) || path.startsWith('\\'))
    throw new Error(`${what} ${JSON.stringify(path)}: absolute paths are not allowed (paths are relative to ${root})`);
  if (path.split(/[\\/]/).includes('..')) throw new Error(`${what} ${JSON.stringify(path)}: ".." is not allowed (paths must stay inside ${root})`);
  const full = join(root, path);
  if (!existsSync(full)) throw new Error(`${what} ${JSON.stringify(path)}: no such file (${full})`);
  if (symlinks === 'follow') return full;
  const realRoot = realpathSync(root);
  const real = realpathSync(full);
  const rel = relative(realRoot, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
    throw new Error(
      `${what} ${JSON.stringify(path)}: resolves to ${real}, outside ${realRoot} (a symbolic link out of the benchmark root; to trust the links of your data folder, set the benchmark's option symlinks: 'follow')`,
    );
  return full;
}

/** One check at a time: libvips keeps one error buffer, so failures decoded at once mix their messages. */
const oneDecode = createLimiter(1);

function notEmpty(full: string, path: string, what: string): Stats {
  const stat = statSync(full);
  if (!stat.isFile()) throw new Error(`${what} ${JSON.stringify(path)}: not a file (${full})`);
  if (stat.size === 0) throw new Error(`${what} ${JSON.stringify(path)}: empty file (0 bytes: ${full})`);
  return stat;
}

/**
 * Decodes already made in this process, by file, size and modification time:
 * a benchmark's rows share frames (the default held-out rows name 336 images
 * 6,056 times) and a run asks the same rows at every checkpoint. A file
 * written again is another key, so it is decoded again.
 */
const decodes = new Map<string, Promise<void>>();
const MAX_DECODES = 100_000;

function decodeOnce(full: string, stat: Stats): Promise<void> {
  const key = `${full}\0${stat.size}\0${stat.mtimeMs}`;
  let decode = decodes.get(key);
  if (!decode) {
    if (decodes.size >= MAX_DECODES) decodes.clear();
    // keep the outcome only, not the pixels
    decode = oneDecode(() => sharp(full, { failOn: 'truncated' }).resize(64, 64, { fit: 'inside', withoutEnlargement: true }).raw().toBuffer()).then(() => undefined);
    decodes.set(key, decode);
  }
  return decode;
}

/**
 * `resolveInside`, then the image decoded (at a reduced size: JPEGs shrink
 * while loading, a few ms for a ScanNet frame) to its last byte, once per
 * version of the file: an empty, truncated or non-image file throws, naming it.
 */
export async function resolveImage(root: string, path: string, what = 'image', symlinks: SymlinkPolicy = 'inside'): Promise<string> {
  const full = resolveInside(root, path, what, symlinks);
  const stat = notEmpty(full, path, what);
  try {
    await decodeOnce(full, stat);
  } catch (error) {
    throw new Error(`${what} ${JSON.stringify(path)}: cannot be decoded: truncated, corrupt or not an image (${(error as Error).message}; ${full})`);
  }
  return full;
}

/** `resolveInside`, then the file checked to be a non-empty file; decoding is left to frame sampling, whose errors name the file. */
export function resolveVideo(root: string, path: string, what = 'video', symlinks: SymlinkPolicy = 'inside'): string {
  const full = resolveInside(root, path, what, symlinks);
  notEmpty(full, path, what);
  return full;
}
