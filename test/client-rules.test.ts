import { ClientType, ClientVisibility, GrantType, ResponseType, TokenEndpointAuthMethod } from '../src/clients/client.entity';
import type { ClientSettingsInput } from '../src/clients/client.inputs';
import { type ClientSettings, clientSettingsIssues, newClientSettings, updatedClientSettings, usesClientSecret } from '../src/clients/client.rules';
import { fieldErrorsOf, messageOf } from '../src/common/issues';
import { type RedirectUriOptions, corsOriginIssue, dnsHostOf, httpsUrlIssue, redirectUriIssue, resourceUriIssue } from '../src/common/uris';

// The message-only views of the rules, as the services that report `fields` take them.
const redirectUriProblem = (uri: string, options: RedirectUriOptions) => messageOf(redirectUriIssue(uri, options));
const corsOriginProblem = (origin: string) => messageOf(corsOriginIssue(origin));
const httpsUrlProblem = (url: string) => messageOf(httpsUrlIssue(url));
const resourceUriProblem = (uri: string) => messageOf(resourceUriIssue(uri));
const clientSettingsProblems = (s: ClientSettings, prefix?: string) => fieldErrorsOf(clientSettingsIssues(s, prefix));

const { AUTHORIZATION_CODE, REFRESH_TOKEN, CLIENT_CREDENTIALS, DEVICE_CODE } = GrantType;
const { CODE, ID_TOKEN, TOKEN } = ResponseType;
const { NONE, CLIENT_SECRET_BASIC, CLIENT_SECRET_POST, PRIVATE_KEY_JWT } = TokenEndpointAuthMethod;

const WEB_DEFAULTS = (): ClientSettingsInput => ({ clientType: ClientType.WEB, redirectUris: ['https://app.example.com/cb'] });

/** Sorted distinct problem paths of settings derived from `input`. */
function pathsFor(input: ClientSettingsInput, prefix?: string): string[] {
  return distinct(clientSettingsProblems(newClientSettings(input, 'Client'), prefix).map((p) => p.path));
}
function distinct(paths: string[]): string[] {
  return [...new Set(paths)].sort();
}

describe('redirectUriProblem', () => {
  const web = { allowPrivateUseScheme: false };
  const native = { allowPrivateUseScheme: true };

  it.each([
    'https://app.example.com/cb',
    'https://app.example.com:8443/oauth/callback?tenant=a',
    'https://localhost/cb',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:8080/cb',
    'http://[::1]/cb',
    'http://[::1]:53682/cb',
    'http://localhost/cb',
    'http://localhost:3000/callback',
  ])('accepts %s for every client type', (uri) => {
    expect(redirectUriProblem(uri, web)).toBeNull();
    expect(redirectUriProblem(uri, native)).toBeNull();
  });

  it.each([
    ['http on a public host', 'http://example.com/cb'],
    ['http on a public host with port', 'http://example.com:8080/cb'],
    ['http on a host that only starts with localhost', 'http://localhost.evil.example/cb'],
    ['http on a host that only starts with 127.0.0.1', 'http://127.0.0.1.evil.example/cb'],
    ['a fragment', 'https://app.example.com/cb#section'],
    ['an empty fragment', 'https://app.example.com/cb#'],
    ['a fragment on loopback', 'http://127.0.0.1:8080/cb#x'],
    ['a wildcard host', 'https://*.example.com/cb'],
    ['a wildcard path', 'https://app.example.com/*'],
    ['a wildcard query', 'https://app.example.com/cb?x=*'],
    ['a wildcard on loopback', 'http://localhost:*/cb'],
    ['a relative path', '/callback'],
    ['a protocol-relative URI', '//app.example.com/cb'],
    ['a bare host', 'app.example.com/cb'],
    ['an empty string', ''],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,hi'],
    ['ftp', 'ftp://files.example.com/cb'],
    ['a non-reverse-domain custom scheme', 'myapp:/cb'],
    ['a non-reverse-domain custom scheme with authority', 'myapp://cb'],
  ])('rejects %s (%s) for every client type', (_label, uri) => {
    expect(redirectUriProblem(uri, web)).toEqual(expect.any(String));
    expect(redirectUriProblem(uri, native)).toEqual(expect.any(String));
  });

  it.each(['com.example.app:/cb', 'com.example.app:/oauth2redirect/provider', 'io.clavis.mobile-app:/cb'])(
    'accepts the private-use reverse-domain scheme %s only for NATIVE clients (RFC 8252 §7.1)',
    (uri) => {
      expect(redirectUriProblem(uri, native)).toBeNull();
      expect(redirectUriProblem(uri, web)).toMatch(/NATIVE/);
    },
  );

  it('rejects a fragment and a wildcard on a private-use scheme even for NATIVE clients', () => {
    expect(redirectUriProblem('com.example.app:/cb#x', native)).toMatch(/fragment/);
    expect(redirectUriProblem('com.example.app:/*', native)).toMatch(/wildcard/);
  });

  it('names the reason', () => {
    expect(redirectUriProblem('https://*.example.com/cb', web)).toMatch(/wildcard/);
    expect(redirectUriProblem('/cb', web)).toMatch(/absolute/);
    expect(redirectUriProblem('https://app.example.com/cb#f', web)).toMatch(/fragment/);
    expect(redirectUriProblem('http://example.com/cb', web)).toMatch(/https/);
  });
});

describe('corsOriginProblem', () => {
  it.each(['https://a.example.com', 'https://a.example.com:8443', 'http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:5173'])(
    'accepts %s',
    (origin) => {
      expect(corsOriginProblem(origin)).toBeNull();
    },
  );

  it.each([
    ['a path', 'https://a.example.com/app'],
    ['a trailing slash', 'https://a.example.com/'],
    ['a query', 'https://a.example.com?x=1'],
    ['a query after a slash', 'https://a.example.com/?x=1'],
    ['a fragment', 'https://a.example.com#x'],
    ['userinfo', 'https://user@a.example.com'],
    ['a non-http scheme', 'ftp://a.example.com'],
    ['a ws scheme', 'wss://a.example.com'],
    ['a private-use scheme', 'com.example.app://a'],
    ['no scheme', 'a.example.com'],
    ['the null origin', 'null'],
    ['an empty string', ''],
    ['a wildcard', '*'],
    ['a wildcard subdomain', 'https://*.example.com'],
    ['http on a public host', 'http://a.example.com'],
  ])('rejects %s (%s)', (_label, origin) => {
    expect(corsOriginProblem(origin)).toEqual(expect.any(String));
  });
});

describe('httpsUrlProblem', () => {
  it.each(['https://example.com', 'https://example.com/privacy?lang=en', 'https://example.com:8443/logo.png'])('accepts %s', (url) => {
    expect(httpsUrlProblem(url)).toBeNull();
  });
  it.each(['http://example.com/logo.png', 'ftp://example.com/tos', '/tos', 'example.com', 'mailto:a@example.com', 'javascript:alert(1)', ''])(
    'rejects %s',
    (url) => {
      expect(httpsUrlProblem(url)).toEqual(expect.any(String));
    },
  );
});

describe('resourceUriProblem', () => {
  it.each(['https://api.example.com', 'https://api.example.com/v1', 'urn:example:billing', 'http://localhost:8080/api'])('accepts %s', (uri) => {
    expect(resourceUriProblem(uri)).toBeNull();
  });
  it.each(['/api', 'api.example.com', 'https://api.example.com/v1#frag', 'https://api.example.com#', ''])('rejects %s', (uri) => {
    expect(resourceUriProblem(uri)).toEqual(expect.any(String));
  });
});

describe('URIs are stored exactly as the rules read them (issue 12, item 10)', () => {
  const web = { allowPrivateUseScheme: false };
  const native = { allowPrivateUseScheme: true };
  const codeOf = (uri: string) => redirectUriIssue(uri, native)?.code;

  it.each([
    // WHATWG parsing drops tab and line breaks anywhere and trims spaces and controls: the text
    // stored would not be the URI checked (its host read as good.example.com.evil.net).
    ['a tab inside the host', 'https://good.example.com\t.evil.net/'],
    ['a line feed at the end', 'https://app.example.com/cb\n'],
    ['a carriage return in the path', 'https://app.example.com/c\rb'],
    ['a leading space', ' https://app.example.com/cb'],
    ['a trailing space', 'https://app.example.com/cb '],
    ['a backslash for a slash', 'https://app.example.com\\cb'],
    ['an upper-case host', 'https://App.Example.com/cb'],
    ['an upper-case scheme', 'HTTPS://app.example.com/cb'],
    ['the default port', 'https://app.example.com:443/cb'],
    ['a dot segment', 'https://app.example.com/a/../cb'],
    ['an encoded dot segment', 'https://app.example.com/a/%2e%2e/cb'],
    ['a character the parser percent-encodes', 'https://app.example.com/c"b'],
    ['a non-ASCII host (not in punycode)', 'https://bücher.example/cb'],
    ['a numeric IPv4 host in another notation', 'http://0x7f.0.0.1/cb'],
    ['a loopback host in another notation', 'http://127.1/cb'],
  ])('redirect URI with %s → URI_NOT_CANONICAL, naming the canonical form', (_label, uri) => {
    expect(codeOf(uri)).toBe('URI_NOT_CANONICAL');
    expect(redirectUriIssue(uri, native)?.message).toContain(JSON.stringify(new URL(uri).href));
  });

  it.each(['https://good.example.com@evil.net/cb', 'https://user:pass@app.example.com/cb', 'https://@app.example.com/cb', 'http://x@127.0.0.1/cb'])(
    'user information (%s) → URI_USERINFO',
    (uri) => {
      expect(codeOf(uri)).toBe('URI_USERINFO');
    },
  );

  it.each([
    'https://app.example.com',
    'https://app.example.com/',
    'https://app.example.com?x=1',
    'https://app.example.com/cb?x=1&y=%20',
    'http://127.0.0.1:8080/cb',
    'http://[::1]:53682/cb',
    'com.example.app:/cb',
    'https://xn--bcher-kva.example/cb',
  ])('the canonical form (or the empty path without its "/") is accepted: %s', (uri) => {
    expect(redirectUriIssue(uri, native)).toBeNull();
  });

  it('client, logo, policy and terms URIs and resources follow the same rule', () => {
    expect(httpsUrlIssue('https://good.example.com\t.evil.net/')?.code).toBe('URI_NOT_CANONICAL');
    expect(httpsUrlIssue('https://good.example.com@evil.net/')?.code).toBe('URI_USERINFO');
    expect(httpsUrlIssue('https://good.example.com/')).toBeNull();
    expect(resourceUriIssue('https://API.example.com/v1')?.code).toBe('URI_NOT_CANONICAL');
    expect(resourceUriIssue('urn:example:billing')).toBeNull();
  });

  it('so the DNS challenge host is the host the stored text shows', () => {
    const accepted = ['https://good.example.com/', 'https://good.example.com', 'https://a.good.example.com/path'];
    for (const uri of accepted) {
      expect(httpsUrlIssue(uri)).toBeNull();
      expect(uri).toContain(dnsHostOf(uri)!);
    }
  });

  it('clientSettingsProblems reports the field of each', () => {
    expect(
      pathsFor(
        {
          clientType: ClientType.WEB,
          redirectUris: ['https://app.example.com/cb', 'https://app.example.com/cb\n'],
          clientUri: 'https://good.example.com\t.evil.net/',
        },
        'input.',
      ),
    ).toEqual(['input.clientUri', 'input.redirectUris.1']);
    expect(redirectUriProblem('https://app.example.com/cb\n', web)).toMatch(/canonical form/);
  });
});

describe('newClientSettings: derived defaults', () => {
  it('WEB: authorization code + refresh, CODE, client_secret_basic, PKCE not forced', () => {
    const s = newClientSettings({ clientType: ClientType.WEB, redirectUris: ['https://app.example.com/cb'] }, 'Web');
    expect(s).toMatchObject({
      name: 'Web',
      clientType: ClientType.WEB,
      visibility: ClientVisibility.PRIVATE,
      grantTypes: [AUTHORIZATION_CODE, REFRESH_TOKEN],
      responseTypes: [CODE],
      tokenEndpointAuthMethod: CLIENT_SECRET_BASIC,
      requirePkce: false,
    });
    expect(clientSettingsProblems(s)).toEqual([]);
    expect(usesClientSecret(s)).toBe(true);
  });

  it.each([ClientType.SPA, ClientType.NATIVE])('%s: authorization code + refresh, CODE, NONE, PKCE required', (clientType) => {
    const s = newClientSettings({ clientType, redirectUris: ['https://app.example.com/cb'] }, 'Public');
    expect(s).toMatchObject({
      clientType,
      grantTypes: [AUTHORIZATION_CODE, REFRESH_TOKEN],
      responseTypes: [CODE],
      tokenEndpointAuthMethod: NONE,
      requirePkce: true,
    });
    expect(clientSettingsProblems(s)).toEqual([]);
    expect(usesClientSecret(s)).toBe(false);
  });

  it('MACHINE: client credentials only, no response types, client_secret_basic', () => {
    const s = newClientSettings({ clientType: ClientType.MACHINE }, 'Machine');
    expect(s).toMatchObject({
      clientType: ClientType.MACHINE,
      grantTypes: [CLIENT_CREDENTIALS],
      responseTypes: [],
      tokenEndpointAuthMethod: CLIENT_SECRET_BASIC,
      requirePkce: false,
      redirectUris: [],
    });
    expect(clientSettingsProblems(s)).toEqual([]);
    expect(usesClientSecret(s)).toBe(true);
  });

  it('without a type, redirect URIs make a WEB client', () => {
    const s = newClientSettings({ redirectUris: ['https://app.example.com/cb'] }, 'x');
    expect(s).toMatchObject({
      clientType: ClientType.WEB,
      grantTypes: [AUTHORIZATION_CODE, REFRESH_TOKEN],
      responseTypes: [CODE],
      tokenEndpointAuthMethod: CLIENT_SECRET_BASIC,
    });
  });

  it.each([[{}], [{ redirectUris: [] }], [{ redirectUris: null as unknown as string[] }]])(
    'without a type or redirect URIs (%j) it is a MACHINE client',
    (input) => {
      const s = newClientSettings(input, 'x');
      expect(s).toMatchObject({
        clientType: ClientType.MACHINE,
        grantTypes: [CLIENT_CREDENTIALS],
        responseTypes: [],
        tokenEndpointAuthMethod: CLIENT_SECRET_BASIC,
      });
      expect(clientSettingsProblems(s)).toEqual([]);
    },
  );

  it('uses the input name over the fallback and defaults the optional fields to empty / null', () => {
    const s = newClientSettings({ name: 'Given' }, 'Fallback');
    expect(s).toEqual({
      name: 'Given',
      description: null,
      clientType: ClientType.MACHINE,
      visibility: ClientVisibility.PRIVATE,
      redirectUris: [],
      postLogoutRedirectUris: [],
      allowedCorsOrigins: [],
      grantTypes: [CLIENT_CREDENTIALS],
      responseTypes: [],
      scopes: [],
      tokenEndpointAuthMethod: CLIENT_SECRET_BASIC,
      requirePkce: false,
      clientUri: null,
      logoUri: null,
      policyUri: null,
      tosUri: null,
      accessTokenTtl: null,
      refreshTokenTtl: null,
      resources: [],
      tlsClientAuthSubjectDn: null,
      tlsClientAuthSanDns: null,
      tlsClientAuthSanUri: null,
      tlsClientAuthSanIp: null,
      tlsClientAuthSanEmail: null,
    });
    expect(newClientSettings({}, 'Fallback').name).toBe('Fallback');
  });

  it('explicit settings win over the type defaults', () => {
    const s = newClientSettings(
      {
        clientType: ClientType.WEB,
        redirectUris: ['https://a.example.com/cb'],
        tokenEndpointAuthMethod: PRIVATE_KEY_JWT,
        requirePkce: true,
        grantTypes: [AUTHORIZATION_CODE],
      },
      'x',
    );
    expect(s).toMatchObject({ tokenEndpointAuthMethod: PRIVATE_KEY_JWT, requirePkce: true, grantTypes: [AUTHORIZATION_CODE] });
    expect(usesClientSecret(s)).toBe(false);
  });

  it('NONE with requirePkce omitted turns PKCE on', () => {
    expect(newClientSettings({ clientType: ClientType.SPA, redirectUris: ['https://a.example.com/cb'], tokenEndpointAuthMethod: NONE }, 'x').requirePkce).toBe(
      true,
    );
    expect(newClientSettings({ clientType: ClientType.NATIVE, redirectUris: ['com.example.app:/cb'] }, 'x').requirePkce).toBe(true);
  });

  it('removes duplicates from every list, keeping the first occurrence in order', () => {
    const s = newClientSettings(
      {
        clientType: ClientType.WEB,
        redirectUris: ['https://a.example.com/cb', 'https://b.example.com/cb', 'https://a.example.com/cb'],
        postLogoutRedirectUris: ['https://a.example.com/out', 'https://a.example.com/out'],
        allowedCorsOrigins: ['https://a.example.com', 'https://a.example.com'],
        grantTypes: [AUTHORIZATION_CODE, REFRESH_TOKEN, AUTHORIZATION_CODE],
        responseTypes: [CODE, CODE],
        scopes: ['read', 'write', 'read'],
        resources: ['https://api.example.com', 'https://api.example.com'],
      },
      'x',
    );
    expect(s.redirectUris).toEqual(['https://a.example.com/cb', 'https://b.example.com/cb']);
    expect(s.postLogoutRedirectUris).toEqual(['https://a.example.com/out']);
    expect(s.allowedCorsOrigins).toEqual(['https://a.example.com']);
    expect(s.grantTypes).toEqual([AUTHORIZATION_CODE, REFRESH_TOKEN]);
    expect(s.responseTypes).toEqual([CODE]);
    expect(s.scopes).toEqual(['read', 'write']);
    expect(s.resources).toEqual(['https://api.example.com']);
    expect(clientSettingsProblems(s)).toEqual([]);
  });

  it('does not mutate its input', () => {
    const input: ClientSettingsInput = { redirectUris: ['https://a.example.com/cb', 'https://a.example.com/cb'] };
    newClientSettings(input, 'x');
    expect(input).toEqual({ redirectUris: ['https://a.example.com/cb', 'https://a.example.com/cb'] });
  });
});

describe('updatedClientSettings', () => {
  const base = (): ClientSettings =>
    newClientSettings(
      { clientType: ClientType.WEB, redirectUris: ['https://a.example.com/cb'], scopes: ['read'], clientUri: 'https://a.example.com', description: 'd' },
      'Web',
    );

  it('keeps omitted fields and replaces given ones', () => {
    const before = base();
    const after = updatedClientSettings(before, { name: 'Renamed', scopes: ['write', 'write', 'admin'] });
    expect(after).toEqual({ ...before, name: 'Renamed', scopes: ['write', 'admin'] });
    expect(before.name).toBe('Web');
  });

  it('null clears a nullable field', () => {
    const after = updatedClientSettings(base(), { clientUri: null, description: null });
    expect(after.clientUri).toBeNull();
    expect(after.description).toBeNull();
    expect(after.redirectUris).toEqual(['https://a.example.com/cb']);
  });

  it('switching to NONE forces PKCE unless requirePkce is given', () => {
    const spa = { ...base(), clientType: ClientType.SPA };
    expect(updatedClientSettings(spa, { tokenEndpointAuthMethod: NONE }).requirePkce).toBe(true);
    const explicitFalse = updatedClientSettings(spa, { tokenEndpointAuthMethod: NONE, requirePkce: false });
    expect(explicitFalse.requirePkce).toBe(false);
    expect(distinct(clientSettingsProblems(explicitFalse).map((p) => p.path))).toEqual(['requirePkce']);
  });

  it('the merged settings are what the rules see: MACHINE with inherited authorization-code grants is invalid', () => {
    const merged = updatedClientSettings(base(), { clientType: ClientType.MACHINE });
    expect(merged.grantTypes).toEqual([AUTHORIZATION_CODE, REFRESH_TOKEN]);
    expect(distinct(clientSettingsProblems(merged).map((p) => p.path))).toEqual(['grantTypes']);
  });
});

describe('clientSettingsProblems', () => {
  describe('URIs in the settings', () => {
    it('reports each bad redirect, post-logout URI, CORS origin, resource and https URL at its index / field', () => {
      expect(
        pathsFor({
          clientType: ClientType.WEB,
          redirectUris: ['https://a.example.com/cb', 'http://example.com/cb', 'https://a.example.com/cb#f'],
          postLogoutRedirectUris: ['https://*.example.com/out'],
          allowedCorsOrigins: ['https://a.example.com', 'https://a.example.com/'],
          resources: ['relative/path'],
          clientUri: 'http://a.example.com',
          logoUri: 'not a url',
          policyUri: 'https://a.example.com/privacy',
          tosUri: 'ftp://a.example.com/tos',
        }),
      ).toEqual(['allowedCorsOrigins.1', 'clientUri', 'logoUri', 'postLogoutRedirectUris.0', 'redirectUris.1', 'redirectUris.2', 'resources.0', 'tosUri']);
    });

    it('allows private-use schemes only for NATIVE clients, in redirect and post-logout URIs', () => {
      expect(pathsFor({ clientType: ClientType.NATIVE, redirectUris: ['com.example.app:/cb'], postLogoutRedirectUris: ['com.example.app:/out'] })).toEqual([]);
      expect(
        pathsFor({
          clientType: ClientType.WEB,
          redirectUris: ['https://a.example.com/cb', 'com.example.app:/cb'],
          postLogoutRedirectUris: ['com.example.app:/out'],
        }),
      ).toEqual(['postLogoutRedirectUris.0', 'redirectUris.1']);
      expect(pathsFor({ clientType: ClientType.SPA, redirectUris: ['com.example.app:/cb'] })).toEqual(['redirectUris.0']);
      expect(pathsFor({ clientType: ClientType.NATIVE, redirectUris: ['myapp:/cb'] })).toEqual(['redirectUris.0']);
    });

    it('reports the index the caller sent, even after duplicates were removed', () => {
      expect(pathsFor({ clientType: ClientType.WEB, redirectUris: ['https://a.example.com/cb', 'https://a.example.com/cb', 'http://example.com/cb'] })).toEqual(
        ['redirectUris.2'],
      );
      expect(pathsFor({ scopes: ['read', 'read', 'read', 'bad scope'] })).toEqual(['scopes.3']);
    });
  });

  describe('scopes', () => {
    it.each([
      ['empty', ''],
      ['a space', 'read write'],
      ['a tab', 'read\twrite'],
      ['a newline', 'read\n'],
      ['only whitespace', ' '],
      ['a colon', 'applications:read'],
      ['a leading colon', ':read'],
    ])('rejects a scope with %s', (_label, scope) => {
      expect(pathsFor({ scopes: ['openid', scope] })).toEqual(['scopes.1']);
    });

    it('accepts ordinary scope tokens', () => {
      expect(pathsFor({ scopes: ['openid', 'profile', 'email', 'offline_access', 'billing.read', 'api/read', 'ÄÖ-unicode'] })).toEqual([]);
    });
  });

  describe('grant types and response types (RFC 7591 §2.1)', () => {
    it.each<[string, ClientSettingsInput, string[]]>([
      ['AUTHORIZATION_CODE without CODE', { ...WEB_DEFAULTS(), grantTypes: [AUTHORIZATION_CODE], responseTypes: [] }, ['responseTypes']],
      ['AUTHORIZATION_CODE with only ID_TOKEN', { ...WEB_DEFAULTS(), grantTypes: [AUTHORIZATION_CODE], responseTypes: [ID_TOKEN] }, ['responseTypes']],
      ['CODE without AUTHORIZATION_CODE', { clientType: ClientType.MACHINE, grantTypes: [CLIENT_CREDENTIALS], responseTypes: [CODE] }, ['responseTypes']],
      ['CODE with DEVICE_CODE only', { clientType: ClientType.WEB, grantTypes: [DEVICE_CODE], responseTypes: [CODE] }, ['responseTypes']],
      ['TOKEN alone (implicit flow)', { ...WEB_DEFAULTS(), grantTypes: [AUTHORIZATION_CODE], responseTypes: [TOKEN] }, ['responseTypes']],
      ['ID_TOKEN + TOKEN without CODE', { ...WEB_DEFAULTS(), grantTypes: [AUTHORIZATION_CODE], responseTypes: [ID_TOKEN, TOKEN] }, ['responseTypes']],
      ['REFRESH_TOKEN alone', { clientType: ClientType.WEB, grantTypes: [REFRESH_TOKEN], responseTypes: [] }, ['grantTypes']],
      ['no grant type at all', { clientType: ClientType.WEB, grantTypes: [], responseTypes: [] }, ['grantTypes']],
      ['AUTHORIZATION_CODE without a redirect URI', { clientType: ClientType.WEB, grantTypes: [AUTHORIZATION_CODE], responseTypes: [CODE] }, ['redirectUris']],
      [
        'MACHINE with AUTHORIZATION_CODE',
        { clientType: ClientType.MACHINE, redirectUris: ['https://a.example.com/cb'], grantTypes: [AUTHORIZATION_CODE], responseTypes: [CODE] },
        ['grantTypes'],
      ],
      ['MACHINE with DEVICE_CODE', { clientType: ClientType.MACHINE, grantTypes: [CLIENT_CREDENTIALS, DEVICE_CODE] }, ['grantTypes']],
      ['MACHINE with REFRESH_TOKEN', { clientType: ClientType.MACHINE, grantTypes: [CLIENT_CREDENTIALS, REFRESH_TOKEN] }, ['grantTypes']],
    ])('rejects %s', (_label, input, paths) => {
      expect(pathsFor(input)).toEqual(paths);
    });

    it.each<[string, ResponseType[], GrantType[]]>([
      ['TOKEN', [TOKEN], [AUTHORIZATION_CODE]],
      ['ID_TOKEN', [ID_TOKEN], [AUTHORIZATION_CODE]],
      ['ID_TOKEN + TOKEN', [ID_TOKEN, TOKEN], [AUTHORIZATION_CODE]],
      ['TOKEN without the code grant', [TOKEN], [CLIENT_CREDENTIALS]],
    ])('explains that %s without CODE is the unsupported implicit flow', (_label, responseTypes, grantTypes) => {
      const problems = clientSettingsProblems(newClientSettings({ ...WEB_DEFAULTS(), responseTypes, grantTypes }, 'x'));
      expect(problems.filter((p) => p.path === 'responseTypes').map((p) => p.message)).toContainEqual(expect.stringMatching(/implicit/i));
    });

    it.each<[string, ClientSettingsInput]>([
      ['AUTHORIZATION_CODE + CODE', { ...WEB_DEFAULTS(), grantTypes: [AUTHORIZATION_CODE], responseTypes: [CODE] }],
      ['hybrid CODE + ID_TOKEN', { ...WEB_DEFAULTS(), grantTypes: [AUTHORIZATION_CODE], responseTypes: [CODE, ID_TOKEN] }],
      ['hybrid CODE + ID_TOKEN + TOKEN', { ...WEB_DEFAULTS(), grantTypes: [AUTHORIZATION_CODE, REFRESH_TOKEN], responseTypes: [CODE, ID_TOKEN, TOKEN] }],
      ['WEB with client credentials as well', { ...WEB_DEFAULTS(), grantTypes: [AUTHORIZATION_CODE, CLIENT_CREDENTIALS], responseTypes: [CODE] }],
      ['DEVICE_CODE + REFRESH_TOKEN without response types', { clientType: ClientType.WEB, grantTypes: [DEVICE_CODE, REFRESH_TOKEN], responseTypes: [] }],
      ['NATIVE device flow', { clientType: ClientType.NATIVE, grantTypes: [DEVICE_CODE, REFRESH_TOKEN], responseTypes: [] }],
      ['MACHINE with CLIENT_CREDENTIALS', { clientType: ClientType.MACHINE, grantTypes: [CLIENT_CREDENTIALS] }],
    ])('accepts %s', (_label, input) => {
      expect(pathsFor(input)).toEqual([]);
    });
  });

  describe('token endpoint auth method', () => {
    it.each([ClientType.WEB, ClientType.MACHINE])('NONE is rejected for %s clients', (clientType) => {
      const input: ClientSettingsInput =
        clientType === ClientType.WEB
          ? { ...WEB_DEFAULTS(), tokenEndpointAuthMethod: NONE }
          : { clientType, tokenEndpointAuthMethod: NONE, grantTypes: [DEVICE_CODE] };
      expect(pathsFor(input)).toContain('tokenEndpointAuthMethod');
    });

    it('NONE on a WEB client is reported on tokenEndpointAuthMethod only', () => {
      expect(pathsFor({ ...WEB_DEFAULTS(), tokenEndpointAuthMethod: NONE })).toEqual(['tokenEndpointAuthMethod']);
    });

    it('NONE with an explicit requirePkce: false is rejected; omitted means true', () => {
      expect(pathsFor({ clientType: ClientType.SPA, redirectUris: ['https://a.example.com/cb'], requirePkce: false })).toEqual(['requirePkce']);
      expect(pathsFor({ clientType: ClientType.NATIVE, redirectUris: ['com.example.app:/cb'], tokenEndpointAuthMethod: NONE, requirePkce: false })).toEqual([
        'requirePkce',
      ]);
      expect(pathsFor({ clientType: ClientType.SPA, redirectUris: ['https://a.example.com/cb'], tokenEndpointAuthMethod: NONE })).toEqual([]);
      expect(pathsFor({ clientType: ClientType.SPA, redirectUris: ['https://a.example.com/cb'], requirePkce: true })).toEqual([]);
    });

    it('CLIENT_CREDENTIALS is not allowed with NONE', () => {
      expect(
        pathsFor({ clientType: ClientType.SPA, redirectUris: ['https://a.example.com/cb'], grantTypes: [AUTHORIZATION_CODE, CLIENT_CREDENTIALS] }),
      ).toEqual(['grantTypes']);
      expect(pathsFor({ clientType: ClientType.NATIVE, grantTypes: [CLIENT_CREDENTIALS], responseTypes: [] })).toEqual(['grantTypes']);
    });

    it.each([
      [ClientType.SPA, CLIENT_SECRET_BASIC],
      [ClientType.SPA, CLIENT_SECRET_POST],
      [ClientType.SPA, PRIVATE_KEY_JWT],
      [ClientType.NATIVE, CLIENT_SECRET_BASIC],
      [ClientType.NATIVE, CLIENT_SECRET_POST],
      [ClientType.NATIVE, PRIVATE_KEY_JWT],
    ])('%s with %s is rejected', (clientType, tokenEndpointAuthMethod) => {
      expect(pathsFor({ clientType, redirectUris: ['https://a.example.com/cb'], tokenEndpointAuthMethod })).toEqual(['tokenEndpointAuthMethod']);
    });

    it.each([CLIENT_SECRET_BASIC, CLIENT_SECRET_POST, PRIVATE_KEY_JWT])('WEB and MACHINE clients may use %s', (tokenEndpointAuthMethod) => {
      expect(pathsFor({ ...WEB_DEFAULTS(), tokenEndpointAuthMethod })).toEqual([]);
      expect(pathsFor({ clientType: ClientType.MACHINE, tokenEndpointAuthMethod })).toEqual([]);
    });
  });

  it('rejects a blank name', () => {
    expect(pathsFor({ name: '   ' })).toEqual(['name']);
    expect(pathsFor({ name: 'ok' })).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(
      pathsFor({
        clientType: ClientType.SPA,
        redirectUris: ['http://example.com/cb'],
        allowedCorsOrigins: ['https://a.example.com/path'],
        scopes: ['ok', 'bad:scope'],
        grantTypes: [AUTHORIZATION_CODE, CLIENT_CREDENTIALS],
        responseTypes: [],
        requirePkce: false,
      }),
    ).toEqual(['allowedCorsOrigins.0', 'grantTypes', 'redirectUris.0', 'requirePkce', 'responseTypes', 'scopes.1']);
  });

  it('prefixes every path', () => {
    const problems = clientSettingsProblems(
      newClientSettings(
        {
          clientType: ClientType.WEB,
          redirectUris: ['https://a.example.com/cb', 'http://example.com/cb'],
          scopes: ['a b'],
          grantTypes: [AUTHORIZATION_CODE],
          responseTypes: [],
        },
        'x',
      ),
      'defaultClient.',
    );
    expect(distinct(problems.map((p) => p.path))).toEqual(['defaultClient.redirectUris.1', 'defaultClient.responseTypes', 'defaultClient.scopes.0']);
    for (const problem of problems) expect(problem.message).toEqual(expect.any(String));
    expect(clientSettingsProblems(newClientSettings({ redirectUris: ['http://example.com/cb'] }, 'x')).map((p) => p.path)).toEqual(['redirectUris.0']);
  });
});

describe('usesClientSecret', () => {
  it.each([
    [CLIENT_SECRET_BASIC, true],
    [CLIENT_SECRET_POST, true],
    [PRIVATE_KEY_JWT, false],
    [NONE, false],
  ])('%s → %s', (tokenEndpointAuthMethod, expected) => {
    expect(usesClientSecret({ tokenEndpointAuthMethod })).toBe(expected);
  });
});
