import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { databaseUnavailableReason } from './database-errors';

function serverError(code: string, severity: string, message = 'from the server'): DatabaseError {
  const error = new DatabaseError(message, 0, 'error');
  error.code = code;
  error.severity = severity;
  return error;
}

function socketError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

const failedQuery = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('databaseUnavailableReason', () => {
  it.each([
    ['an admin shutdown of the backend (57P01)', failedQuery(serverError('57P01', 'FATAL')), '57P01'],
    ['a crash shutdown (57P02)', serverError('57P02', 'FATAL'), '57P02'],
    ['a server still starting (57P03)', serverError('57P03', 'FATAL'), '57P03'],
    ['too many connections (53300)', serverError('53300', 'FATAL'), '53300'],
    ['a connection exception (class 08)', failedQuery(serverError('08006', 'ERROR')), '08006'],
    ['a database refusing connections (55000, FATAL)', serverError('55000', 'FATAL'), '55000'],
    ['a refused socket', socketError('ECONNREFUSED'), 'ECONNREFUSED'],
    ['a reset socket', failedQuery(socketError('ECONNRESET')), 'ECONNRESET'],
    ['a socket timeout', socketError('ETIMEDOUT'), 'ETIMEDOUT'],
    ['a broken pipe', socketError('EPIPE'), 'EPIPE'],
    [
      'every address refused (AggregateError)',
      new AggregateError([socketError('ECONNREFUSED')], 'connect failed'),
      'ECONNREFUSED',
    ],
    [
      'a connection lost during a query',
      failedQuery(new Error('Connection terminated unexpectedly')),
      'connection_terminated',
    ],
    [
      'a pool that found no free connection',
      new Error('timeout exceeded when trying to connect'),
      'connect_timeout',
    ],
    ['an error wrapped as a cause', new Error('outer', { cause: socketError('ECONNRESET') }), 'ECONNRESET'],
  ])('recognises %s', (_name, error, reason) => {
    expect(databaseUnavailableReason(error)).toBe(reason);
  });

  it.each([
    ['a unique violation', failedQuery(serverError('23505', 'ERROR'))],
    ['a data exception (the client’s fault)', failedQuery(serverError('22P02', 'ERROR'))],
    ['a deadlock', failedQuery(serverError('40P01', 'ERROR'))],
    ['55000 raised by a statement, not at connect time', failedQuery(serverError('55000', 'ERROR'))],
    ['a programming error', new TypeError('undefined is not a function')],
    ['a file-system error code', socketError('ENOENT')],
    ['something that is not an error', 'Connection terminated'],
    ['null', null],
  ])('does not treat %s as an outage', (_name, error) => {
    expect(databaseUnavailableReason(error)).toBeNull();
  });

  it('stops following causes after a few levels', () => {
    let error: Error = socketError('ECONNRESET');
    for (let level = 0; level < 10; level += 1) error = new Error('wrapper', { cause: error });
    expect(databaseUnavailableReason(error)).toBeNull();
  });
});
