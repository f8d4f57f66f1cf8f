/**
 * Data parallelism for tiny-vlm: a pool of replicas (replica.ts), either
 * `workers` worker threads or, with one worker, the main thread itself.
 * Pools are shared by every policy of the process with the same settings
 * (the trained policy and its frozen reference use the same threads).
 * Worker threads are unreferenced while idle, so they never keep a finished
 * process alive.
 */
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../../core/index.ts';
import { Replica, type KernelChoice } from './replica.ts';

type Method = 'register' | 'drop' | 'forward' | 'backward' | 'generate' | 'sumSlots' | 'pass';

export interface Pool {
  readonly size: number;
  /** Whether policies must keep parameters and gradients in shared memory. */
  readonly threaded: boolean;
  call<T>(replica: number, method: Method, args: unknown[], transfer?: ArrayBuffer[]): Promise<T>;
  /** Run `method` on every replica with the same arguments. */
  all(method: Method, args: unknown[]): Promise<void>;
  /** Run `method(...args, from, to)` on every replica, each over its own contiguous range of [0, length). */
  forRanges(method: Method, args: unknown[], length: number): Promise<void>;
}

/** [from, to) of each of `parts` contiguous ranges of [0, length), cut at multiples of 16 floats (no cache line written by two threads). */
export function ranges(length: number, parts: number): [number, number][] {
  const cut = (w: number) => Math.min(length, Math.ceil((length * w) / parts / 16) * 16);
  return Array.from({ length: parts }, (_, w) => [cut(w), cut(w + 1)]);
}

class InlinePool implements Pool {
  readonly size = 1;
  readonly threaded = false;
  private readonly replica: Replica;

  constructor(kernels: KernelChoice) {
    this.replica = new Replica(kernels, false);
  }

  async call<T>(_replica: number, method: Method, args: unknown[]): Promise<T> {
    return (this.replica[method] as (...a: unknown[]) => T)(...args);
  }

  async all(method: Method, args: unknown[]): Promise<void> {
    await this.call(0, method, args);
  }

  async forRanges(method: Method, args: unknown[], length: number): Promise<void> {
    await this.call(0, method, [...args, 0, length]);
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

class ThreadPool implements Pool {
  readonly threaded = true;
  private readonly workers: Worker[];
  private readonly pending: Map<number, Pending>[];
  private next = 0;

  constructor(
    readonly size: number,
    kernels: KernelChoice,
  ) {
    this.pending = Array.from({ length: size }, () => new Map());
    this.workers = Array.from({ length: size }, (_, w) => {
      const worker = moduleWorker(import.meta.url, 'worker', { workerData: { kernels } });
      worker.unref();
      worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: string }) => {
        const p = this.pending[w]!.get(id);
        if (!p) return;
        this.pending[w]!.delete(id);
        if (!this.pending[w]!.size) worker.unref();
        if (error !== undefined) p.reject(new Error(error));
        else p.resolve(result);
      });
      const fail = (error: Error) => {
        for (const p of this.pending[w]!.values()) p.reject(error);
        this.pending[w]!.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`tiny-vlm worker ${w} exited with code ${code}`)));
      return worker;
    });
  }

  call<T>(replica: number, method: Method, args: unknown[], transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.next++;
    const worker = this.workers[replica]!;
    return new Promise<T>((resolve, reject) => {
      this.pending[replica]!.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, method, args }, transfer);
    });
  }

  async all(method: Method, args: unknown[]): Promise<void> {
    await Promise.all(this.workers.map((_, w) => this.call(w, method, args)));
  }

  async forRanges(method: Method, args: unknown[], length: number): Promise<void> {
    await Promise.all(ranges(length, this.size).map(([from, to], w) => this.call(w, method, [...args, from, to])));
  }
}

const pools = new Map<string, Pool>();

export function getPool(workers: number, kernels: KernelChoice): Pool {
  const key = `${workers}/${kernels}`;
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = workers > 1 ? new ThreadPool(workers, kernels) : new InlinePool(kernels)));
  return pool;
}
