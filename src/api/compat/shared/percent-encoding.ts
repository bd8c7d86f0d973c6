// Strict percent-decoding for compat routes. Hono decodes path parameters leniently (a malformed
// escape such as "%E0%A4%A" is passed through as it is), and decodeURIComponent throws a URIError
// that would surface as a 500; profiles need to answer a malformed escape with their vendor's 400.

/** The decoded text, or undefined when `raw` holds a malformed escape. */
export function strictDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** The raw (still encoded) path of a request after `marker`, e.g. the playback id of a URL. */
export function rawPathAfter(url: string, marker: string): string | undefined {
  const path = new URL(url).pathname;
  const at = path.indexOf(marker);
  return at < 0 ? undefined : path.slice(at + marker.length);
}

/** The first query parameter name or value of `url` whose escapes are malformed. */
export function malformedQueryPart(url: string): string | undefined {
  const search = new URL(url).search.slice(1);
  if (search === '') return undefined;
  for (const pair of search.split('&')) {
    for (const part of pair.split('=')) {
      if (strictDecode(part.replace(/\+/g, ' ')) === undefined) return part;
    }
  }
  return undefined;
}
