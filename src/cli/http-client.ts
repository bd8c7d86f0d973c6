/** Minimal client for the CLI's calls to a running Tally server. */
export interface Target {
  url: string;
  key?: string;
}

/** The base URL, checked once so that a typo in --url is named rather than a fetch error. */
export function baseUrl(t: Target): URL {
  try {
    return new URL(t.url);
  } catch {
    throw new Error(
      `invalid server URL "${t.url}" (--url or TALLY_URL), e.g. http://127.0.0.1:8787`,
    );
  }
}

/** The socket-level reason under fetch's generic "fetch failed". */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause ?? err;
  if (cause instanceof AggregateError && cause.errors.length > 0) {
    // A host name with several addresses (localhost: ::1 and 127.0.0.1) fails with one per address.
    return (cause.errors as Error[]).map((e) => e.message).join('; ');
  }
  if (cause instanceof Error) return cause.message || (cause as { code?: string }).code || 'error';
  return String(cause);
}

export async function call(
  t: Target,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const base = baseUrl(t);
  const h: Record<string, string> = { ...headers };
  if (t.key) h.Authorization = `Bearer ${t.key}`;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['Content-Type'] ??= 'application/json';
  }
  try {
    return await fetch(new URL(path, base), {
      method,
      headers: h,
      ...(payload === undefined ? {} : { body: payload }),
    });
  } catch (err) {
    throw new Error(`cannot reach Tally at ${base.href}: ${networkReason(err)}`);
  }
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

/** Parses a JSON argument (a meter body) here, so a typo is named before anything is sent. */
export function jsonArgument(name: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${name} is not valid JSON: ${(err as Error).message}`);
  }
}
