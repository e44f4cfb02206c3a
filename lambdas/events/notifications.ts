import { FIGURE_EXTENSIONS } from '../domain/figures';

/**
 * The object keys whose creation or removal in the content bucket reaches the ingest: lessons,
 * track and unit metadata, and figures. Ingest's own reports (JSON under `reports/`) never do.
 * Shared by the bucket notifications (lib/constructs/content-pipeline.ts) and the local S3 endpoint.
 */
export const CONTENT_SUFFIXES: readonly string[] = ['.md', '.yaml', ...FIGURE_EXTENSIONS];
