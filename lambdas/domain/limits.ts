/**
 * Size limits of content files, checked by the validator (so `content check` and ingest agree) and
 * listed in docs/authoring.md. They keep every stored item under DynamoDB's 400 KB and every page
 * renderable; real lessons sit far below them (the largest sample lesson is about 13 KB).
 */
export const limits = {
  /** A lesson file (and a track.yaml or unit.yaml). */
  fileBytes: 100 * 1024,
  /** The rendered lesson body, stored as one item beside the lesson's other items. */
  renderedBytes: 300 * 1024,
  choices: 10,
  steps: 12,
  recallPrompts: 10,
  exercises: 30,
  /** `>` quote levels and list levels in Markdown: deeper nesting is unreadable and can exhaust the renderer's stack. */
  nesting: 8,
  /** YAML aliases (`*name`) expanded per block; an alias bomb stops here. */
  yamlAliases: 100,
} as const;
