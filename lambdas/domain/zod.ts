import { en } from 'zod/locales';
import { z } from 'zod/mini';

/**
 * The one way Rungs code gets zod: the tree-shakable `zod/mini` build (a bundle keeps only the
 * schemas and checks it uses, where classic zod ships all of itself, ~440 KiB minified), with the
 * English messages classic zod loads by default, so that validation problems read as before
 * (mini alone says only "Invalid input"). Import `z` from here, never from 'zod' or 'zod/mini'.
 */
z.config(en());

export { z };
