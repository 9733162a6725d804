#!/usr/bin/env node
// Runs every test file explicitly (Node 20's --test expands no globs) and fails when none ran or any failed.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const filter = process.argv.slice(2);
let files = findTests(join(root, 'test')).sort();
if (filter.length > 0) files = files.filter((f) => filter.some((part) => f.includes(part)));
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

const concurrency = process.env.TEST_CONCURRENCY ?? '4';
const args = [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  // Each test, and each file as a whole, ends within 10 minutes: a hang fails the run well inside CI's 30. Files
  // that start the CLI dozens of times (0.6 s per start from build/, 2 s through tsx when build/ is stale, four
  // times that on a loaded 2-core machine) need minutes under CI's load.
  '--test-timeout=600000',
  '--test-reporter=tap',
  '--test-reporter-destination=stdout',
  '--test-reporter=./scripts/failure-reporter.mjs',
  '--test-reporter-destination=stderr',
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('close', (code) => {
  const count = (name) => Number(tail.match(new RegExp(`^# ${name} (\\d+)`, 'm'))?.[1] ?? Number.NaN);
  const tests = count('tests');
  const failed = count('fail');
  const cancelled = count('cancelled');
  if (!(tests > 0)) {
    console.error(
      `run-tests: the runner reported ${Number.isNaN(tests) ? 'no' : tests} tests; that is a failure`,
    );
    process.exit(1);
  }
  if (code !== 0 || failed !== 0 || cancelled > 0) {
    console.error(`run-tests: ${failed} failed, ${cancelled} cancelled (exit ${code})`);
    process.exit(code || 1);
  }
  console.error(`run-tests: ${tests} tests in ${files.length} files passed`);
});
