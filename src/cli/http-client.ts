/** Minimal client for the CLI's calls to a running Tally server. */
export interface Target {
  url: string;
  key?: string;
}

export async function call(
  t: Target,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const h: Record<string, string> = { ...headers };
  if (t.key) h.Authorization = `Bearer ${t.key}`;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['Content-Type'] ??= 'application/json';
  }
  return fetch(new URL(path, t.url), {
    method,
    headers: h,
    ...(payload === undefined ? {} : { body: payload }),
  });
}

/** Fails with the server's problem detail when the response is not 2xx. */
export async function expectOk(res: Response): Promise<Response> {
  if (res.ok) return res;
  const text = await res.text();
  let detail = text;
  try {
    const p = JSON.parse(text) as { detail?: string };
    detail = p.detail ?? text;
  } catch {
    // Not JSON: show it as it is.
  }
  throw new Error(`HTTP ${res.status}: ${detail}`);
}
