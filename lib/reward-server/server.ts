/**
 * The reward server: the configured reward functions behind a small HTTP
 * API (README.md has the protocol). One process scores every request with
 * exactly the functions the embedded trainer calls, so a remote trainer is
 * rewarded by the same code, bit for bit.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Reward } from '../../core/index.ts';
import { totalReward } from '../scoring/index.ts';
import { openRLHFBatch, RequestError, rewardsBatch, type RewardBatch } from './protocol.ts';

export interface RewardServerOptions {
  /** Reward id -> reward function (the `rewards` registry's entries). */
  rewards: Record<string, Reward>;
  /** Reward id -> weight of the total; the same ids as `rewards`. */
  weights: Record<string, number>;
  /** Address to listen on (default 127.0.0.1: this machine only). */
  host?: string;
  /** Port (default 0: one the system picks; read it from `url`). */
  port?: number;
  /** When set, every request must carry `Authorization: Bearer <token>` (or `?token=`). */
  token?: string;
  /** Largest request body accepted (default 32 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** Time to receive and score one request (default 60 s); 408 while the body arrives, 504 once scoring. */
  timeoutMs?: number;
}

export interface RewardServer {
  /** Base URL a client on this machine reaches the server at (e.g. http://127.0.0.1:40123). */
  url: string;
  /** The address and port it listens on. */
  host: string;
  port: number;
  token?: string;
  /** Requests and completions scored so far (also in GET /v1/health). */
  served: { requests: number; completions: number };
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 60_000;

/** The endpoints, by method and path. */
export const ENDPOINTS = {
  rewards: { method: 'POST', path: '/v1/rewards' },
  health: { method: 'GET', path: '/v1/health' },
  openrlhf: { method: 'POST', path: '/get_reward' },
} as const;
type Endpoint = keyof typeof ENDPOINTS;
const BY_PATH = new Map<string, Endpoint>(Object.entries(ENDPOINTS).map(([name, e]) => [e.path, name as Endpoint]));
const LISTING = Object.values(ENDPOINTS).map((e) => `${e.method} ${e.path}`).join(', ');

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new RequestError(413, `the body is ${declared} bytes; this server accepts at most ${limit} (--max-body-bytes)`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new RequestError(413, `the body exceeds ${limit} bytes, the most this server accepts (--max-body-bytes)`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Start a reward server; resolves once it listens. */
export async function startRewardServer(options: RewardServerOptions): Promise<RewardServer> {
  const { rewards, weights, host = '127.0.0.1', port = 0, token, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  const ids = Object.keys(rewards);
  if (!ids.length) throw new Error('reward server: no rewards to serve');
  const unweighted = ids.filter((id) => !(id in weights));
  const unknown = Object.keys(weights).filter((id) => !(id in rewards));
  if (unweighted.length || unknown.length)
    throw new Error(`reward server: rewards and weights must name the same ids (${[...unweighted.map((id) => `"${id}" has no weight`), ...unknown.map((id) => `weight "${id}" has no reward`)].join('; ')})`);
  for (const id of ids) if (!Number.isFinite(weights[id])) throw new Error(`reward server: weight of "${id}" is ${weights[id]}, not a finite number`);
  if (token !== undefined && !token) throw new Error('reward server: the token is empty');
  const named = (id: string): Reward => async (completions, samples) => {
    try {
      return await rewards[id]!(completions, samples);
    } catch (error) {
      throw new Error(`reward "${id}" failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const entries = Object.fromEntries(ids.map((id) => [id, { reward: named(id), weight: weights[id]! }]));
  const expected = token === undefined ? undefined : digest(token);
  const served = { requests: 0, completions: 0 };

  const authorized = (req: IncomingMessage, query: URLSearchParams): boolean => {
    if (!expected) return true;
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : query.get('token');
    return given !== null && given !== undefined && timingSafeEqual(digest(given), expected);
  };

  const score = async ({ completions, samples }: RewardBatch) => {
    const { total, parts } = await totalReward(completions, samples, entries);
    for (const [id, values] of Object.entries(parts)) {
      const bad = values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
      if (bad >= 0) throw new Error(`reward "${id}" returned ${values[bad]} for completion ${bad} (sample ${samples[bad]!.id}); rewards must be finite numbers`);
    }
    served.requests++;
    served.completions += completions.length;
    return { total, parts };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://reward-server');
    const name = BY_PATH.get(url.pathname);
    if (!name) return send(res, 404, { error: { message: `no endpoint ${url.pathname}; this server has ${LISTING}` } });
    const endpoint = ENDPOINTS[name];
    if (req.method !== endpoint.method)
      return send(res, 405, { error: { message: `${url.pathname} takes ${endpoint.method}, not ${req.method}` } }, { allow: endpoint.method });
    if (!authorized(req, url.searchParams))
      return send(res, 401, { error: { message: 'missing or wrong token: send `Authorization: Bearer <token>` (the token the server was started with)' } }, { 'www-authenticate': 'Bearer' });
    if (name === 'health') return send(res, 200, { status: 'ok', rewards: ids, weights, maxBodyBytes, timeoutMs, served });

    const started = performance.now();
    let phase: 'receiving' | 'scoring' = 'receiving';
    let timer: NodeJS.Timeout | undefined;
    const late = () =>
      phase === 'receiving'
        ? new RequestError(408, `the body did not arrive within ${timeoutMs} ms (--timeout-ms)`)
        : new RequestError(504, `scoring took longer than ${timeoutMs} ms, this server's limit per request (--timeout-ms)`);
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), timeoutMs)));
    const work = async () => {
      const raw = await readBody(req, maxBodyBytes);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        throw new RequestError(400, `the body is not JSON (${(error as Error).message})`, '(body)');
      }
      const batch = name === 'rewards' ? rewardsBatch(body) : openRLHFBatch(body);
      phase = 'scoring';
      const result = await score(batch);
      if (performance.now() - started > timeoutMs) throw late(); // a synchronous reward cannot be interrupted: checked when it returns
      return result;
    };
    const working = work();
    working.catch(() => undefined); // past the deadline its failure (a body cut off) has no one to answer
    try {
      const { total, parts } = await Promise.race([working, deadline]);
      if (name === 'rewards') send(res, 200, { rewards: parts, total });
      else send(res, 200, { rewards: total, scores: total, extra_logs: Object.fromEntries(Object.entries(parts).map(([id, v]) => [`reward_${id}`, v])) });
    } catch (error) {
      if (error instanceof RequestError) {
        const close = error.status === 413 || error.status === 408 ? { connection: 'close' } : undefined;
        send(res, error.status, { error: { message: error.message, ...(error.field ? { field: error.field } : {}) } }, close);
      } else send(res, 500, { error: { message: (error as Error).message } });
    } finally {
      clearTimeout(timer);
    }
  };

  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    handle(req, res).catch((error: Error) => send(res, 500, { error: { message: error.message } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const reachable = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return {
    url: `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${address.port}`,
    host: address.address,
    port: address.port,
    token,
    served,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
