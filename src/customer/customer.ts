// A customer as stored: one document of the 'customers' record collection (src/store/ports.ts).

export interface Customer {
  id: string;
  name: string;
  key?: string;
  description?: string;
  metadata?: Record<string, string>;
  /** The subjects whose usage is attributed to this customer (usageAttribution.subjectKeys). */
  subjectKeys: string[];
  primaryEmail?: string;
  currency?: string;
  billingAddress?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** Set by delete: the customer is kept (get by id shows it) but no longer filters or groups. */
  deletedAt?: string;
}

/** What create and replace take (the wire's CustomerCreate / CustomerReplaceUpdate). */
export interface CustomerInput {
  name: string;
  key?: string | undefined;
  description?: string | undefined;
  metadata?: Record<string, string> | null | undefined;
  usageAttribution?: { subjectKeys: string[] } | undefined;
  primaryEmail?: string | undefined;
  currency?: string | undefined;
  billingAddress?: Record<string, string> | undefined;
}
