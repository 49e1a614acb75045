/** A small HTTP client over real sockets (Node's fetch) for e2e tests. */
export interface Res<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ReqOpts {
  token?: string;
  cookie?: string;
  csrf?: string;
  headers?: Record<string, string>;
  /** Send this exact string/buffer instead of JSON-encoding `body`. */
  raw?: string | Buffer;
}

export async function request<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  o: ReqOpts = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.cookie) headers.cookie = o.cookie;
  if (o.csrf) headers['x-csrf-token'] = o.csrf;
  let payload: string | Buffer | undefined;
  if (o.raw !== undefined) payload = o.raw;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  const r = await fetch(base + path, { method, headers, body: payload, redirect: 'manual' });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: r.status, headers: r.headers, body: parsed as T, text };
}

/** Binds a base URL (and optionally a bearer token) for terser tests. */
export function client(base: string, token?: string) {
  const o = (x?: ReqOpts): ReqOpts => ({ token, ...x });
  return {
    get: <T = any>(p: string, x?: ReqOpts) => request<T>(base, 'GET', p, undefined, o(x)),
    post: <T = any>(p: string, b?: unknown, x?: ReqOpts) => request<T>(base, 'POST', p, b, o(x)),
    patch: <T = any>(p: string, b?: unknown, x?: ReqOpts) => request<T>(base, 'PATCH', p, b, o(x)),
    put: <T = any>(p: string, b?: unknown, x?: ReqOpts) => request<T>(base, 'PUT', p, b, o(x)),
    delete: <T = any>(p: string, x?: ReqOpts) => request<T>(base, 'DELETE', p, undefined, o(x)),
  };
}

let n = 0;
/** Signs up a fresh user and workspace; returns the token and ids. */
export async function signup(
  base: string,
  over: Partial<{ email: string; password: string; workspace_name: string }> = {},
) {
  n++;
  const email = over.email ?? `user${n}.${Date.now()}@example.test`;
  const password = over.password ?? 'correct horse battery staple';
  const r = await request(base, 'POST', '/v1/auth/signup', {
    email,
    password,
    workspace_name: over.workspace_name ?? `Workspace ${n}`,
  });
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${r.text}`);
  return {
    email,
    password,
    token: r.body.session.token as string,
    csrf: r.body.session.csrf_token as string,
    userId: r.body.user.id as string,
    workspaceId: r.body.workspace.id as string,
    cookie: (r.headers.get('set-cookie') ?? '').split(';')[0],
    body: r.body,
  };
}

/** Polls until `fn` returns a truthy value; for waiting on queues, never a fixed sleep. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 15000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(
        `condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
