import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * An HTTP proxy in front of DynamoDB Local that makes the store slow in the two ways a real network
 * can: late response headers, or headers on time and a body that trickles in late. Every request is
 * forwarded at once, so DynamoDB applies a write whatever the client then makes of the answer — as a
 * real DynamoDB applies a write whose response was lost or came too late.
 */
export interface SlowStoreBehaviour {
  /** Milliseconds before the response status and headers are sent. */
  headersDelayMs: number;
  /** Milliseconds between the headers and the body (the body is held, headers already flushed). */
  bodyHoldMs: number;
}

export interface SlowStore {
  endpoint: string;
  /** Changes how the following responses are delayed. */
  set(behaviour: Partial<SlowStoreBehaviour>): void;
  /** Requests DynamoDB Local has answered (and so applied) so far. */
  readonly forwarded: number;
  /** Responses whose body has not been sent yet. */
  readonly heldBodies: number;
  stop(): Promise<void>;
}

export async function startSlowStore(target: string, initial: Partial<SlowStoreBehaviour> = {}): Promise<SlowStore> {
  const upstream = new URL(target);
  let behaviour: SlowStoreBehaviour = { headersDelayMs: 0, bodyHoldMs: 0, ...initial };
  let forwarded = 0;
  let heldBodies = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    if (ms <= 0) return fn();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const { headersDelayMs, bodyHoldMs } = behaviour;
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          forwarded++;
          later(headersDelayMs, () => {
            if (res.destroyed) return;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.flushHeaders();
            heldBodies++;
            later(bodyHoldMs, () => {
              heldBodies--;
              if (!res.destroyed) res.end(Buffer.concat(chunks));
            });
          });
        });
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  };

  const server: Server = createServer(forward);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    set: (next) => void (behaviour = { ...behaviour, ...next }),
    get forwarded() {
      return forwarded;
    },
    get heldBodies() {
      return heldBodies;
    },
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
