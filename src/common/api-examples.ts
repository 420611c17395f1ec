import { ApiBody } from '@nestjs/swagger';
import { ExampleObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { CertificateChainDto } from './certificate-chain.dto';

/**
 * Values the request examples share. The examples are written to succeed when sent in order to a fresh
 * database (test/swagger-examples.e2e-spec.ts sends them all): ids 1, 2, … are what earlier examples made.
 */

/** The user the POST /users example creates, and the sign-in of the POST /auth/token example. */
export const ALICE_CREDENTIALS = { username: 'alice', password: 'correct horse battery staple' };

/** An EC P-256 CSR for app.example.com (its key was thrown away: only the request is needed). */
export const EXAMPLE_CSR_PEM = [
  '-----BEGIN CERTIFICATE REQUEST-----',
  'MIIBGDCBvwIBADAwMRgwFgYDVQQDDA9hcHAuZXhhbXBsZS5jb20xFDASBgNVBAoM',
  'C0V4YW1wbGUgT3JnMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEU2/vpturJid+',
  'YLwYkyDfeC0OKKjxqpeg72lyk2u5WiC3697/HDl3iXmXnicsclX5aeov6ILek2zC',
  'dzrlthv1/aAtMCsGCSqGSIb3DQEJDjEeMBwwGgYDVR0RBBMwEYIPYXBwLmV4YW1w',
  'bGUuY29tMAoGCCqGSM49BAMCA0gAMEUCIBwc6qB91riRGDX1cj7SuJoq8LA0z82H',
  'd2kbaTJ/jU9LAiEAy/yDKIohugHa/hnDPwG/Sw8krWXk3yp+OahsYLau3Xo=',
  '-----END CERTIFICATE REQUEST-----',
].join('\n');

/** A self-signed CA certificate made elsewhere: it holds no key of ours, so attaching it is refused. */
export const FOREIGN_CERTIFICATE_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBnTCCAUOgAwIBAgIUIcM/K2L70IvGtUbf8cuYFW7Fv5YwCgYIKoZIzj0EAwIw',
  'GzEZMBcGA1UEAwwQU2lnbmVkIEVsc2V3aGVyZTAgFw0yNjEyMDIxNzQyMzNaGA8y',
  'MTI2MTEwODE3NDIzM1owGzEZMBcGA1UEAwwQU2lnbmVkIEVsc2V3aGVyZTBZMBMG',
  'ByqGSM49AgEGCCqGSM49AwEHA0IABOPISJIcjnDrcxk0wf1PBsSWmxjSyROTiBJ1',
  'ipHbhhQNBrBvo9stRoyE8gcb/+6nX5YZSLt2hyMH5xmTetYhm/+jYzBhMB0GA1Ud',
  'DgQWBBS7P/U7UvNDoqSRn7WgWdPZyrL9QzAfBgNVHSMEGDAWgBS7P/U7UvNDoqSR',
  'n7WgWdPZyrL9QzAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAKBggq',
  'hkjOPQQDAgNIADBFAiEAoTCNSLULl0/iQqojIYdqysrhxxO3XIv7EBX7f5aQb2wC',
  'IFJHQhdme32sJocD57UffLoOXUj5p4OLf8OIkr3/dv+t',
  '-----END CERTIFICATE-----',
].join('\n');

/** The extension naming the status an example answers with, when it shows an error on purpose. */
export const EXPECTED_STATUS = 'x-expected-status';

/** A request example that shows an error: its status is in its summary and in `x-expected-status`. */
export function errorExample(status: number, summary: string, value: unknown): ExampleObject {
  return { summary: `${status}: ${summary}`, value, [EXPECTED_STATUS]: status } as ExampleObject;
}

/**
 * The body of an upload route (a chain signed outside), as an example that shows its refusal: a chain
 * that would work cannot be written down before the key it must hold exists.
 */
export function ForeignChainBody(keyHolder: string) {
  return ApiBody({
    type: CertificateChainDto,
    examples: {
      foreign: errorExample(400, `a certificate that does not hold the ${keyHolder}'s key`, {
        certificate_chain: FOREIGN_CERTIFICATE_PEM,
      }),
    },
  });
}
