import type { Router } from 'express';
import type { ApiDeps } from '../../src/api/deps';
import type { Assets } from '../../src/web/assets';
import { storefrontRoutes } from '../../src/web/storefront/routes';
import { consoleRoutes } from '../../src/web/console/routes';
import { htmlPagesDescription } from '../../scripts/fuzz/html-pages';
import { testConfig } from '../support/config';

// `npm run fuzz` reaches the HTML pages only through the description kept beside it: a page added to
// the shop or the console without it would go unfuzzed, silently.

/** `METHOD /path/{param}` for every route a router declares. */
function declared(router: Router): string[] {
  type RouteLayer = { route?: { path: string | string[]; methods: Record<string, boolean> } };
  return (router.stack as RouteLayer[]).flatMap(({ route }) =>
    route ? [route.path].flat().flatMap((p) => Object.keys(route.methods).map((m) => `${m.toUpperCase()} ${p.replace(/:(\w+)/g, '{$1}')}`)) : [],
  );
}

const described = (which: 'shop' | 'console') =>
  Object.entries(htmlPagesDescription(which).paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));

describe("the fuzzer's description of the HTML pages", () => {
  // Building the routers touches no database or server: only their configuration is read.
  const deps = { config: testConfig(), channels: new Map(), db: {} } as unknown as ApiDeps;
  const assets = {} as Assets;

  it('names every page and form route of the shop and the console, and nothing else', () => {
    const routes = new Set([...declared(storefrontRoutes(deps, assets)), ...declared(consoleRoutes(deps, assets))]);
    const pages = new Set([...described('shop'), ...described('console')]);
    expect([...routes].filter((r) => !pages.has(r))).toEqual([]);
    expect([...pages].filter((p) => !routes.has(p))).toEqual([]);
  });

  it('gives every console form the CSRF field, and no shop form one', () => {
    const forms = (which: 'shop' | 'console') =>
      Object.values(htmlPagesDescription(which).paths).flatMap((methods) =>
        Object.values(methods as Record<string, { requestBody?: { content: Record<string, { schema: { properties: object } }> } }>).flatMap((op) =>
          op.requestBody ? [Object.keys(op.requestBody.content['application/x-www-form-urlencoded'].schema.properties)] : [],
        ),
      );
    expect(forms('console').length).toBeGreaterThan(5);
    expect(forms('console').every((fields) => fields.includes('_csrf'))).toBe(true);
    expect(forms('shop').some((fields) => fields.includes('_csrf'))).toBe(false);
  });
});
