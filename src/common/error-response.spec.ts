import { QueryFailedError } from 'typeorm';
import { toErrorResponse } from './error-response';

function databaseError(code: string): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], Object.assign(new Error('driver says no'), { code }));
}

describe('toErrorResponse for database errors', () => {
  it.each([
    ['22P02', 'invalid text representation'],
    ['22003', 'numeric value out of range (bigint out of range)'],
    ['22021', 'character not in repertoire (a NUL byte)'],
    ['22P05', 'untranslatable character'],
  ])('answers SQLSTATE %s (%s) with 400, not logged as unexpected', (code) => {
    const response = toErrorResponse(databaseError(code));
    expect(response.status).toBe(400);
    expect(response.unexpected).toBe(false);
    expect(response.body.detail).not.toContain('driver says no');
  });

  it('keeps unique violations at 409', () => {
    expect(toErrorResponse(databaseError('23505')).status).toBe(409);
  });

  it.each(['XX000', '42P01', '2200'])('keeps other unknown codes (%s) a logged 500', (code) => {
    const response = toErrorResponse(databaseError(code));
    expect(response).toEqual({
      status: 500,
      body: { detail: 'Internal server error' },
      headers: {},
      unexpected: true,
    });
  });
});
