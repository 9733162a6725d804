// Owns binding a built fastify app and reporting the port it got (0 in tests picks any free one).
import type { FastifyInstance } from 'fastify';

export interface RunningListener {
  readonly port: number;
  close(): Promise<void>;
}

/** Binds `app` on `bind`:`port`. @throws when the port cannot be bound */
export async function listen(app: FastifyInstance, bind: string, port: number): Promise<RunningListener> {
  await app.listen({ host: bind, port });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () => app.close(),
  };
}
