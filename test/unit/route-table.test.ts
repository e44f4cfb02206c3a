import { describe, expect, it } from 'vitest';
import * as routeModule from '../../lambdas/api/routes';
import { allRoutes, apiFunctions, routeKey, type ApiRoute } from '../../lambdas/api/routes';

describe('the route table', () => {
  it('declares an auth mode on every route and never repeats a route', () => {
    // Act
    const routes = allRoutes();

    // Assess
    expect(routes.every(({ route }) => ['public', 'optional', 'required', 'authors'].includes(route.auth))).toBe(true);
    expect(new Set(routes.map(({ route }) => routeKey(route))).size).toBe(routes.length);
  });

  it('makes the retried writes idempotent and only those', () => {
    const idempotent = allRoutes().filter(({ route }) => route.idempotent).map(({ route }) => routeKey(route));
    expect(idempotent.sort()).toEqual(['POST /api/lessons/{id}/attempts', 'POST /api/me/reviews/{itemId}']);
  });

  it('gathers every declared function, so none is left undeployed and unserved', () => {
    // Prepare: each declaration is an exported constant of its own (one bundle keeps only its own)
    const declared = Object.entries(routeModule).filter(([name, value]) => name.endsWith('Function') && typeof value === 'object' && value !== null && 'entry' in value);

    // Assess
    expect(declared.length).toBeGreaterThan(0);
    expect(new Set(declared.map(([, value]) => value))).toEqual(new Set(Object.values(apiFunctions)));
    expect(Object.entries(apiFunctions).every(([name, fn]) => (routeModule as Record<string, unknown>)[`${name}Function`] === fn)).toBe(true);
  });

  it('rejects a misspelt option at compile time', () => {
    const route = {
      method: 'POST',
      path: '/api/example',
      auth: 'required',
      // @ts-expect-error a typo must not compile (it would silently drop idempotency)
      idempotnet: true,
    } satisfies ApiRoute;
    expect(route.auth).toBe('required');
    expect(Object.keys(apiFunctions).length).toBeGreaterThan(0);
  });
});
