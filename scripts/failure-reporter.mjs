// A node:test reporter that prints nothing while tests run and, at the end, each failed or cancelled test with
// its file and first error line, so a long CI log says in its last lines what went wrong (TAP on stdout does not
// name files, and a cancelled test is counted but not otherwise marked).
const root = `${process.cwd()}/`;

export default async function* failureReporter(source) {
  const failures = [];
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, file, line, details } = event.data;
    const error = details?.error;
    const kind = error?.failureType === 'cancelledByParent' ? 'cancelled' : 'failed';
    const cause = error?.cause ?? error;
    const message = String(cause?.message ?? cause ?? '').split('\n')[0];
    failures.push(
      `${kind}: ${(file ?? '?').replace(root, '')}${line > 1 ? `:${line}` : ''} › ${name}${message ? ` — ${message}` : ''}`,
    );
  }
  if (failures.length === 0) return;
  yield `\nrun-tests: ${failures.length} test(s) did not pass:\n`;
  for (const failure of failures) yield `  ${failure}\n`;
}
