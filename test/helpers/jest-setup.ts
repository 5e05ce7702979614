/**
 * Runs in every jest worker before the test files (jest.config.js setupFiles). The tests run on
 * Node 20; the AWS SDK's NodeVersionSupportWarning would print in every suite that makes a client
 * (tools/cli/sdk-node-warning.ts says why it is silenced and how). Child processes inherit it.
 */
import { silenceSdkNodeVersionWarning } from "../../tools/cli/sdk-node-warning";

silenceSdkNodeVersionWarning();
