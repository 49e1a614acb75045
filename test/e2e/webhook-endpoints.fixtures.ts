import { EventTypeRegistry } from '../../src/common/event-types.registry';
import { Resolver, URL_RESOLVER } from '../../src/webhook-endpoints/url-policy/url-policy';
import { TestApp, createTestApp } from '../support/test-app';

/** Shared by the webhook-endpoints e2e files. Names map to addresses without DNS; unknown names fail like NXDOMAIN (and are accepted). */
export const DNS: Record<string, string[]> = {
  'hooks.example.test': ['93.184.216.34'],
  'other.example.test': ['93.184.216.35'],
  'internal.example.test': ['10.0.0.1'],
  'mixed.example.test': ['93.184.216.34', '10.0.0.1'],
  'meta.example.test': ['169.254.169.254'],
};
export const fakeResolver: Resolver = async (hostname) => {
  const answer = DNS[hostname];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return answer;
};

export const TYPES = [
  { type: 'test.alpha', description: 'Alpha happened' },
  { type: 'test.beta', description: 'Beta happened' },
];

export const GOOD_URL = 'https://hooks.example.test/mk';

export async function startApp(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await createTestApp({ env, overrides: [{ provide: URL_RESOLVER, useValue: fakeResolver }] });
  t.app.get(EventTypeRegistry).register(...TYPES);
  return t;
}

export function expectValidationError(
  r: { status: number; body: any; headers: Headers },
  field: string,
  message?: RegExp,
) {
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('validation_failed');
  expect(r.body.error.request_id).toBe(r.headers.get('x-request-id'));
  expect(r.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  if (message) expect(r.body.error.message).toMatch(message);
}
