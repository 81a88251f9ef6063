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

/** Creates a throwaway CA, the apiserver serving cert, an admin client cert (system:masters) and SA keys in `dir`. */
export function generatePki(dir: string): ClusterPki {
  const p = (f: string): string => join(dir, f);
  writeEcKey(p('ca.key'));
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=swarmlab-local-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'],
    dir,
  );

  writeEcKey(p('serving.key'));
  openssl(
    ['req', '-x509', '-new', '-key', 'serving.key', '-out', 'serving.crt', '-days', '365', '-CA', 'ca.crt', '-CAkey', 'ca.key',
      '-subj', '/CN=kube-apiserver',
      '-addext', 'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment', '-addext', 'extendedKeyUsage=serverAuth'],
    dir,
  );

  writeEcKey(p('admin.key'));
  openssl(
    ['req', '-x509', '-new', '-key', 'admin.key', '-out', 'admin.crt', '-days', '365', '-CA', 'ca.crt', '-CAkey', 'ca.key',
      '-subj', '/O=system:masters/CN=swarmlab-admin',
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment', '-addext', 'extendedKeyUsage=clientAuth'],
    dir,
  );

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
    `    client-certificate-data: ${b64(pki.adminCert)}`,
    `    client-key-data: ${b64(pki.adminKey)}`,
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
