import { iotTrustPolicy } from "../lib/iam";

describe("iotTrustPolicy", () => {
  it("trusts only iot.amazonaws.com on behalf of one account", () => {
    expect(JSON.parse(iotTrustPolicy({ sid: "S", accountId: "111111111111" }))).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "S", Effect: "Allow", Principal: { Service: "iot.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } } },
      ],
    });
  });

  it("narrows to a source ARN pattern when given", () => {
    const [statement] = JSON.parse(iotTrustPolicy({ sid: "S", accountId: "111111111111", sourceArnLike: "arn:aws:iot:eu-west-1:111111111111:rule/iot_dev_*" })).Statement;
    expect(statement.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "111111111111" },
      ArnLike: { "aws:SourceArn": "arn:aws:iot:eu-west-1:111111111111:rule/iot_dev_*" },
    });
  });
});
