// sigstore-js (@sigstore/verify, the Sigstore project's JavaScript verifier) as an independent
// judge of a Sigstore bundle (v0.1 to v0.3, JSON), offline against a trusted_root.json.
//
//   node verify-bundle.mjs --modules DIR --trusted-root FILE --bundle FILE
//        (--artifact FILE | --digest sha256:HEX)
//        [--key PEM_FILE] [--identity SAN --issuer ISS]
//
// A message-signature bundle needs the signed bytes (--artifact: for an OCI signature, the
// manifest). A DSSE bundle carries its payload; --digest (or the artifact's digest) must then be
// a subject of its in-toto statement. --key verifies a key-signed bundle (any key hint names
// it); --identity/--issuer are the certificate policy for a keyless one. Verification requires
// one transparency log entry (SET or inclusion proof with a signed checkpoint, by the root's
// log key) and, for a certificate, an SCT from the root's CT log.
// Exit 0 and "OK" on stdout when it verifies; else exit 1 and one line on stderr.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const args = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (!argv[i].startsWith('--') || argv[i + 1] === undefined) die(`bad argument ${argv[i]}`);
  args[argv[i].slice(2)] = argv[i + 1];
}
function die(msg) {
  process.stderr.write(`verify-bundle: ${msg}\n`);
  process.exit(1);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(args.modules || here, 'noop.js'));
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');

try {
  for (const k of ['trusted-root', 'bundle']) if (!args[k]) die(`--${k} is required`);
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(args['trusted-root'], 'utf8')));
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(args.bundle, 'utf8')));
  const artifact = args.artifact ? fs.readFileSync(args.artifact) : undefined;
  const digest = args.digest || (artifact && `sha256:${crypto.createHash('sha256').update(artifact).digest('hex')}`);
  if (!digest) die('--artifact or --digest is required');

  let keys;
  if (args.key) {
    const publicKey = crypto.createPublicKey(fs.readFileSync(args.key));
    keys = () => ({ publicKey, validFor: () => true });
  }
  const verifier = new Verifier(toTrustMaterial(root, keys), { tlogThreshold: 1, ctlogThreshold: 1 });

  if (bundle.content.$case === 'dsseEnvelope') {
    const env = bundle.content.dsseEnvelope;
    const statement = JSON.parse(Buffer.from(env.payload).toString('utf8'));
    const [alg, hex] = digest.split(':');
    const match = (statement.subject || []).some((s) => s.digest && s.digest[alg] === hex);
    if (!match) die(`no subject of the DSSE statement has digest ${digest}`);
  } else if (!artifact) {
    die('a message-signature bundle needs --artifact (the signed bytes)');
  }
  const policy = args.identity
    ? { subjectAlternativeName: args.identity, extensions: args.issuer ? { issuer: args.issuer } : undefined }
    : undefined;
  const signer = verifier.verify(toSignedEntity(bundle, artifact), policy);
  const who = signer.identity?.subjectAlternativeName || 'public key';
  process.stdout.write(`OK: ${bundle.content.$case} signed by ${who}\n`);
} catch (e) {
  die(`${e.code ? `${e.code}: ` : ''}${e.message}`);
}
