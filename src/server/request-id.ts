/**
 * Request ids: the caller's `x-request-id` when it is a short printable token (it goes into
 * logs and job documents), else a new random one.
 */
import { randomUUID } from 'node:crypto';

const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && SANE.test(given) ? given : randomUUID();
}
