import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * The one way Rungs code gets zod (`import * as z from '…/domain/zod'`): the tree-shakable
 * `zod/mini` build, of which a bundle keeps only the schemas and checks it uses (classic zod ships
 * all of itself, ~440 KiB minified), with the English messages classic zod loads by default, so
 * that validation problems read as before (mini alone says only "Invalid input"). A namespace
 * import keeps the tree-shaking: esbuild turns `z.string` into a direct reference.
 */
config(en());

export * from 'zod/mini';
