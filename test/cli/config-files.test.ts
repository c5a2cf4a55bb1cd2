import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../cli/config.js';
import { fileSourceOptions } from '../../cli/config-files.js';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import { createFileSource } from '../../ingest/files/file-source.js';

test('files: defaults, relative paths read from the working directory, durations in ms', () => {
  assert.deepEqual(parseConfig({}).files, []);
  assert.equal(fileSourceOptions(parseConfig({}).files), undefined);
  const files = parseConfig({ files: [{ path: 'logs/*.log' }, { path: '/var/log/app/*.json', stream: 'app', format: 'json', multiline: { start: '^\\S' }, pollInterval: '1s' }] }).files;
  assert.deepEqual(files[0], { path: 'logs/*.log', stream: 'logs', format: 'text', pollInterval: '250ms', rotateWait: '5s' });
  assert.deepEqual(fileSourceOptions(files, '/srv/vigil'), {
    inputs: [
      { path: '/srv/vigil/logs/*.log', stream: 'logs', format: 'text' },
      { path: '/var/log/app/*.json', stream: 'app', format: 'json', multiline: { start: '^\\S', timeoutMs: 1000 } },
    ],
    pollIntervalMs: 250,
    rotateWaitMs: 5000,
  });
});

test('files: a bad entry is refused with its path; a start pattern RE2 refuses stops the start', () => {
  assert.throws(
    () => parseConfig({ files: [{ path: '/x', format: 'xml', extra: 1 }] }),
    (e: unknown) => e instanceof VigilError && e.code === ErrorCode.Config && /files\.0: unknown key "extra"/.test(e.message) && /files\.0\.format/.test(e.message),
  );
  assert.throws(
    () => createFileSource({ inputs: [{ path: '/var/log/*.log', stream: 'logs', format: 'text', multiline: { start: '(?=x)', timeoutMs: 1000 } }] }),
    (e: unknown) => e instanceof VigilError && e.code === ErrorCode.Config && /files\[0\]\.multiline\.start/.test(e.message),
  );
  assert.throws(
    () => createFileSource({ inputs: [{ path: 'relative/*.log', stream: 'logs', format: 'text' }] }),
    (e: unknown) => e instanceof VigilError && e.code === ErrorCode.Config,
  );
});
