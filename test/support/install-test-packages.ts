/**
 * Installs every Debian package the test suite needs that is missing, once, before the
 * test files start (`npm test` runs it first), so parallel test files find their programs
 * in place. Without root, what is missing is reported and the tests that need it fail.
 */

import { ensurePackages, TEST_PACKAGES } from './debian-packages.js';

try {
  await ensurePackages(TEST_PACKAGES);
} catch (e) {
  // The test files that need a missing program fail with this same message; the rest run.
  process.stderr.write(`vigil tests: ${(e as Error).message}\n`);
}
