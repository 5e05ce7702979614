/** Tags every resource carries (through the provider's default_tags). */
export interface PlatformTagProps {
  readonly environment: string;
  readonly productLine: string;
  readonly extra?: Readonly<Record<string, string>>;
}

const PROJECT_TAG_VALUE = "iot-shadow-platform";

export function platformTags(props: PlatformTagProps): Record<string, string> {
  return {
    ...props.extra,
    project: PROJECT_TAG_VALUE,
    environment: props.environment,
    "product-line": props.productLine,
    "managed-by": "cdktf",
  };
}
