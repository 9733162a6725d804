// Owns the reply-to address devices are given: `push.publicUrl`, or one made from this host's name.
import { hostname } from 'node:os';

/**
 * `push.publicUrl` without a trailing slash; when unset, `https://<host name>:<http.public.port>` (which is only
 * right when devices reach this host by that name: set `push.publicUrl` behind NAT, docs/push.md §5).
 */
export function effectivePublicUrl(config: {
  readonly push: { readonly publicUrl: string };
  readonly http: { readonly public: { readonly port: number } };
}): { url: string; derived: boolean } {
  if (config.push.publicUrl !== '') return { url: config.push.publicUrl.replace(/\/+$/, ''), derived: false };
  return { url: `https://${hostname()}:${config.http.public.port}`, derived: true };
}
