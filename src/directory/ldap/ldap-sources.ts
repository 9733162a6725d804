// Owns building every configured `directories.<name>` into a named LDAP user source at start-up.
import { createLdapDirectory, type LdapLogger } from './ldap-directory.js';
import {
  createLdapSource,
  type LdapDirectoryConfig,
  type LdapSource,
  ldapOptionsFromConfig,
} from './ldap-source.js';

/** Adds `event` and `directory` to every line, so one log line says which directory failed and how. */
function forDirectory(name: string, logger: LdapLogger): LdapLogger {
  const fields = (object: object) => ({ event: 'auth.ldap', directory: name, ...object });
  return {
    info: (object, message) => logger.info(fields(object), message),
    warn: (object, message) => logger.warn(fields(object), message),
    error: (object, message) => logger.error(fields(object), message),
  };
}

/**
 * Builds one source per `directories` entry, keyed by its name (the name used in `realms`). Nothing connects
 * yet; files (service password, CA) are read now so a bad path stops the start.
 * @throws LdapConfigError naming `directories.<name>.<key>`; sources built before the failure are closed
 */
export function createLdapSources(
  directories: Readonly<Record<string, LdapDirectoryConfig>>,
  logger?: LdapLogger,
): Map<string, LdapSource> {
  const sources = new Map<string, LdapSource>();
  try {
    for (const [name, config] of Object.entries(directories)) {
      const options = ldapOptionsFromConfig(name, config);
      const directory = createLdapDirectory(
        options,
        logger === undefined ? undefined : forDirectory(name, logger),
      );
      sources.set(name, createLdapSource(name, directory));
    }
  } catch (error) {
    for (const source of sources.values()) source.close().catch(() => {});
    throw error;
  }
  return sources;
}
