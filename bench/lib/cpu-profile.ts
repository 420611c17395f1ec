import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives, first match wins; frames without a URL (native) inherit their caller's. */
const CATEGORIES: readonly [RegExp, string][] = [
  [/node_modules\/node-forge\//, 'ASN.1/DER via node-forge'],
  [/dist\/src\/crypto\//, 'X.509/CSR build & parse (src/crypto)'],
  [/node_modules\/typeorm\//, 'TypeORM'],
  [/node_modules\/(pg|pg-protocol|pg-pool|pg-types|pgpass|postgres-[a-z]+)\//, 'PostgreSQL driver (pg)'],
  // PGlite's PostgreSQL runs in its own worker thread (not in this profile); what is left on the main
  // thread is the message passing in src/database.
  [/node_modules\/@electric-sql\/pglite|dist\/src\/database\/|^wasm:/, 'PGlite client (main thread side)'],
  [
    /node_modules\/(class-validator|class-transformer|validator)\//,
    'validation (class-validator/transformer)',
  ],
  [
    /node_modules\/(jsonwebtoken|jws|jwa|@nestjs\/jwt|ecdsa-sig-formatter)\/|dist\/src\/auth\//,
    'auth (JWT, guard)',
  ],
  [
    /node_modules\/(pino|pino-http|nestjs-pino|sonic-boom|fast-redact|pino-std-serializers)\//,
    'logging (pino)',
  ],
  [/node_modules\/(prom-client|@willsoto)\/|dist\/src\/system\//, 'metrics (prom-client)'],
  [
    /node_modules\/(express|body-parser|raw-body|router|finalhandler|helmet|path-to-regexp|qs|iconv-lite|on-finished|send|type-is|content-type|accepts|negotiator|mime-types|cookie|depd|statuses|http-errors|media-typer|etag|fresh|cors|vary|parseurl|encodeurl)\//,
    'HTTP framework (express, body-parser, helmet)',
  ],
  [/node_modules\/@nestjs\//, 'NestJS core (router, pipes, guards, interceptors)'],
  [/node_modules\/(rxjs|tslib|reflect-metadata)\//, 'rxjs/reflect-metadata'],
  [/dist\/src\//, 'app services (src/, other)'],
  [/^node:internal\/crypto|^node:crypto/, 'Node crypto wrappers (JS side)'],
  [
    /^node:(internal\/)?(http|_http|net|stream|streams|dns|tls|timers|async_hooks|events)/,
    'Node http/net/streams/timers',
  ],
  [/^node:/, 'Node core (other)'],
];

const SPECIAL = new Map([
  ['(garbage collector)', 'GC (main thread)'],
  ['(program)', 'V8/native, unattributed'],
  ['(idle)', 'idle'],
  ['(root)', 'idle'],
]);

function categoryOf(frame: CallFrame): string | null {
  const special = SPECIAL.get(frame.functionName);
  if (special) return special;
  if (!frame.url) {
    if (['stringify', 'parse'].includes(frame.functionName)) return 'JSON stringify/parse';
    return null;
  }
  for (const [pattern, name] of CATEGORIES) if (pattern.test(frame.url)) return name;
  return 'other';
}

export interface ProfileSummary {
  /** Main-thread busy time inside the window, ms. */
  busyMs: number;
  windowMs: number;
  categories: { name: string; selfMs: number }[];
  functions: { name: string; category: string; selfMs: number }[];
}

/**
 * Self time per category and per function, main thread only (V8's sampler does not see the libuv pool
 * where Node signs), restricted to [fromUs, toUs] on the profile's clock (CLOCK_MONOTONIC, µs).
 */
export function summariseProfile(file: string, fromUs: number, toUs: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const categoryCache = new Map<number, string>();
  const category = (id: number): string => {
    const cached = categoryCache.get(id);
    if (cached) return cached;
    const node = byId.get(id);
    let name = node ? categoryOf(node.callFrame) : 'other';
    if (name === null) {
      const up = parent.get(id);
      name = up === undefined ? 'other' : category(up);
    }
    categoryCache.set(id, name);
    return name;
  };

  const selfByNode = new Map<number, number>();
  let time = profile.startTime;
  for (let index = 0; index < profile.samples.length; index += 1) {
    time += profile.timeDeltas[index] ?? 0;
    const duration = profile.timeDeltas[index + 1] ?? 0;
    if (time < fromUs || time > toUs) continue;
    const id = profile.samples[index];
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + duration);
  }

  const categories = new Map<string, number>();
  const functions = new Map<string, { category: string; selfUs: number }>();
  for (const [id, us] of selfByNode) {
    const name = category(id);
    categories.set(name, (categories.get(name) ?? 0) + us);
    const node = byId.get(id);
    if (!node || name === 'idle') continue;
    const frame = node.callFrame;
    const where = frame.url
      ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}`
      : 'native';
    const key = `${frame.functionName || '(anonymous)'} ${where}`;
    const entry = functions.get(key) ?? { category: name, selfUs: 0 };
    entry.selfUs += us;
    functions.set(key, entry);
  }
  const busyUs = [...categories].filter(([name]) => name !== 'idle').reduce((sum, [, us]) => sum + us, 0);
  return {
    busyMs: busyUs / 1000,
    windowMs: (Math.min(toUs, profile.endTime) - Math.max(fromUs, profile.startTime)) / 1000,
    categories: [...categories]
      .filter(([name]) => name !== 'idle')
      .map(([name, us]) => ({ name, selfMs: us / 1000 }))
      .sort((a, b) => b.selfMs - a.selfMs),
    functions: [...functions]
      .map(([name, entry]) => ({ name, category: entry.category, selfMs: entry.selfUs / 1000 }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}
