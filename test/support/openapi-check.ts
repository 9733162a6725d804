// Checks recorded REST API responses against the server's own OpenAPI document (issue 14: every response of the
// API tests is validated against it), with an independent JSON Schema 2020-12 validator.
import { Ajv2020 } from 'ajv/dist/2020.js';

export interface RecordedResponse {
  readonly method: string;
  /** The path as requested, e.g. `/api/v2/clients/fw1`. */
  readonly path: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

type Operation = {
  responses?: Record<string, { content?: Record<string, { schema?: object }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>> };

/** `/api/v2/clients/{name}` → a regular expression for concrete paths. */
function templateRegExp(template: string): RegExp {
  const segments = template
    .split('/')
    .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/').replace(/\/$/, '')}/?$`);
}

/** Every problem found: an undocumented route or status, a content type not listed, a body not matching. */
export function checkAgainstOpenApi(document: Document, responses: readonly RecordedResponse[]): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const problems: string[] = [];
  const routes = Object.entries(document.paths).map(([template, ops]) => ({
    template,
    pattern: templateRegExp(template),
    ops,
  }));
  for (const r of responses) {
    const path = r.path.split('?')[0]!;
    // The most specific template first: `/clients/{name}/secret` before `/clients/{name}`.
    const route = routes
      .filter((c) => c.pattern.test(path))
      .sort((a, b) => b.template.length - a.template.length)[0];
    const where = `${r.method} ${path} → ${r.status}`;
    if (route === undefined) {
      problems.push(`${where}: no such path in the document`);
      continue;
    }
    const op = route.ops[r.method.toLowerCase()];
    const response = op?.responses?.[String(r.status)];
    if (response === undefined) {
      problems.push(`${where}: status not documented for ${route.template}`);
      continue;
    }
    if (r.status === 204) continue;
    const type = r.contentType.split(';')[0]!.trim();
    const media = response.content?.[type];
    if (media === undefined) {
      problems.push(`${where}: content type ${type} not documented`);
      continue;
    }
    if (media.schema === undefined || type === 'text/event-stream') continue;
    const validate = ajv.compile(media.schema);
    if (!validate(r.body)) {
      problems.push(
        `${where}: body does not match: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(r.body)}`,
      );
    }
  }
  return problems;
}
