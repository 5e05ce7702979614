/**
 * AWS SDK v3 (@aws-sdk/core, emitWarningIfUnsupportedVersion) emits a NodeVersionSupportWarning
 * from the first client it constructs on Node < 22. The platform's own tooling (demo, history,
 * bench, tests) runs on the machine's Node 20, where the warning buries the output and says
 * nothing actionable; the deployed functions run on nodejs22.x and never see it.
 *
 * We set the SDK's own switch, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true, rather than
 * filtering process warnings: it silences exactly that warning and nothing else, and child
 * processes inherit it. A value the caller set (e.g. "false" to see the warning) is kept.
 */
export const SDK_NODE_WARNING_SWITCH = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

export function silenceSdkNodeVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  env[SDK_NODE_WARNING_SWITCH] ??= "true";
}
