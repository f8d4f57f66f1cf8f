/**
 * Parallel generation across scenes with worker threads. Each worker builds
 * the same plugin set as the main thread (from `ladder.origin`), checks it
 * arrives at the same dataset hash, then processes the scenes it is handed
 * one at a time. Scene results go to disk (`scenes/<scene>.json`), so the
 * output is the same whatever the number of workers.
 * Workers start through core's `moduleWorker` (TypeScript sources or
 * compiled JavaScript alike).
 */
import type { Worker } from 'node:worker_threads';
import type { Ladder, LadderOrigin } from '../../core/index.ts';
import { LadderError, moduleWorker } from '../../core/index.ts';

/** True when a value is plain data a worker can rebuild from (no functions or class instances). */
export function isPlainData(value: unknown): boolean {
  if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    return (proto === Object.prototype || proto === null) && Object.values(value as object).every(isPlainData);
  }
  return false;
}

/** Why this ladder cannot be rebuilt in a worker, or undefined when it can. */
export function workerObstacle(ladder: Ladder): string | undefined {
  const origin = ladder.origin;
  if (!origin) return 'the ladder was not made by createLadder';
  if (isPlainData(origin.config) || origin.file) return undefined;
  return 'the config holds inline plugin objects and comes from no file';
}

/** What a worker needs: how to rebuild the ladder and which build it serves. */
export interface WorkerSetup {
  origin: Pick<LadderOrigin, 'baseDir' | 'where' | 'file' | 'defaults' | 'overrides'> & { config?: LadderOrigin['config'] };
  data: Record<string, unknown>;
  seed: number;
  cacheDir: string;
  hash: string;
  partial: string;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; scene: string }
  | { type: 'error'; scene?: string; message: string }
  | { type: 'log'; message: string };

/**
 * Process `scenes` on `count` workers; `onDone` is called per finished scene.
 * The first error stops every worker and rejects, naming the scene.
 */
export async function runInWorkers(
  setup: WorkerSetup,
  scenes: string[],
  count: number,
  events: { onDone(scene: string): void; log(message: string): void },
): Promise<void> {
  const queue = [...scenes];
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      let failed = false;
      const fail = (error: Error) => {
        if (!failed) reject(error);
        failed = true;
      };
      const start = () => {
        const worker = moduleWorker(import.meta.url, 'worker', { workerData: { setup } });
        workers.push(worker);
        let busy: string | undefined;
        let idle = false;
        const next = () => {
          busy = queue.shift();
          if (busy !== undefined) return worker.postMessage({ type: 'scene', scene: busy });
          idle = true;
          if (++finished === count && !failed) resolve();
        };
        worker.on('message', (message: WorkerMessage) => {
          if (message.type === 'ready') next();
          else if (message.type === 'done') {
            events.onDone(message.scene);
            next();
          } else if (message.type === 'log') events.log(message.message);
          else fail(new LadderError(message.scene ? `scene ${message.scene}: ${message.message}` : `dataset worker: ${message.message}`));
        });
        worker.on('error', (error) => fail(new LadderError(`dataset worker failed${busy ? ` on scene ${busy}` : ''}: ${error.message}`, { cause: error })));
        worker.on('exit', (code) => {
          if (!idle) fail(new LadderError(`dataset worker exited (code ${code})${busy ? ` while on scene ${busy}` : ' before it was ready'}`));
        });
      };
      for (let i = 0; i < count; i++) start();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
