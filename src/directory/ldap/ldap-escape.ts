// Owns escaping of untrusted values into LDAP DNs and search filters, and reading a group name from a DN.

/**
 * RFC 4515 §3: in a filter value, `*`, `(`, `)`, `\` and NUL must be written as `\XX`. Every non-ASCII
 * byte is escaped too, so the filter stays plain ASCII whatever the server's charset handling.
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const special = byte === 0x2a || byte === 0x28 || byte === 0x29 || byte === 0x5c || byte === 0;
    out +=
      special || byte < 0x20 || byte > 0x7e
        ? `\\${byte.toString(16).padStart(2, '0')}`
        : String.fromCharCode(byte);
  }
  return out;
}

/**
 * RFC 4514 §2.4: in an attribute value, `"`, `+`, `,`, `;`, `<`, `>`, `\` are backslash-escaped, a leading
 * space or `#` and a trailing space likewise, and NUL is written `\00`. Control characters get `\XX` as well.
 */
export function escapeDnValue(value: string): string {
  let out = '';
  const chars = Array.from(value);
  chars.forEach((ch, i) => {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).padStart(2, '0')}`;
    else if ('"+,;<>\\='.includes(ch)) out += `\\${ch}`;
    else if ((i === 0 && (ch === ' ' || ch === '#')) || (i === chars.length - 1 && ch === ' '))
      out += `\\${ch}`;
    else out += ch;
  });
  return out;
}

/** Replaces each `{name}` in `template` with `escape(values[name])`; unknown placeholders stay as they are. */
export function fillTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
  escapeValue: (value: string) => string,
): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : escapeValue(value);
  });
}

/**
 * The value of the first RDN of `dn` when its type is `attribute` (case-insensitive), RFC 4514 escapes
 * undone: `cn=vpn\2Cusers,ou=groups,…` → `vpn,users`. Returns undefined for any other shape.
 */
export function firstRdnValue(dn: string, attribute: string): string | undefined {
  const eq = dn.indexOf('=');
  if (eq < 0 || dn.slice(0, eq).trim().toLowerCase() !== attribute.toLowerCase()) return undefined;
  const bytes: number[] = [];
  for (let i = eq + 1; i < dn.length; i++) {
    const ch = dn[i]!;
    if (ch === ',' || ch === '+') break;
    if (ch === '\\') {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
        continue;
      }
      i += 1;
      if (i >= dn.length) return undefined;
    }
    bytes.push(...Buffer.from(dn[i]!, 'utf8'));
  }
  const value = Buffer.from(bytes).toString('utf8').trim();
  return value === '' ? undefined : value;
}
