import { ArrayMaxSize, IsBoolean, IsInt, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PublicKeyCredential } from '../credentials/credential.entity';
import { ASSERTION_LIMITS, CLIENT_ASSERTION_TYPE_JWT_BEARER } from './client-assertion';
import { CERTIFICATE_LIMITS } from './client-certificate';
import { Client, ClientAuthenticationMethod, ClientType, ClientVisibility, GrantType, ResponseType, TokenEndpointAuthMethod } from './client.entity';
import { DescriptionBound, IdempotencyKeyBound, NameBound, UriBound, UriListBound } from '../common/input-bounds';
import { IssueSeverity, type ValidationIssue } from '../common/issues';

/** Bounds only a client's fields have (the shared ones: common/input-bounds.ts). */
export const CLIENT_LIMITS = {
  scope: 128,
  scopeList: 200,
  accessTokenTtlMax: 86_400,
  refreshTokenTtlMax: 31_536_000,
  gracePeriodMax: 30 * 86_400,
  tlsClientAuthValue: 1024,
} as const;

/** Every setting of a client; all optional (omitted ones are derived or left unchanged). */
@InputType({
  description:
    'Every setting of a client, all optional: on create an omitted one is derived from the client type (defaults below), on update it keeps its value. ' +
    'Checked by the client rules (see validateClientSettings).',
})
export class ClientSettingsInput {
  @Field(() => String, { nullable: true, description: "Display name, 1 to 200 characters, not blank. Default of a default client: the application's name." })
  @IsOptional()
  @NameBound()
  name?: string;

  @Field(() => String, { nullable: true, description: 'Free text for people, at most 2000 characters (tab and line breaks allowed); null clears it.' })
  @IsOptional()
  @DescriptionBound()
  description?: string | null;

  @Field(() => ClientType, {
    nullable: true,
    description:
      'The kind of application; it decides the defaults of grant types, response types, auth method and PKCE. ' +
      'Default: WEB with redirect URIs, MACHINE without.',
  })
  clientType?: ClientType;

  @Field(() => ClientVisibility, { nullable: true, description: 'PRIVATE (the default) or PUBLIC; PUBLIC needs a `clientUri` whose ownership is VERIFIED.' })
  visibility?: ClientVisibility;

  @Field(() => [String], {
    nullable: true,
    description:
      'Redirect URIs, matched exactly: absolute, no fragment, no wildcard, canonical as written (RFC 6749 §3.1.2, RFC 9700 §2.1); ' +
      'https, http on a loopback address (RFC 8252 §7.3), or a reverse-domain private-use scheme for NATIVE clients (RFC 8252 §7.1). ' +
      'At least one with AUTHORIZATION_CODE; at most 100 of at most 2048 characters; duplicates are dropped.',
  })
  @IsOptional()
  @UriListBound()
  redirectUris?: string[];

  @Field(() => [String], { nullable: true, description: 'Where users may be sent after logout: the rules and bounds of `redirectUris`.' })
  @IsOptional()
  @UriListBound()
  postLogoutRedirectUris?: string[];

  @Field(() => [String], {
    nullable: true,
    description:
      'Browser origins allowed for cross-origin requests: scheme, host and optional port only, no wildcard (RFC 6454 §6.2); https, or http on a loopback ' +
      'address. At most 100 of at most 2048 characters.',
  })
  @IsOptional()
  @UriListBound()
  allowedCorsOrigins?: string[];

  @Field(() => [GrantType], {
    nullable: true,
    description: 'At least one (RFC 7591 §2). Default: CLIENT_CREDENTIALS for MACHINE, AUTHORIZATION_CODE and REFRESH_TOKEN otherwise.',
  })
  @IsOptional()
  @ArrayMaxSize(4)
  grantTypes?: GrantType[];

  @Field(() => [ResponseType], {
    nullable: true,
    description:
      'CODE when and only when `grantTypes` includes AUTHORIZATION_CODE (RFC 7591 §2.1); ID_TOKEN and TOKEN only with CODE (RFC 9700 §2.1.2). ' +
      'Default: none for MACHINE, CODE otherwise.',
  })
  @IsOptional()
  @ArrayMaxSize(3)
  responseTypes?: ResponseType[];

  @Field(() => [String], {
    nullable: true,
    description: 'Scopes the client may request (RFC 6749 §3.3): not empty, no whitespace or ":"; at most 200 of at most 128 characters. Default: none.',
  })
  @IsOptional()
  @ArrayMaxSize(CLIENT_LIMITS.scopeList)
  @MaxLength(CLIENT_LIMITS.scope, { each: true })
  scopes?: string[];

  @Field(() => TokenEndpointAuthMethod, {
    nullable: true,
    description:
      'RFC 7591 §2. Default: NONE for SPA and NATIVE (which must use it), CLIENT_SECRET_BASIC for WEB and MACHINE. ' +
      'CLIENT_SECRET_BASIC and CLIENT_SECRET_POST get a generated secret.',
  })
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Require PKCE (RFC 7636). Default: true for SPA, NATIVE and the NONE auth method, where false is refused (RFC 9700 §2.1.1); false otherwise ' +
      '(a WARNING with AUTHORIZATION_CODE).',
  })
  @IsOptional()
  @IsBoolean()
  requirePkce?: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      "The client's home page (RFC 7591 §2): an absolute https URL, at most 2048 characters; null clears it. A new value starts a new ownership verification.",
  })
  @IsOptional()
  @UriBound()
  clientUri?: string | null;

  @Field(() => String, { nullable: true, description: "The client's logo (RFC 7591 §2): an absolute https URL, at most 2048 characters; null clears it." })
  @IsOptional()
  @UriBound()
  logoUri?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The client's privacy policy (RFC 7591 §2): an absolute https URL, at most 2048 characters; null clears it.",
  })
  @IsOptional()
  @UriBound()
  policyUri?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The client's terms of service (RFC 7591 §2): an absolute https URL, at most 2048 characters; null clears it.",
  })
  @IsOptional()
  @UriBound()
  tosUri?: string | null;

  @Field(() => Int, { nullable: true, description: 'Lifetime of access tokens in seconds, 1 to 86400; null clears it. Default: unset.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(CLIENT_LIMITS.accessTokenTtlMax)
  accessTokenTtl?: number | null;

  @Field(() => Int, { nullable: true, description: 'Lifetime of refresh tokens in seconds, 1 to 31536000; null clears it. Default: unset.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(CLIENT_LIMITS.refreshTokenTtlMax)
  refreshTokenTtl?: number | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'Resource identifiers (RFC 8707 §2) the client may request tokens for: absolute URIs without fragment; ' +
      'at most 100 of at most 2048 characters. Default: none.',
  })
  @IsOptional()
  @UriListBound()
  resources?: string[];

  @Field(() => String, {
    nullable: true,
    description:
      'TLS_CLIENT_AUTH only, exactly one of the five tlsClientAuth fields (RFC 8705 §2.1.2): the expected subject DN in RFC 4514 form ' +
      '("CN=client,O=Example"), at most 1024 characters; null clears it.',
  })
  @IsOptional()
  @MaxLength(CLIENT_LIMITS.tlsClientAuthValue)
  tlsClientAuthSubjectDn?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'TLS_CLIENT_AUTH only (RFC 8705 §2.1.2): an expected dNSName SAN, at most 1024 characters; null clears it.',
  })
  @IsOptional()
  @MaxLength(CLIENT_LIMITS.tlsClientAuthValue)
  tlsClientAuthSanDns?: string | null;

  @Field(() => String, { nullable: true, description: 'TLS_CLIENT_AUTH only (RFC 8705 §2.1.2): an expected URI SAN, at most 1024 characters; null clears it.' })
  @IsOptional()
  @MaxLength(CLIENT_LIMITS.tlsClientAuthValue)
  tlsClientAuthSanUri?: string | null;

  @Field(() => String, { nullable: true, description: 'TLS_CLIENT_AUTH only (RFC 8705 §2.1.2): an expected IP address SAN (IPv4 or IPv6); null clears it.' })
  @IsOptional()
  @MaxLength(CLIENT_LIMITS.tlsClientAuthValue)
  tlsClientAuthSanIp?: string | null;

  @Field(() => String, { nullable: true, description: 'TLS_CLIENT_AUTH only (RFC 8705 §2.1.2): an expected rfc822Name (email) SAN; null clears it.' })
  @IsOptional()
  @MaxLength(CLIENT_LIMITS.tlsClientAuthValue)
  tlsClientAuthSanEmail?: string | null;
}

@InputType({ description: 'A new client of an application; omitted settings are derived from its client type.' })
export class CreateClientInput extends ClientSettingsInput {
  @Field(() => ID, { description: 'The application the client belongs to.' }) applicationId!: string;

  @Field(() => String, { description: 'Display name, 1 to 200 characters, not blank.' })
  @NameBound()
  name!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'At most 200 characters. Retries with the same key and input return the first result (without the secret); the same key with another input ' +
      'is a CONFLICT. Kept 24 hours per organization.',
  })
  @IsOptional()
  @IdempotencyKeyBound()
  idempotencyKey?: string;
}

@InputType({ description: 'A partial update of a client: omitted settings keep their values; null clears a nullable one.' })
export class UpdateClientInput extends ClientSettingsInput {
  @Field(() => ID, { description: 'The client to change.' }) id!: string;

  @Field(() => Int, { nullable: true, description: 'Fails with CONFLICT unless the client is still at this version.' })
  expectedVersion?: number;

  @Field(() => Boolean, {
    nullable: true,
    description: '`true` makes this the default client of its application (the previous one stops being it); `false` on the default client is refused.',
  })
  isDefault?: boolean;
}

@InputType({ description: 'The client to delete.' })
export class DeleteClientInput {
  @Field(() => ID, { description: 'The client to delete; never the default client of its application.' }) id!: string;
}

@InputType({ description: 'Narrows `clients`; the conditions given must all hold.' })
export class ClientFilter {
  @Field(() => ID, { nullable: true, description: 'Only clients of this application.' }) applicationId?: string;
  @Field(() => ClientVisibility, { nullable: true, description: 'Only clients with this visibility.' }) visibility?: ClientVisibility;
}

@ObjectType({ simpleResolvers: true, description: 'The result of createClient.' })
export class CreateClientPayload {
  @Field(() => Client, { description: 'The new client.' }) client!: Client;
  @Field(() => String, { nullable: true, description: 'The generated secret, shown only here. Null for clients without one.' })
  clientSecret!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The result of updateClient.' })
export class UpdateClientPayload {
  @Field(() => Client, { description: 'The client after the change.' }) client!: Client;
}

@ObjectType({ simpleResolvers: true, description: 'The result of deleteClient.' })
export class DeleteClientPayload {
  @Field(() => ID, { description: 'Id of the deleted client.' }) deletedId!: string;
}

@InputType({ description: 'The client whose secret to rotate, and how long the previous secret keeps working.' })
export class RotateClientSecretInput {
  @Field(() => ID, { description: 'The client; it must use CLIENT_SECRET_BASIC or CLIENT_SECRET_POST.' }) id!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'How long the previous secret keeps working, in seconds: 0 to 2592000 (30 days). 0 or omitted: until deleteRotatedClientSecret.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(CLIENT_LIMITS.gracePeriodMax)
  gracePeriodSeconds?: number;
}

@ObjectType({ simpleResolvers: true, description: 'The result of rotateClientSecret.' })
export class RotateClientSecretPayload {
  @Field(() => Client, { description: 'The client after the rotation.' }) client!: Client;
  @Field(() => String, { description: 'The new current secret (`clv_cs_` and 43 URL-safe characters), shown only here.' }) clientSecret!: string;
}

@InputType({ description: 'The client whose previous secret to retire.' })
export class DeleteRotatedClientSecretInput {
  @Field(() => ID, { description: 'The client.' }) id!: string;
}

@ObjectType({ simpleResolvers: true, description: 'The result of deleteRotatedClientSecret.' })
export class DeleteRotatedClientSecretPayload {
  @Field(() => Client, { description: 'The client, without a previous secret.' }) client!: Client;
}

@InputType({
  description:
    'A client id and exactly one credential to check: a secret (CLIENT_SECRET_BASIC / _POST), a client assertion (PRIVATE_KEY_JWT, ' +
    'or a PublicKeyCredential), or the client certificate of a mutual-TLS connection (TLS_CLIENT_AUTH, SELF_SIGNED_TLS_CLIENT_AUTH).',
})
export class AuthenticateClientInput {
  @Field(() => String, { description: 'The OAuth `client_id`, at most 256 characters.' })
  @MaxLength(256)
  clientId!: string;

  @Field(() => String, { nullable: true, description: 'The secret to check, at most 512 characters.' })
  @IsOptional()
  @MaxLength(512)
  clientSecret?: string;

  @Field(() => String, {
    nullable: true,
    description:
      '`client_assertion` (RFC 7521 §4.2): a JWT signed by the client, at most 8192 characters; checked as RFC 7523 §3 says (see docs/API.md). ' +
      'Needs `clientAssertionType` and `expectedAudiences`.',
  })
  @IsOptional()
  @MaxLength(ASSERTION_LIMITS.maxLength)
  clientAssertion?: string;

  @Field(() => String, { nullable: true, description: `\`client_assertion_type\`: must be \`${CLIENT_ASSERTION_TYPE_JWT_BEARER}\` (RFC 7523 §2.2).` })
  @IsOptional()
  @MaxLength(128)
  clientAssertionType?: string;

  @Field(() => [String], {
    nullable: true,
    description:
      "Who the caller is: the assertion's `aud` must contain one of these (the token endpoint URL or issuer identifier, RFC 7523 §3 item 3). " +
      '1 to 5 values of at most 2048 characters; only with `clientAssertion`.',
  })
  @IsOptional()
  @ArrayMaxSize(5)
  @MaxLength(2048, { each: true })
  expectedAudiences?: string[];

  @Field(() => String, {
    nullable: true,
    description:
      'The client certificate the authorization server received on the mutual-TLS connection (RFC 8705 §2), PEM, at most 16384 characters. ' +
      'Its chain must already have been validated by that TLS layer for TLS_CLIENT_AUTH.',
  })
  @IsOptional()
  @MaxLength(CERTIFICATE_LIMITS.pemLength)
  clientCertificate?: string;
}

@ObjectType({ simpleResolvers: true, description: 'The result of authenticateClient; a failure says nothing about why.' })
export class AuthenticateClientPayload {
  @Field(() => Boolean, { description: 'Whether the credential given authenticates the client.' }) authenticated!: boolean;
  @Field(() => Client, {
    nullable: true,
    description: 'The authenticated client; null whenever authentication failed, and when a PublicKeyCredential without a client authenticated.',
  })
  client!: Client | null;
  @Field(() => Boolean, { description: 'Whether the previous (rotated) secret was the one that matched.' }) usedRotatedSecret!: boolean;
  @Field(() => ClientAuthenticationMethod, { nullable: true, description: 'How the client authenticated; null when it did not.' })
  method!: ClientAuthenticationMethod | null;
  @Field(() => PublicKeyCredential, {
    nullable: true,
    description: 'The PublicKeyCredential whose key verified the assertion (or held the self-signed certificate); null otherwise.',
  })
  credential!: PublicKeyCredential | null;
  @Field(() => String, { nullable: true, description: 'The `kid` of the key that verified the assertion, when it had one.' }) keyId!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'RFC 7638 SHA-256 thumbprint (base64url) of the public key that verified the assertion or is in the certificate; never secret material.',
  })
  keyThumbprint!: string | null;
  @Field(() => String, {
    nullable: true,
    description: '`x5t#S256` of the client certificate (RFC 8705 §3.1): bind the issued tokens to it with the `cnf` claim. Null without a certificate.',
  })
  certificateThumbprint!: string | null;
}

@InputType({ description: 'The client whose `clientUri` to verify.' })
export class VerifyClientUriInput {
  @Field(() => ID, { description: 'The client; it must have a `clientUri` (else BAD_USER_INPUT).' }) id!: string;
}

@ObjectType({ simpleResolvers: true, description: 'The result of verifyClientUri.' })
export class VerifyClientUriPayload {
  @Field(() => Client, { description: 'The client with the outcome in `clientUriVerification` (VERIFIED or FAILED with a reason).' })
  client!: Client;
}

registerEnumType(IssueSeverity, {
  name: 'ClientSettingsIssueSeverity',
  description: 'Whether a ClientSettingsIssue blocks a save.',
  valuesConfig: {
    ERROR: { description: 'createClient / updateClient refuse these settings (BAD_USER_INPUT).' },
    WARNING: { description: 'Allowed, but against a recommendation of the referenced specification.' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'One finding of the client rules, as validateClientSettings reports it.' })
export class ClientSettingsIssue implements ValidationIssue {
  @Field(() => String, { description: 'Dotted path of the input field, relative to `input` (e.g. `redirectUris.2`).' })
  path!: string;

  @Field(() => String, { description: 'Stable code of the rule, e.g. `REDIRECT_URI_NOT_HTTPS`.' })
  code!: string;

  @Field(() => String, { description: 'What is wrong, for people; match on `code`, not on this text.' })
  message!: string;

  @Field(() => IssueSeverity, { description: 'ERROR blocks createClient / updateClient; WARNING is advice.' })
  severity!: IssueSeverity;

  @Field(() => String, { description: 'Source of the rule, e.g. "RFC 9700 §2.1" or "Clavis API: Validation".' })
  reference!: string;
}
