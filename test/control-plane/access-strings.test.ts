import { CreateUserCommand, ModifyUserCommand } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { emulatorForTests } from '../support/emulator.ts';

const { client } = emulatorForTests();

const create = (UserId: string, AccessString: string) =>
  client.send(new CreateUserCommand({ UserId, UserName: UserId, Engine: 'redis', AccessString, NoPasswordRequired: true }));

describe('access strings are judged by the nodes’ own ACL parser', () => {
  it('accepts what ACL SETUSER accepts', async () => {
    for (const [i, rules] of ['on ~app:* -@all +@read +@write', 'on %R~cache:* &news:* +@all -@dangerous -config|set', 'off resetkeys allkeys nocommands +get (~other:* +set)'].entries()) {
      expect((await create(`ok-${i}`, rules)).AccessString).toBe(rules);
    }
  });

  it('refuses with InvalidParameterValue what ACL SETUSER refuses, and passwords', async () => {
    const cases: [string, string][] = [
      ['on ~* +nosuchcommand', "Error in ACL SETUSER modifier '+nosuchcommand': Unknown command or category name in ACL"],
      ['on ~* +@nosuchcategory', "Error in ACL SETUSER modifier '+@nosuchcategory': Unknown command or category name in ACL"],
      ['on ~* (+get', 'Unmatched parenthesis in acl selector'],
      ['on bogus', "Error in ACL SETUSER modifier 'bogus': Syntax error"],
    ];
    for (const [rules, reason] of cases) {
      const err = await create('bad', rules).catch((e: Error) => e);
      expect(err, rules).toMatchObject({ name: 'InvalidParameterValueException' });
      expect((err as Error).message).toContain(reason);
    }
    await expect(create('bad', 'on >secret-password ~* +@all')).rejects.toThrow('Access string must not contain passwords');
  });

  it('ModifyUser refuses an access string or an appended one the parser rejects, and keeps the old one', async () => {
    await create('mod', 'on ~* +@read');
    await expect(client.send(new ModifyUserCommand({ UserId: 'mod', AccessString: 'on ~* +nosuchcommand' }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(client.send(new ModifyUserCommand({ UserId: 'mod', AppendAccessString: '-@nosuchcategory' }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    expect((await client.send(new ModifyUserCommand({ UserId: 'mod', AppendAccessString: '-keys' }))).AccessString).toBe('on ~* +@read -keys');
  });
});
