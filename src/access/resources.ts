import {
  GlobalAction,
  OrganizationAction,
  OrganizationTarget,
  OwnedResource,
  PkiAction,
  ProfileAction,
  ProfileTarget,
  RequestAction,
  RequestTarget,
  UserAction,
  UserTarget,
} from './policy';

/** The facts the policy needs about each kind of resource it rules on. */
export interface ResourceFacts {
  ca: OwnedResource;
  certificate: OwnedResource;
  certificate_request: RequestTarget;
  profile: ProfileTarget;
  user: UserTarget;
  organization: OrganizationTarget;
}

export type ResourceKind = keyof ResourceFacts;

/** The actions that make sense on each kind of resource. */
export interface ResourceActions {
  ca: PkiAction;
  certificate: Extract<PkiAction, 'read' | 'revoke_cert' | 'export_private_key'>;
  certificate_request: RequestAction;
  profile: ProfileAction;
  user: UserAction;
  organization: OrganizationAction;
}

/** A resource the gate rules on: its kind (which names the refusal) and its facts. */
export type Resource<K extends ResourceKind = ResourceKind> = {
  readonly kind: K;
  readonly facts: ResourceFacts[K];
};

export type ResourceAction<K extends ResourceKind> = ResourceActions[K];

export type { GlobalAction };

/** Tags a row (entity or plain facts) with its kind, e.g. `authorize(actor, 'read', resource.ca(ca))`. */
export const resource = {
  ca: (facts: OwnedResource): Resource<'ca'> => ({ kind: 'ca', facts }),
  /** A CA that does not exist yet: the organisation it would belong to. */
  newCa: (organizationId: number | null): Resource<'ca'> => ({
    kind: 'ca',
    facts: { organizationId, createdByUserId: null },
  }),
  certificate: (facts: OwnedResource): Resource<'certificate'> => ({ kind: 'certificate', facts }),
  certificateRequest: (facts: RequestTarget): Resource<'certificate_request'> => ({
    kind: 'certificate_request',
    facts,
  }),
  profile: (facts: ProfileTarget): Resource<'profile'> => ({ kind: 'profile', facts }),
  /** A profile that does not exist yet: the organisation it would belong to. */
  newProfile: (organizationId: number | null): Resource<'profile'> => ({
    kind: 'profile',
    facts: { id: null, organizationId, createdByUserId: null },
  }),
  user: (facts: UserTarget): Resource<'user'> => ({ kind: 'user', facts }),
  organization: (id: number): Resource<'organization'> => ({ kind: 'organization', facts: { id } }),
};
