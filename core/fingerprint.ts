/**
 * Content identities. Predictions are reused only for the same policy
 * content, benchmark rows and generation settings; these helpers give each
 * a stable hash ("sha256:<hex>").
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Policy, PolicyIdentity } from './types.ts';

/** JSON with object keys sorted and `undefined` members left out: equal values give equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined && typeof (value as Record<string, unknown>)[k] !== 'function')
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** sha256 of strings and byte arrays fed in order (each length-prefixed, so parts cannot run into each other). */
export function contentHash(...parts: (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    hash.update(`${bytes.byteLength}:`).update(bytes);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The first 12 hex digits of a `sha256:` hash, for folder names and messages. */
export const shortHash = (hash: string) => hash.replace(/^sha256:/, '').slice(0, 12);

/** A hash of every file under `dir` (names and bytes; temporary files and locks left out). */
export async function hashDirectory(dir: string): Promise<string> {
  const files: string[] = [];
  const walk = async (at: string) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      if (/\.tmp-|\.lock$/.test(entry.name)) continue;
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  await walk(dir);
  files.sort();
  const parts: (string | Uint8Array)[] = [];
  for (const file of files) parts.push(relative(dir, file), await readFile(file));
  return contentHash(...parts);
}

/**
 * Which policy is scored: its `fingerprint()`, else (loaded from a
 * checkpoint) a hash of the checkpoint's files, else unknown (`null`: its
 * predictions are then never reused).
 */
export async function policyIdentity(policy: Policy, checkpoint?: string): Promise<PolicyIdentity> {
  const fingerprint = policy.fingerprint ? await policy.fingerprint() : checkpoint ? await hashDirectory(checkpoint) : null;
  return { id: policy.id, fingerprint, ...(checkpoint && { checkpoint }) };
}
