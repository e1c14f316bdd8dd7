// Before any module: config.ts reaches decorated classes (query limits → pagination types).
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { SCOPES } from '../src/auth/scopes';
import { signToken } from '../src/auth/tokens';
import { developmentSecret } from '../src/common/dev-secrets';
import { loadConfig } from '../src/config';

const DEFAULTS = { org: 'dev', sub: 'developer', scope: SCOPES.join(' '), expires: '1h' };

export const USAGE = `Usage: npm run token --silent -- [--org ORG] [--sub SUBJECT] [--scope "SCOPE ..."] [--expires DURATION]

Prints an HS256 token for a Clavis server, signed with AUTH_JWT_SECRET or, when that is unset,
the development secret under DATA_DIR (default .data), with AUTH_ISSUER / AUTH_AUDIENCE when set.

  --org ORG          the org claim: the organization (tenant)           default: ${DEFAULTS.org}
  --sub SUBJECT      the sub claim: who is calling                      default: ${DEFAULTS.sub}
  --scope "A B ..."  space-separated scopes                             default: every scope
  --expires DURATION lifetime, e.g. 30m, 2h, 7d (jose time span)        default: ${DEFAULTS.expires}
  -h, --help         this text

Scopes: ${SCOPES.join(', ')}
`;

export interface TokenOutcome {
  code: 0 | 1;
  stdout: string;
  stderr: string;
}

const fail = (message: string): TokenOutcome => ({ code: 1, stdout: '', stderr: `token: ${message}\n` });

/** The whole command, as a function of its arguments and environment (the tests call it). */
export async function tokenCommand(args: string[], env: NodeJS.ProcessEnv): Promise<TokenOutcome> {
  let values: { org?: string; sub?: string; scope?: string; expires?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        org: { type: 'string', default: DEFAULTS.org },
        sub: { type: 'string', default: DEFAULTS.sub },
        scope: { type: 'string', default: DEFAULTS.scope },
        expires: { type: 'string', default: DEFAULTS.expires },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // parseArgs explains at length how to pass a positional starting with '-'; the first sentence is the reason.
    return fail(`${(error as Error).message.split('. ')[0].replace(/\.$/, '')} (see --help)`);
  }
  if (values.help) return { code: 0, stdout: USAGE, stderr: '' };
  const scopes = values.scope!.split(/\s+/).filter(Boolean);
  const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) return fail(`unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `"${s}"`).join(', ')} (known: ${SCOPES.join(' ')})`);
  if (!values.org || !values.sub) return fail('--org and --sub must not be empty');
  try {
    const config = loadConfig(env);
    if (config.auth.jwksUrl) return fail('with AUTH_JWKS_URL set, tokens come from your identity provider');
    const secret = config.auth.jwtSecret ?? developmentSecret(config.dataDir, 'dev-jwt-secret');
    const claims = { sub: values.sub, org: values.org, scope: scopes.join(' ') };
    const token = await signToken(secret, claims, { expiresIn: values.expires, issuer: config.auth.issuer, audience: config.auth.audience });
    return { code: 0, stdout: `${token}\n`, stderr: '' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail(/time period/i.test(message) ? `--expires "${values.expires}" is not a duration such as 30m, 2h or 7d` : message);
  }
}

if (require.main === module) {
  void tokenCommand(process.argv.slice(2), process.env).then((outcome) => {
    process.stdout.write(outcome.stdout);
    process.stderr.write(outcome.stderr);
    process.exitCode = outcome.code;
  });
}
