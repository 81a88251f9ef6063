// An address names a module instance, or an entity inside it: `instance` or `instance/entity`.

/** `instance`, or `instance/entity` when there is an entity. */
export function address(instance: string, entity: string | undefined): string {
  return entity === undefined ? instance : `${instance}/${entity}`;
}

/** The instance part of an address. */
export function instanceOf(addr: string): string {
  const slash = addr.indexOf('/');
  return slash < 0 ? addr : addr.slice(0, slash);
}

/** The entity part of an address; undefined when it names a whole instance. */
export function entityOf(addr: string): string | undefined {
  const slash = addr.indexOf('/');
  return slash < 0 ? undefined : addr.slice(slash + 1);
}
