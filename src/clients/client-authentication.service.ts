import type { X509Certificate } from 'node:crypto';
import { type JWK, calculateJwkThumbprint, errors as joseErrors, exportJWK } from 'jose';
import type { DataSource } from 'typeorm';
import type { AuditLog } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { type FieldError, ValidationFailedError } from '../common/errors';
import type { CredentialRow, PublicKeyCredential } from '../credentials/credential.entity';
import { publicKeyCredentialsFor, recordCredentialUse } from '../credentials/credential.repository';
import type { RateLimits } from '../limits/rate-limits';
import { SafeFetchError } from '../net/safe-fetcher';
import { AssertionRejected, CLIENT_ASSERTION_TYPE_JWT_BEARER, type JwksCache, type VerifiedAssertion, verifyClientAssertion } from './client-assertion';
import { certificateMatches, certificateThumbprint, parseCertificate, withinValidity } from './client-certificate';
import { LAST_USED_RESOLUTION_MS, type ClientSecretService } from './client-secret.service';
import { type Client, ClientAuthenticationMethod, TokenEndpointAuthMethod } from './client.entity';
import type { AuthenticateClientInput, AuthenticateClientPayload } from './client.inputs';
import { clientForAuthentication, recordClientAuthentication } from './client.repository';
import type { JtiReplayGuard } from './jti-replay';

const FAILED: AuthenticateClientPayload = {
  authenticated: false,
  client: null,
  usedRotatedSecret: false,
  method: null,
  credential: null,
  keyId: null,
  keyThumbprint: null,
  certificateThumbprint: null,
};

/** The credential fields of AuthenticateClientInput: exactly one is given. */
const CREDENTIAL_FIELDS = ['clientSecret', 'clientAssertion', 'clientCertificate'] as const;

/** What matched, for the payload, the audit trail and the last-used times. */
interface Match {
  method: ClientAuthenticationMethod;
  client: Client | null;
  credential: CredentialRow | null;
  keyId: string | null;
  keyThumbprint: string | null;
  certificateThumbprint: string | null;
}

/** Failures that mean "not authenticated"; anything else (a database error) is a fault. */
function isRefusal(error: unknown): boolean {
  return error instanceof AssertionRejected || error instanceof joseErrors.JOSEError || error instanceof SafeFetchError || error instanceof SyntaxError;
}

/**
 * authenticateClient: one question — is this really client X? — for every method. A secret
 * goes to ClientSecretService unchanged (its success path stays one statement and one HMAC);
 * a client assertion (RFC 7523) and a client certificate (RFC 8705) are checked here. Every
 * method counts against the same brute-force lockout, failures are audited, successes of the
 * assertion and certificate methods too, and the answer never says why a check failed.
 */
export class ClientAuthenticationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: ClientSecretService,
    private readonly rateLimits: RateLimits,
    private readonly audit: AuditLog,
    private readonly jwksCache: JwksCache,
    private readonly jtis: JtiReplayGuard,
  ) {}

  async authenticate(caller: Caller, input: AuthenticateClientInput): Promise<AuthenticateClientPayload> {
    this.checkInput(input);
    if (input.clientSecret != null) {
      const result = await this.secrets.authenticate(caller, { clientId: input.clientId, clientSecret: input.clientSecret });
      if (!result.authenticated) {
        await this.recordFailure(caller, input.clientId, 'clientSecret');
        return FAILED;
      }
      return { ...FAILED, ...result, method: ClientAuthenticationMethod.CLIENT_SECRET };
    }

    const used = input.clientAssertion != null ? 'clientAssertion' : 'clientCertificate';
    const attempt = await this.rateLimits.countAuthenticationAttempt(caller, input.clientId);
    await this.rateLimits.admitAuthenticationAttempt(caller, input.clientId, attempt);
    let match: Match | null = null;
    try {
      match =
        input.clientAssertion != null ? await this.byAssertion(caller, input) : await this.byCertificate(caller, input.clientId, input.clientCertificate!);
    } catch (error) {
      if (!isRefusal(error)) {
        await this.rateLimits.settleAuthenticationAttempt(caller, input.clientId, attempt, false);
        throw error;
      }
    }
    await this.rateLimits.settleAuthenticationAttempt(caller, input.clientId, attempt, match != null);
    if (!match) {
      await this.recordFailure(caller, input.clientId, used);
      return FAILED;
    }
    await this.recordSuccess(caller, match, used);
    return {
      authenticated: true,
      client: match.client,
      usedRotatedSecret: false,
      method: match.method,
      credential: match.credential as unknown as PublicKeyCredential | null,
      keyId: match.keyId,
      keyThumbprint: match.keyThumbprint,
      certificateThumbprint: match.certificateThumbprint,
    };
  }

  /** Exactly one credential; an assertion with its type (RFC 7523 §2.2) and the audiences to check it against. */
  private checkInput(input: AuthenticateClientInput): void {
    const given = CREDENTIAL_FIELDS.filter((field) => input[field] != null);
    const problems: FieldError[] = [];
    if (given.length !== 1) {
      const message = `exactly one of ${CREDENTIAL_FIELDS.join(', ')} is required`;
      problems.push(...(given.length === 0 ? CREDENTIAL_FIELDS : given).map((path) => ({ path, message })));
    }
    if (input.clientAssertion != null) {
      if (input.clientAssertionType !== CLIENT_ASSERTION_TYPE_JWT_BEARER) {
        problems.push({ path: 'clientAssertionType', message: `must be ${CLIENT_ASSERTION_TYPE_JWT_BEARER} with clientAssertion (RFC 7523 §2.2)` });
      }
      if (!input.expectedAudiences?.length) {
        problems.push({
          path: 'expectedAudiences',
          message: 'must name at least one audience (your token endpoint or issuer) with clientAssertion (RFC 7523 §3)',
        });
      }
    } else {
      if (input.clientAssertionType != null) problems.push({ path: 'clientAssertionType', message: 'is only allowed with clientAssertion' });
      if (input.expectedAudiences != null) problems.push({ path: 'expectedAudiences', message: 'is only allowed with clientAssertion' });
    }
    if (problems.length > 0) throw new ValidationFailedError(problems);
  }

  /**
   * PRIVATE_KEY_JWT: the client's keys are the PublicKeyCredential of its application with the
   * client id as identifier; a client id without a client is a PublicKeyCredential's own.
   */
  private async byAssertion(caller: Caller, input: AuthenticateClientInput): Promise<Match> {
    const client = (await clientForAuthentication(this.dataSource, caller, input.clientId)) ?? null;
    if (client && client.tokenEndpointAuthMethod !== TokenEndpointAuthMethod.PRIVATE_KEY_JWT)
      throw new AssertionRejected('client does not use PRIVATE_KEY_JWT');
    const credentials = await publicKeyCredentialsFor(this.dataSource, caller.organizationId, input.clientId, client?.applicationId ?? null);
    let verified: { credential: CredentialRow; assertion: VerifiedAssertion } | null = null;
    let lastError: unknown = new AssertionRejected('no PublicKeyCredential for this client id');
    for (const credential of credentials) {
      try {
        const assertion = await verifyClientAssertion(input.clientAssertion!, {
          clientId: input.clientId,
          expectedAudiences: input.expectedAudiences!,
          keys: credential,
          jwksCache: this.jwksCache,
        });
        verified = { credential, assertion };
        break;
      } catch (error) {
        if (!isRefusal(error)) throw error;
        lastError = error;
      }
    }
    if (!verified) throw lastError;
    // Only a verified assertion takes its jti: a forged one must not burn the client's ids.
    const { assertion, credential } = verified;
    if (!(await this.jtis.claim(`${caller.organizationId}:${input.clientId}`, assertion.jti, assertion.expiresAt))) {
      throw new AssertionRejected('jti already used');
    }
    return {
      method: ClientAuthenticationMethod.PRIVATE_KEY_JWT,
      client,
      credential,
      keyId: assertion.keyId,
      keyThumbprint: assertion.keyThumbprint,
      certificateThumbprint: null,
    };
  }

  /** RFC 8705 §2: the certificate, within its validity period, matched as the client's method says. */
  private async byCertificate(caller: Caller, clientId: string, pem: string): Promise<Match> {
    const certificate = parseCertificate(pem);
    if (!certificate) throw new AssertionRejected('not a PEM certificate');
    if (!withinValidity(certificate)) throw new AssertionRejected('certificate outside its validity period');
    const client = await clientForAuthentication(this.dataSource, caller, clientId);
    if (!client) throw new AssertionRejected('unknown client');
    const keyThumbprint = await calculateJwkThumbprint(await exportJWK(certificate.publicKey), 'sha256');
    const match = { client, keyId: null, keyThumbprint, certificateThumbprint: certificateThumbprint(certificate) };
    if (client.tokenEndpointAuthMethod === TokenEndpointAuthMethod.TLS_CLIENT_AUTH) {
      if (!certificateMatches(certificate, client)) throw new AssertionRejected('certificate does not match the registered DN or SAN');
      return { ...match, method: ClientAuthenticationMethod.TLS_CLIENT_AUTH, credential: null };
    }
    if (client.tokenEndpointAuthMethod === TokenEndpointAuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH) {
      const found = await this.registeredCertificate(caller, client, certificate);
      if (!found) throw new AssertionRejected('certificate is not in the x5c of any registered key');
      return { ...match, method: ClientAuthenticationMethod.SELF_SIGNED_TLS_CLIENT_AUTH, credential: found.credential, keyId: found.keyId };
    }
    throw new AssertionRejected('client does not use mutual TLS');
  }

  /** RFC 8705 §2.2: the certificate is the first `x5c` entry of a key of the client's PublicKeyCredential. */
  private async registeredCertificate(
    caller: Caller,
    client: Client,
    certificate: X509Certificate,
  ): Promise<{ credential: CredentialRow; keyId: string | null } | null> {
    const der = certificate.raw.toString('base64');
    for (const credential of await publicKeyCredentialsFor(this.dataSource, caller.organizationId, client.clientId, client.applicationId)) {
      const jwks = credential.jwks ?? (credential.jwksUri ? await this.jwksCache.get(credential.jwksUri, false) : null);
      const keys = (jwks as { keys?: JWK[] } | null)?.keys ?? [];
      const key = keys.find((jwk) => Array.isArray(jwk.x5c) && jwk.x5c[0] === der);
      if (key) return { credential, keyId: key.kid ?? null };
    }
    return null;
  }

  private async recordSuccess(caller: Caller, match: Match, used: string): Promise<void> {
    const now = Date.now();
    const usedAt = new Date(now);
    const notBefore = new Date(now - LAST_USED_RESOLUTION_MS);
    const target = match.client ? { targetId: match.client.id, targetType: 'Client' } : { targetId: match.credential!.id, targetType: 'PublicKeyCredential' };
    await Promise.all([
      match.client ? recordClientAuthentication(this.dataSource, match.client.id, usedAt, notBefore) : undefined,
      match.credential ? recordCredentialUse(this.dataSource, match.credential.id, usedAt, notBefore) : undefined,
      this.audit.record(this.dataSource.manager, caller, { action: 'client.authenticate', ...target, changedFields: [used] }),
    ]);
  }

  /** A failed attempt, for the trail: the client id as given (the client may not exist), and which credential was tried. */
  private async recordFailure(caller: Caller, clientId: string, used: string): Promise<void> {
    await this.audit.record(this.dataSource.manager, caller, {
      action: 'client.authenticate_failed',
      targetId: clientId,
      targetType: 'Client',
      changedFields: [used],
    });
  }
}
