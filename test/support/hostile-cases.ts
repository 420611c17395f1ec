/**
 * Hostile requests generated from the OpenAPI document: for every operation, each path parameter
 * with odd ids, each query parameter and body field with wrong types, NUL, lone surrogates and
 * integers beyond int4, and bodies that are not what their headers say.
 */

interface SchemaObject {
  type?: string;
  $ref?: string;
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
}

interface ParameterObject {
  name: string;
  in: string;
  schema?: SchemaObject;
}

interface OperationObject {
  parameters?: ParameterObject[];
  requestBody?: { content?: Record<string, { schema?: SchemaObject }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, SchemaObject> };
}

export interface HostileCase {
  operation: string;
  description: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** Whether the case must be refused (4xx) rather than merely not fail (no 5xx). */
  mustRefuse: boolean;
}

const ODD_IDS = ['5e0', '+5', '05', '-1', '99999999999', '%00', '5.0', '%205'];
const ODD_FILES = ['%00', '%ED%A0%80', 'x-99999999999.pem'];
const NUL = 'a\u0000b';
const LONE_SURROGATE = '\ud800';
const HUGE_INTEGERS = ['2147483648', '1e308', '99999999999999999999'];

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** Values of the wrong type for a field of `type`, as JSON text. */
function wrongTypes(type: string | undefined): string[] {
  if (type === 'string') return ['12345', '{"a":1}'];
  if (type === 'number' || type === 'integer') return ['"abc"', 'true', ...HUGE_INTEGERS];
  if (type === 'boolean') return ['"yes"', '1'];
  if (type === 'array') return ['"x"', `[${JSON.stringify(NUL)}]`, `[${JSON.stringify(LONE_SURROGATE)}]`];
  return ['12345'];
}

/** Hostile JSON values for one field: wrong types, plus NUL and a lone surrogate for text fields. */
function hostileFieldValues(schema: SchemaObject): string[] {
  const text = [JSON.stringify(NUL), JSON.stringify(LONE_SURROGATE)];
  return [...wrongTypes(schema.type), ...(schema.type === 'string' ? text : [])];
}

/** Hostile query values; text that a string filter may legitimately accept is marked as such. */
function hostileQueryValues(schema: SchemaObject | undefined): { value: string; mustRefuse: boolean }[] {
  const numeric = schema?.type === 'number' || schema?.type === 'integer';
  return [
    { value: '%00', mustRefuse: true },
    { value: 'abc', mustRefuse: numeric },
    { value: '%ED%A0%80', mustRefuse: numeric },
    ...(numeric ? HUGE_INTEGERS.map((value) => ({ value, mustRefuse: true })) : []),
  ];
}

function resolve(document: OpenApiDocument, schema: SchemaObject | undefined): SchemaObject {
  if (schema?.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return document.components?.schemas?.[name] ?? {};
  }
  return schema ?? {};
}

/** Form bodies carry strings only: the text of each hostile value, URL-encoded (a lone surrogate as its UTF-8 form). */
function formBody(field: string, jsonValue: string): string {
  const parsed: unknown = JSON.parse(jsonValue);
  const text = typeof parsed === 'string' ? parsed : jsonValue;
  const encoded = text === LONE_SURROGATE ? '%ED%A0%80' : encodeURIComponent(text);
  return `${encodeURIComponent(field)}=${encoded}`;
}

export function hostileCases(
  document: OpenApiDocument,
  validPathValues: Record<string, string>,
  authorization: string,
): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!HTTP_METHODS.has(method)) continue;
      const name = `${method.toUpperCase()} ${template}`;
      const parameters = operation.parameters ?? [];
      const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
      const requiredQuery = parameters
        .filter((parameter) => parameter.in === 'query' && parameter.name === 'ca_id' && method === 'post')
        .map(() => `ca_id=${validPathValues.ca_id}`);
      const pathWith = (overrides: Record<string, string>): string => {
        let path = template;
        for (const parameter of pathParameters) {
          const value = overrides[parameter.name] ?? validPathValues[parameter.name] ?? '1';
          path = path.replace(`{${parameter.name}}`, value);
        }
        return path;
      };
      const validPath = pathWith({});
      const validQuery = requiredQuery.length > 0 ? `?${requiredQuery.join('&')}` : '';
      const add = (entry: Omit<HostileCase, 'operation' | 'method' | 'headers'>, headers = {}): void => {
        cases.push({
          operation: name,
          method: method.toUpperCase(),
          headers: { Authorization: authorization, ...headers },
          ...entry,
        });
      };

      for (const parameter of pathParameters) {
        const odd = parameter.schema?.type === 'string' ? ODD_FILES : ODD_IDS;
        for (const value of odd) {
          add({
            description: `path ${parameter.name}=${value}`,
            path: pathWith({ [parameter.name]: value }) + validQuery,
            mustRefuse: true,
          });
        }
      }

      for (const parameter of parameters.filter((candidate) => candidate.in === 'query')) {
        for (const { value, mustRefuse } of hostileQueryValues(parameter.schema)) {
          const others = requiredQuery.filter((query) => !query.startsWith(`${parameter.name}=`));
          add({
            description: `query ${parameter.name}=${value}`,
            path: `${validPath}?${[...others, `${parameter.name}=${value}`].join('&')}`,
            mustRefuse,
          });
        }
      }

      const content = operation.requestBody?.content ?? {};
      const isForm = 'application/x-www-form-urlencoded' in content;
      const bodySchema = resolve(document, Object.values(content)[0]?.schema);
      for (const [field, fieldSchema] of Object.entries(bodySchema.properties ?? {})) {
        for (const value of hostileFieldValues(resolve(document, fieldSchema))) {
          add(
            {
              description: `body ${field}=${value}`,
              path: validPath + validQuery,
              body: isForm ? formBody(field, value) : `{${JSON.stringify(field)}:${value}}`,
              mustRefuse: true,
            },
            { 'Content-Type': isForm ? 'application/x-www-form-urlencoded' : 'application/json' },
          );
        }
      }

      add(
        { description: 'malformed JSON body', path: validPath + validQuery, body: '{"a":', mustRefuse: true },
        { 'Content-Type': 'application/json' },
      );
      add(
        {
          description: 'gzip-declared plain body',
          path: validPath + validQuery,
          body: '{}',
          mustRefuse: true,
        },
        { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      );
    }
  }
  return cases;
}
