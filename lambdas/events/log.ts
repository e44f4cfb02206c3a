/**
 * Log lines of the event handlers (the ingest, the statistics and optimizer stream handlers): one
 * JSON object per line with its own `level`. They have no per-request context a logger would add
 * (the runtime prefixes each line with the invocation's request id), so they are written with the
 * console method of their level: Lambda files `console.error` lines as ERROR and `console.warn`
 * lines as WARN, and an operator filtering by log level sees them where they belong.
 */
export type LogLevel = 'INFO' | 'WARN' | 'ERROR';

export interface LogLine {
  level: LogLevel;
  message: string;
  [field: string]: unknown;
}

export type Log = (line: LogLine) => void;

const writers: Record<LogLevel, (text: string) => void> = {
  INFO: (text) => console.log(text),
  WARN: (text) => console.warn(text),
  ERROR: (text) => console.error(text),
};

/** Writes the line as JSON through the console method of its level. */
export const consoleLog: Log = (line) => writers[line.level](JSON.stringify(line));
