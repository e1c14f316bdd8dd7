import { Client as PgClient } from 'pg';
import { APPLICATION_QUERY, AUTHENTICATE_MUTATION, PAGE_QUERY } from '../scripts/bench/operations';
import { Admission, type AdmissionSettings } from '../src/limits/admission';
import { createHarness, type Harness } from './helpers/harness';

const SETTINGS: AdmissionSettings = {
  expensiveCost: 1000,
  maxExpensiveInFlight: 2,
  maxCostInFlight: 1_000_000,
  maxCheapInFlight: 100,
  queueLength: 1,
  queueMs: 60_000,
};

describe('admission controller', () => {
  afterEach(() => jest.useRealTimers());

  it('admits up to the bound, queues up to the queue length, refuses beyond with OVERLOADED, and admits the queued on release', async () => {
    const rejected: string[] = [];
    const admission = new Admission(SETTINGS, (admissionClass) => rejected.push(admissionClass));
    expect(admission.admit(5000)).toBeUndefined();
    expect(admission.admit(5000)).toBeUndefined();
    const queued = admission.admit(5000);
    expect(queued).toBeInstanceOf(Promise);
    let refusal: unknown;
    try {
      void admission.admit(5000);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ extensions: { code: 'OVERLOADED', retryAfterSeconds: 60, http: { status: 503 } } });
    expect(rejected).toEqual(['expensive']);
    // Cheap operations have slots of their own.
    expect(admission.admit(10)).toBeUndefined();
    expect(admission.state('cheap')).toEqual({ inFlight: 1, cost: 10, queued: 0 });
    expect(admission.state('expensive')).toEqual({ inFlight: 2, cost: 10_000, queued: 1 });

    admission.release(5000);
    await queued;
    expect(admission.state('expensive')).toEqual({ inFlight: 2, cost: 10_000, queued: 0 });
    admission.release(5000);
    admission.release(5000);
    admission.release(10);
    expect(admission.state('expensive')).toEqual({ inFlight: 0, cost: 0, queued: 0 });
    expect(admission.state('cheap')).toEqual({ inFlight: 0, cost: 0, queued: 0 });
  });

  it('bounds the summed cost in flight, but always admits one operation alone', () => {
    const admission = new Admission({ ...SETTINGS, maxCostInFlight: 8000, queueLength: 0 });
    expect(admission.admit(9000)).toBeUndefined();
    expect(() => admission.admit(2000)).toThrow('at capacity');
    admission.release(9000);
    expect(admission.admit(5000)).toBeUndefined();
    expect(() => admission.admit(5000)).toThrow('at capacity');
    expect(admission.admit(3000)).toBeUndefined();
  });

  it('refuses a queued operation when its wait runs out, and frees its place in the queue', async () => {
    jest.useFakeTimers();
    const admission = new Admission({ ...SETTINGS, maxExpensiveInFlight: 1, queueMs: 100 });
    expect(admission.admit(5000)).toBeUndefined();
    const queued = admission.admit(5000)!;
    const outcome = queued.then(
      () => 'admitted',
      (error: { extensions: { code: string } }) => error.extensions.code,
    );
    jest.advanceTimersByTime(100);
    expect(await outcome).toBe('OVERLOADED');
    expect(admission.state('expensive')).toEqual({ inFlight: 1, cost: 5000, queued: 0 });
    expect(admission.admit(5000)).toBeInstanceOf(Promise);
  });
});

describe('admission control in the server', () => {
  let h: Harness;
  let baseUrl: string;
  let applicationId: string;
  let clientId: string;
  let clientSecret: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    h = await createHarness({ admission: { ...SETTINGS, queueLength: 2 }, database: { poolMax: 6 } });
    baseUrl = await h.listen();
    headers = { 'content-type': 'application/json', authorization: `Bearer ${await h.token()}` };
    const created = await h.run(
      `mutation { createApplication(input: { identifier: "flood", name: "Flood" }) { application { id } defaultClient { clientId } clientSecret } }`,
    );
    ({ id: applicationId } = created.data!.createApplication.application);
    ({ clientId } = created.data!.createApplication.defaultClient);
    ({ clientSecret } = created.data!.createApplication);
  });
  afterAll(() => h.close());

  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, any> };
  };

  it('releases the slot of an operation that fails', async () => {
    const failed = await h.run(`query { applications(first: 50, after: "not-a-cursor") { edges { node { id clients { edges { node { id } } } } } } }`);
    expect(failed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(h.server.admission.state('cheap')).toEqual({ inFlight: 0, cost: 0, queued: 0 });
    expect(h.server.admission.state('expensive')).toEqual({ inFlight: 0, cost: 0, queued: 0 });
  });

  it('sheds a flood of pages with 503 OVERLOADED while a lookup, authenticateClient and /healthz are answered, then admits again', async () => {
    // The pages block on the credentials table, locked by this test: deterministically in flight until it lets go.
    const locker = new PgClient({ connectionString: process.env.DATABASE_URL });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${h.schemaName}.credentials IN ACCESS EXCLUSIVE MODE`);
    let locked = true;
    try {
      let settled = 0;
      const flood = Array.from({ length: 40 }, () =>
        post(PAGE_QUERY, { first: 50 }).finally(() => {
          settled++;
        }),
      );
      // 2 in flight and 2 queued wait for the lock; the other 36 are refused at once.
      while (settled < 36) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(h.server.admission.state('expensive')).toEqual({ inFlight: 2, cost: expect.any(Number), queued: 2 });

      const lookup = await post(APPLICATION_QUERY, { id: applicationId });
      expect(lookup.status).toBe(200);
      expect(lookup.body.data.application.id).toBe(applicationId);
      const authenticated = await post(AUTHENTICATE_MUTATION, { input: { clientId, clientSecret } });
      expect(authenticated.status).toBe(200);
      expect(authenticated.body.data.authenticateClient.authenticated).toBe(true);
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      expect(metrics).toContain('clavis_admission_rejections_total{class="expensive"} 36');
      expect(metrics).toContain('clavis_admission_in_flight{class="expensive"} 2');
      expect(metrics).toContain('clavis_admission_queued{class="expensive"} 2');

      await locker.query('COMMIT');
      locked = false;
      const answers = await Promise.all(flood);
      const refused = answers.filter((answer) => answer.status === 503);
      const served = answers.filter((answer) => answer.status === 200);
      expect(refused).toHaveLength(36);
      expect(served).toHaveLength(4);
      for (const answer of refused) {
        expect(answer.retryAfter).toBe('60');
        expect(answer.body.errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['OVERLOADED']);
      }
      for (const answer of served) expect(answer.body.data.applications.edges).toHaveLength(1);
    } finally {
      if (locked) await locker.query('ROLLBACK');
      await locker.end();
    }

    // Every slot was given back: pages are admitted again.
    expect(h.server.admission.state('expensive')).toEqual({ inFlight: 0, cost: 0, queued: 0 });
    const again = await Promise.all(Array.from({ length: 4 }, () => post(PAGE_QUERY, { first: 50 })));
    expect(again.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
  });
});
