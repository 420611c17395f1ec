import { INestApplication } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SecurityRequirementObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { AUTH_MODE } from './public.decorator';

/** Every tag a controller uses, with what a reader finds under it. */
const TAGS: Record<string, string> = {
  auth: 'Sign in (the OAuth2 password grant), refresh with rotation, sign out',
  users: 'Accounts: role, organization and capability flags; personal API keys',
  organizations: 'Tenants: users, CAs, certificates and requests belong to one',
  'certificate authorities':
    'Root and intermediate CAs, pending CAs signed here or outside, their CRLs and revocation',
  'certificate profiles':
    'What may be issued under the CAs of an organization (names, key types, lifetimes), when named with `profile`',
  certificates: 'Issue with a server-generated key or from a CSR; list, read, revoke',
  'certificate requests': 'CSRs submitted for someone else to sign, here or outside',
  'service accounts':
    'Principals of CI pipelines and workloads: bound to profiles, authenticated by API keys (`Authorization: Bearer pkca_…`) or OIDC tokens',
  ACME: "The administration of a profile's ACME server (RFC 8555, at acme_directory_url): EAB keys, accounts",
  export: 'Certificates, keys and chains as files (PEM, PKCS#12)',
  'audit-logs': 'Who did what, when, from which address',
  system: 'Status, running configuration, backup',
  'public PKI': 'CRLs and CA certificates without a token: the URLs written into certificates',
};

export const BEARER_SCHEME = 'bearer';
export const OAUTH2_SCHEME = 'oauth2';
/** POST /certificates/renew: a JWT signed with the certificate's own key, not an access token. */
export const CERTIFICATE_PROOF_SCHEME = 'certificate_proof';
/** Either scheme grants access: a token pasted in, or one fetched by the password flow. */
const TOKEN_REQUIRED: SecurityRequirementObject[] = [{ [BEARER_SCHEME]: [] }, { [OAUTH2_SCHEME]: [] }];
/** OpenAPI 3 §4.8.30: an empty requirement makes the token optional. */
const TOKEN_OPTIONAL: SecurityRequirementObject[] = [{}, ...TOKEN_REQUIRED];

const DESCRIPTION =
  'A private certificate authority: organizations, users, CAs, certificates, CSRs, CRLs and an audit trail.\n\n' +
  '**Sign in**: "Authorize" → the OAuth2 password flow with a username and password, or paste an ' +
  'access token from `POST {prefix}/auth/token`.\n\n' +
  '**Errors** are JSON: `{"detail": "…"}`, plus `errors` (one entry per field) on a 400 from validation ' +
  'and `request_id` on a 500. Any operation may answer **503** `{"detail": "database unavailable"}` with ' +
  'Retry-After while the database is unreachable; the request may be sent again.\n\n' +
  '**Examples**: the request examples, sent in order to a fresh service, succeed (ids 1, 2, … are what ' +
  'earlier examples created); an example whose summary starts with a status code shows that error.';

/** The OpenAPI document: tags, both ways to authorize, and no lock on the routes that need no token. */
export function buildOpenApiDocument(
  app: INestApplication,
  apiPrefix: string,
  version: string,
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Private CA')
    .setDescription(DESCRIPTION.replace('{prefix}', apiPrefix))
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .addOAuth2(
      { type: 'oauth2', flows: { password: { tokenUrl: `${apiPrefix}/auth/token`, scopes: {} } } },
      OAUTH2_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT (x5c)',
        description:
          "A renewal token: a JWT signed with the certificate's private key, the certificate in its x5c header",
      },
      CERTIFICATE_PROOF_SCHEME,
    );
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build());
  document.security = TOKEN_REQUIRED;
  const modes = authModesByOperationId(app);
  for (const operations of Object.values(document.paths)) {
    for (const operation of [
      operations.get,
      operations.post,
      operations.put,
      operations.patch,
      operations.delete,
    ]) {
      if (!operation) continue;
      const mode = modes.get(operation.operationId ?? '');
      // A public route with an authentication of its own (renewal) keeps the scheme it names.
      if (mode === 'public') operation.security = operation.security ?? [];
      else if (mode === 'optional') operation.security = TOKEN_OPTIONAL;
    }
  }
  return document;
}

/** `Controller_method` (Swagger's default operationId) → the @Public / @OptionalAuth mode of that handler. */
function authModesByOperationId(app: INestApplication): Map<string, string> {
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const modes = new Map<string, string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const method of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method];
        if (typeof handler !== 'function') continue;
        const mode = reflector.getAllAndOverride<string | undefined>(AUTH_MODE, [
          handler,
          wrapper.metatype as () => void,
        ]);
        if (mode) modes.set(`${instance.constructor.name}_${method}`, mode);
      }
    }
  }
  return modes;
}
