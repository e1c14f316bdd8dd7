/**
 * Summarises a V8 .cpuprofile (from `--cpu-prof` or the profiler hook): self time by function
 * and by package/area, and inclusive time ("on the stack") by package/area, as markdown.
 *
 *   node dist/scripts/bench/profile-summary.js file.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
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

export interface Entry {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  /** Wall time covered by the samples, ms. */
  totalMs: number;
  /** Time the thread was busy (everything but `(idle)`), ms. */
  busyMs: number;
  selfByFunction: Entry[];
  selfByArea: Entry[];
  inclusiveByArea: Entry[];
  selfByLayer: Entry[];
  /** Functions of packages and of Clavis (not node core, not builtins) by time on the stack. */
  inclusiveByFunction: Entry[];
}

const SPECIAL = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** `…/node_modules/@scope/pkg/…` → `@scope/pkg`; Clavis's own files → `clavis src/<folder>`; node core → `node:<module>`. */
export function areaOf(frame: CallFrame): string {
  if (SPECIAL.has(frame.functionName) && !frame.url) return frame.functionName;
  const url = frame.url;
  if (!url) return '(V8 builtins / native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    return parts[0] === 'internal' ? `node:${parts[1]?.replace(/\.js$/, '') ?? 'internal'}` : `node:${parts[0]}`;
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) {
    const parts = url.slice(dist + '/dist/'.length).split('/');
    if (parts[0] === 'src') return `clavis src/${parts.length > 2 ? parts[1] : parts[1].replace(/\.js$/, '')}`;
    return `clavis ${parts.slice(0, -1).join('/') || parts[0]}`;
  }
  return url.replace(/^file:\/\//, '');
}

const LAYER_OF_PACKAGE: [RegExp, string][] = [
  [
    new RegExp(
      '^(express|router|body-parser|raw-body|@as-integrations\\/.*|on-finished|finalhandler|content-type|type-is|qs|iconv-lite|depd|statuses|media-typer|' +
        'mime-types|mime-db|parseurl|http-errors|send|encodeurl|escape-html|vary|cookie|fresh|range-parser|accepts|negotiator|content-disposition|' +
        'forwarded|proxy-addr|safe-buffer|setprototypeof|toidentifier|unpipe|ee-first|merge-descriptors)$',
    ),
    'Express, body-parser, HTTP middleware',
  ],
  [/^@apollo\//, 'Apollo Server'],
  [
    new RegExp(
      '^(graphql|type-graphql|class-validator|validator|libphonenumber-js|graphql-scalars|@graphql-tools\\/.*|graphql-query-complexity|' +
        '@escape\\.tech\\/.*|graphql-armor.*|@apollo\\/subgraph)$',
    ),
    'GraphQL (graphql-js, type-graphql, validation, limits)',
  ],
  [
    new RegExp(
      '^(typeorm|pg|pg-protocol|pg-pool|pg-types|pg-connection-string|postgres-array|postgres-date|postgres-bytea|postgres-interval|pgpass|dataloader|' +
        'reflect-metadata)$',
    ),
    'database access (TypeORM, pg, DataLoader)',
  ],
  [/^(jose)$/, 'auth (jose)'],
  [
    new RegExp(
      '^(pino|@pinojs\\/.*|sonic-boom|thread-stream|prom-client|fast-redact|on-exit-leak-free|quick-format-unescaped|atomic-sleep|safe-stable-stringify|' +
        'real-require)$',
    ),
    'logging and metrics',
  ],
  [/^(postgraphile|postgraphile-core|graphile-build|graphile-build-pg|graphile-utils|pg-sql2|graphql-parse-resolve-info|@graphile\/.*)$/, 'PostGraphile'],
  [/^(rate-limiter-flexible|ioredis)$/, 'rate limiting'],
];

/** A coarser grouping than areas: the layers a request passes through. */
export function layerOf(frame: CallFrame): string {
  const area = areaOf(frame);
  if (area === '(garbage collector)') return 'garbage collector';
  if (area === '(program)') return 'V8 (program: compiler, runtime)';
  if (area === '(V8 builtins / native)') {
    const fn = frame.functionName;
    if (/^(writev|writeBuffer|writeString|writeUtf8String|writeLatin1String|writeAsciiString|writeUcs2String|readStart|readStop|shutdown|close)$/.test(fn))
      return 'socket and file writes (syscalls)';
    if (/^(Hash|Hmac|digest|update|Sign|Verify|randomBytes|timingSafeEqual|pbkdf2|scrypt)$/.test(fn)) return 'crypto (native)';
    if (fn === 'runMicrotasks') return 'promise machinery (microtasks)';
    return 'V8 builtins (JSON, strings, Buffer…)';
  }
  if (area.startsWith('node:')) {
    return /^node:(_http|net|stream|streams|stream_base_commons|buffer|events|_http_common)/.test(area) ? 'node HTTP, streams, events' : 'node core, other';
  }
  if (area === 'clavis src/observability') return 'logging and metrics';
  if (area.startsWith('clavis src/')) return 'Clavis code';
  if (area.startsWith('clavis scripts/bench')) return 'limit server code';
  for (const [pattern, layer] of LAYER_OF_PACKAGE) if (pattern.test(area)) return layer;
  return 'other packages';
}

function shortUrl(url: string): string {
  if (!url) return '';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function functionKey(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

function top(map: Map<string, number>, total: number, limit: number): Entry[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / total }));
}

export function summarize(profile: CpuProfile, limit = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Sample i lasts until sample i+1 (timeDeltas[i+1]); the last one gets the mean interval.
  const { samples, timeDeltas } = profile;
  const mean = samples.length > 1 ? (profile.endTime - profile.startTime) / samples.length : 0;
  const selfUs = new Map<number, number>();
  for (let i = 0; i < samples.length; i++) {
    const duration = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : mean;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + duration);
  }

  let totalUs = 0;
  let idleUs = 0;
  const selfByFunction = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  const selfByLayer = new Map<string, number>();
  const inclusiveByArea = new Map<string, number>();
  const inclusiveByFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const fn = functionKey(node.callFrame);
    selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + us);
    const area = areaOf(node.callFrame);
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + us);
    const layer = layerOf(node.callFrame);
    selfByLayer.set(layer, (selfByLayer.get(layer) ?? 0) + us);
    // Inclusive: each area and function on this sample's stack once.
    const seenAreas = new Set<string>();
    const seenFunctions = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.functionName === '(root)') continue;
      const frameArea = areaOf(frame);
      seenAreas.add(frameArea);
      if (!frameArea.startsWith('node:') && !frameArea.startsWith('(')) seenFunctions.add(functionKey(frame));
    }
    for (const a of seenAreas) inclusiveByArea.set(a, (inclusiveByArea.get(a) ?? 0) + us);
    for (const f of seenFunctions) inclusiveByFunction.set(f, (inclusiveByFunction.get(f) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    selfByFunction: top(selfByFunction, busyUs, limit),
    selfByArea: top(selfByArea, busyUs, Infinity),
    inclusiveByArea: top(inclusiveByArea, busyUs, Infinity),
    selfByLayer: top(selfByLayer, busyUs, Infinity),
    inclusiveByFunction: top(inclusiveByFunction, busyUs, limit),
  };
}

export function summaryMarkdown(title: string, summary: ProfileSummary, options: { functions?: number; areas?: number; inclusive?: number } = {}): string {
  const f = options.functions ?? 20;
  const a = options.areas ?? 15;
  const inc = options.inclusive ?? 0;
  const pct = (n: number) => `${n.toFixed(1)}%`;
  const lines = [
    `#### ${title}`,
    '',
    `${(summary.totalMs / 1000).toFixed(1)} s sampled, main thread busy ${pct((100 * summary.busyMs) / summary.totalMs)} of it; ` +
      'percentages below are of busy time.',
    '',
    `| layer | self |`,
    '| --- | ---: |',
    ...summary.selfByLayer.map((e) => `| ${e.name} | ${pct(e.percent)} |`),
    '',
    '| area (package / folder) | self | on stack |',
    '| --- | ---: | ---: |',
  ];
  const self = new Map(summary.selfByArea.map((e) => [e.name, e.percent]));
  const inclusive = new Map(summary.inclusiveByArea.map((e) => [e.name, e.percent]));
  // The areas with the most self time, and those that are most often on the stack.
  const areas = new Set([...summary.selfByArea.slice(0, a), ...summary.inclusiveByArea.slice(0, a)].map((e) => e.name));
  for (const name of [...areas].sort((x, y) => (self.get(y) ?? 0) - (self.get(x) ?? 0))) {
    lines.push(`| ${name} | ${pct(self.get(name) ?? 0)} | ${pct(inclusive.get(name) ?? 0)} |`);
  }
  lines.push('', '| function (self time) | self |', '| --- | ---: |');
  for (const entry of summary.selfByFunction.slice(0, f)) lines.push(`| \`${entry.name.replace(/\|/g, '\\|')}\` | ${pct(entry.percent)} |`);
  if (inc > 0) {
    lines.push('', '| function (on stack; packages and Clavis only) | on stack |', '| --- | ---: |');
    for (const entry of summary.inclusiveByFunction.slice(0, inc)) lines.push(`| \`${entry.name.replace(/\|/g, '\\|')}\` | ${pct(entry.percent)} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf('--top');
  const limit = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
  const files = args.filter((arg, i) => !arg.startsWith('--') && (topIndex < 0 || i !== topIndex + 1));
  if (files.length === 0) {
    process.stderr.write('usage: profile-summary FILE.cpuprofile… [--top N]\n');
    process.exit(2);
  }
  for (const file of files) {
    const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Math.max(limit, 40));
    process.stdout.write(`${summaryMarkdown(file, summary, { functions: limit, areas: limit, inclusive: limit })}\n`);
  }
}
