import { readCatalog } from '../store/catalog';
import { defaultStore } from '../store/client';
import { json } from '../middleware/problem';
import { httpHandler } from './http';

/** GET /api/catalog — tracks → units → lessons, read from the catalog index. */
export const handler = httpHandler(async () => {
  const catalog = await readCatalog(defaultStore());
  return json(200, catalog, { 'Cache-Control': 'public, max-age=60' });
});
