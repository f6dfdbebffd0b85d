/** Who is calling: a user in a project with roles. */

export const ROLES = ['admin', 'member', 'reader', 'service'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  userId: string;
  projectId: string;
  roles: Role[];
}

/** The caller with no token, where the registry allows anonymous reads. */
export const ANONYMOUS: Principal = Object.freeze({ userId: 'anonymous', projectId: '', roles: [] as Role[] }) as Principal;

export function isAnonymous(p: Principal): boolean {
  return p.userId === ANONYMOUS.userId && p.projectId === '';
}

/** Admins see and change everything. */
export function isAdmin(p: Principal): boolean {
  return p.roles.includes('admin');
}

/** The service role (Teller, tracker) reads internal data and records ingests. */
export function isService(p: Principal): boolean {
  return p.roles.includes('service') || isAdmin(p);
}

/** Readers may look but not change. */
export function canWrite(p: Principal): boolean {
  return isAdmin(p) || p.roles.includes('member');
}
