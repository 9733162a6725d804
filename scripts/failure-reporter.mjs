// A node:test reporter that prints nothing while tests run and, at the end, each failed or cancelled test with
// its file and error, so a long CI log says in its last lines what went wrong (TAP on stdout does not name files,
// a cancelled test is counted but not otherwise marked, and CI keeps only the log's tail).
const root = `${process.cwd()}/`;

/** Lines of an error shown after its first: enough for an assertion's diff or a child's output. */
const MORE_LINES = 14;

export default async function* failureReporter(source) {
  const failures = [];
  let count = 0;
  const shown = new Set();
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, file, line, details } = event.data;
    const error = details?.error;
    const kind = error?.failureType === 'cancelledByParent' ? 'cancelled' : 'failed';
    const cause = error?.cause ?? error;
    const [message, ...rest] = String(cause?.message ?? cause ?? '').split('\n');
    count += 1;
    failures.push(
      `${kind}: ${(file ?? '?').replace(root, '')}${line > 1 ? `:${line}` : ''} › ${name}${message ? ` — ${message}` : ''}`,
    );
    // A hook's failure fails every test of its file with one error: its detail is printed once.
    const detail = rest.filter((l) => l.trim() !== '').slice(0, MORE_LINES);
    const key = `${file}\n${cause?.message}`;
    if (detail.length > 0 && !shown.has(key)) {
      shown.add(key);
      for (const l of detail) failures.push(`    | ${l}`);
    }
  }
  if (failures.length === 0) return;
  yield `\nrun-tests: ${count} test(s) did not pass:\n`;
  for (const failure of failures) yield `  ${failure}\n`;
}
