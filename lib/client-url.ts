/**
 * The address of a client `WebSocket`: parsing, the `ws` 8.23 checks (with
 * its exact `SyntaxError` messages), and the pieces `http.request` needs
 * (host, port, path, unix socket path, credentials).
 *
 * @module
 */
import * as querystring from 'node:querystring';

/** An address that parsed as a URL, with what the handshake needs to know about it. */
export interface ClientUrl {
  /** The URL with `http:`/`https:` already turned into `ws:`/`wss:` (what `ws.url` shows). */
  url: URL;
  /** `wss:` (the handshake goes through `https`). */
  isSecure: boolean;
  /** `ws+unix:` (the handshake goes over a unix socket). */
  isIpc: boolean;
  /**
   * Why the URL cannot be used (`ws`'s message), or `undefined`. Not thrown
   * here: `ws` sets `url` first, and throws only for the first request (a
   * redirect to a bad URL is an `'error'` event instead).
   */
  invalidMessage: string | undefined;
}

/** Where and how to send the upgrade request, as `http.request` options. */
export interface RequestTarget {
  host: string;
  port: string | number;
  /** Request path and query. */
  path: string;
  /** The unix socket for `ws+unix:` URLs (`undefined` otherwise). */
  socketPath: string | undefined;
  /** `user:password` from the URL, percent-decoded (`undefined` when the URL has none). */
  auth: string | undefined;
}

/**
 * Parses a client address as `ws` does.
 *
 * @param address - a string or a `URL`
 * @throws SyntaxError `Invalid URL: <address>` when a string does not parse
 */
export function parseClientUrl(address: string | URL): ClientUrl {
  let url: URL;

  if (address instanceof URL) {
    url = address;
  } else {
    try {
      url = new URL(address);
    } catch {
      throw new SyntaxError(`Invalid URL: ${address}`);
    }
  }

  if (url.protocol === 'http:' || url.protocol === 'https:') {
    // A copy: the caller's URL object is left alone.
    url = new URL(url);
    url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  }

  const isSecure = url.protocol === 'wss:';
  const isIpc = url.protocol === 'ws+unix:';
  let invalidMessage: string | undefined;

  if (url.protocol !== 'ws:' && !isSecure && !isIpc) {
    invalidMessage = 'The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"';
  } else if (isIpc && !url.pathname) {
    invalidMessage = "The URL's pathname is empty";
  } else if (url.hash) {
    invalidMessage = 'The URL contains a fragment identifier';
  }

  return { url, isSecure, isIpc, invalidMessage };
}

/**
 * The request target of a valid client URL. For `ws+unix:` URLs the
 * pathname is `<socket path>[:<request path>]`, split at the first `:`.
 *
 * @param client - a parsed URL without `invalidMessage`
 */
export function requestTarget(client: ClientUrl): RequestTarget {
  const { url } = client;
  const hostname = url.hostname;
  let path = url.pathname + url.search;
  let socketPath: string | undefined;

  if (client.isIpc) {
    const i = path.indexOf(':');
    if (i === -1) {
      socketPath = path;
      path = '';
    } else {
      socketPath = path.slice(0, i);
      path = path.slice(i + 1);
    }
  }

  return {
    // `http.request` wants IPv6 literals without their brackets.
    host: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
    port: url.port || (client.isSecure ? 443 : 80),
    path,
    socketPath,
    auth:
      url.username || url.password
        ? `${querystring.unescape(url.username)}:${querystring.unescape(url.password)}`
        : undefined
  };
}
