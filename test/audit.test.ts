import { codes, createHarness, type Harness } from './helpers/harness';

/** Every mutation writes an audit event in its own transaction; names of fields, never values. */
let h: Harness;
let url: string;
beforeAll(async () => {
  h = await createHarness();
  url = `${await h.listen()}/graphql`;
});
afterAll(() => h.close());

const EVENTS = `query($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id organizationId actor action targetId targetType changedFields requestId createdAt } }
  }
}`;

async function eventsFor(targetId: string) {
  const result = await h.run(EVENTS, { filter: { targetId } });
  expect(result.errors).toBeUndefined();
  return result.data!.auditEvents.edges.map((edge: any) => edge.node);
}

async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.token({ sub: 'alice' })}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: any[] };
}

test('createApplication records who, what, which fields and the request id, for the application and its default client', async () => {
  const created = await post(
    `mutation($i: CreateApplicationInput!) { createApplication(input: $i) { application { id } defaultClient { id } clientSecret } }`,
    { i: { identifier: 'audited', name: 'Audited', description: 'd', idempotencyKey: 'k1' } },
    { 'x-request-id': 'req-audit-1' },
  );
  const { application, defaultClient, clientSecret } = created.data.createApplication;
  const [appEvent] = await eventsFor(application.id);
  expect(appEvent).toMatchObject({
    organizationId: 'org-a',
    actor: 'alice',
    action: 'application.create',
    targetType: 'Application',
    requestId: 'req-audit-1',
  });
  expect(appEvent.changedFields).toEqual(['description', 'identifier', 'name']);
  const [clientEvent] = await eventsFor(defaultClient.id);
  expect(clientEvent).toMatchObject({ action: 'client.create', targetType: 'Client', requestId: 'req-audit-1' });
  const rows = await h.dataSource.query(`SELECT * FROM audit_events`);
  expect(JSON.stringify(rows)).not.toContain(clientSecret);
});

test('updates record the names of the fields they set; deletes are recorded too', async () => {
  const app = (await h.run(`mutation { createApplication(input: { identifier: "audit-upd", name: "U" }) { application { id } } }`)).data!.createApplication
    .application;
  await h.run(`mutation($i: UpdateApplicationInput!) { updateApplication(input: $i) { application { id } } }`, {
    i: { id: app.id, name: 'V', description: null, expectedVersion: 1 },
  });
  await h.run(`mutation($i: DeleteApplicationInput!) { deleteApplication(input: $i) { deletedId } }`, { i: { id: app.id } });
  const events = await eventsFor(app.id);
  expect(events.map((e: any) => e.action)).toEqual(['application.create', 'application.update', 'application.delete']);
  expect(events[1].changedFields).toEqual(['description', 'name']);
  expect(events[2].changedFields).toEqual([]);
});

test('providers and credentials are audited, and a rotated password never reaches the trail', async () => {
  const app = (await h.run(`mutation { createApplication(input: { identifier: "audit-cred", name: "C" }) { application { id } } }`)).data!.createApplication
    .application;
  const provider = (
    await h.run(`mutation { createProvider(input: { identifier: "audit-idp", name: "IdP", clientSecret: "outbound-s3cret" }) { provider { id } } }`)
  ).data!.createProvider.provider;
  const credential = await h.run(
    `mutation($i: CreateCredentialInput!) { createCredential(input: $i) { credential { ... on ApplicationCredential { id } } secret } }`,
    {
      i: { applicationId: app.id, password: {} },
    },
  );
  const credentialId = credential.data!.createCredential.credential.id;
  const rotated = await h.run(`mutation($i: RotateCredentialSecretInput!) { rotateCredentialSecret(input: $i) { secret } }`, { i: { id: credentialId } });
  expect((await eventsFor(provider.id)).map((e: any) => [e.action, e.changedFields])).toEqual([['provider.create', ['clientSecret', 'identifier', 'name']]]);
  const credentialEvents = await eventsFor(credentialId);
  expect(credentialEvents.map((e: any) => [e.action, e.targetType])).toEqual([
    ['credential.create', 'PasswordCredential'],
    ['credential.rotate_secret', 'PasswordCredential'],
  ]);
  const trail = JSON.stringify(await h.dataSource.query(`SELECT * FROM audit_events`));
  for (const secret of ['outbound-s3cret', credential.data!.createCredential.secret, rotated.data!.rotateCredentialSecret.secret])
    expect(trail).not.toContain(secret);
});

test('a rolled-back mutation leaves no event', async () => {
  const before = await h.count('audit_events');
  const conflict = await h.run(`mutation { createApplication(input: { identifier: "audited", name: "Again" }) { application { id } } }`);
  expect(codes(conflict)).toEqual(['CONFLICT']);
  const invalid = await h.run(
    `mutation { createProvider(input: { identifier: "bad", name: "Bad", protocols: { oauth2: { issuer: "http://insecure" } } }) { provider { id } } }`,
  );
  expect(codes(invalid)).toEqual(['BAD_USER_INPUT']);
  expect(await h.count('audit_events')).toBe(before);
});

test('an idempotent replay does not record the create twice', async () => {
  const before = await h.count('audit_events');
  await post(`mutation($i: CreateApplicationInput!) { createApplication(input: $i) { application { id } } }`, {
    i: { identifier: 'audited', name: 'Audited', description: 'd', idempotencyKey: 'k1' },
  });
  expect(await h.count('audit_events')).toBe(before);
});

test('auditEvents filters by action, actor and time, and pages', async () => {
  const byAction = await h.run(EVENTS, { filter: { action: 'application.create' } });
  expect(byAction.data!.auditEvents.edges.every((e: any) => e.node.action === 'application.create')).toBe(true);
  const byActor = await h.run(EVENTS, { filter: { actor: 'alice' } });
  expect(byActor.data!.auditEvents.totalCount).toBeGreaterThan(0);
  expect(byActor.data!.auditEvents.edges.every((e: any) => e.node.actor === 'alice')).toBe(true);
  const future = await h.run(EVENTS, { filter: { since: new Date(Date.now() + 60_000).toISOString() } });
  expect(future.data!.auditEvents.totalCount).toBe(0);

  const all = (await h.run(EVENTS, { first: 100 })).data!.auditEvents;
  const seen: string[] = [];
  let after: string | null = null;
  do {
    const page: any = (await h.run(EVENTS, { first: 3, after })).data!.auditEvents;
    seen.push(...page.edges.map((e: any) => e.node.id));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  expect(seen).toEqual(all.edges.map((e: any) => e.node.id));
});

test('Application.auditEvents lists the application’s own events', async () => {
  const app = (await h.run(`mutation { createApplication(input: { identifier: "audit-nested", name: "N" }) { application { id } } }`)).data!.createApplication
    .application;
  await h.run(`mutation($i: UpdateApplicationInput!) { updateApplication(input: $i) { application { id } } }`, { i: { id: app.id, name: 'M' } });
  const result = await h.run(`query($id: ID!) { application(id: $id) { auditEvents { totalCount edges { node { action targetId } } } } }`, { id: app.id });
  expect(result.data!.application.auditEvents.totalCount).toBe(2);
  expect(result.data!.application.auditEvents.edges.map((e: any) => e.node.action)).toEqual(['application.create', 'application.update']);
});

test('the trail is organization-scoped and needs audit:read', async () => {
  const other = await h.token({ org: 'org-b' });
  const theirs = await h.run(EVENTS, {}, { token: other });
  expect(theirs.data!.auditEvents.totalCount).toBe(0);
  const noScope = await h.run(EVENTS, {}, { token: await h.token({ scopes: ['applications:read'] }) });
  expect(codes(noScope)).toEqual(['FORBIDDEN']);
  const [event] = (await h.run(EVENTS, { first: 1 })).data!.auditEvents.edges;
  expect((await h.run(`query($id: ID!) { node(id: $id) { id } }`, { id: event.node.id }, { token: other })).data!.node).toBeNull();
  expect((await h.run(`query($id: ID!) { node(id: $id) { ... on AuditEvent { action } } }`, { id: event.node.id })).data!.node.action).toBeDefined();
});

test('client mutations are audited: create, update, rotation, retirement of the old secret, delete', async () => {
  const app = (await h.run(`mutation { createApplication(input: { identifier: "audit-clients", name: "K" }) { application { id } } }`)).data!.createApplication
    .application;
  const created = await h.run(`mutation($i: CreateClientInput!) { createClient(input: $i) { client { id } clientSecret } }`, {
    i: { applicationId: app.id, name: 'Second', scopes: ['read'] },
  });
  const clientId = created.data!.createClient.client.id;
  await h.run(`mutation($i: UpdateClientInput!) { updateClient(input: $i) { client { id } } }`, { i: { id: clientId, description: 'x', expectedVersion: 1 } });
  const rotated = await h.run(`mutation($i: RotateClientSecretInput!) { rotateClientSecret(input: $i) { clientSecret } }`, {
    i: { id: clientId, gracePeriodSeconds: 60 },
  });
  await h.run(`mutation($i: DeleteRotatedClientSecretInput!) { deleteRotatedClientSecret(input: $i) { client { id } } }`, { i: { id: clientId } });
  await h.run(`mutation($i: DeleteClientInput!) { deleteClient(input: $i) { deletedId } }`, { i: { id: clientId } });
  const events = await eventsFor(clientId);
  expect(events.map((e: any) => [e.action, e.changedFields])).toEqual([
    ['client.create', ['name', 'scopes']],
    ['client.update', ['description']],
    ['client.rotate_secret', ['gracePeriodSeconds']],
    ['client.delete_rotated_secret', []],
    ['client.delete', []],
  ]);
  const result = await h.run(`query($id: ID!) { application(id: $id) { defaultClient { auditEvents { totalCount } } } }`, { id: app.id });
  expect(result.data!.application.defaultClient.auditEvents.totalCount).toBe(1);
  const trail = JSON.stringify(await h.dataSource.query(`SELECT * FROM audit_events`));
  for (const secret of [created.data!.createClient.clientSecret, rotated.data!.rotateClientSecret.clientSecret]) expect(trail).not.toContain(secret);
});
