import type { Store } from '../../lambdas/store/client';

const writeCommand = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;

/**
 * Counts the write requests a store sends (a BatchWrite or a transaction counts each of its items), through an SDK
 * middleware: how tests and benchmarks prove that an unchanged re-ingest writes nothing.
 */
export function countTableWrites(store: Store): { writes: number; reset(): void } {
  const counter = {
    writes: 0,
    reset() {
      counter.writes = 0;
    },
  };
  store.doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (writeCommand.test(context.commandName ?? '')) {
        const input = args.input as { RequestItems?: Record<string, unknown[]>; TransactItems?: unknown[] };
        if (input.TransactItems) counter.writes += input.TransactItems.length;
        else counter.writes += input.RequestItems ? Object.values(input.RequestItems).reduce((n, list) => n + list.length, 0) : 1;
      }
      return next(args);
    },
    { step: 'initialize', name: 'countTableWrites' },
  );
  return counter;
}
