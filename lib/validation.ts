/**
 * Input checks with the exact rules of `ws` 8.23 (`lib/validation.js`).
 *
 * @module
 */
import { hasBlob } from './constants.js';

/**
 * Whether `code` may be sent in a close frame (`ws` `isValidStatusCode`):
 * 1000–1014 except 1004, 1005 and 1006, and 3000–4999.
 *
 * @param code - the status code
 */
export function isValidStatusCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/**
 * Whether `value` is a `Blob` (or `File`), recognised by shape like `ws`
 * does, so Blobs from another realm or polyfill count too.
 *
 * @param value - anything
 */
export function isBlob(value: unknown): value is Blob {
  if (!hasBlob || typeof value !== 'object' || value === null) return false;
  const v = value as Record<PropertyKey, unknown>;
  return (
    typeof v.arrayBuffer === 'function' &&
    typeof v.type === 'string' &&
    typeof v.stream === 'function' &&
    (v[Symbol.toStringTag] === 'Blob' || v[Symbol.toStringTag] === 'File')
  );
}
