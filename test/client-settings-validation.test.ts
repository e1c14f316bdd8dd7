import { ClientType, GrantType, ResponseType, TokenEndpointAuthMethod } from '../src/clients/client.entity';
import { CLIENT_RULES, clientSettingsIssues, newClientSettings } from '../src/clients/client.rules';
import { IssueSeverity, type ValidationIssue as ClientSettingsIssue } from '../src/common/issues';
import { type Harness, type Result, codes, createHarness, fieldPaths } from './helpers/harness';
import { CREATE_APPLICATION } from './helpers/operations';

/** validateClientSettings (the dry run) and its agreement with createClient / updateClient. */

const VALIDATE = `query ($input: ClientSettingsInput!, $clientType: ClientType) {
  validateClientSettings(input: $input, clientType: $clientType) { path code message severity reference }
}`;
const CREATE_CLIENT = `mutation ($input: CreateClientInput!) { createClient(input: $input) { client { id } } }`;
const UPDATE_CLIENT = `mutation ($input: UpdateClientInput!) { updateClient(input: $input) { client { id version } } }`;

let h: Harness;
let applicationId: string;

beforeAll(async () => {
  h = await createHarness();
  const created = await h.run<any>(CREATE_APPLICATION, { input: { identifier: 'dry-run', name: 'Dry run' } });
  expect(created.errors).toBeUndefined();
  applicationId = created.data!.createApplication.application.id;
});
afterAll(async () => {
  await h?.close();
});

async function dryRun(input: Record<string, unknown>, clientType?: string, token?: string): Promise<Result<{ validateClientSettings: ClientSettingsIssue[] }>> {
  return h.run(VALIDATE, { input, clientType }, { token });
}

async function issuesOf(input: Record<string, unknown>, clientType?: string): Promise<ClientSettingsIssue[]> {
  const result = await dryRun(input, clientType);
  expect(result.errors).toBeUndefined();
  return result.data!.validateClientSettings;
}

const errorPaths = (issues: ClientSettingsIssue[]) => [...new Set(issues.filter((i) => i.severity === IssueSeverity.ERROR).map((i) => i.path))].sort();
const distinctSorted = (paths: string[]) => [...new Set(paths)].sort();

const WEB_URI = 'https://app.example.com/callback';
const WEB = { clientType: 'WEB', redirectUris: [WEB_URI] };
const SPA = { clientType: 'SPA', redirectUris: [WEB_URI] };
const NATIVE = { clientType: 'NATIVE', redirectUris: ['com.example.app:/cb'] };

describe('validateClientSettings', () => {
  it('returns every issue with a stable code, a severity and the rule’s source', async () => {
    const issues = await issuesOf({
      clientType: 'WEB',
      redirectUris: ['http://example.com/cb', 'https://*.example.com/cb', 'https://app.example.com/cb#x'],
      grantTypes: ['AUTHORIZATION_CODE'],
      responseTypes: ['TOKEN'],
      scopes: ['openid', 'bad scope'],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'redirectUris.0', code: 'REDIRECT_URI_NOT_HTTPS', message: expect.stringMatching(/https/), severity: 'ERROR', reference: 'RFC 8252 §7.3' },
        { path: 'redirectUris.1', code: 'REDIRECT_URI_WILDCARD', message: expect.stringMatching(/wildcard/), severity: 'ERROR', reference: 'RFC 9700 §2.1' },
        { path: 'redirectUris.2', code: 'REDIRECT_URI_FRAGMENT', message: expect.stringMatching(/fragment/), severity: 'ERROR', reference: 'RFC 6749 §3.1.2' },
        { path: 'responseTypes', code: 'RESPONSE_TYPE_CODE_MISSING', message: expect.any(String), severity: 'ERROR', reference: 'RFC 7591 §2.1' },
        { path: 'responseTypes', code: 'IMPLICIT_FLOW', message: expect.stringMatching(/implicit/), severity: 'ERROR', reference: 'RFC 9700 §2.1.2' },
        { path: 'scopes.1', code: 'SCOPE_WHITESPACE', message: expect.any(String), severity: 'ERROR', reference: 'RFC 6749 §3.3' },
        { path: 'requirePkce', code: 'PKCE_RECOMMENDED', message: expect.any(String), severity: 'WARNING', reference: 'RFC 9700 §2.1.1' },
      ]),
    );
    expect(issues).toHaveLength(7);
  });

  it('valid settings: no issues; derived defaults that go against a recommendation: warnings only', async () => {
    expect(await issuesOf({ ...WEB, requirePkce: true })).toEqual([]);
    expect(await issuesOf(SPA)).toEqual([]);
    expect(await issuesOf({ clientType: 'MACHINE' })).toEqual([]);
    expect(await issuesOf({})).toEqual([]); // a MACHINE client, as createClient would derive
    // A WEB client gets PKCE off by default (like createClient): allowed, with a warning.
    expect(await issuesOf(WEB)).toEqual([
      { path: 'requirePkce', code: 'PKCE_RECOMMENDED', message: expect.any(String), severity: 'WARNING', reference: 'RFC 9700 §2.1.1' },
    ]);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    [
      'http loopback redirect on a WEB client',
      { ...WEB, requirePkce: true, redirectUris: ['http://127.0.0.1:8080/cb'] },
      'redirectUris.0',
      'LOOPBACK_REDIRECT_NOT_NATIVE',
    ],
    ['localhost redirect on a NATIVE client', { ...NATIVE, redirectUris: ['http://localhost:5000/cb'] }, 'redirectUris.0', 'LOOPBACK_REDIRECT_LOCALHOST'],
    [
      'client_secret_post',
      { clientType: 'MACHINE', tokenEndpointAuthMethod: 'CLIENT_SECRET_POST' },
      'tokenEndpointAuthMethod',
      'CLIENT_SECRET_POST_NOT_RECOMMENDED',
    ],
    ['hybrid flow with TOKEN', { ...WEB, requirePkce: true, responseTypes: ['CODE', 'TOKEN'] }, 'responseTypes', 'ACCESS_TOKEN_IN_AUTHORIZATION_RESPONSE'],
    ['a client URI on an IP address', { clientType: 'MACHINE', clientUri: 'https://203.0.113.9/' }, 'clientUri', 'CLIENT_URI_HOST_NOT_VERIFIABLE'],
  ])('warns about %s, and createClient accepts it', async (_label, input, path, code) => {
    const issues = await issuesOf(input);
    expect(issues).toEqual([
      { path, code, message: expect.any(String), severity: 'WARNING', reference: CLIENT_RULES[code as keyof typeof CLIENT_RULES].reference },
    ]);
    const created = await h.run(CREATE_CLIENT, { input: { applicationId, name: 'Warned', ...input } });
    expect(created.errors).toBeUndefined();
  });

  it('reports the input bounds of the input type too (what createClient checks before its rules)', async () => {
    const issues = await issuesOf({
      name: 'n'.repeat(201),
      accessTokenTtl: 0,
      redirectUris: [`https://app.example.com/${'a'.repeat(2048)}`],
      clientType: 'WEB',
      requirePkce: true,
    });
    expect(issues.map(({ path, code, severity }) => ({ path, code, severity }))).toEqual(
      expect.arrayContaining([
        { path: 'name', code: 'TOO_LONG', severity: 'ERROR' },
        { path: 'accessTokenTtl', code: 'OUT_OF_RANGE', severity: 'ERROR' },
        { path: 'redirectUris', code: 'TOO_LONG', severity: 'ERROR' },
      ]),
    );
    expect(errorPaths(issues)).toEqual(['accessTokenTtl', 'name', 'redirectUris']);
  });

  it('uses the clientType argument when the input has none; a conflicting one is BAD_USER_INPUT', async () => {
    const settings = { redirectUris: [WEB_URI], tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC' };
    expect(errorPaths(await issuesOf(settings, 'SPA'))).toEqual(['tokenEndpointAuthMethod']);
    expect(errorPaths(await issuesOf(settings, 'WEB'))).toEqual([]);
    expect(errorPaths(await issuesOf({ ...settings, clientType: 'SPA' }, 'SPA'))).toEqual(['tokenEndpointAuthMethod']);
    const conflict = await dryRun({ ...settings, clientType: 'WEB' }, 'SPA');
    expect(codes(conflict)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(conflict)).toEqual(['clientType']);
  });

  it('PUBLIC visibility is an error for new settings: no client URI is verified yet', async () => {
    const issues = await issuesOf({ clientType: 'MACHINE', clientUri: 'https://app.example.com', visibility: 'PUBLIC' });
    expect(issues).toEqual([
      {
        path: 'visibility',
        code: 'CLIENT_URI_NOT_VERIFIED',
        message: expect.stringMatching(/VERIFIED/),
        severity: 'ERROR',
        reference: 'Clavis: client URI verification',
      },
    ]);
  });

  it('reads and writes nothing: no SQL statement at all', async () => {
    const clients = await h.count('clients');
    h.sql.reset();
    await issuesOf({ ...WEB, redirectUris: ['http://example.com/cb'], visibility: 'PUBLIC', name: '' });
    await issuesOf({});
    expect(h.sql.statements).toEqual([]);
    expect(await h.count('clients')).toBe(clients);
  });

  it('needs applications:read', async () => {
    expect(codes(await dryRun(WEB, undefined, await h.token({ scopes: ['applications:write'] })))).toEqual(['FORBIDDEN']);
    expect(codes(await dryRun(WEB, undefined, await h.token({ scopes: ['applications:read'] })))).toEqual([]);
    const anonymous = await h.run(VALIDATE, { input: WEB }, { token: null });
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});

/**
 * The table for "the dry run and createClient never disagree": valid and invalid settings
 * of every kind. For each, the ERROR paths of validateClientSettings are exactly the
 * `extensions.fields` paths of createClient's BAD_USER_INPUT — or both are empty and the
 * client is created.
 */
const AGREEMENT: [string, Record<string, unknown>][] = [
  // valid
  ['WEB defaults', WEB],
  [
    'WEB with PKCE, CORS, scopes, URLs',
    {
      ...WEB,
      requirePkce: true,
      allowedCorsOrigins: ['https://app.example.com'],
      scopes: ['openid', 'profile'],
      logoUri: 'https://app.example.com/logo.png',
      policyUri: 'https://app.example.com/p',
      tosUri: 'https://app.example.com/t',
    },
  ],
  ['SPA defaults', SPA],
  [
    'NATIVE with private-use scheme and loopback',
    { clientType: 'NATIVE', redirectUris: ['com.example.app:/cb', 'http://127.0.0.1:8080/cb', 'http://localhost/cb'] },
  ],
  ['MACHINE defaults', { clientType: 'MACHINE' }],
  ['no type, no redirect URIs (MACHINE)', {}],
  ['no type, redirect URIs (WEB)', { redirectUris: [WEB_URI] }],
  ['hybrid response types', { ...WEB, responseTypes: ['CODE', 'ID_TOKEN', 'TOKEN'] }],
  ['device flow', { clientType: 'NATIVE', grantTypes: ['DEVICE_CODE', 'REFRESH_TOKEN'], responseTypes: [] }],
  ['client_secret_post (warning only)', { clientType: 'MACHINE', tokenEndpointAuthMethod: 'CLIENT_SECRET_POST' }],
  ['values at the length limits', { ...WEB, name: 'n'.repeat(200), redirectUris: [`https://app.example.com/${'a'.repeat(2048 - 24)}`] }],
  ['a client URI (PENDING, PRIVATE)', { clientType: 'MACHINE', clientUri: 'https://app.example.com', accessTokenTtl: 600, refreshTokenTtl: 86400 }],
  ['resources', { clientType: 'MACHINE', resources: ['https://api.example.com', 'urn:example:billing'] }],
  // invalid
  ['http redirect URI', { clientType: 'WEB', redirectUris: ['http://example.com/cb'] }],
  ['fragment and wildcard redirect URIs', { clientType: 'WEB', redirectUris: [WEB_URI, 'https://app.example.com/cb#f', 'https://*.example.com/cb'] }],
  ['private-use scheme on SPA', { clientType: 'SPA', redirectUris: ['com.example.app:/cb'] }],
  ['non-reverse-domain scheme on NATIVE', { clientType: 'NATIVE', redirectUris: ['myapp:/cb'] }],
  ['bad index after a duplicate', { clientType: 'WEB', redirectUris: [WEB_URI, WEB_URI, 'http://example.com/cb'] }],
  ['bad post-logout URI', { ...WEB, postLogoutRedirectUris: ['https://app.example.com/bye', 'http://example.com/bye'] }],
  ['CORS origin with a path and a wildcard', { ...WEB, allowedCorsOrigins: ['https://app.example.com/app', 'https://*.example.com'] }],
  ['bad scopes', { scopes: ['openid', '', 'read write', 'applications:read'] }],
  ['AUTHORIZATION_CODE without CODE', { ...WEB, grantTypes: ['AUTHORIZATION_CODE'], responseTypes: [] }],
  ['CODE without AUTHORIZATION_CODE', { clientType: 'MACHINE', responseTypes: ['CODE'] }],
  ['implicit flow', { ...WEB, responseTypes: ['TOKEN'] }],
  ['REFRESH_TOKEN alone', { clientType: 'WEB', grantTypes: ['REFRESH_TOKEN'], responseTypes: [] }],
  ['no grant types', { clientType: 'WEB', grantTypes: [], responseTypes: [] }],
  ['AUTHORIZATION_CODE without redirect URIs', { clientType: 'SPA' }],
  ['MACHINE with AUTHORIZATION_CODE', { clientType: 'MACHINE', redirectUris: [WEB_URI], grantTypes: ['AUTHORIZATION_CODE'], responseTypes: ['CODE'] }],
  ['NONE on MACHINE', { clientType: 'MACHINE', tokenEndpointAuthMethod: 'NONE' }],
  ['NONE without PKCE', { ...SPA, requirePkce: false }],
  ['SPA with a secret', { ...SPA, tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC' }],
  ['http clientUri, relative logoUri', { clientUri: 'http://app.example.com', logoUri: '/logo.png' }],
  ['resource with a fragment', { resources: ['https://api.example.com/#x'] }],
  ['blank name', { name: '   ' }],
  ['empty name (bound and rule)', { name: '' }],
  ['name over 200 characters', { name: 'n'.repeat(201) }],
  ['zero and too long TTLs', { accessTokenTtl: 0, refreshTokenTtl: 31_536_001 }],
  ['too many redirect URIs', { clientType: 'WEB', redirectUris: Array.from({ length: 101 }, (_, i) => `https://app.example.com/cb/${i}`) }],
  ['over-long redirect URI plus a rule problem', { clientType: 'WEB', redirectUris: [`https://app.example.com/${'a'.repeat(2048)}`, 'http://example.com/cb'] }],
  ['too many scopes, one too long', { scopes: [...Array.from({ length: 201 }, (_, i) => `s${i}`), 's'.repeat(129)] }],
  ['PUBLIC without a client URI', { visibility: 'PUBLIC' }],
  ['PUBLIC with a PENDING client URI', { visibility: 'PUBLIC', clientUri: 'https://app.example.com' }],
  [
    'everything at once',
    {
      clientType: 'SPA',
      name: 'x'.repeat(300),
      redirectUris: ['https://app.example.com/cb', 'http://example.com/cb', 'https://app.example.com/cb#f'],
      allowedCorsOrigins: ['https://app.example.com/'],
      scopes: ['ok', 'not ok', 'not:ok'],
      grantTypes: ['AUTHORIZATION_CODE', 'CLIENT_CREDENTIALS'],
      responseTypes: ['TOKEN'],
      requirePkce: false,
      clientUri: 'http://app.example.com',
      visibility: 'PUBLIC',
      accessTokenTtl: 999_999,
    },
  ],
];

describe('the dry run and createClient never disagree', () => {
  it('the table is varied enough', () => {
    expect(AGREEMENT.length).toBeGreaterThanOrEqual(30);
  });

  it.each(AGREEMENT)('%s', async (_label, settings) => {
    const input = { name: 'Client', ...settings };
    const dry = errorPaths(await issuesOf(input));
    const before = await h.count('clients');
    const created = await h.run<any>(CREATE_CLIENT, { input: { applicationId, ...input } });
    if (created.errors) {
      expect(codes(created)).toEqual(['BAD_USER_INPUT']);
      expect(distinctSorted(fieldPaths(created))).toEqual(dry);
      expect(await h.count('clients')).toBe(before);
    } else {
      expect(dry).toEqual([]);
      expect(created.data.createClient.client.id).toMatch(/^cli_/);
    }
  });

  it('the table has both outcomes', async () => {
    let valid = 0;
    for (const [, settings] of AGREEMENT) if (errorPaths(await issuesOf({ name: 'Client', ...settings })).length === 0) valid += 1;
    expect(valid).toBeGreaterThanOrEqual(10);
    expect(AGREEMENT.length - valid).toBeGreaterThanOrEqual(20);
  });
});

describe('updateClient uses the same checks', () => {
  it('reports the input bounds and the rules together', async () => {
    const created = await h.run<any>(CREATE_CLIENT, { input: { applicationId, name: 'U', ...WEB } });
    const id = created.data.createClient.client.id;
    const result = await h.run(UPDATE_CLIENT, { input: { id, name: 'n'.repeat(201), redirectUris: ['http://example.com/cb'], accessTokenTtl: 0 } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(distinctSorted(fieldPaths(result))).toEqual(['accessTokenTtl', 'name', 'redirectUris.0']);
    // Warnings never block a change.
    const warned = await h.run<any>(UPDATE_CLIENT, { input: { id, tokenEndpointAuthMethod: 'CLIENT_SECRET_POST' } });
    expect(warned.errors).toBeUndefined();
  });
});

describe('the rule catalogue', () => {
  it('every rule names a real source and a severity', () => {
    for (const [code, rule] of Object.entries(CLIENT_RULES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect([IssueSeverity.ERROR, IssueSeverity.WARNING]).toContain(rule.severity);
      expect(rule.reference).toMatch(/^(RFC \d{4} §\d+(\.\d+)*|Clavis(: | API: )[A-Za-z ]+)$/);
    }
  });

  it('clientSettingsIssues only emits catalogued codes, with the catalogue’s severity and reference', () => {
    const issues = clientSettingsIssues(
      newClientSettings(
        {
          clientType: ClientType.SPA,
          redirectUris: ['http://example.com/cb', 'http://localhost/cb', 'myapp:/x'],
          allowedCorsOrigins: ['http://app.example.com'],
          grantTypes: [GrantType.REFRESH_TOKEN, GrantType.CLIENT_CREDENTIALS],
          responseTypes: [ResponseType.ID_TOKEN],
          tokenEndpointAuthMethod: TokenEndpointAuthMethod.NONE,
          requirePkce: false,
          resources: ['nope'],
          scopes: [''],
        },
        'x',
      ),
    );
    expect(issues.length).toBeGreaterThan(8);
    for (const issue of issues) {
      const rule = CLIENT_RULES[issue.code as keyof typeof CLIENT_RULES];
      expect(rule).toBeDefined();
      expect(issue).toMatchObject({ severity: rule.severity, reference: rule.reference, message: expect.any(String) });
    }
  });
});

describe('URIs stored differently from how they were checked (issue 12, item 10)', () => {
  it('a clientUri with a tab in its host and a redirect URI ending in a line feed are refused, and nothing is stored', async () => {
    const before = await h.count('clients');
    for (const input of [
      { applicationId, name: 'tab', clientUri: 'https://good.example.com\t.evil.net/' },
      { applicationId, name: 'newline', clientType: 'WEB', redirectUris: ['https://app.example.com/cb\n'] },
    ]) {
      const result = await h.run(CREATE_CLIENT, { input });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(fieldPaths(result)).toEqual([input.clientUri ? 'clientUri' : 'redirectUris.0']);
    }
    expect(await h.count('clients')).toBe(before);
  });

  it('validateClientSettings reports URI_NOT_CANONICAL and URI_USERINFO, and createClient refuses exactly those', async () => {
    const input = {
      clientType: 'WEB',
      redirectUris: ['https://App.Example.com/cb', 'https://good.example.com@evil.net/cb'],
      clientUri: 'https://good.example.com:443/',
    };
    const issues = await issuesOf(input);
    expect(issues.filter((issue) => issue.code.startsWith('URI_'))).toEqual([
      {
        path: 'redirectUris.0',
        code: 'URI_NOT_CANONICAL',
        message: expect.stringContaining('"https://app.example.com/cb"'),
        severity: 'ERROR',
        reference: 'RFC 9700 §4.1.3',
      },
      { path: 'redirectUris.1', code: 'URI_USERINFO', message: expect.stringMatching(/user information/), severity: 'ERROR', reference: 'RFC 3986 §7.6' },
      {
        path: 'clientUri',
        code: 'URI_NOT_CANONICAL',
        message: expect.stringContaining('"https://good.example.com/"'),
        severity: 'ERROR',
        reference: 'RFC 9700 §4.1.3',
      },
    ]);
    const created = await h.run(CREATE_CLIENT, { input: { applicationId, name: 'not canonical', ...input } });
    expect(codes(created)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(created).sort()).toEqual(['clientUri', 'redirectUris.0', 'redirectUris.1']);
  });
});
