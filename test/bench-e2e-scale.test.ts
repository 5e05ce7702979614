/** bench/e2e-scale.ts: its knobs and how a re-plan that is not empty shows in BENCHMARKS.md (the apply itself needs the engine; `npm run bench` runs it). */
import { E2eScaleResult, e2eScaleSection, e2eScaleSettings } from "../bench/e2e-scale";

const timing = (stack: string, resources: number, replanSeconds: number, changes: string[] = []) => ({ stack, resources, applySeconds: 2 * replanSeconds, replanSeconds, changes });

describe("e2e scale bench", () => {
  it("defaults to 10, 100 and 1,000 devices and 4 shards; 0 shards skips the sharded run", () => {
    expect(e2eScaleSettings({})).toEqual({ devices: [10, 100, 1000], shards: 4 });
    expect(e2eScaleSettings({ BENCH_E2E_DEVICES: "20", BENCH_E2E_SHARDS: "0" })).toEqual({ devices: [20], shards: undefined });
  });

  it("names the knob and the fix for bad settings", () => {
    expect(() => e2eScaleSettings({ BENCH_E2E_DEVICES: "10,ten" })).toThrow(/BENCH_E2E_DEVICES must be positive whole numbers.*"10,ten"/);
    expect(() => e2eScaleSettings({ BENCH_E2E_SHARDS: "-1" })).toThrow(/BENCH_E2E_SHARDS must be a whole number \(0 skips the sharded run\)/);
  });

  it("reports ratios to the smallest fleet and per shard to the unsharded fleet of the same size, and marks a stack that did not converge", () => {
    const result: E2eScaleResult = {
      rows: [
        { devices: 10, ...timing("iot-dev-platform", 100, 10) },
        { devices: 1000, ...timing("iot-dev-platform", 5000, 40) },
      ],
      sharded: {
        devices: 1000,
        shards: 2,
        platform: timing("iot-dev-platform", 50, 8),
        perShard: [
          { devices: 500, ...timing("iot-dev-devices-0", 2500, 20) },
          { devices: 500, ...timing("iot-dev-devices-1", 2500, 10, ["update aws_iot_thing.x (attributes)"]) },
        ],
      },
    };
    const text = e2eScaleSection(result);
    expect(text).toMatch(/\| 1000 \| 5000 \| 80\.0 s \| 4\.00× \| 40\.0 s \| 4\.00× \| 8\.0 ms \| yes \|/);
    expect(text).toMatch(/\| iot-dev-devices-0 \| 500 \| 2500 \| 40\.0 s \| 20\.0 s \| 0\.50× \|/);
    expect(text).toMatch(/iot-dev-devices-1 .*\*\*no\*\*: update aws_iot_thing\.x \(attributes\)/);
    expect(text).toMatch(/slowest 20\.0 s \(0\.50× of the unsharded re-plan\); all shards one after another 30\.0 s \(0\.75×\)/);
  });

  it("says so when skipped", () => {
    expect(e2eScaleSection({ skipped: "BENCH_SKIP_E2E=1" })).toMatch(/Skipped: BENCH_SKIP_E2E=1\./);
  });
});
