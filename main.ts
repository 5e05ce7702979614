/**
 * cdktf entry point: builds the app and synthesizes it. Nothing else.
 * IOT_STATE=local synthesizes every stack with local state (experiments only).
 */
import { App } from "cdktf";
import { environments } from "./environments";
import { buildApp } from "./stacks/app";

const stateMode = process.env.IOT_STATE === "local" ? "local" : "s3";
const app = new App();
buildApp(app, { environments, stateMode });
app.synth();
