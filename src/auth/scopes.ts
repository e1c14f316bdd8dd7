/** The scope table of API.md. */
export const SCOPES = [
  'applications:read',
  'applications:write',
  'applications:delete',
  'credentials:read',
  'credentials:write',
  'secrets:rotate',
  'providers:read',
  'providers:write',
  'clients:authenticate',
  'platform:write',
  'audit:read',
  'registration:manage',
] as const;

export type Scope = (typeof SCOPES)[number];

/** Who is calling, from a verified token. */
export interface Caller {
  /** `sub` claim. */
  subject: string;
  /** `org` claim: the tenant every read and write is scoped to. */
  organizationId: string;
  scopes: ReadonlySet<string>;
  /** The request the caller is making; recorded with every audit event. */
  requestId?: string;
}
