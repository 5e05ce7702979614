import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { compileReadmeExamples, readmeExamples } from "../tools/api-surface/examples";

const root = join(__dirname, "..");
const modulesDir = join(root, "modules");
const readmes = readdirSync(modulesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join(modulesDir, d.name, "README.md"));
const examples = readmes.flatMap((path) => readmeExamples(path, readFileSync(path, "utf8")));

describe("module README examples", () => {
  it.each(readmes.map((p) => [p.slice(modulesDir.length + 1)]))("%s shows its usage as a ts block", (path) => {
    const readme = readFileSync(join(modulesDir, path), "utf8");
    const usage = readme.slice(readme.indexOf("\n## Usage\n")).split(/\n## (?!Usage)/)[0];
    expect(readmeExamples(path, usage).length).toBeGreaterThan(0);
  });

  it("every ts block of every module README type-checks against the modules", () => {
    expect(compileReadmeExamples(root, examples)).toEqual([]);
  });

  it("reports a broken example at its README line (the check is not vacuous)", () => {
    const broken = readmeExamples(join(modulesDir, "observability", "README.md"), [
      "Text.",
      "```ts",
      'import { Observability } from "../modules/observability";',
      "const name: string = history.tableName;",
      "new Observability(this, \"o\", { namePrefix: 1 });",
      "```",
    ].join("\n"));
    const problems = compileReadmeExamples(root, broken);
    expect(problems).toEqual([
      expect.stringMatching(/^modules\/observability\/README\.md:4: TS2339: Property 'tableName' does not exist on type 'HistoryStore'/),
      expect.stringMatching(/^modules\/observability\/README\.md:5: TS2322: /),
    ]);
  });
});
