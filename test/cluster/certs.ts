import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterPki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** Service-account token signing key pair (private for the apiserver to sign, public to verify). */
  saKey: string;
  saPub: string;
}

// node:crypto can make keys but not X.509 certificates, so certificates come
// from the openssl CLI (OpenSSL >= 3.0 for `req -x509 -CA`).
function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

function writeEcKey(path: string): void {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

/** A certificate signed by the cluster CA: `client` for users (CN = user, O = groups), `server` for endpoints (SANs). */
export interface CertRequest {
  /** File name stem: <name>.crt and <name>.key. */
  name: string;
  cn: string;
  groups?: readonly string[];
  usage: 'client' | 'server';
  ips?: readonly string[];
  dnsNames?: readonly string[];
}

/** Issues one key pair and certificate signed by the CA in `dir` (ca.crt, ca.key); returns their paths. */
export function issueCert(dir: string, req: CertRequest): { cert: string; key: string } {
  const key = `${req.name}.key`;
  const cert = `${req.name}.crt`;
  writeEcKey(join(dir, key));
  const subject = [...(req.groups ?? []).map((g) => `/O=${g}`), `/CN=${req.cn}`].join('');
  const sans = [...(req.ips ?? []).map((ip) => `IP:${ip}`), ...(req.dnsNames ?? []).map((d) => `DNS:${d}`)];
  openssl(
    ['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '365', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-subj', subject,
      ...(sans.length > 0 ? ['-addext', `subjectAltName=${sans.join(',')}`] : []),
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
      '-addext', `extendedKeyUsage=${req.usage === 'client' ? 'clientAuth' : 'serverAuth'}`],
    dir,
  );
  return { cert: join(dir, cert), key: join(dir, key) };
}

/**
 * Creates a throwaway CA, the apiserver serving cert (valid for loopback, the
 * Service IP and `apiserverIps`), an admin client cert (system:masters) and SA keys in `dir`.
 */
export function generatePki(dir: string, apiserverIps: readonly string[] = []): ClusterPki {
  const p = (f: string): string => join(dir, f);
  writeEcKey(p('ca.key'));
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=swarmlab-local-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'],
    dir,
  );
  issueCert(dir, {
    name: 'serving',
    cn: 'kube-apiserver',
    usage: 'server',
    ips: ['127.0.0.1', '10.0.0.1', ...apiserverIps],
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
  });
  issueCert(dir, { name: 'admin', cn: 'swarmlab-admin', groups: ['system:masters'], usage: 'client' });

  const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(p('sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(p('sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));

  return {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    servingCert: p('serving.crt'),
    servingKey: p('serving.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

const b64 = (file: string): string => readFileSync(file).toString('base64');

/** A self-contained kubeconfig (certificates inlined) for the admin user. */
export function adminKubeconfigYaml(pki: ClusterPki, server: string, name = 'swarmlab-local'): string {
  return kubeconfigYaml(pki, server, { cert: pki.adminCert, key: pki.adminKey }, name);
}

/** A self-contained kubeconfig for the user of a client certificate (see issueCert). */
export function kubeconfigYaml(pki: ClusterPki, server: string, user: { cert: string; key: string }, name = 'swarmlab-local'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pki.caCert)}`,
    'users:',
    `- name: ${name}-admin`,
    '  user:',
    `    client-certificate-data: ${b64(user.cert)}`,
    `    client-key-data: ${b64(user.key)}`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}-admin`,
    '    namespace: default',
    `current-context: ${name}`,
    '',
  ].join('\n');
}
