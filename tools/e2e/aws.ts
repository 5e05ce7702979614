/**
 * SDK access to the local AWS per account. moto keeps one state per account and picks the
 * account from the credentials: keys from STS AssumeRole into a role of account A act in A.
 * That is how the stacks' providers reach their accounts too (`assume_role_arn`).
 */
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { CreateRoleCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { EMULATOR_CREDENTIALS } from "../../stacks/emulator-mode";

export interface AccountCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface ClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: AccountCredentials | { accessKeyId: string; secretAccessKey: string };
  readonly forcePathStyle: true;
  readonly maxAttempts: number;
}

function baseConfig(endpoint: string, region: string): ClientConfig {
  return {
    endpoint,
    region,
    credentials: { accessKeyId: EMULATOR_CREDENTIALS.accessKey, secretAccessKey: EMULATOR_CREDENTIALS.secretKey },
    forcePathStyle: true,
    maxAttempts: 2,
  };
}

/** Client settings that act in `accountId` of the local AWS (a session of `roleArn`, which need not exist in moto). */
export async function accountClientConfig(endpoint: string, region: string, roleArn: string): Promise<ClientConfig> {
  const sts = new STSClient(baseConfig(endpoint, region));
  try {
    const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "iot-e2e" }));
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`local AWS: AssumeRole ${roleArn} returned no credentials`);
    return { ...baseConfig(endpoint, region), credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } };
  } finally {
    sts.destroy();
  }
}

/** The account id of an IAM role ARN (`arn:<partition>:iam::<account>:role/<name>`). */
export function roleAccount(roleArn: string): string {
  const m = /^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  if (!m) throw new Error(`not an IAM role ARN: ${roleArn}`);
  return m[1];
}

/**
 * Creates the role in its account unless it exists, trusting the account's root: the break-glass
 * role an administrator brings to the state bootstrap (its bucket policy names it, and its
 * precondition checks that the caller is it).
 */
export async function ensureRole(endpoint: string, region: string, roleArn: string): Promise<void> {
  const account = roleAccount(roleArn);
  const name = roleArn.slice(roleArn.lastIndexOf("/") + 1);
  const iam = new IAMClient(await accountClientConfig(endpoint, region, `arn:aws:iam::${account}:role/iot-e2e-administrator`));
  try {
    await iam.send(new GetRoleCommand({ RoleName: name }));
  } catch {
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "sts:AssumeRole" }] };
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust), Description: "break-glass role of the local e2e run" }));
  } finally {
    iam.destroy();
  }
}
