/**
 * serve-rewards: `ladder serve rewards`, the config's reward plugins over
 * HTTP (lib/reward-server), weighted as the config's `rewards` (or one
 * curriculum stage's own `rewards`). A trainer in another process (TRL
 * through plugins/engine-trl/runner/ladder_rewards.py, OpenRLHF) is then
 * rewarded by exactly the code the embedded trainer runs.
 *
 *   ladder serve rewards                               127.0.0.1, a free port, printed
 *   ladder serve rewards --port 8000 --token-file ~/.ladder-token --stage reasoning
 */
import { readFileSync } from 'node:fs';
import { definePlugin, resolveCurriculum, stageRewardWeights, UsageError, z, type CommandContext, type Ladder } from '../../core/index.ts';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT_MS, ENDPOINTS, isLoopback, startRewardServer } from '../../lib/reward-server/index.ts';

const PLUGIN_NAME = 'serve-rewards';
const COMMAND = 'ladder serve rewards';
const TOKEN_ENV = 'LADDER_REWARD_TOKEN';

const USAGE = '[--host 127.0.0.1] [--port 0] [--token <t> | --token-file <path>] [--stage <name>] [--max-body-bytes n] [--timeout-ms n] [--json]';
const HELP = `Options:
  --host <address>       address to listen on (default 127.0.0.1: this machine only); any other
                         address lets other machines call it and prints a warning
  --port <n>             port (default 0: a free one, printed)
  --token <t>            require "Authorization: Bearer <t>" on every request
  --token-file <path>    the same, the token read from a file (not visible in the process list);
                         default: $${TOKEN_ENV} when set, else no token
  --stage <name>         serve the weights of this curriculum stage (its rewards, else the config's)
                         instead of the config's \`rewards\`
  --max-body-bytes <n>   largest request body (default ${DEFAULT_MAX_BODY_BYTES})
  --timeout-ms <n>       time to receive and score one request (default ${DEFAULT_TIMEOUT_MS})
  --json                 print the address as one JSON line

Endpoints (protocol: lib/reward-server/README.md):
  POST /v1/rewards   {"completions": [...], "samples": [Sample, ...]} -> {"rewards": {id: [...]}, "total": [...]}
  GET  /v1/health    reward ids, weights, limits, requests served
  POST /get_reward   OpenRLHF's remote reward model (--reward.remote_url; before v0.10.2 --remote_rm_url)

Stops on Ctrl-C (SIGINT) or SIGTERM.`;

interface Args {
  host: string;
  port: number;
  token?: string;
  tokenFile?: string;
  stage?: string;
  maxBodyBytes: number;
  timeoutMs: number;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { host: '127.0.0.1', port: 0, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, timeoutMs: DEFAULT_TIMEOUT_MS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${COMMAND} ${arg}: expects a value`);
      return next;
    };
    const int = (min: number, max = Number.MAX_SAFE_INTEGER) => {
      const text = value();
      if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${COMMAND} ${arg} ${text}: expected an integer from ${min} to ${max}`);
      return Number(text);
    };
    if (arg === '--host') out.host = value();
    else if (arg === '--port') out.port = int(0, 65535);
    else if (arg === '--token') out.token = value();
    else if (arg === '--token-file') out.tokenFile = value();
    else if (arg === '--stage') out.stage = value();
    else if (arg === '--max-body-bytes') out.maxBodyBytes = int(1);
    else if (arg === '--timeout-ms') out.timeoutMs = int(1);
    else throw new UsageError(`${COMMAND}: unknown option ${arg}; usage: ${COMMAND} ${USAGE}`);
  }
  if (out.token !== undefined && out.tokenFile !== undefined) throw new UsageError(`${COMMAND}: give --token or --token-file, not both`);
  return out;
}

function readToken(args: Args): string | undefined {
  if (args.token !== undefined) {
    if (!args.token) throw new UsageError(`${COMMAND} --token: the token is empty`);
    return args.token;
  }
  if (args.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(args.tokenFile, 'utf8').trim();
    } catch (error) {
      throw new UsageError(`${COMMAND} --token-file ${args.tokenFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (!text) throw new UsageError(`${COMMAND} --token-file ${args.tokenFile}: the file is empty`);
    return text;
  }
  return process.env[TOKEN_ENV] || undefined;
}

/** Reward id -> weight: the config's `rewards`, or the named stage's. */
function servedWeights(ladder: Ladder, stage: string | undefined): Record<string, number> {
  if (stage === undefined) return ladder.config.rewards;
  const curriculum = resolveCurriculum(ladder);
  const entry = curriculum.find((e) => e.name === stage);
  if (!entry) throw new UsageError(`${COMMAND} --stage ${stage}: no such curriculum stage; stages: ${curriculum.map((e) => e.name).join(', ') || '(none)'}`);
  return stageRewardWeights(ladder, entry);
}

const bytes = (n: number) => (n % 2 ** 20 === 0 ? `${n / 2 ** 20} MiB` : `${n} bytes`);

/** Resolves with the signal's name on the first SIGINT or SIGTERM. */
const stopSignal = () =>
  new Promise<NodeJS.Signals>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

async function serveRewards(ladder: Ladder, argv: string[], { json, print }: CommandContext): Promise<number> {
  const args = parseArgs(argv);
  const token = readToken(args);
  const weights = servedWeights(ladder, args.stage);
  const rewards = Object.fromEntries(Object.keys(weights).map((id) => [id, ladder.get('rewards', id)]));
  const server = await startRewardServer({ rewards, weights, host: args.host, port: args.port, token, maxBodyBytes: args.maxBodyBytes, timeoutMs: args.timeoutMs }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') throw new UsageError(`${COMMAND} --port ${args.port}: already in use on ${args.host}; pick another, or --port 0 for a free one`);
      if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') throw new UsageError(`${COMMAND} --host ${args.host}: not an address of this machine (${error.code})`);
      if (error.code === 'EACCES') throw new UsageError(`${COMMAND} --port ${args.port}: not allowed for this user (EACCES); use a port above 1023`);
      throw error;
    },
  );
  const stopped = stopSignal();
  const weighted = Object.entries(weights).map(([id, w]) => `${w} x ${id}`).join(' + ');
  if (json) {
    const endpoints = Object.fromEntries(Object.entries(ENDPOINTS).map(([name, e]) => [name, `${e.method} ${server.url}${e.path}`]));
    print(JSON.stringify({ url: server.url, host: server.host, port: server.port, weights, token: token !== undefined, endpoints }));
  } else {
    const lines = [
      `reward server: ${server.url}${isLoopback(server.host) ? '' : ` (listening on ${server.host}:${server.port})`}`,
      `  total R = ${weighted}${args.stage ? ` (stage "${args.stage}")` : ''}`,
      ...Object.entries(ENDPOINTS).map(([name, e]) => `  ${e.method.padEnd(4)} ${server.url}${e.path}${name === 'openrlhf' ? "   (OpenRLHF's remote reward model)" : ''}`),
      `  token: ${token === undefined ? 'none' : 'required (Authorization: Bearer <token>, or ?token= in the URL)'}; limits per request: ${bytes(args.maxBodyBytes)}, ${args.timeoutMs / 1000} s`,
      '  Ctrl-C stops it',
    ];
    print(lines.join('\n'));
  }
  if (!isLoopback(server.host))
    process.stderr.write(
      `warning: listening on ${server.host}: other machines that reach this one can call the reward server${token === undefined ? ', and no token is required (--token-file)' : ''}\n`,
    );
  const signal = await stopped;
  await server.close();
  process.stderr.write(`reward server stopped (${signal}): ${server.served.requests} requests, ${server.served.completions} completions scored\n`);
  return 0;
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({}),
  apply(ladder) {
    ladder.hooks.commands.for('serve rewards').tap(PLUGIN_NAME, () => ({
      description: "serve the config's reward plugins over HTTP (JSON protocol and OpenRLHF's), for trainers in other processes",
      usage: USAGE,
      help: HELP,
      json: true,
      run: (args, ctx) => serveRewards(ladder, args, ctx),
    }));
  },
});
