import { AcmeProblem } from './acme-problem';

/** RFC 8555 6.3: a POST-as-GET carries an empty payload ("" → null), nothing else. */
export function requirePostAsGet(payload: unknown, what: string): void {
  if (payload !== null) {
    throw new AcmeProblem('malformed', `${what} is read with POST-as-GET: the payload must be empty`);
  }
}

export function objectPayload(payload: unknown, what: string): Record<string, unknown> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new AcmeProblem('malformed', `The payload of ${what} must be a JSON object`);
  }
  return payload as Record<string, unknown>;
}
