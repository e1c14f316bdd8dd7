import { developmentSecret } from '../common/dev-secrets';
import { signToken } from './tokens';

const DEVELOPMENT_TOKEN_LIFETIME_SECONDS = 30 * 86_400;

export interface DevelopmentAuthSettings {
  isProduction: boolean;
  dataDir: string;
  auth: { jwtSecret?: string; jwksUrl?: string; issuer?: string; audience?: string; maxTokenLifetimeSeconds?: number };
}

/**
 * The HS256 secret callers' tokens are verified with and, only when nothing is configured
 * outside production, the development token. That token is signed with the generated
 * development secret and nothing else: a configured AUTH_JWT_SECRET or AUTH_JWKS_URL means
 * real callers' tokens, so a replica that merely forgot NODE_ENV must not hand an
 * every-scope token to whoever opens its page.
 */
export async function developmentAuth(settings: DevelopmentAuthSettings): Promise<{ jwtSecret?: string; developmentToken?: string }> {
  const { auth } = settings;
  if (auth.jwtSecret || auth.jwksUrl) return { jwtSecret: auth.jwtSecret };
  // Production never gets here: configuration refuses to start it without one of the two.
  const jwtSecret = developmentSecret(settings.dataDir, 'dev-jwt-secret');
  if (settings.isProduction) return { jwtSecret };
  const lifetime = Math.min(DEVELOPMENT_TOKEN_LIFETIME_SECONDS, auth.maxTokenLifetimeSeconds ?? DEVELOPMENT_TOKEN_LIFETIME_SECONDS);
  const claims = { sub: 'developer', org: 'dev' };
  const developmentToken = await signToken(jwtSecret, claims, { expiresIn: `${lifetime}s`, issuer: auth.issuer, audience: auth.audience });
  return { jwtSecret, developmentToken };
}
