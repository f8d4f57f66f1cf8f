/**
 * Crash-safe file writing: write to a temporary file beside the target, then
 * rename, so a reader never sees half a file and a crash never loses the old one.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, statSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { threadId } from 'node:worker_threads';
import { UsageError } from './errors.ts';

/** An output folder named on the command line (made when absent): a file there is a usage error, before any work. */
export function outputFolder(label: string, path: string): string {
  if (existsSync(path) && !statSync(path).isDirectory()) throw new UsageError(`${label} ${path}: a file, not a folder`);
  return path;
}

let counter = 0;
/** `<path>.tmp-<pid>-<thread>-<n>`: unique per process and worker thread (each thread has its own counter). */
export const tempName = (path: string, unique: string | number = counter++) => `${path}.tmp-${process.pid}-${threadId}-${unique}`;

/** The pid in a temporary name made by `tempName`, or undefined when `name` is not one. */
export function tempOwner(name: string): number | undefined {
  const match = /\.tmp-(\d+)-\d+-\w+$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** A failed write removes its temporary file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempName(path);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempName(path);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Every file under `dir` (paths relative to `root`, sorted) -> its size in
 * bytes: what a cache entry's manifest lists, to be checked on load.
 * `skip(relativePath)` leaves a file or folder out.
 */
export async function fileSizes(dir: string, skip: (path: string) => boolean = () => false, root = dir): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (skip(relative(root, path))) continue;
    if (entry.isDirectory()) Object.assign(out, await fileSizes(path, skip, root));
    else out[relative(root, path)] = (await stat(path)).size;
  }
  return out;
}

export const writeJsonAtomic = (path: string, value: unknown) =>
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);

/** A crash mid-append leaves a last line without its newline: cut it, or the next append would glue onto it. */
export function dropTornLine(path: string): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const byte = Buffer.alloc(1);
    if (size === 0 || (readSync(fd, byte, 0, 1, size - 1) === 1 && byte[0] === 0x0a)) return;
    // scan back for the last newline, 64 KiB at a time
    const chunk = Buffer.alloc(65536);
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - chunk.length);
      readSync(fd, chunk, 0, end - start, start);
      const at = chunk.subarray(0, end - start).lastIndexOf(0x0a);
      if (at >= 0) return ftruncateSync(fd, start + at + 1);
      end = start;
    }
    ftruncateSync(fd, 0);
  } finally {
    closeSync(fd);
  }
}

/** Append one JSON object as a line (one write), after cutting a line torn by an earlier crash. */
export function appendJsonLine(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  dropTornLine(path);
  appendFileSync(path, `${JSON.stringify(value)}\n`);
}

/**
 * Read a JSONL file, skipping a torn last line (a crash mid-append) but
 * failing on a malformed line elsewhere, with the file and line number.
 */
export function readJsonLines<T = unknown>(path: string): T[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: T[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (error) {
      const isLast = lines.slice(i + 1).every((rest) => !rest.trim());
      if (!isLast) throw new Error(`${path}:${i + 1}: malformed JSON line (${(error as Error).message})`);
    }
  });
  return out;
}
