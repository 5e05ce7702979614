import { join } from "node:path";
import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ShadowHistoryProcessor, ShadowHistoryProcessorProps, ShadowProcessor, shippedBundleDir } from "../modules/shadow-processor";

const root = join(__dirname, "..");
const TABLE = {
  name: "plug-dev-shadow-history",
  arn: "arn:aws:dynamodb:eu-west-1:111111111111:table/plug-dev-shadow-history",
  kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
};
const PROPS: ShadowHistoryProcessorProps = { functionName: "plug-dev-shadow-history", historyTable: TABLE, metricNamespace: "IotShadow/plug/dev", ttlDays: 90 };

function synth(add: (stack: TerraformStack) => void): string {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  add(stack);
  return Testing.synth(stack);
}

describe("ShadowHistoryProcessor", () => {
  it("is a ShadowProcessor of the built shadow-history bundle: the same Terraform, address for address", () => {
    const ready = synth((s) => new ShadowHistoryProcessor(s, "processor", PROPS));
    const explicit = synth((s) => new ShadowProcessor(s, "processor", { ...PROPS, bundleDir: join(root, "dist", "functions", "shadow-history") }));
    expect(JSON.parse(ready)).toEqual(JSON.parse(explicit));
    expect(JSON.parse(ready).resource.aws_lambda_function).toBeDefined();
  });

  it("takes another bundle directory when given one", () => {
    const hvac = join(root, "dist", "functions", "hvac-filter-alerts");
    const withBundle = synth((s) => new ShadowHistoryProcessor(s, "processor", { ...PROPS, bundleDir: hvac }));
    const explicit = synth((s) => new ShadowProcessor(s, "processor", { ...PROPS, bundleDir: hvac }));
    expect(withBundle).toBe(explicit);
  });

  it("refuses a missing historyTable, naming the prop and the alternative", () => {
    const { historyTable: _omitted, ...noTable } = PROPS;
    expect(() => synth((s) => new ShadowHistoryProcessor(s, "processor", noTable as ShadowHistoryProcessorProps))).toThrow(
      /^ShadowHistoryProcessor historyTable: required.*pass HistoryStore\.ref \(or use ShadowProcessor for a processor that writes no history\)$/,
    );
  });
});

describe("shippedBundleDir", () => {
  it("finds the bundles under the package root's dist/functions", () => {
    expect(shippedBundleDir("shadow-history")).toBe(join(root, "dist", "functions", "shadow-history"));
    expect(shippedBundleDir("provisioning-hook")).toBe(join(root, "dist", "functions", "provisioning-hook"));
  });

  it("names the missing file and the fix for a bundle that is not there", () => {
    expect(() => shippedBundleDir("no-such-function")).toThrow(
      `shippedBundleDir("no-such-function"): ${join(root, "dist", "functions", "no-such-function", "index.js")} is missing. In the platform repository run \`npm run build\``,
    );
    expect(() => shippedBundleDir("../secrets")).toThrow(/is not a function name/);
  });
});
