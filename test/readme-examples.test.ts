import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import dns2 from 'dns2';
import { Kind, parse } from 'graphql';
import { createHarness, type Harness } from './helpers/harness';

/**
 * Runs the README's examples, so they cannot drift from what Clavis does.
 *
 * The convention (README.md, "Example operations", says it to readers too):
 * - every ```graphql block that holds operations is run, in the order of the README; blocks
 *   that hold only type definitions (SDL) are skipped;
 * - a ```json block right after a ```graphql block holds its variables;
 * - `<NAME>` anywhere in a block stands for a value an earlier block produced; a comment line
 *   `# keep <NAME> = path.to.value` in the producing block names the value (a dotted path into
 *   `data`, numbers index lists);
 * - a comment line `# fails with CODE` says the example shows a refusal: that code must come back;
 *   any other error fails the test.
 * verifyClientUri asks a DNS server on loopback that publishes what the README tells the reader to
 * publish: the TXT value kept as <TXT_RECORD> at the name kept as <RECORD_NAME>.
 */

interface Example {
  line: number;
  query: string;
  variables?: string;
}

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

function readmeExamples(markdown: string): Example[] {
  const fence = /^```(\S*)[^\n]*\n([\s\S]*?)^```[ \t]*$/gm;
  const blocks: { lang: string; body: string; start: number; end: number }[] = [];
  for (let match = fence.exec(markdown); match; match = fence.exec(markdown)) {
    blocks.push({ lang: match[1], body: match[2], start: match.index, end: match.index + match[0].length });
  }
  const examples: Example[] = [];
  blocks.forEach((block, i) => {
    if (block.lang !== 'graphql') return;
    const definitions = parse(block.body.replace(/<[A-Z_]+>/g, 'x')).definitions;
    const operations = definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION);
    if (operations.length === 0) return; // SDL, e.g. a subgraph extending Clavis's types
    if (operations.length !== definitions.length) throw new Error(`README block at line ${lineOf(markdown, block.start)} mixes operations and SDL`);
    const next = blocks[i + 1];
    const variables = next?.lang === 'json' && markdown.slice(block.end, next.start).trim() === '' ? next.body : undefined;
    examples.push({ line: lineOf(markdown, block.start), query: block.body, variables });
  });
  return examples;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function at(data: unknown, path: string): unknown {
  return path.split('.').reduce<any>((value, key) => (value == null ? undefined : value[key]), data);
}

const examples = readmeExamples(README);
const KEEP = /^\s*# keep <([A-Z_]+)> = ([\w.]+)[ \t]*$/gm;
const kept = new Map<string, string>();

function substitute(text: string): string {
  return text.replace(/<([A-Z_]+)>/g, (placeholder, name: string) => {
    const value = kept.get(name);
    if (value === undefined) throw new Error(`${placeholder} is used before a block keeps it`);
    return value;
  });
}

const { Packet } = dns2;
const dnsServer = dns2.createServer({
  udp: true,
  handle: (request, send) => {
    const [question] = request.questions;
    const response = Packet.createResponseFromRequest(request);
    if (question.type === Packet.TYPE.TXT && question.name.toLowerCase() === kept.get('RECORD_NAME')) {
      response.answers.push({ name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 60, data: kept.get('TXT_RECORD') } as never);
    } else {
      response.header.rcode = 3; // NXDOMAIN
    }
    void send(response);
  },
});

let h: Harness;

beforeAll(async () => {
  await dnsServer.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const dns = { servers: [`127.0.0.1:${(dnsServer.addresses().udp as { port: number }).port}`], timeoutMs: 2000 };
  h = await createHarness({ dns });
});
afterAll(async () => {
  await h?.close();
  await dnsServer.close();
});

describe('README examples', () => {
  it('the README has examples for every mutation of the schema', () => {
    const schema = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    const mutationType = /^type Mutation \{([\s\S]*?)^\}/m.exec(schema)![1];
    const mutations = [...mutationType.matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]);
    expect(mutations.length).toBeGreaterThan(10);
    const used = new Set(examples.flatMap((example) => [...example.query.matchAll(/^\s*(\w+)\s*\(\s*input:/gm)].map((m) => m[1])));
    expect(mutations.filter((name) => !used.has(name))).toEqual([]);
  });

  it.each(examples.map((example) => [example.line, example] as const))('the example at README.md line %i runs', async (_line, example) => {
    const variables = example.variables === undefined ? undefined : JSON.parse(substitute(example.variables));
    const result = await h.run(substitute(example.query.replace(KEEP, '')), variables);
    const expected = /^\s*# fails with ([A-Z_]+)\s*$/m.exec(example.query)?.[1];
    if (expected) {
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual([expected]);
      return;
    }
    expect(result.errors).toBeUndefined();
    for (const [, name, path] of example.query.matchAll(KEEP)) {
      const value = at(result.data, path);
      if (typeof value !== 'string' && typeof value !== 'number')
        throw new Error(`# keep <${name}> = ${path}: no value there in ${JSON.stringify(result.data)}`);
      kept.set(name, String(value));
    }
  });
});

describe('readmeExamples (the extraction itself)', () => {
  it('pairs a json block with the graphql block right before it, and skips SDL', () => {
    const markdown = [
      '```graphql',
      'query { a }',
      '```',
      '',
      '```json',
      '{ "x": 1 }',
      '```',
      'text',
      '```json',
      '{}',
      '```',
      '```graphql',
      'type A { id: ID! }',
      '```',
      '',
    ].join('\n');
    expect(readmeExamples(markdown)).toEqual([{ line: 1, query: 'query { a }\n', variables: '{ "x": 1 }\n' }]);
  });
});
