import type { Plugin } from 'graphql-yoga';
import { CONSOLE_PATH, consolePage } from './console.js';
import { GRAPHIQL_ASSETS, graphiqlAsset, graphiqlPage } from './graphiql.js';

/**
 * The pages a person opens in a browser: GraphiQL at the GraphQL endpoint (GET with
 * Accept: text/html, as yoga decides) and its assets, and /console. Off when `enabled` is false
 * (production without GRAPHIQL=1): then these paths are yoga's again (GraphQL or 404).
 */
export function usePages(options: { endpoint: string; enabled: boolean }): Plugin {
  const { endpoint, enabled } = options;
  return {
    async onRequest({ request, url, endResponse }) {
      if (!enabled || request.method !== 'GET') return;
      const { pathname } = url;
      let response: Response | null = null;
      if (pathname === endpoint || pathname === `${endpoint}/`) {
        if (request.headers.get('accept')?.includes('text/html')) response = graphiqlPage(endpoint);
      } else if (pathname.startsWith(GRAPHIQL_ASSETS)) {
        response = await graphiqlAsset(request, pathname.slice(GRAPHIQL_ASSETS.length));
      } else if (pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`)) {
        response = await consolePage(request, pathname);
      }
      if (response) endResponse(response);
    },
  };
}
