import { LoggerService } from '@nestjs/common';
import { OutageLog } from './outage-log';

class RecordingLogger implements LoggerService {
  readonly lines: [string, string][] = [];
  log = (message: string) => this.lines.push(['log', message]);
  warn = (message: string) => this.lines.push(['warn', message]);
  error = (message: string) => this.lines.push(['error', message]);
}

describe('OutageLog', () => {
  let logger: RecordingLogger;
  let clock: number;
  let outages: OutageLog;

  beforeEach(() => {
    logger = new RecordingLogger();
    clock = 1_000_000;
    outages = new OutageLog('database', logger, () => clock);
  });

  it('logs the first failure of an outage once, as a warning with its reason', () => {
    expect(outages.failed('57P01')).toBe(true);
    for (let count = 0; count < 50; count += 1) expect(outages.failed('ECONNREFUSED')).toBe(false);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0][0]).toBe('warn');
    expect(logger.lines[0][1]).toMatch(/^database unavailable \(57P01\)/);
    expect(outages.isOngoing).toBe(true);
  });

  it('logs the recovery once with its duration and the number of failures left out', () => {
    outages.failed('55000');
    outages.failed('55000');
    outages.failed('55000');
    clock += 2500;
    outages.recovered();
    outages.recovered();
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[1]).toEqual([
      'log',
      'database available again after 2.5 s (outage began with 55000); 2 further failures were not logged',
    ]);
    expect(outages.isOngoing).toBe(false);
  });

  it('says nothing about a recovery without an outage, and logs the next outage afresh', () => {
    outages.recovered();
    expect(logger.lines).toEqual([]);
    outages.failed('ECONNRESET');
    outages.recovered();
    expect(outages.failed('ETIMEDOUT')).toBe(true);
    expect(logger.lines.map(([level]) => level)).toEqual(['warn', 'log', 'warn']);
  });
});
