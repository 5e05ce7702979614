/** Trust policies shared by the modules, so the confused-deputy guard is written once. */

export interface IotTrustPolicyProps {
  /** Statement id, e.g. "IotLoggingOnly". */
  readonly sid: string;
  /** Only AWS IoT acting for this account may assume the role (aws:SourceAccount). */
  readonly accountId: string;
  /** Narrow further to these rule or resource ARNs (aws:SourceArn, ArnLike). */
  readonly sourceArnLike?: string;
}

/** `sts:AssumeRole` for iot.amazonaws.com only, on behalf of one account (and optionally one ARN pattern). */
export function iotTrustPolicy(props: IotTrustPolicyProps): string {
  const condition: Record<string, Record<string, string>> = { StringEquals: { "aws:SourceAccount": props.accountId } };
  if (props.sourceArnLike !== undefined) condition.ArnLike = { "aws:SourceArn": props.sourceArnLike };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: props.sid, Effect: "Allow", Principal: { Service: "iot.amazonaws.com" }, Action: "sts:AssumeRole", Condition: condition }],
  });
}
