import { DependencyUnavailableError } from './start-refusal';

/**
 * Node's codes for a server certificate this process will not take: signed by an authority it does not trust (a
 * private one, or the certificate signs itself), or not valid now.
 */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);
const WRONG_HOST_CODE = 'ERR_TLS_CERT_ALTNAME_INVALID';

/**
 * The refusal to start with when `server` (a broker or a database, as `NATS at
 * tls://nats:4222`) answered TLS with a certificate this process does not
 * take: no retry changes that, and "did not accept a connection" would send
 * its reader looking for a server that is up. Undefined for any other error.
 */
export function untrustedCertificateRefusal(error: unknown, server: string, variable: string): DependencyUnavailableError | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === WRONG_HOST_CODE) {
    return new DependencyUnavailableError(`${server} presented a certificate for another host (${code}): set ${variable} to a host name the certificate names`);
  }
  if (typeof code !== 'string' || !UNTRUSTED_CERTIFICATE_CODES.has(code)) return undefined;
  const expiry = code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID';
  return new DependencyUnavailableError(
    expiry
      ? `${server} presented a certificate that is not valid now (${code}): renew the server's certificate`
      : `${server} presented a certificate signed by an authority this process does not trust (${code}): set NODE_EXTRA_CA_CERTS to the PEM file of that authority`,
  );
}
