/**
 * What an evaluation folder's predictions were made from, recorded in
 * `<dir>/identity.json` before the first prediction: the policy (id, content
 * fingerprint, checkpoint path), the benchmark rows (a hash of the selected
 * rows) and the generation settings. Predictions are reused only when all
 * of it matches (the checkpoint path aside: a moved checkpoint is the same
 * checkpoint); a policy without a fingerprint never matches.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, contentHash, describePolicy, shortHash, stableJson, writeJsonAtomic, type PolicyIdentity } from '../../core/index.ts';
import type { RowProblem } from './parquet-rows.ts';
import type { EvalRow } from './evaluate.ts';

export interface EvaluationIdentity {
  format: 1;
  policy: PolicyIdentity;
  benchmark: { id: string; rows: number; hash: string };
  /** Everything that changes the answers: prompt style, pre-prompt, max tokens, sampling, seed, subset, inputs such as frames. */
  generation: Record<string, unknown>;
}

/** Files of an evaluation folder that belong to one identity. */
const OWNED = ['identity.json', 'predictions.jsonl', 'report.json', 'report.md', 'run.json'];

/** A hash of the rows as asked (question, options, answer, media names) and of the rows that could not be read. */
export function rowsHash(items: (EvalRow | RowProblem)[]): string {
  return contentHash(
    stableJson(
      items.map((item) =>
        'message' in item
          ? { id: item.id, problem: item.message }
          : { id: item.id, type: item.type, modality: item.modality, task: item.task, question: item.question, options: item.options, answer: item.answer, answerKind: item.answerKind, media: item.media },
      ),
    ),
  );
}

/** The identity as named facts, each compared on its own. */
function facts(identity: EvaluationIdentity): Record<string, string> {
  const { policy, benchmark, generation } = identity;
  return {
    policy: stableJson({ id: policy.id, fingerprint: policy.fingerprint }),
    'benchmark rows': `${benchmark.id}: ${benchmark.rows} rows, sha256:${shortHash(benchmark.hash)}`,
    ...Object.fromEntries(Object.keys(generation).sort().map((k) => [k, stableJson(generation[k] ?? null)])),
  };
}

/** What differs between two identities ("" when they match); unknown fingerprints always differ. */
function identityDifference(saved: EvaluationIdentity, now: EvaluationIdentity): string {
  const a = facts(saved);
  const b = facts(now);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const differs = keys.filter((k) => a[k] !== b[k] || (k === 'policy' && !now.policy.fingerprint));
  return differs
    .map((k) =>
      k === 'policy'
        ? `policy: ${describePolicy(saved.policy)} there, ${describePolicy(now.policy)} now${now.policy.fingerprint ? '' : ' (a policy without fingerprint() cannot be matched to saved predictions)'}`
        : `${k}: ${a[k] ?? '(not recorded)'} there, ${b[k] ?? '(not recorded)'} now`,
    )
    .join('; ');
}

function readIdentity(file: string): EvaluationIdentity | undefined {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as EvaluationIdentity;
    return saved.format === 1 && saved.policy && saved.benchmark && saved.generation ? saved : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Make `dir` hold predictions of `identity` only: keep what it holds when
 * the recorded identity matches; otherwise discard it (`existing` 'replace'
 * or 'fresh') or refuse with a ConfigError naming both identities.
 * Then record `identity` (atomically, before any prediction).
 */
export async function claimEvaluationFolder(
  dir: string,
  identity: EvaluationIdentity,
  existing: 'refuse' | 'replace' | 'fresh',
  log: (message: string) => void,
): Promise<void> {
  const file = join(dir, 'identity.json');
  const predictions = join(dir, 'predictions.jsonl');
  const saved = readIdentity(file);
  const holds = existsSync(predictions) && statSync(predictions).size > 0;
  const difference = saved ? identityDifference(saved, identity) : 'no identity.json (predictions of an earlier version, or of an unknown policy)';
  const discard = () => OWNED.forEach((name) => rmSync(join(dir, name), { force: true }));
  if (existing === 'fresh') {
    if (holds) log(`${dir}: discarding the predictions it held (fresh start)`);
    discard();
  } else if (holds && difference) {
    if (existing === 'refuse')
      throw new ConfigError(
        `${dir} holds predictions of another evaluation (${difference}); they are not mixed with these. ` +
          'Evaluate into another directory (ladder eval --out <dir>) or discard them (ladder eval --fresh)',
      );
    log(`${dir}: discarding predictions of another evaluation (${difference})`);
    discard();
  }
  await writeJsonAtomic(file, identity);
}
