import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readSnapshotFile, writeSnapshotFile } from '../../../sinks/store/journal-snapshot.js';

const made: string[] = [];
after(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-snapshot-'));
  made.push(dir);
  return dir;
}

test('writes a snapshot that reads back and is plain JSON', async () => {
  const dir = await tempDir();
  const state = { incidents: [{ id: 'a', note: 'ünïcode\nline' }], n: 42 };
  await writeSnapshotFile({ dir, seq: 42, stateJson: JSON.stringify(state) });
  assert.deepEqual(await readdir(dir), ['snapshot-000000000042.json']);
  assert.deepEqual(await readSnapshotFile({ dir, seq: 42 }), { ok: true, state });
  const whole = JSON.parse(await readFile(path.join(dir, 'snapshot-000000000042.json'), 'utf8')) as { seq: number; state: unknown };
  assert.equal(whole.seq, 42);
  assert.deepEqual(whole.state, state);
});

test('finds truncation, a flipped byte, a wrong seq and a bad header', async () => {
  const dir = await tempDir();
  await writeSnapshotFile({ dir, seq: 5, stateJson: JSON.stringify({ text: 'abcdefgh'.repeat(100) }) });
  const file = path.join(dir, 'snapshot-000000000005.json');
  const good = await readFile(file);
  const reasons: string[] = [];
  const check = async (bytes: Buffer, seq = 5): Promise<void> => {
    await writeFile(path.join(dir, `snapshot-${String(seq).padStart(12, '0')}.json`), bytes);
    const read = await readSnapshotFile({ dir, seq });
    assert.equal(read.ok, false);
    if (!read.ok) reasons.push(read.reason.split(' ')[0]!);
  };
  await check(good.subarray(0, good.length - 300));
  const flipped = Buffer.from(good);
  flipped[good.length - 100] ^= 0x02;
  await check(flipped);
  await check(good, 6);
  await check(Buffer.from('not a snapshot'));
  await check(Buffer.alloc(0));
  assert.deepEqual(reasons, ['truncated', 'crc', 'header', 'bad', 'bad']);
});
