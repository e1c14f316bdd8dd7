import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { SCOPES } from '../src/auth/scopes';
import { createTokenVerifier } from '../src/auth/tokens';
import { developmentSecret } from '../src/common/dev-secrets';
import { tokenCommand, USAGE } from '../scripts/token';
import { buildApp, removeBuild, ROOT } from './helpers/process';

/**
 * The two command-line tools: `npm run token` and `npm run typeorm` (through ormconfig.ts),
 * run as processes from a fresh build, with an explicit environment.
 */

let buildDir: string;
let dataDir: string;

/** Compiles a file outside src/ next to the build, with the transform the suite uses (jest.config.js). */
async function compile(file: string): Promise<string> {
  const swc = await import('@swc/core');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.config.js is CommonJS, without types
  const options = require('../jest.config.js').transform['^.+\\.ts$'][1];
  const { code } = await swc.transformFile(join(ROOT, file), { ...options, filename: file, swcrc: false, configFile: false, sourceMaps: false });
  const target = join(buildDir, file.replace(/\.ts$/, '.js'));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, code);
  return target;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = promisify(execFile)(process.execPath, args, {
    cwd: buildDir,
    env: { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules'), ...env },
  });
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  buildDir = await buildApp();
  await compile('scripts/token.ts');
  await compile('ormconfig.ts');
  dataDir = mkdtempSync(join(tmpdir(), 'clavis-cli-'));
}, 60_000);
afterAll(() => {
  removeBuild(buildDir);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run token', () => {
  const token = (...args: string[]) => node([join(buildDir, 'scripts/token.js'), ...args], { DATA_DIR: dataDir });

  it('--help prints the usage with every default and scope, exit code 0', async () => {
    const run = await token('--help');
    expect(run).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    expect(USAGE).toMatch(/--org ORG .*default: dev/);
    expect(USAGE).toMatch(/--sub SUBJECT .*default: developer/);
    expect(USAGE).toMatch(/--expires DURATION .*default: 1h/);
    for (const scope of SCOPES) expect(USAGE).toContain(scope);
    expect((await token('-h')).stdout).toBe(USAGE);
  });

  it('without arguments: a token for org dev, sub developer, every scope, valid for an hour', async () => {
    const run = await token();
    expect(run.code).toBe(0);
    const claims = decodeJwt(run.stdout.trim());
    expect(claims).toMatchObject({ sub: 'developer', org: 'dev', scope: SCOPES.join(' ') });
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  it('the token verifies against the development secret it was signed with', async () => {
    const run = await token('--org', 'acme', '--sub', 'alice', '--scope', 'applications:read audit:read', '--expires', '2h');
    const caller = await createTokenVerifier({ jwtSecret: developmentSecret(dataDir, 'dev-jwt-secret') })(`Bearer ${run.stdout.trim()}`);
    expect(caller).toMatchObject({ subject: 'alice', organizationId: 'acme' });
    expect([...caller!.scopes]).toEqual(['applications:read', 'audit:read']);
  });

  it('a misspelt scope is refused in one line naming it, exit code 1, no token', async () => {
    const run = await token('--scope', 'applications:read aplications:write');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^token: unknown scope "aplications:write" \(known: applications:read .*audit:read registration:manage\)\n$/);
  });

  it.each([
    [['--organisation', 'acme'], /^token: Unknown option '--organisation' \(see --help\)\n$/],
    [['acme'], /^token: Unexpected argument 'acme' \(see --help\)\n$/],
    [['--scope'], /^token: Option '--scope <value>' argument missing \(see --help\)\n$/],
    [['--expires', 'soon'], /^token: --expires "soon" is not a duration such as 30m, 2h or 7d\n$/],
  ])('%j is refused in one line, exit code 1', async (args, message) => {
    const run = await token(...args);
    expect(run).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(message) });
  });

  it('with AUTH_JWKS_URL set it refuses: such tokens come from the identity provider', async () => {
    const outcome = await tokenCommand([], { AUTH_JWKS_URL: 'https://idp.example.com/jwks.json', DATA_DIR: dataDir });
    expect(outcome).toEqual({ code: 1, stdout: '', stderr: 'token: with AUTH_JWKS_URL set, tokens come from your identity provider\n' });
  });
});

describe('npm run typeorm (ormconfig.ts)', () => {
  const typeorm = (env: Record<string, string>) =>
    node([join(ROOT, 'node_modules/typeorm/cli.js'), '-d', join(buildDir, 'ormconfig.js'), 'migration:show'], env);

  it('without DATABASE_URL it refuses in one line, exit code 1, and touches no database', async () => {
    const run = await typeorm({});
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'typeorm: DATABASE_URL is not set; name the database to work on, ' +
        'e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/clavis npm run typeorm -- migration:show\n',
    );
  });

  it('with DATABASE_URL it shows the migrations of that database', async () => {
    const run = await typeorm({ DATABASE_URL: process.env.DATABASE_URL! });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\[[ X]\] ApplicationsAndClients\d+$/m);
  });
});
