/** Flags several `db` subcommands take, read the same way: `--tables` and `--subscriber-admin-url`. */

/** `--tables a.b, c.d` → ['a.b', 'c.d']. */
export function tableList(flag: string): string[] {
  return flag.split(',').map((t) => t.trim());
}

/** The superuser connection for the way back's subscription on Supabase: the flag, else SUPA2AWS_SOURCE_ADMIN_URL. */
export function subscriberAdmin(flag: string | undefined): { subscriberAdminUrl?: string } {
  const url = flag ?? process.env.SUPA2AWS_SOURCE_ADMIN_URL;
  return url ? { subscriberAdminUrl: url } : {};
}
