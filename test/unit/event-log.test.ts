import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLog, type LogLevel } from '../../lambdas/events/log';

/** The event handlers' log lines reach Lambda through the console method of their level, which Lambda files them under. */
describe('the event handlers log', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each<[LogLevel, 'log' | 'warn' | 'error']>([
    ['INFO', 'log'],
    ['WARN', 'warn'],
    ['ERROR', 'error'],
  ])('writes a %s line with console.%s, as one JSON object', (level, method) => {
    // Prepare
    const written = { log: vi.spyOn(console, 'log').mockImplementation(() => {}), warn: vi.spyOn(console, 'warn').mockImplementation(() => {}), error: vi.spyOn(console, 'error').mockImplementation(() => {}) };

    // Act
    consoleLog({ level, message: 'ingest finished', failed: ['a.md'] });

    // Assess
    for (const [name, spy] of Object.entries(written)) expect(spy).toHaveBeenCalledTimes(name === method ? 1 : 0);
    expect(JSON.parse(String(written[method].mock.calls[0]![0]))).toEqual({ level, message: 'ingest finished', failed: ['a.md'] });
  });
});
