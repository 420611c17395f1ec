import { AcmeProblem } from '../acme-problem';

const MAX_CONTACTS = 10;
const MAILBOX =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** An account's contact URLs: mailto: only, one address each, no header fields (RFC 8555 7.3). */
export function checkedContacts(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new AcmeProblem('malformed', '"contact" must be an array of URLs');
  if (value.length > MAX_CONTACTS) {
    throw new AcmeProblem('malformed', `"contact" may list at most ${MAX_CONTACTS} URLs`);
  }
  return value.map((entry, index) => {
    if (typeof entry !== 'string') throw new AcmeProblem('malformed', `contact[${index}] must be a string`);
    if (!entry.toLowerCase().startsWith('mailto:')) {
      throw new AcmeProblem('unsupportedContact', `contact[${index}]: only mailto: contacts are supported`);
    }
    const address = entry.slice('mailto:'.length);
    if (address.includes('?') || address.includes(',') || !MAILBOX.test(address)) {
      throw new AcmeProblem(
        'invalidContact',
        `contact[${index}] "${entry}" is not a mailto: URL with one email address`,
      );
    }
    return `mailto:${address}`;
  });
}
