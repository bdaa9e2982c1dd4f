// The made-up people of the demo's two upstream identity providers. Everyone's password is shown on the sign-in
// pages: these IdPs play someone else's directory, and the demo is about what jitbridge does with the answer.

export const DEMO_PASSWORD = 'demo';

export interface DemoPerson {
  /** What the person types on the IdP's form; also their subject at that IdP. */
  login: string;
  givenName: string;
  familyName: string;
  email: string;
  /** Group names at the IdP (the `groups` claim / attribute); jitbridge maps them to local groups. */
  groups: string[];
}

export const fullName = (person: DemoPerson) => `${person.givenName} ${person.familyName}`;

/** At the OpenID Provider ("Example Corp"). */
export const OIDC_PEOPLE: readonly DemoPerson[] = [
  { login: 'ada', givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.com', groups: ['engineering', 'admins'] },
  { login: 'grace', givenName: 'Grace', familyName: 'Hopper', email: 'grace@example.com', groups: ['engineering'] },
];

/** At the SAML IdP ("Partner Inc"). */
export const SAML_PEOPLE: readonly DemoPerson[] = [
  { login: 'alan', givenName: 'Alan', familyName: 'Turing', email: 'alan@partner.example', groups: ['research'] },
  { login: 'katherine', givenName: 'Katherine', familyName: 'Johnson', email: 'katherine@partner.example', groups: ['research', 'flight'] },
];

/** Remote group → local group (the IdPs' roleMappings). */
export const GROUP_NAMES: Readonly<Record<string, string>> = {
  engineering: 'Engineering',
  admins: 'Admins',
  research: 'Research',
  flight: 'Flight',
};

export function findPerson(people: readonly DemoPerson[], login: string, password: string): DemoPerson | undefined {
  const person = people.find((p) => p.login === login.trim().toLowerCase());
  return person && password === DEMO_PASSWORD ? person : undefined;
}
