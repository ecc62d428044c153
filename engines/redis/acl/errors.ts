// A rule ACL SETUSER cannot apply; the command wraps the text with the offending modifier.
export class AclRuleError extends Error {}
