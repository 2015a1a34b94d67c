/**
 * `ws` 8.23's rules for following redirects: which headers and credentials
 * survive a redirect to another host (or from `wss:` down to `ws:`), the
 * way curl 7.77.0 does it.
 *
 * @module
 */
import type { OutgoingHttpHeaders } from 'node:http';

/** Where the first request of a redirect chain went (`ws` keeps this on the WebSocket). */
export interface RedirectOrigin {
  /** The first request went over a unix socket. */
  ipc: boolean;
  /** The first request was `wss:`. */
  secure: boolean;
  /** `host[:port]` of the first URL, or its unix socket path. */
  hostOrSocketPath: string;
}

/** One hop of the chain, as `RedirectOrigin` describes the first. */
export interface RedirectHop {
  ipc: boolean;
  secure: boolean;
  /** `URL#host` of this hop (ignored for unix sockets). */
  host: string;
  /** The unix socket path of this hop (`undefined` for TCP). */
  socketPath: string | undefined;
}

/**
 * The user's options as the first request of a redirect-following client
 * sees them for the rest of the chain: a shallow copy whose header names are
 * lower-cased, so the dropping rules (and the `authorization` that
 * `addBasicAuthorization` puts there) find them whatever case the user used.
 *
 * @param options - the user's options (not modified)
 */
export function copyOptionsForRedirects<T extends object>(
  options: T | undefined
): T & { headers: Record<string, unknown> } {
  const headers = (options as { headers?: Record<string, unknown> } | undefined)?.headers;
  const copy = { ...options, headers: {} as Record<string, unknown> } as T & { headers: Record<string, unknown> };

  if (headers) {
    for (const [key, value] of Object.entries(headers)) copy.headers[key.toLowerCase()] = value;
  }

  return copy;
}

/**
 * Whether a redirect hop must lose `authorization`, `cookie` and URL
 * credentials: it goes to another host (or socket), or from `wss:` to a
 * plain connection. The `host` header is dropped too, but only for another
 * host (`sameHost` tells which).
 */
export function credentialsDropped(origin: RedirectOrigin, hop: RedirectHop): { drop: boolean; sameHost: boolean } {
  const sameHost = hop.ipc
    ? origin.ipc
      ? hop.socketPath === origin.hostOrSocketPath
      : false
    : origin.ipc
      ? false
      : hop.host === origin.hostOrSocketPath;

  return { drop: !sameHost || (origin.secure && !hop.secure), sameHost };
}

/**
 * Removes what must not follow a redirect (`ws` only does this when nobody
 * listens to `'redirect'`: a listener takes that decision itself).
 *
 * @param headers - the hop's request headers (lower-cased names)
 * @param sameHost - from `credentialsDropped`
 */
export function dropCredentials(headers: OutgoingHttpHeaders, sameHost: boolean): void {
  delete headers.authorization;
  delete headers.cookie;
  if (!sameHost) delete headers.host;
}
