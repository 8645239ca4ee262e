// The e2e tests' loopback Sigstore: the Sigstore project's own mock services (npm @sigstore/mock:
// Fulcio with a CT log, Rekor, a timestamp authority), written for nock, served here over
// node:http on one 127.0.0.1 port at the real REST paths, plus a GitHub Actions OIDC token issuer.
//
//   node server.mjs --out DIR [--port N] [--modules DIR]
//
// --modules is the directory holding node_modules (scripts/install-sigstore installs it in the
// cache, outside the clone). On start it writes into DIR the trust material it generated:
//   trusted_root.json   Sigstore TrustedRoot (protobuf-specs JSON): tlog, ctlog, Fulcio CA, TSA
//   signing_config.json Sigstore SigningConfig v0.2 pointing at this server (cosign 3 signing)
//   trust_config.json   ClientTrustConfig (trusted root + signing config; sigstore-python)
//   rekor.pub           the Rekor log key, PEM (cosign's SIGSTORE_REKOR_PUBLIC_KEY)
//   ctlog.pub           the CT log key, PEM (cosign's SIGSTORE_CT_LOG_PUBLIC_KEY_FILE)
//   fulcio_root.pem     the Fulcio root certificate (cosign's SIGSTORE_ROOT_FILE)
//   tsa_chain.pem       the TSA chain, leaf first (cosign's --timestamp-certificate-chain)
//   oidc_jwks.json      the OIDC issuer's public key
// then prints one JSON line {"url": "http://127.0.0.1:PORT", ...} on stdout: the ready signal.
//
// Beyond the mock: Fulcio verifies the OIDC token's signature (our issuer's key), expiry and
// audience, and the proof of possession, as the real one does; the certificate's SAN is the
// workflow identity URI for GitHub tokens. Rekor verifies and stores entries canonicalized as
// the real one does (hashedrekord: signature over the digest checked with the key; dsse:
// envelope verified, replaced by hashes and signatures), appends them to one Merkle tree, keeps them
// (UUID = the RFC 6962 leaf hash, as cosign checks) and answers the lookups cosign makes when a
// signature has no bundle.
// Test-only control endpoints live under /__control/ (see the README block at handleControl).

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const args = parseArgs(process.argv.slice(2));
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(args.modules || here, 'noop.js'));
// Deep requires: the package index loads nock, which patches node's http client globally.
const { initializeCA, initializeCTLog, fulcioHandler } = require('@sigstore/mock/dist/fulcio');
const { initializeTLog, rekorHandler } = require('@sigstore/mock/dist/rekor');
const { initializeTSA, tsaHandler } = require('@sigstore/mock/dist/timestamp');
const specs = require('@sigstore/protobuf-specs');
const jose = require('jose');
const pkijs = require('pkijs');
const asn1js = require('asn1js');
const canonicalize = require('canonicalize');

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const SAN_CLAIM = 'x_trustacks_mock_san';

function parseArgs(argv) {
  const out = { port: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) usage(`missing value for ${k}`);
    if (k === '--port') out.port = Number(v);
    else if (k === '--out') out.out = v;
    else if (k === '--modules') out.modules = v;
    else usage(`unknown argument ${k}`);
  }
  if (!out.out) usage('--out DIR is required');
  return out;
}
function usage(msg) {
  process.stderr.write(`sigstore-mock: ${msg}\nusage: node server.mjs --out DIR [--port N] [--modules DIR]\n`);
  process.exit(2);
}

const b64 = (buf) => Buffer.from(buf).toString('base64');
const b64url = (buf) => Buffer.from(buf).toString('base64url');
const p256 = () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const spkiDer = (key) => key.export({ format: 'der', type: 'spki' });
const spkiPem = (key) => key.export({ format: 'pem', type: 'spki' }).toString();
const certPem = (der) =>
  `-----BEGIN CERTIFICATE-----\n${b64(der).replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
const leafHash = (body) => crypto.createHash('sha256').update(Buffer.from([0])).update(body).digest();

function writeAtomic(file, data, mode = 0o644) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data, { mode });
  fs.renameSync(tmp, file);
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

function send(res, status, body, contentType = 'application/json', headers = {}) {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, ...headers });
  res.end(data);
}
// Fulcio and Rekor report errors as {code, message} JSON.
const fail = (res, status, message) => send(res, status, { code: status, message });

// Stage marks on stderr (the harness's log): a start that stalls says where.
// performance.now() counts from the process's start, so the first mark includes node's own boot.
const mark = (what) => process.stderr.write(`sigstore-mock: ${what} (+${Math.round(performance.now())} ms)\n`);

async function main() {
  mark('modules loaded');
  // Listen first: the Rekor mock puts its host into the checkpoint origin.
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(args.port, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  const base = `http://127.0.0.1:${port}`;
  mark(`listening on ${port}`);

  // One key per role (mockFulcio shares one between the CA and the CT log; the real ones don't).
  const keys = { ca: p256(), ct: p256(), tlog: p256(), tsa: p256() };
  const oidc = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const oidcKid = crypto.createHash('sha256').update(spkiDer(oidc.publicKey)).digest('hex').slice(0, 16);

  mark('keys generated');
  const ctlog = await initializeCTLog(keys.ct);
  const rogueCtlog = await initializeCTLog(p256());
  const ca = await initializeCA(keys.ca, ctlog);
  const tlog = await initializeTLog(base, keys.tlog);
  const tsa = await initializeTSA(keys.tsa);
  const fulcio = fulcioHandler(ca, { subjectClaim: SAN_CLAIM });
  const rekor = rekorHandler(tlog);
  const timestamp = tsaHandler(tsa);
  wrapTsaNonce(tsa);

  const tlogKeyId = crypto.createHash('sha256').update(spkiDer(keys.tlog.publicKey)).digest();
  const rootDer = Buffer.from(ca.rootCertificate);
  const tsaChain = [Buffer.from(tsa.intCertificate), Buffer.from(tsa.rootCertificate)];

  // validFor starts a little in the past: clocks of the verifiers and of this process may differ.
  const start = new Date(Date.now() - 60 * 60 * 1000);
  const operator = 'sigstore.mock';
  const trustedRoot = specs.TrustedRoot.toJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: base,
        hashAlgorithm: specs.HashAlgorithm.SHA2_256,
        publicKey: {
          rawBytes: spkiDer(keys.tlog.publicKey),
          keyDetails: specs.PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
          validFor: { start, end: undefined },
        },
        logId: { keyId: tlogKeyId },
        checkpointKeyId: undefined,
        operator,
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: base,
        certChain: { certificates: [{ rawBytes: rootDer }] },
        validFor: { start, end: undefined },
        operator,
      },
    ],
    ctlogs: [
      {
        baseUrl: base,
        hashAlgorithm: specs.HashAlgorithm.SHA2_256,
        publicKey: {
          rawBytes: Buffer.from(ctlog.publicKey),
          keyDetails: specs.PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
          validFor: { start, end: undefined },
        },
        logId: { keyId: Buffer.from(ctlog.logID) },
        checkpointKeyId: undefined,
        operator,
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: `${base}/api/v1/timestamp`,
        certChain: { certificates: tsaChain.map((rawBytes) => ({ rawBytes })) },
        validFor: { start, end: undefined },
        operator,
      },
    ],
  });
  const service = (url) => ({ url, majorApiVersion: 1, validFor: { start, end: undefined }, operator });
  const signingConfig = specs.SigningConfig.toJSON({
    mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
    caUrls: [service(base)],
    oidcUrls: [service(`${base}/oidc`)],
    rekorTlogUrls: [service(base)],
    rekorTlogConfig: { selector: specs.ServiceSelector.ANY, count: 0 },
    tsaUrls: [service(`${base}/api/v1/timestamp`)],
    tsaConfig: { selector: specs.ServiceSelector.ANY, count: 0 },
  });
  const trustConfig = {
    mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json',
    trustedRoot,
    signingConfig,
  };
  const jwk = { ...(await jose.exportJWK(oidc.publicKey)), kid: oidcKid, alg: 'RS256', use: 'sig' };

  const out = args.out;
  fs.mkdirSync(out, { recursive: true });
  const files = {
    trusted_root: path.join(out, 'trusted_root.json'),
    signing_config: path.join(out, 'signing_config.json'),
    trust_config: path.join(out, 'trust_config.json'),
    rekor_pub: path.join(out, 'rekor.pub'),
    ctlog_pub: path.join(out, 'ctlog.pub'),
    fulcio_root: path.join(out, 'fulcio_root.pem'),
    tsa_chain: path.join(out, 'tsa_chain.pem'),
    oidc_jwks: path.join(out, 'oidc_jwks.json'),
  };
  writeAtomic(files.trusted_root, JSON.stringify(trustedRoot, null, 2));
  writeAtomic(files.signing_config, JSON.stringify(signingConfig, null, 2));
  writeAtomic(files.trust_config, JSON.stringify(trustConfig, null, 2));
  writeAtomic(files.rekor_pub, spkiPem(keys.tlog.publicKey));
  writeAtomic(files.ctlog_pub, spkiPem(keys.ct.publicKey));
  writeAtomic(files.fulcio_root, certPem(rootDer));
  writeAtomic(files.tsa_chain, tsaChain.map(certPem).join(''));
  writeAtomic(files.oidc_jwks, JSON.stringify({ keys: [jwk] }, null, 2));

  const state = {
    base,
    // The GitHub Actions job this issuer pretends to run; /__control/github changes it.
    github: defaultGithubClaims(),
    requestToken: crypto.randomBytes(24).toString('hex'),
    faults: [], // {prefix, method, status, times}
    hits: {}, // "METHOD /path" -> count
    entries: new Map(), // uuid -> entry (Rekor)
    byIndex: new Map(), // logIndex -> uuid
    byHash: new Map(), // "sha256:hex" -> [uuid]
    // RFC 6962 leaf hashes, by logIndex. A few unrelated leaves first, as in any real log: no
    // entry sits at index 0 (which protobuf JSON omits) or has an empty audit path.
    leaves: Array.from({ length: 5 }, () => leafHash(crypto.randomBytes(32))),
    treeID: String(crypto.randomInt(2 ** 47)),
    fulcio,
    rekor,
    timestamp,
    ca,
    rootDer,
    tsaChain,
    tlog,
    tsa,
    ctlog,
    rogueCtlog,
    fulcioModes: [],
    tlogKey: keys.tlog,
    oidc,
    oidcKid,
    jwk,
  };
  server.on('request', (req, res) => {
    route(state, req, res).catch((e) => {
      process.stderr.write(`sigstore-mock: ${req.method} ${req.url}: ${e.stack || e}\n`);
      if (!res.headersSent) fail(res, 500, String(e.message || e));
      else res.end();
    });
  });

  const ready = {
    url: base,
    port,
    oidc_request_url: `${base}/oidc/token?api-version=2.0`,
    oidc_request_token: state.requestToken,
    files,
  };
  mark('ready');
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  // Stop when the harness goes away (stdin closes) as well as on signals.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
}

function defaultGithubClaims() {
  return {
    repository: 'trustacks/constitution',
    repository_owner: 'trustacks',
    repository_id: '100001',
    repository_owner_id: '100000',
    repository_visibility: 'public',
    workflow: 'publish',
    workflow_file: '.github/workflows/publish.yml',
    ref: 'refs/tags/v1.2.3',
    ref_type: 'tag',
    sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    event_name: 'push',
    run_id: '4242',
    run_number: '7',
    run_attempt: '1',
    actor: 'release-bot',
    actor_id: '100002',
    runner_environment: 'github-hosted',
  };
}

// The claims GitHub puts into an Actions ID token, derived from the job description above.
function githubToken(state, audience, overrides = {}) {
  const g = { ...state.github, ...overrides };
  const workflowRef = `${g.repository}/${g.workflow_file}@${g.ref}`;
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    jti: crypto.randomUUID(),
    sub: `repo:${g.repository}:ref:${g.ref}`,
    aud: audience,
    ref: g.ref,
    sha: g.sha,
    repository: g.repository,
    repository_owner: g.repository_owner,
    repository_owner_id: g.repository_owner_id,
    repository_id: g.repository_id,
    repository_visibility: g.repository_visibility,
    run_id: g.run_id,
    run_number: g.run_number,
    run_attempt: g.run_attempt,
    actor: g.actor,
    actor_id: g.actor_id,
    workflow: g.workflow,
    workflow_ref: workflowRef,
    workflow_sha: g.sha,
    job_workflow_ref: g.job_workflow_ref || workflowRef,
    job_workflow_sha: g.sha,
    event_name: g.event_name,
    ref_type: g.ref_type,
    runner_environment: g.runner_environment,
    iss: GITHUB_ISSUER,
    nbf: now - 5,
    iat: now - 5,
    exp: now + 300,
  };
  return claims;
}

async function signJwt(state, claims) {
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: state.oidcKid })
    .sign(state.oidc.privateKey);
}

async function route(state, req, res) {
  const url = new URL(req.url, state.base);
  const p = url.pathname;
  const key = `${req.method} ${p}`;
  if (!p.startsWith('/__control/')) {
    state.hits[key] = (state.hits[key] || 0) + 1;
    const fault = state.faults.find(
      (f) => f.times > 0 && p.startsWith(f.prefix) && (!f.method || f.method === req.method),
    );
    if (fault) {
      fault.times -= 1;
      if (fault.status === 0) {
        req.socket.destroy(); // a dropped connection
        return;
      }
      return fail(res, fault.status, `injected fault for ${p}`);
    }
  }
  const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : Buffer.alloc(0);

  // Fulcio
  if (req.method === 'POST' && p === '/api/v2/signingCert') return fulcioV2(state, req, res, body);
  if (req.method === 'POST' && p === '/api/v1/signingCert') return fulcioV1(state, req, res, body);
  if (req.method === 'GET' && p === '/api/v2/trustBundle')
    return send(res, 200, { chains: [{ certificates: [certPem(state.rootDer)] }] });
  if (req.method === 'GET' && p === '/api/v1/rootCert')
    return send(res, 200, certPem(state.rootDer), 'application/pem-certificate-chain');
  if (req.method === 'GET' && p === '/api/v2/configuration')
    return send(res, 200, { issuers: [{ issuerUrl: GITHUB_ISSUER, audience: 'sigstore', challengeClaim: 'sub' }] });

  // Rekor
  if (p.startsWith('/api/v1/log') || p.startsWith('/api/v1/index')) return rekorRoute(state, req, res, url, body);

  // Timestamp authority
  if (req.method === 'POST' && p === '/api/v1/timestamp') return tsaTimestamp(state, req, res, body);
  if (req.method === 'GET' && p === '/api/v1/timestamp/certchain')
    return send(res, 200, state.tsaChain.map(certPem).join(''), 'application/pem-certificate-chain');

  // GitHub Actions' ID token endpoint and the issuer's discovery documents
  if (req.method === 'GET' && p === '/oidc/token') return githubTokenEndpoint(state, req, res, url);
  if (req.method === 'GET' && p === '/oidc/jwks') return send(res, 200, { keys: [state.jwk] });
  if (req.method === 'GET' && p === '/oidc/.well-known/openid-configuration')
    return send(res, 200, { issuer: GITHUB_ISSUER, jwks_uri: `${state.base}/oidc/jwks` });

  if (p.startsWith('/__control/')) return handleControl(state, req, res, p, body);
  return fail(res, 404, `no route for ${req.method} ${p}`);
}

// ---------------------------------------------------------------- OIDC (GitHub Actions)

async function githubTokenEndpoint(state, req, res, url) {
  const auth = req.headers.authorization || '';
  const m = /^bearer\s+(.+)$/i.exec(auth);
  if (!m || m[1] !== state.requestToken) return fail(res, 401, 'bad ACTIONS_ID_TOKEN_REQUEST_TOKEN');
  const audience = url.searchParams.get('audience') || `https://github.com/${state.github.repository_owner}`;
  const token = await signJwt(state, githubToken(state, audience));
  return send(res, 200, { count: 1, value: token });
}

// Checks a token as Fulcio does: our issuer's signature, not expired, audience sigstore.
async function verifyToken(state, token) {
  if (!token) throw new Error('no identity token');
  const { payload } = await jose.jwtVerify(token, state.oidc.publicKey, { audience: 'sigstore' });
  if (!payload.iss) throw new Error('token has no iss');
  return payload;
}

// The SAN Fulcio puts into the certificate for this token.
function subjectAltName(claims) {
  if (claims.iss === GITHUB_ISSUER && claims.job_workflow_ref) return `https://github.com/${claims.job_workflow_ref}`;
  if (claims.ci_config_ref_uri) return `https://${claims.ci_config_ref_uri}`; // GitLab
  if (claims.email) return claims.email;
  return claims.sub;
}

// What the client signs as proof of possession: cosign and sigstore-go sign the token's subject
// (the email claim when the token has one).
function challengeValues(claims) {
  return [claims.sub, claims.email].filter((v) => typeof v === 'string');
}

function parsePublicKey(content) {
  const text = Buffer.from(content).toString('utf8');
  if (text.includes('-----BEGIN')) return crypto.createPublicKey(text);
  return crypto.createPublicKey({ key: Buffer.from(content), format: 'der', type: 'spki' });
}

function checkProof(claims, publicKey, proof) {
  if (!proof || proof.length === 0) throw new Error('missing proof of possession');
  for (const v of challengeValues(claims)) {
    if (crypto.verify('sha256', Buffer.from(v), publicKey, proof)) return;
  }
  throw new Error('proof of possession does not verify against the public key');
}

// Hands the request to @sigstore/mock's Fulcio handler with an unsigned token carrying our
// checked claims plus the SAN (the mock takes the SAN from a claim and only decodes the token).
async function issue(state, claims, publicKeyPem) {
  const mode = state.fulcioModes.find((m) => m.times > 0);
  if (mode) {
    mode.times -= 1;
    return issueMisbehaving(state, claims, publicKeyPem, mode.mode);
  }
  return issueWith(state, claims, publicKeyPem);
}

// /__control/fulcio modes: a certificate for a fresh key instead of the requester's, one without
// an SCT, or one whose SCT a CT log outside the trusted root signed. The CA reads its CT log
// from this property while it issues (requests are not interleaved in these tests).
async function issueMisbehaving(state, claims, publicKeyPem, mode) {
  if (mode === 'wrong-key') return issueWith(state, claims, spkiPem(p256().publicKey));
  const saved = state.ca.ctLog;
  state.ca.ctLog = mode === 'no-sct' ? undefined : state.rogueCtlog;
  try {
    return await issueWith(state, claims, publicKeyPem);
  } finally {
    state.ca.ctLog = saved;
  }
}

async function issueWith(state, claims, publicKeyPem) {
  const mockClaims = { ...claims, [SAN_CLAIM]: subjectAltName(claims) };
  const unsigned = `${b64url(JSON.stringify({ alg: 'none' }))}.${b64url(JSON.stringify(mockClaims))}.`;
  const request = {
    credentials: { oidcIdentityToken: unsigned },
    publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicKeyPem } },
  };
  const r = await state.fulcio.fn(JSON.stringify(request));
  if (r.statusCode !== 201) throw Object.assign(new Error(r.response), { status: r.statusCode });
  return JSON.parse(r.response).signedCertificateEmbeddedSct.chain.certificates;
}

async function fulcioV2(state, req, res, body) {
  let json;
  try {
    json = JSON.parse(body.toString());
  } catch {
    return fail(res, 400, 'request body is not JSON');
  }
  const bearer = /^bearer\s+(.+)$/i.exec(req.headers.authorization || '');
  const token = json?.credentials?.oidcIdentityToken || (bearer && bearer[1]);
  let claims;
  try {
    claims = await verifyToken(state, token);
  } catch (e) {
    return fail(res, 401, `There was an error processing the identity token: ${e.message}`);
  }
  let publicKey;
  try {
    if (json.publicKeyRequest) {
      publicKey = parsePublicKey(json.publicKeyRequest.publicKey.content);
      checkProof(claims, publicKey, Buffer.from(json.publicKeyRequest.proofOfPossession || '', 'base64'));
    } else if (json.certificateSigningRequest) {
      const x509 = require('@peculiar/x509');
      const csr = new x509.Pkcs10CertificateRequest(Buffer.from(json.certificateSigningRequest, 'base64').toString());
      if (!(await csr.verify())) throw new Error('certificate signing request signature does not verify');
      publicKey = crypto.createPublicKey(csr.publicKey.toString('pem'));
    } else {
      throw new Error('no public key in the request');
    }
  } catch (e) {
    return fail(res, 400, `There was an error processing the public key: ${e.message}`);
  }
  try {
    const chain = await issue(state, claims, spkiPem(publicKey));
    // The v2 API (grpc-gateway) answers 200; sigstore-go refuses anything else.
    return send(res, 200, { signedCertificateEmbeddedSct: { chain: { certificates: chain } } });
  } catch (e) {
    return fail(res, e.status || 500, e.message);
  }
}

// The legacy API cosign 2 uses: bearer token, {publicKey: {content}, signedEmailAddress}, and a
// PEM chain in the response (the SCT is embedded, so the SCT header is empty).
async function fulcioV1(state, req, res, body) {
  const bearer = /^bearer\s+(.+)$/i.exec(req.headers.authorization || '');
  let claims;
  try {
    claims = await verifyToken(state, bearer && bearer[1]);
  } catch (e) {
    return fail(res, 401, `There was an error processing the identity token: ${e.message}`);
  }
  let publicKey;
  try {
    const json = JSON.parse(body.toString());
    if (json.certificateSigningRequest) return fail(res, 400, 'CSR requests are served by /api/v2/signingCert');
    publicKey = parsePublicKey(Buffer.from(json.publicKey.content, 'base64'));
    checkProof(claims, publicKey, Buffer.from(json.signedEmailAddress || '', 'base64'));
  } catch (e) {
    return fail(res, 400, `There was an error processing the public key: ${e.message}`);
  }
  try {
    const chain = await issue(state, claims, spkiPem(publicKey));
    return send(res, 201, chain.join(''), 'application/pem-certificate-chain');
  } catch (e) {
    return fail(res, e.status || 500, e.message);
  }
}

// ---------------------------------------------------------------- Rekor

// What real Rekor stores for a proposed entry (its types' Canonicalize): the mock logs the JCS
// of whatever it is handed, so it is handed this. hashedrekord: the key (or certificate)
// re-encoded as PEM; dsse: the envelope is verified with the proposed verifiers and replaced by
// its hashes and the (signature, verifier) pairs, sorted. Other kinds pass as proposed.
function canonicalEntry(proposed) {
  const spec = proposed.spec || {};
  if (proposed.kind === 'hashedrekord') {
    const sig = spec.signature || {};
    const hash = spec.data?.hash;
    if (!sig.content || !sig.publicKey?.content || !hash?.value)
      throw new Error('hashedrekord needs signature.content, signature.publicKey.content and data.hash');
    const keyPem = canonicalKeyPem(sig.publicKey.content);
    const key = keyPem.includes('CERTIFICATE') ? new crypto.X509Certificate(keyPem).publicKey : crypto.createPublicKey(keyPem);
    // Rekor checks the signature over the digest with the key before it logs anything.
    if (!verifyPrehashed(key, Buffer.from(hash.value, 'hex'), Buffer.from(sig.content, 'base64')))
      throw new Error('verifying signature: invalid signature when validating ASN.1 encoded signature');
    return {
      apiVersion: proposed.apiVersion || '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: hash.algorithm || 'sha256', value: hash.value } },
        signature: { content: sig.content, publicKey: { content: b64(keyPem) } },
      },
    };
  }
  if (proposed.kind === 'dsse' && spec.proposedContent) {
    const envText = spec.proposedContent.envelope;
    const env = JSON.parse(envText);
    if (!env.signatures?.length) throw new Error('DSSE envelope must contain 1 or more signatures');
    const payload = Buffer.from(env.payload, 'base64');
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${Buffer.byteLength(env.payloadType)} ${env.payloadType} ${payload.length} `),
      payload,
    ]);
    const keys = (spec.proposedContent.verifiers || []).map((v) => canonicalKeyPem(v));
    const signatures = env.signatures.map((sg) => {
      const key = keys.find((k) => crypto.verify('sha256', pae, k, Buffer.from(sg.sig, 'base64')));
      if (!key) throw new Error('could not verify envelope: no verifier accepts a signature');
      return { signature: sg.sig, verifier: b64(key) };
    });
    signatures.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
    return {
      apiVersion: proposed.apiVersion || '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: crypto.createHash('sha256').update(envText).digest('hex') },
        payloadHash: { algorithm: 'sha256', value: crypto.createHash('sha256').update(payload).digest('hex') },
        signatures,
      },
      // Not stored: for the index only.
      [INDEX_KEYS]: inTotoSubjects(env.payloadType, payload),
    };
  }
  return proposed;
}
const INDEX_KEYS = Symbol('index keys');

function inTotoSubjects(payloadType, payload) {
  if (payloadType !== 'application/vnd.in-toto+json') return [];
  try {
    const st = JSON.parse(payload.toString('utf8'));
    return (st.subject || []).flatMap((s) => Object.entries(s.digest || {}).map(([a, v]) => `${a}:${v}`));
  } catch {
    return [];
  }
}

// ECDSA P-256 verification of a signature over a digest (node's crypto hashes the message
// itself; hashedrekord carries only the hash). Other key types are not checked.
const P256 = {
  p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  g: [
    0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  ],
};
function verifyPrehashed(key, digest, derSig) {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return true;
  const { p, n, g } = P256;
  const mod = (a, m) => ((a % m) + m) % m;
  const pow = (b, e, m) => {
    let r = 1n;
    for (b = mod(b, m); e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
    return r;
  };
  const inv = (a, m) => pow(a, m - 2n, m);
  const add = (P, Q) => {
    if (!P) return Q;
    if (!Q) return P;
    if (P[0] === Q[0] && mod(P[1] + Q[1], p) === 0n) return null;
    const l =
      P[0] === Q[0] && P[1] === Q[1]
        ? mod((3n * P[0] * P[0] - 3n) * inv(2n * P[1], p), p)
        : mod((Q[1] - P[1]) * inv(Q[0] - P[0], p), p);
    const x = mod(l * l - P[0] - Q[0], p);
    return [x, mod(l * (P[0] - x) - P[1], p)];
  };
  const mul = (k, P) => {
    let R = null;
    for (let Q = P; k > 0n; k >>= 1n, Q = add(Q, Q)) if (k & 1n) R = add(R, Q);
    return R;
  };
  let r, s2;
  try {
    [r, s2] = derIntegers(derSig);
  } catch {
    return false;
  }
  if (r <= 0n || r >= n || s2 <= 0n || s2 >= n) return false;
  const jwk = key.export({ format: 'jwk' });
  const q = [BigInt(`0x${Buffer.from(jwk.x, 'base64url').toString('hex')}`), BigInt(`0x${Buffer.from(jwk.y, 'base64url').toString('hex')}`)];
  const e = BigInt(`0x${digest.subarray(0, 32).toString('hex') || '0'}`);
  const w = inv(s2, n);
  const X = add(mul(mod(e * w, n), g), mul(mod(r * w, n), q));
  return X !== null && mod(X[0], n) === r;
}
// SEQUENCE { INTEGER r, INTEGER s } (short or one-byte long lengths: ECDSA sizes).
function derIntegers(der) {
  let i = 0;
  const len = () => {
    let l = der[i++];
    if (l & 0x80) {
      const k = l & 0x7f;
      l = 0;
      for (let j = 0; j < k; j++) l = (l << 8) | der[i++];
    }
    return l;
  };
  if (der[i++] !== 0x30) throw new Error('not a sequence');
  len();
  const ints = [];
  for (let k = 0; k < 2; k++) {
    if (der[i++] !== 0x02) throw new Error('not an integer');
    const l = len();
    ints.push(BigInt(`0x${der.subarray(i, i + l).toString('hex') || '0'}`));
    i += l;
  }
  return ints;
}

// A base64 PEM (or DER) key or certificate, as PEM the way Go's encoders write it.
function canonicalKeyPem(b64content) {
  const raw = Buffer.from(b64content, 'base64');
  const text = raw.toString('utf8');
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    const der = Buffer.from(text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s/g, ''), 'base64');
    return certPem(der);
  }
  return spkiPem(parsePublicKey(raw));
}

function hashesOfEntry(proposed) {
  const out = [];
  const spec = proposed?.spec || {};
  const hash = spec.data?.hash || spec.payloadHash || spec.content?.payloadHash;
  if (hash?.value) out.push(`${hash.algorithm || 'sha256'}:${hash.value}`);
  if (spec.envelopeHash?.value) out.push(`${spec.envelopeHash.algorithm || 'sha256'}:${spec.envelopeHash.value}`);
  out.push(...(proposed[INDEX_KEYS] || []));
  return out;
}

async function rekorRoute(state, req, res, url, body) {
  const p = url.pathname;
  if (req.method === 'POST' && p === '/api/v1/log/entries') {
    let proposed;
    try {
      proposed = JSON.parse(body.toString());
    } catch {
      return fail(res, 400, 'proposed entry is not JSON');
    }
    if (!proposed || typeof proposed.kind !== 'string' || !proposed.spec)
      return fail(res, 400, 'proposed entry needs kind, apiVersion and spec');
    try {
      proposed = canonicalEntry(proposed);
    } catch (e) {
      return fail(res, 400, e.message);
    }
    const r = await state.rekor.fn(JSON.stringify(proposed));
    if (r.statusCode !== 201) return fail(res, r.statusCode, r.response);
    const [[, entry]] = Object.entries(JSON.parse(r.response));
    // Real Rekor refuses a duplicate with 409 and the existing entry's location.
    const uuid = leafHash(Buffer.from(entry.body, 'base64')).toString('hex');
    if (state.entries.has(uuid))
      return send(res, 409, { code: 409, message: 'an equivalent entry already exists in the transparency log' }, 'application/json', {
        Location: `/api/v1/log/entries/${uuid}`,
      });
    appendToLog(state, entry);
    state.entries.set(uuid, entry);
    state.byIndex.set(entry.logIndex, uuid);
    for (const h of hashesOfEntry(proposed)) state.byHash.set(h, [...(state.byHash.get(h) || []), uuid]);
    return send(res, 201, { [uuid]: entry }, 'application/json', {
      Location: `/api/v1/log/entries/${uuid}`,
      ETag: uuid,
    });
  }
  if (req.method === 'GET' && p === '/api/v1/log/publicKey')
    return send(res, 200, spkiPem(state.tlogKey.publicKey), 'application/x-pem-file');
  if (req.method === 'GET' && p === '/api/v1/log') return send(res, 200, logInfo(state));
  if (req.method === 'GET' && p === '/api/v1/log/entries') {
    const uuid = state.byIndex.get(Number(url.searchParams.get('logIndex')));
    if (!uuid) return fail(res, 404, 'entry not found');
    return send(res, 200, { [uuid]: state.entries.get(uuid) });
  }
  if (req.method === 'GET' && p.startsWith('/api/v1/log/entries/')) {
    // Accept the 80-hex entry ID form (tree ID + UUID) too.
    const uuid = p.slice('/api/v1/log/entries/'.length).slice(-64);
    const entry = state.entries.get(uuid);
    if (!entry) return fail(res, 404, 'entry not found');
    return send(res, 200, { [uuid]: entry });
  }
  if (req.method === 'POST' && p === '/api/v1/log/entries/retrieve') {
    const q = JSON.parse(body.toString() || '{}');
    // `entries` (proposed entries, cosign's search for a signature): the mock's entry body is
    // the canonical JSON of what was proposed, so its leaf hash finds it.
    const uuids = [
      ...(q.entryUUIDs || []).map((u) => u.slice(-64)),
      ...(q.logIndexes || []).map((i) => state.byIndex.get(Number(i))),
      ...(q.entries || []).map((e) => {
        try {
          return leafHash(Buffer.from(canonicalize(canonicalEntry(e)))).toString('hex');
        } catch {
          return undefined;
        }
      }),
    ].filter((u) => u && state.entries.has(u));
    return send(res, 200, uuids.map((u) => ({ [u]: state.entries.get(u) })));
  }
  if (req.method === 'POST' && p === '/api/v1/index/retrieve') {
    const q = JSON.parse(body.toString() || '{}');
    let found = [];
    if (q.hash) found = state.byHash.get(q.hash.includes(':') ? q.hash : `sha256:${q.hash}`) || [];
    return send(res, 200, found);
  }
  return fail(res, 404, `no route for ${req.method} ${p}`);
}

// The mock logs every entry as a tree of its own (size 1, index 0 in the proof, a random
// logIndex in the SET): a shape no real log has, whose zero index and empty path protobuf JSON
// drops (sigstore-python then refuses the bundle). So the entries the mock made (its canonical
// body and integrated time) are appended to one RFC 6962 Merkle tree here: sequential logIndex,
// the SET over it, an inclusion proof with its audit path, a checkpoint signed by the log key in
// the mock's signed-note form.
function appendToLog(state, entry) {
  const body = Buffer.from(entry.body, 'base64');
  const index = state.leaves.length;
  state.leaves.push(leafHash(body));
  const size = state.leaves.length;
  const logID = Buffer.from(entry.logID, 'hex');
  const set = crypto.sign(
    'sha256',
    Buffer.from(canonicalize({ body: entry.body, integratedTime: entry.integratedTime, logIndex: index, logID: entry.logID })),
    state.tlogKey.privateKey,
  );
  const root = merkleRoot(state.leaves, 0, size);
  entry.logIndex = index;
  entry.verification = {
    inclusionProof: {
      logIndex: index,
      treeSize: size,
      rootHash: root.toString('hex'),
      hashes: auditPath(state.leaves, index, 0, size).map((h) => h.toString('hex')),
      checkpoint: checkpoint(state, size, root, entry.integratedTime, logID),
    },
    signedEntryTimestamp: b64(set),
  };
}

// RFC 6962 2.1: MTH over leaves[lo, hi).
function merkleRoot(leaves, lo, hi) {
  const n = hi - lo;
  if (n === 0) return crypto.createHash('sha256').digest();
  if (n === 1) return leaves[lo];
  const k = largestPowerOfTwoBelow(n);
  return nodeHash(merkleRoot(leaves, lo, lo + k), merkleRoot(leaves, lo + k, hi));
}
// RFC 6962 2.1.1: PATH(m, leaves[lo, hi)), leaf to root.
function auditPath(leaves, m, lo, hi) {
  const n = hi - lo;
  if (n <= 1) return [];
  const k = largestPowerOfTwoBelow(n);
  return m < k
    ? [...auditPath(leaves, m, lo, lo + k), merkleRoot(leaves, lo + k, hi)]
    : [...auditPath(leaves, m - k, lo + k, hi), merkleRoot(leaves, lo, lo + k)];
}
const nodeHash = (l, r) => crypto.createHash('sha256').update(Buffer.from([1])).update(l).update(r).digest();
function largestPowerOfTwoBelow(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkpoint(state, size, root, seconds, logID) {
  const host = new URL(state.base).host;
  const note = [`${host} - ${state.treeID}`, `${size}`, b64(root), `Timestamp: ${seconds * 1_000_000_000}`, ''].join('\n');
  const sig = crypto.sign('sha256', Buffer.from(note), state.tlogKey.privateKey);
  return `${note}\n\u2014 ${host} ${b64(Buffer.concat([logID.subarray(0, 4), sig]))}\n`;
}

function logInfo(state) {
  const size = state.leaves.length;
  const root = merkleRoot(state.leaves, 0, size);
  const logID = crypto.createHash('sha256').update(spkiDer(state.tlogKey.publicKey)).digest();
  return {
    rootHash: root.toString('hex'),
    treeSize: size,
    signedTreeHead: checkpoint(state, size, root, Math.floor(Date.now() / 1000), logID),
    treeID: state.treeID,
    inactiveShards: [],
  };
}

// ---------------------------------------------------------------- Timestamp authority

// The mock puts the nonce into an asn1js Integer from a JS number; RFC 3161 clients send 64-bit
// nonces. Carry the request's own Integer through instead. (tstInfo is the mock's method.)
function wrapTsaNonce(tsa) {
  const original = tsa.tstInfo.bind(tsa);
  tsa.tstInfo = (req) => {
    const info = original({ ...req, nonce: 0 });
    // Whole seconds: RFC 3161 drops a fraction's trailing zeros ("…30.18Z"), which
    // @sigstore/core's time parser (exactly three digits) refuses one time in ten.
    info.genTime = new Date(Math.floor(info.genTime.getTime() / 1000) * 1000);
    if (req.nonceInteger) info.nonce = req.nonceInteger;
    else if (req.nonce === undefined) delete info.nonce;
    else info.nonce = new asn1js.Integer({ value: req.nonce });
    return info;
  };
}

async function tsaTimestamp(state, req, res, body) {
  const type = (req.headers['content-type'] || '').split(';')[0].trim();
  if (type !== 'application/timestamp-query') {
    // sigstore-js sends JSON; the mock handler parses it.
    const r = await state.timestamp.fn(body.toString());
    return send(res, r.statusCode, r.response, r.contentType || 'text/plain');
  }
  // RFC 3161 DER (cosign, sigstore-go, sigstore-python)
  let tsq;
  try {
    tsq = pkijs.TimeStampReq.fromBER(new Uint8Array(body).buffer);
  } catch (e) {
    return fail(res, 400, `bad timestamp request: ${e.message}`);
  }
  const mi = tsq.messageImprint;
  const request = {
    artifactHash: Buffer.from(mi.hashedMessage.valueBlock.valueHexView),
    hashAlgorithmOID: mi.hashAlgorithm.algorithmId,
    nonce: tsq.nonce ? 0 : undefined,
    nonceInteger: tsq.nonce,
    policyOID: tsq.reqPolicy || '1.3.6.1.4.1.57264.2',
    certReq: tsq.certReq ?? false,
  };
  const tsr = await state.tsa.timestamp(request);
  return send(res, 200, Buffer.from(tsr), 'application/timestamp-reply');
}

// ---------------------------------------------------------------- test control

// POST /__control/token   {claims?: {...}, github?: {...}, expired?: bool, audience?: str}
//                         -> {"value": JWT}: a token signed by the issuer; `github` overrides the
//                         job description (repository, ref, workflow_file, ...), `claims`
//                         overrides final claims (e.g. iss, sub, exp).
// POST /__control/github  {...}: the job description the GitHub endpoint uses from now on
//                         (merged into the default; {"reset": true} restores it).
// POST /__control/fault   {prefix, status, times, method?}: the next `times` requests whose path
//                         starts with prefix get `status` (0 drops the connection).
// POST /__control/clock   {service: "fulcio"|"rekor"|"tsa", offset_secs}: that service's clock
//                         runs offset_secs ahead (negative: behind) from now on. Fulcio's moves
//                         certificate validity and SCT time, Rekor's the integrated time.
// POST /__control/fulcio  {mode: "wrong-key"|"no-sct"|"foreign-sct", times}: the next `times`
//                         certificates are for another key, carry no SCT, or an SCT by a CT
//                         log the trusted root does not name.
// GET  /__control/entries -> {uuid: entry} of everything in the log, as GET entries returns it.
// GET  /__control/hits    -> {"METHOD /path": count} of every non-control request.
// POST /__control/reset   clears faults and hits.
async function handleControl(state, req, res, p, body) {
  const q = body.length ? JSON.parse(body.toString()) : {};
  if (req.method === 'POST' && p === '/__control/token') {
    const claims = { ...githubToken(state, q.audience || 'sigstore', q.github || {}), ...(q.claims || {}) };
    if (q.expired) {
      claims.iat = claims.nbf = Math.floor(Date.now() / 1000) - 3600;
      claims.exp = claims.iat + 300;
    }
    return send(res, 200, { value: await signJwt(state, claims) });
  }
  if (req.method === 'POST' && p === '/__control/github') {
    state.github = q.reset ? defaultGithubClaims() : { ...state.github, ...q };
    return send(res, 200, state.github);
  }
  if (req.method === 'POST' && p === '/__control/fault') {
    state.faults.push({ prefix: q.prefix, status: q.status ?? 503, times: q.times ?? 1, method: q.method });
    return send(res, 200, { ok: true });
  }
  if (req.method === 'POST' && p === '/__control/clock') {
    const offset = Number(q.offset_secs || 0) * 1000;
    const at = () => new Date(Date.now() + offset);
    // The mock's CA, CT log, log and TSA read their clocks through these instance functions.
    if (q.service === 'fulcio') {
      state.ca.getCurrentTime = at;
      state.ctlog.getCurrentTime = at;
    } else if (q.service === 'rekor') state.tlog.getCurrentTime = () => at().getTime();
    else if (q.service === 'tsa') state.tsa.getCurrentTime = at;
    else return fail(res, 400, `unknown service ${q.service}`);
    return send(res, 200, { ok: true });
  }
  if (req.method === 'POST' && p === '/__control/fulcio') {
    if (!['wrong-key', 'no-sct', 'foreign-sct'].includes(q.mode)) return fail(res, 400, `unknown mode ${q.mode}`);
    state.fulcioModes.push({ mode: q.mode, times: q.times ?? 1 });
    return send(res, 200, { ok: true });
  }
  if (req.method === 'GET' && p === '/__control/entries')
    return send(res, 200, Object.fromEntries(state.entries));
  if (req.method === 'GET' && p === '/__control/hits') return send(res, 200, state.hits);
  if (req.method === 'POST' && p === '/__control/reset') {
    state.faults = [];
    state.fulcioModes = [];
    state.hits = {};
    return send(res, 200, { ok: true });
  }
  return fail(res, 404, `no control route ${req.method} ${p}`);
}

main().catch((e) => {
  process.stderr.write(`sigstore-mock: ${e.stack || e}\n`);
  process.exit(1);
});
