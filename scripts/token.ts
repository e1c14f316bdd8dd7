import { parseArgs } from 'node:util';
import { SCOPES } from '../src/auth/scopes';
import { signToken } from '../src/auth/tokens';
import { developmentSecret } from '../src/common/dev-secrets';
import { loadConfig } from '../src/config';

/**
 * Prints an HS256 token signed with AUTH_JWT_SECRET (or the development secret):
 * `npm run token -- --org acme --scope "applications:read applications:write" --sub alice`.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { org: { type: 'string', default: 'dev' }, sub: { type: 'string', default: 'developer' }, scope: { type: 'string', default: SCOPES.join(' ') }, expires: { type: 'string', default: '1h' } },
  });
  const config = loadConfig();
  if (config.auth.jwksUrl) throw new Error('tokens for AUTH_JWKS_URL come from your identity provider');
  const secret = config.auth.jwtSecret ?? developmentSecret(config.dataDir, 'dev-jwt-secret');
  process.stdout.write(`${await signToken(secret, { sub: values.sub!, org: values.org!, scope: values.scope! }, { expiresIn: values.expires, issuer: config.auth.issuer, audience: config.auth.audience })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
