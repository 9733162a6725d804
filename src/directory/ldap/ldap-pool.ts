// Owns the small pool of service-account connections reused for user and group searches.
import type { ConnectionOptions } from 'node:tls';
import type { Client } from 'ldapts';
import type { LdapOptions } from './ldap-config.js';
import { destroy, openConnection, withDeadline } from './ldap-connection.js';

export interface ServicePool {
  /**
   * Runs `work` on a bound service connection. A connection whose work failed is dropped, not returned:
   * after a timeout or socket error its state is unknown.
   * @throws whatever connecting, binding or `work` threw, or LdapDeadlineError at `deadline`
   */
  use<T>(deadline: number, work: (client: Client) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

interface Waiter {
  resolve(client: Client | undefined): void;
}

/** Creates a pool of at most `options.poolSize` service connections, opened lazily. */
export function createServicePool(
  options: LdapOptions,
  tls: ConnectionOptions | undefined,
  serviceDn: string,
  servicePassword: string,
): ServicePool {
  const idle: Client[] = [];
  const waiters: Waiter[] = [];
  let open = 0;
  let closed = false;

  const connect = async (deadline: number): Promise<Client> => {
    const client = await openConnection(options, tls, deadline);
    try {
      await withDeadline(client.bind(serviceDn, servicePassword), deadline, () => destroy(client));
      return client;
    } catch (error) {
      destroy(client);
      throw error;
    }
  };

  /** Resolves with an idle connection, or undefined when the caller may open a new one. */
  const acquire = (deadline: number): Promise<Client | undefined> => {
    while (idle.length > 0) {
      const client = idle.pop()!;
      if (client.isBound) return Promise.resolve(client);
      destroy(client); // the server closed it while idle
      open -= 1;
    }
    if (open < options.poolSize) {
      open += 1;
      return Promise.resolve(undefined);
    }
    let waiter: Waiter | undefined;
    const wait = new Promise<Client | undefined>((resolve) => {
      waiter = { resolve };
      waiters.push(waiter);
    });
    return withDeadline(wait, deadline, () => {
      const index = waiters.indexOf(waiter!);
      if (index >= 0) waiters.splice(index, 1);
    });
  };

  /** Hands a slot (with its connection, or empty when the connection was dropped) to the next waiter. */
  const release = (client: Client | undefined): void => {
    const next = waiters.shift();
    if (next !== undefined) {
      next.resolve(client?.isBound ? client : undefined);
      if (client !== undefined && !client.isBound) destroy(client);
      return;
    }
    open -= 1;
    if (client === undefined) return;
    if (closed || !client.isBound) {
      destroy(client);
      return;
    }
    open += 1;
    idle.push(client);
  };

  return {
    async use(deadline, work) {
      if (closed) throw new Error('LDAP directory closed');
      let client = await acquire(deadline);
      try {
        client ??= await connect(deadline);
      } catch (error) {
        release(undefined);
        throw error;
      }
      const held = client;
      try {
        const result = await withDeadline(work(held), deadline, () => destroy(held));
        release(held);
        return result;
      } catch (error) {
        destroy(held);
        release(undefined);
        throw error;
      }
    },
    async close() {
      closed = true;
      for (const client of idle.splice(0)) await client.unbind().catch(() => {});
      open = 0;
    },
  };
}
