/** A tiny-vlm worker thread: one replica answering the pool's calls in order (an asynchronous call finishes before the next starts). */
import { parentPort, workerData } from 'node:worker_threads';
import { Replica, type KernelChoice } from './replica.ts';

const replica = new Replica((workerData as { kernels: KernelChoice }).kernels, true);
let queue = Promise.resolve();

parentPort!.on('message', ({ id, method, args }: { id: number; method: keyof Replica; args: unknown[] }) => {
  queue = queue.then(async () => {
    try {
      const result = await (replica[method] as (...a: unknown[]) => unknown)(...args);
      const transfer = result instanceof Float32Array ? [result.buffer as ArrayBuffer] : [];
      parentPort!.postMessage({ id, result }, transfer);
    } catch (error) {
      parentPort!.postMessage({ id, error: (error as Error).stack ?? String(error) });
    }
  });
});
