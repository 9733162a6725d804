// Owns docs/api-reference.md: the OpenAPI document the server serves, rendered as Markdown (`npm run docs`).
import Fastify from 'fastify';
import pino from 'pino';
import type { ApiDeps } from './api-deps.js';
import { registerApi } from './api-routes.js';

type Schema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  const?: unknown;
  enum?: unknown[];
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
};
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema; description?: string }[];
  responses: Record<string, { description?: string; content?: Record<string, unknown> }>;
};
export type OpenApiDocument = { info: { version: string }; paths: Record<string, Record<string, Operation>> };

/** The document as the server builds it, from the same route schemas, without opening stores or sockets. */
export async function buildApiDocument(version: string): Promise<OpenApiDocument> {
  const unused = () => {
    throw new Error('not serving: the document is built without a server');
  };
  const deps = {
    requireScope: () => async () => undefined,
    checkCredentials: unused,
    pushes: undefined,
    transactions: undefined,
    clients: undefined,
    newTransactionId: unused,
    logDecision: unused,
    logger: pino({ enabled: false }),
  } as unknown as ApiDeps;
  const app = Fastify({ logger: false });
  await registerApi(app, { deps, rateLimit: { perSecond: 1, burst: 1 }, version });
  await app.ready();
  const document = app.swagger() as unknown as OpenApiDocument;
  await app.close();
  return document;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(schema: Schema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.anyOf !== undefined) return schema.anyOf.map(typeOf).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  const limits = [
    schema.maxLength === undefined ? '' : `≤ ${schema.maxLength} characters`,
    schema.minimum === undefined ? '' : `${schema.minimum}–${schema.maximum}`,
    schema.default === undefined ? '' : `default ${JSON.stringify(schema.default)}`,
  ].filter((s) => s !== '');
  return limits.length === 0 ? type : `${type} (${limits.join(', ')})`;
}

function fields(schema: Schema): string[] {
  const variants = schema.anyOf ?? [schema];
  const out: string[] = [];
  for (const variant of variants) {
    if (variant.properties === undefined) continue;
    if (variants.length > 1) out.push('', `One of (by \`type\`): ${typeOf(variant.properties.type ?? {})}`);
    out.push('', '| Field | Type | Required | Notes |', '|---|---|---|---|');
    for (const [name, field] of Object.entries(variant.properties)) {
      const required = variant.required?.includes(name) ? 'yes' : 'no';
      out.push(`| \`${name}\` | ${cell(typeOf(field))} | ${required} | ${cell(field.description ?? '')} |`);
    }
  }
  return out;
}

/** Markdown for every operation of `document`, in path order. */
export function renderApiReference(document: OpenApiDocument): string {
  const out = [
    '# REST API reference',
    '',
    '<!-- Generated from the OpenAPI document by `npm run docs`; do not edit. A test fails when it is stale. -->',
    '',
    'The server serves the same document at `GET /api/openapi.json` on the admin listener. How to authenticate,',
    'errors and examples: [api.md](api.md).',
  ];
  for (const path of Object.keys(document.paths).sort()) {
    for (const [method, op] of Object.entries(document.paths[path]!)) {
      out.push('', `## \`${method.toUpperCase()} ${path}\``, '', op.summary ?? '');
      if (op.description !== undefined) out.push('', op.description);
      const params = op.parameters ?? [];
      if (params.length > 0) {
        out.push('', '| Parameter | In | Type | Notes |', '|---|---|---|---|');
        for (const p of params) {
          out.push(
            `| \`${p.name}\` | ${p.in} | ${cell(typeOf(p.schema ?? {}))} | ${cell(p.schema?.description ?? p.description ?? '')} |`,
          );
        }
      }
      const body = op.requestBody?.content;
      if (body !== undefined) {
        out.push(
          '',
          `Body: ${Object.keys(body)
            .map((t) => `\`${t}\``)
            .join(', ')}.`,
        );
        out.push(...fields(Object.values(body)[0]!.schema));
      }
      out.push('', 'Responses:', '');
      for (const [status, response] of Object.entries(op.responses)) {
        const types = Object.keys(response.content ?? {})
          .map((t) => `\`${t}\``)
          .join(', ');
        out.push(`- **${status}** ${response.description ?? ''}${types === '' ? '' : ` (${types})`}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}
