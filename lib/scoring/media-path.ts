/**
 * Media paths read from benchmark files are untrusted: a row must not make
 * the evaluator read (and send to a remote model) a file outside the
 * benchmark's root. `resolveInside` rejects absolute paths, `..` segments and
 * symbolic links that lead out of the root.
 */
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

/** The absolute path of `path` (relative to `root`); throws a message naming `what` when it is unsafe or missing. */
export function resolveInside(root: string, path: string, what = 'media path'): string {
  if (typeof path !== 'string' || !path) throw new Error(`${what}: empty path`);
  if (path.includes('\0')) throw new Error(`${what} ${JSON.stringify(path)}: contains a NUL byte`);
  if (isAbsolute(path) || /^[a-zA-Z]:[\\/]/.test(path) || path.startsWith('\\'))
    throw new Error(`${what} ${JSON.stringify(path)}: absolute paths are not allowed (paths are relative to ${root})`);
  if (path.split(/[\\/]/).includes('..')) throw new Error(`${what} ${JSON.stringify(path)}: ".." is not allowed (paths must stay inside ${root})`);
  const full = join(root, path);
  if (!existsSync(full)) throw new Error(`${what} ${JSON.stringify(path)}: no such file (${full})`);
  const realRoot = realpathSync(root);
  const real = realpathSync(full);
  const rel = relative(realRoot, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
    throw new Error(`${what} ${JSON.stringify(path)}: resolves to ${real}, outside ${realRoot} (a symbolic link out of the benchmark root)`);
  return full;
}
