import { describe, expect, it } from 'vitest';
import { score, stem } from '../../web/client/search';

const lesson = (title: string, concepts = '', summary = '') => ({ title: title.toLowerCase(), concepts, summary: summary.toLowerCase() });

describe('catalog search', () => {
  it('matches word stems, so "idempotent" finds "Idempotency keys"', () => {
    expect(stem('idempotent')).toBe(stem('idempotency'));
    expect(score('idempotent', lesson('Idempotency keys'))).toBeGreaterThan(0);
  });

  it('matches prefixes of words', () => {
    expect(score('pag', lesson('Rendering pages'))).toBeGreaterThan(0);
    expect(score('ratel', lesson('Per-user rate limits'))).toBe(0);
  });

  it('needs every word to match somewhere', () => {
    expect(score('token rotation', lesson('Refresh token rotation'))).toBeGreaterThan(0);
    expect(score('token sharding', lesson('Refresh token rotation'))).toBe(0);
  });

  it('ranks a title match above a concept match above a summary match', () => {
    const inTitle = score('retries', lesson('Retries with backoff'));
    const inConcepts = score('retries', lesson('Idempotency keys', 'retries idempotency'));
    const inSummary = score('retries', lesson('Budgets', '', 'Why retries multiply load'));
    expect(inTitle).toBeGreaterThan(inConcepts);
    expect(inConcepts).toBeGreaterThan(inSummary);
    expect(inSummary).toBeGreaterThan(0);
  });

  it('keeps short words whole', () => {
    expect(stem('keys')).toBe('keys');
    expect(stem('tls')).toBe('tls');
  });
});
