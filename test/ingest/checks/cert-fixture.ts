/**
 * Certificates made at test time with the openssl command line: a self-signed one valid for
 * 30 days and one that expired in 2020, both for `localhost` and 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A PEM key and certificate, as a TLS server takes them. */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

/** The certificates of one test file, in a temporary folder that `remove` deletes. */
export interface TestCertificates {
  readonly valid: TestCertificate;
  readonly expired: TestCertificate;
  remove(): Promise<void>;
}

const SUBJECT = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** `openssl ca` is the only openssl 3.0 command that takes explicit validity dates. */
const CA_CONFIG = `[ca]
default_ca = test_ca
[test_ca]
database = db/index.txt
new_certs_dir = db
serial = db/serial
default_md = sha256
policy = any_cn
copy_extensions = copy
unique_subject = no
[any_cn]
commonName = supplied
`;

/** Makes both certificates (EC P-256 keys: fast to generate). */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-checks-cert-'));
  const inDir = (name: string): string => path.join(dir, name);
  await run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', inDir('valid-key.pem'), '-out', inDir('valid-cert.pem'), '-days', '30', ...SUBJECT]);

  await mkdir(inDir('db'));
  await writeFile(inDir('db/index.txt'), '');
  await writeFile(inDir('db/serial'), '01\n');
  await writeFile(inDir('ca.cnf'), CA_CONFIG);
  await run('openssl', ['req', '-new', ...EC_KEY, '-keyout', inDir('expired-key.pem'), '-out', inDir('expired.csr'), ...SUBJECT]);
  await run(
    'openssl',
    ['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'expired-key.pem', '-in', 'expired.csr', '-out', 'expired-cert.pem', '-startdate', '20200101000000Z', '-enddate', '20200201000000Z'],
    { cwd: dir },
  );

  const read = (name: string): Promise<string> => readFile(inDir(name), 'utf8');
  return {
    valid: { key: await read('valid-key.pem'), cert: await read('valid-cert.pem') },
    expired: { key: await read('expired-key.pem'), cert: await read('expired-cert.pem') },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
