import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../../cli/config.js';
import { Service } from '../../../cli/service.js';
import { scanSegment } from '../../../sinks/store/journal-record.js';
import { startLogWriter } from '../../support/log-writer.js';
import { eventually, getJson, startVigilProcess, writeVigilFiles, type VigilProcess } from '../../support/vigil-process.js';

/** Counts every line and every distinct `seq` the writers wrote; neither ever fires. */
const COUNT_RULES = [
  'rule lines_seen { when count of logs where writer == "w" over 1d > 1000000000 }',
  'rule seqs_seen { when distinct(seq) of logs where writer == "w" over 1d > 1000000000 }',
  '',
].join('\n');

function config(logs: string): string {
  return [
    'rules: ./rules',
    'data: ./data',
    'http:',
    '  listen: 127.0.0.1:0',
    'files:',
    `  - path: ${JSON.stringify(path.join(logs, '*.log'))}`,
    '    format: logfmt',
    '    pollInterval: 100ms',
    '    rotateWait: 1s',
    '',
  ].join('\n');
}

/** The value of a group-less aggregate rule (0 before its first event). */
async function ruleValue(vigil: VigilProcess, rule: string): Promise<number> {
  const { json } = await getJson(`${vigil.url}/v1/rules/${rule}`);
  return (json.groups[0]?.value as number | undefined) ?? 0;
}

/** Every `seq` in every file of `dir` (the live file and its rotated copies): what was written. */
async function writtenSeqs(dir: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const name of await readdir(dir)) {
    const text = await readFile(path.join(dir, name), 'utf8');
    for (const line of text.split('\n')) {
      const m = /^seq=(\d+) /.exec(line);
      if (m) seqs.push(Number(m[1]));
    }
  }
  return seqs;
}

async function seen(vigil: VigilProcess): Promise<{ lines: number; seqs: number }> {
  return { lines: await ruleValue(vigil, 'lines_seen'), seqs: await ruleValue(vigil, 'seqs_seen') };
}

test('a writer appends, rotates by rename and by copytruncate and is killed; vigil is killed -9 and restarted in between: every line counts exactly once', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-tail-'));
  const logs = path.join(dir, 'logs');
  const file = path.join(logs, 'app.log');
  const configFile = await writeVigilFiles(dir, config(logs), { 'count.vigil': COUNT_RULES });
  await mkdir(logs);

  let vigil = await startVigilProcess(dir, configFile);
  let writer = startLogWriter(file, 1);
  try {
    // Reading while the writer writes, then kill -9 mid-stream.
    await eventually(async () => (await ruleValue(vigil, 'lines_seen')) >= 2_000, 'vigil reads the first lines');
    await vigil.kill();
    vigil = await startVigilProcess(dir, configFile);

    // Rename-and-create, and vigil killed right after it: the old file is found by its inode.
    await eventually(async () => (await ruleValue(vigil, 'lines_seen')) >= 4_000, 'vigil reads on after the restart');
    await writer.command('rotate-rename');
    await vigil.kill();
    vigil = await startVigilProcess(dir, configFile);

    // The writer dies mid-stream; a new one goes on from the last line it wrote.
    await eventually(async () => (await writtenSeqs(logs)).length >= 8_000, 'the writer writes on');
    await writer.kill();
    const last = Math.max(...(await writtenSeqs(logs)));
    writer = startLogWriter(file, last + 1);

    // copytruncate loses the lines written after the last read and before the truncate (as
    // logrotate says of it), so the writer pauses until vigil has read everything; then the
    // truncated file is read from its start.
    await eventually(async () => (await writtenSeqs(logs)).length >= 10_000, 'the second writer writes');
    const paused = Number((await writer.command('pause')).split(' ')[1]);
    await eventually(async () => (await ruleValue(vigil, 'lines_seen')) >= paused, 'vigil reads up to the pause', 120_000);
    await writer.command('copytruncate');
    writer.resume();
    await eventually(async () => (await writtenSeqs(logs)).length >= paused + 2_000, 'the writer writes after the truncate');
    await vigil.kill();
    vigil = await startVigilProcess(dir, configFile);
    await eventually(async () => (await ruleValue(vigil, 'lines_seen')) >= paused + 3_000, 'vigil reads the truncated file from its start');
    await writer.kill();

    const written = await writtenSeqs(logs);
    assert.equal(new Set(written).size, written.length, 'the writers wrote each seq once');
    // Everything written is read; then a clean restart reads nothing twice.
    const total = written.length;
    await eventually(async () => (await seen(vigil)).lines >= total, `vigil counts all ${total} lines`, 120_000);
    assert.deepEqual(await seen(vigil), { lines: total, seqs: total });
    assert.equal(await vigil.stop(), 0);
    vigil = await startVigilProcess(dir, configFile);
    // A line appended now is read once too, and nothing before it again.
    await appendFile(file, `seq=${Math.max(...written) + 1} writer=w pid=0 pad=last\n`);
    await eventually(async () => (await seen(vigil)).lines >= total + 1, 'the line appended after the clean restart');
    assert.deepEqual(await seen(vigil), { lines: total + 1, seqs: total + 1 });
  } finally {
    await writer.kill().catch(() => undefined);
    await vigil.kill().catch(() => undefined);
  }
});

test('a file being read is deleted: vigil_source_up says 0 and vigil_file_missing fires; a new file there resolves both', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-tail-gone-'));
  const logs = path.join(dir, 'logs');
  const file = path.join(logs, 'app.log');
  const configFile = await writeVigilFiles(dir, config(logs), { 'count.vigil': COUNT_RULES });
  await mkdir(logs);
  await appendFile(file, 'seq=1 writer=w\nseq=2 writer=w\n');
  const vigil = await startVigilProcess(dir, configFile);
  const up = async (): Promise<string | undefined> => {
    const text = await (await fetch(`${vigil.url}/metrics`)).text();
    return /^vigil_source_up\{source="files"\} (\d)$/m.exec(text)?.[1];
  };
  const missingAlert = async (): Promise<{ state: string; summary: string } | undefined> => {
    const { json } = await getJson(`${vigil.url}/v1/incidents?rule=vigil_file_missing`);
    return json.incidents[0];
  };
  try {
    await eventually(async () => (await ruleValue(vigil, 'lines_seen')) === 2, 'both lines read');
    assert.equal(await up(), '1');
    await rm(file);
    await eventually(async () => (await up()) === '0', 'vigil_source_up{source="files"} 0');
    const incident = await eventually(missingAlert, 'the vigil_file_missing self-alert');
    assert.equal(incident.state, 'firing');
    assert.match(incident.summary, /app\.log/);
    assert.match(vigil.stderr(), /app\.log is gone/);

    await appendFile(file, 'seq=3 writer=w\n');
    await eventually(async () => (await up()) === '1', 'vigil_source_up back to 1');
    await eventually(async () => (await missingAlert())?.state === 'resolved', 'the self-alert resolves');
    await eventually(async () => (await ruleValue(vigil, 'lines_seen')) === 3, 'the new file is read');
  } finally {
    await vigil.kill();
  }
});

/** The journaled event inputs that carry the files checkpoint, read from the data folder's segments. */
async function journaledFileInputs(data: string): Promise<{ events: Record<string, unknown>[]; checkpoint: { source: string; value: any } }[]> {
  const dir = path.join(data, 'journal');
  const out: { events: Record<string, unknown>[]; checkpoint: { source: string; value: any } }[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.startsWith('journal-')).sort()) {
    const scan = scanSegment<{ t: string; events?: Record<string, unknown>[]; checkpoint?: { source: string; value: any } }>(await readFile(path.join(dir, name)));
    for (const { body } of scan.records) if (body.t === 'events' && body.checkpoint?.source === 'files') out.push({ events: body.events!, checkpoint: body.checkpoint });
  }
  return out;
}

test('json and multiline text files, a new file picked up by the glob, a cut line and a bad line: events and offsets in the same journal record', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-tail-formats-'));
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  await writeFile(path.join(logs, 'app.json'), '{"level":"error","service":"api"}\n{"level":\n{"level":"info","service":"api"}\n');
  const long = 'y'.repeat(100 * 1024);
  await writeFile(path.join(logs, 'trace.txt'), `error boom\n  at a()\n  at b()\n${long}\ninfo ok\n`);
  const config = parseConfig({
    rules: path.join(dir, 'rules'),
    data: path.join(dir, 'data'),
    http: { listen: '127.0.0.1:0' },
    files: [
      { path: path.join(logs, '*.json'), format: 'json', pollInterval: '100ms' },
      { path: path.join(logs, '*.txt'), stream: 'traces', multiline: { start: '^\\S', timeout: '200ms' }, pollInterval: '100ms' },
    ],
  });
  await mkdir(path.join(dir, 'rules'));
  await writeFile(path.join(dir, 'rules', 'r.vigil'), 'rule api_errors { when count of logs where level == "error" over 1h > 100 }\nrule traces { when traces where message =~ "boom" }\n');
  const service = await Service.start({ config, out: new PassThrough(), err: new PassThrough() });
  try {
    const events = async (): Promise<Record<string, unknown>[]> => (await journaledFileInputs(config.data)).flatMap((r) => r.events);
    await eventually(async () => (await events()).length >= 5, 'the first files are read');
    // A file created after the start is picked up by the glob.
    await writeFile(path.join(logs, 'later.json'), '{"level":"warning","service":"db"}\n');
    await eventually(async () => (await events()).length >= 6, 'the new file is read');
    const all = await events();
    const strip = (e: Record<string, unknown>): Record<string, unknown> => {
      const { time: _time, ...rest } = e;
      return rest;
    };
    assert.deepEqual(all.filter((e) => e.stream === 'logs').map(strip), [
      { level: 'error', service: 'api', stream: 'logs', file: path.join(logs, 'app.json') },
      { level: 'info', service: 'api', stream: 'logs', file: path.join(logs, 'app.json') },
      { level: 'warning', service: 'db', stream: 'logs', file: path.join(logs, 'later.json') },
    ]);
    const traces = all.filter((e) => e.stream === 'traces');
    assert.deepEqual(traces.map((e) => [e.message === undefined ? undefined : String(e.message).slice(0, 40), e.truncated]), [
      ['error boom\n  at a()\n  at b()', undefined],
      ['y'.repeat(40), true],
      ['info ok', undefined],
    ]);
    assert.equal(String(traces[1]!.message).length, 64 * 1024);
    // The last record holds every file's offset, right after the last line read.
    const records = await journaledFileInputs(config.data);
    const last = records[records.length - 1]!.checkpoint.value.files as { path: string; pos: number }[];
    assert.deepEqual(
      last.map((f) => [path.basename(f.path), f.pos]).sort(),
      [
        ['app.json', Buffer.byteLength('{"level":"error","service":"api"}\n{"level":\n{"level":"info","service":"api"}\n')],
        ['later.json', Buffer.byteLength('{"level":"warning","service":"db"}\n')],
        ['trace.txt', Buffer.byteLength(`error boom\n  at a()\n  at b()\n${long}\ninfo ok\n`)],
      ].sort(),
    );
    // The bad line was counted as refused, and only it.
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /^vigil_events_rejected_total\{stream="logs"\} 1$/m);
    assert.equal(service.core.book.incidentCount, 1, 'the multiline record fired its rule');
  } finally {
    await service.stop();
  }
});

test('a glob that also matches the rotated name (app.log*): the renamed file is read on, not again from its start', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-tail-renamed-'));
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  await mkdir(path.join(dir, 'rules'));
  await writeFile(path.join(dir, 'rules', 'count.vigil'), COUNT_RULES);
  const file = path.join(logs, 'app.log');
  const config = parseConfig({
    rules: path.join(dir, 'rules'),
    data: path.join(dir, 'data'),
    http: { listen: '127.0.0.1:0' },
    files: [{ path: path.join(logs, 'app.log*'), format: 'logfmt', pollInterval: '50ms', rotateWait: '500ms' }],
  });
  const lines = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => `seq=${from + i} writer=w\n`).join('');
  await writeFile(file, lines(1, 100));
  const service = await Service.start({ config, out: new PassThrough(), err: new PassThrough() });
  const value = async (rule: string): Promise<number> => (await getJson(`${service.url}/v1/rules/${rule}`)).json.groups[0]?.value ?? 0;
  try {
    await eventually(async () => (await value('lines_seen')) === 100, 'the first lines');
    await rename(file, `${file}.1`);
    await appendFile(`${file}.1`, lines(101, 150));
    await writeFile(file, lines(151, 200));
    await eventually(async () => (await value('lines_seen')) >= 200, 'the lines of both files');
    // Past the rotation wait, and more polls: nothing is read twice.
    await appendFile(file, lines(201, 201));
    await eventually(async () => (await value('lines_seen')) >= 201, 'a later line');
    await appendFile(`${file}.1`, lines(202, 202));
    await eventually(async () => (await value('lines_seen')) >= 202, 'a line written late to the rotated file');
    assert.equal(await value('lines_seen'), 202);
    assert.equal(await value('seqs_seen'), 202);
  } finally {
    await service.stop();
  }
});

test('a file rotated by rename while vigil is down: its rest is read from where the journal says, found by its inode', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-tail-down-'));
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  await mkdir(path.join(dir, 'rules'));
  await writeFile(path.join(dir, 'rules', 'count.vigil'), COUNT_RULES);
  const file = path.join(logs, 'app.log');
  const config = parseConfig({
    rules: path.join(dir, 'rules'),
    data: path.join(dir, 'data'),
    http: { listen: '127.0.0.1:0' },
    files: [{ path: path.join(logs, '*.log'), format: 'logfmt', pollInterval: '50ms', rotateWait: '200ms' }],
  });
  const lines = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => `seq=${from + i} writer=w\n`).join('');
  await writeFile(file, lines(1, 100));
  let service = await Service.start({ config, out: new PassThrough(), err: new PassThrough() });
  const value = async (rule: string): Promise<number> => (await getJson(`${service.url}/v1/rules/${rule}`)).json.groups[0]?.value ?? 0;
  try {
    await eventually(async () => (await value('lines_seen')) === 100, 'the first lines');
    await service.stop();
    // While vigil is down: more lines, then rotated away (app.log.1 is not matched by *.log), then a new file.
    await appendFile(file, lines(101, 150));
    await rename(file, `${file}.1`);
    await writeFile(file, lines(151, 200));
    const err = new PassThrough();
    let said = '';
    err.on('data', (d: Buffer) => (said += d.toString()));
    service = await Service.start({ config, out: new PassThrough(), err });
    await eventually(async () => (await value('lines_seen')) >= 200, 'the rest of the rotated file and the new one');
    // Once the rotated file is finished, the path still has a file: nothing is missing.
    await appendFile(file, lines(201, 201));
    await eventually(async () => (await value('lines_seen')) >= 201, 'a later line');
    assert.equal(await value('lines_seen'), 201);
    assert.equal(await value('seqs_seen'), 201);
    assert.doesNotMatch(said, /is gone/);
  } finally {
    await service.stop();
  }
});
