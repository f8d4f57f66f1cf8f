/**
 * Crash-safe file writing: write to a temporary file beside the target, then
 * rename, so a reader never sees half a file and a crash never loses the old one.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';

let counter = 0;
/** Unique per process and worker thread (each thread has its own counter). */
const tempName = (path: string) => `${path}.tmp-${process.pid}-${threadId}-${counter++}`;

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempName(path);
  await writeFile(temp, data);
  await rename(temp, path);
}

export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempName(path);
  writeFileSync(temp, data);
  renameSync(temp, path);
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
