/**
 * The shadow API's ShadowPort on the local Device Shadow emulator, in process: what the API
 * handler's tests, the conflict property test and the demo run it against. Rejections become the
 * same failure kinds the SDK port reports for AWS (functions/shadow-api/aws-ports.ts).
 */
import type { DesiredUpdate, ShadowDocument, ShadowFailureKind, ShadowPort, UpdateAccepted } from "../../functions/shadow-api/ports";
import { ShadowPortError } from "../../functions/shadow-api/ports";
import type { ShadowResult, ShadowService } from "../shadow-emulator";

const KIND_BY_CODE: Readonly<Record<number, ShadowFailureKind>> = { 400: "invalid", 404: "not-found", 409: "conflict", 413: "too-large" };

function unwrap<T>(result: ShadowResult<unknown>): T {
  if (result.accepted) return result.document as T;
  throw new ShadowPortError(KIND_BY_CODE[result.code] ?? "invalid", result.message);
}

export class EmulatorShadowPort implements ShadowPort {
  constructor(private readonly service: ShadowService) {}

  async get(thingName: string, shadowName: string | undefined): Promise<ShadowDocument> {
    return unwrap<ShadowDocument>(this.service.get(thingName, shadowName));
  }

  async updateDesired(thingName: string, shadowName: string | undefined, update: DesiredUpdate): Promise<UpdateAccepted> {
    return unwrap<UpdateAccepted>(this.service.update(thingName, shadowName, update));
  }
}
