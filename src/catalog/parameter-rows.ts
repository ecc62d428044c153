/** One row of a parameter catalogue: the data files list parameters in this shape. */
export type ParameterRow = readonly [
  name: string,
  value: string,
  dataType: 'string' | 'integer' | 'boolean' | 'float',
  allowed: string | undefined,
  /** '' immediate; 'reboot' requires-reboot; 'fixed' not modifiable; 'fixed-reboot' not modifiable, requires-reboot. */
  kind: '' | 'reboot' | 'fixed' | 'fixed-reboot',
  /** MinimumEngineVersion: the parameter exists from the family of this version on. */
  since: string,
  /** The first family without it (renamed or dropped). */
  until: string | undefined,
  description: string,
  extra?: { fixedFrom?: string; families?: readonly string[] },
];
