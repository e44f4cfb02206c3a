/**
 * Server-side rendering: Markdown, page templates, page assembly, page paths and asset names. The
 * one entry through which the ingest, the local platform, the site build and the stack reach it;
 * it depends on the domain, and nothing in the domain depends on it.
 */
export { assetManifestFromEnv, assetManifestSchema, assetUrl, CALLBACK_PATH, SITE_ASSETS_ENV, type AssetManifest } from './assets';
export {
  allPageContexts,
  catalogJson,
  lessonSummary,
  pageContext,
  renderConceptIndexPage,
  renderHomePage,
  renderLessonBody,
  renderLessonPage,
  renderLessonPageFromBody,
  renderLessonPageInContext,
  shuffleSteps,
  type PageContext,
} from './lesson-pages';
export { checkFigureBytes, figureSize, RASTER_LIMITS, type FigureSize } from './figures';
export { SVG_LIMITS } from './svg-figure';
export { figureRefs, type FigureResolver } from './markdown';
export { catalogPageKeys, catalogPagePaths, lessonPagePath, lessonPath, pagePaths } from './paths';
export { ERROR_PAGES, NOT_FOUND_PAGE, staticPages } from './templates/static-pages';
