// Which tenant the designer works in: an opened deployed version's own, else where a new model deploys. The host
// decides the same way for a deploy without tenantId; the designer names the tenant on every deploy so both agree.
import { request } from '../api.js';

const DEFAULT = '<default>';

/** The user's tenants (GET /api/tenants/mine); without the answer the designer works in the default tenant. */
export async function loadTenancy() {
  try {
    return await (await request('GET', '/api/tenants/mine')).json();
  } catch {
    return { tenants: [], selected: null, all: false };
  }
}

/** The opened version's tenant, else the session's choice, else the user's only tenant, else the default one. */
export function deployTenant(current, tenancy) {
  if (current.tenantId) return current.tenantId;
  if (tenancy.selected) return tenancy.selected;
  return !tenancy.all && tenancy.tenants.length === 1 ? tenancy.tenants[0].id : DEFAULT;
}

/** Shown only where there is a choice (several tenants) or the tenant is not the default one. */
export function renderTenantBadge(badge, current, tenancy) {
  const tenant = deployTenant(current, tenancy);
  badge.hidden = tenant === DEFAULT && !tenancy.all && tenancy.tenants.length < 2;
  badge.textContent = current.tenantId ? `Tenant ${tenant}` : `Deploys to ${tenant}`;
  badge.dataset.tenant = tenant;
}
