import { readCatalog } from '../store/catalog';
import { defaultStore } from '../store/client';
import { json } from '../middleware/problem';
import { httpHandler } from './http';
import { catalogFunction } from './routes';

/**
 * GET /api/catalog — tracks → units → lessons, read from the catalog index. A cheap public read: it
 * costs one unit and stays available (fails open) if the limiter's store does not answer.
 */
export const handler = httpHandler(catalogFunction, async () => {
  const catalog = await readCatalog(defaultStore());
  return json(200, catalog, { 'Cache-Control': 'public, max-age=60' });
});
