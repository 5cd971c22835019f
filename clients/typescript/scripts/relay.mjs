// The relay protocol's messages as TypeScript: one exported type per JSON Schema in contracts/relay/schemas,
// and a union per direction, for plugin authors. Usage: node scripts/relay.mjs <schema dir> <output file>.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { compile } from "json-schema-to-typescript";

const [schemaDir, output] = process.argv.slice(2);
if (!schemaDir || !output) {
  console.error("usage: node scripts/relay.mjs <schema dir> <output file>");
  process.exit(2);
}

// "v1.job.deliver.json" -> "JobDeliver": the message name in PascalCase, without the protocol version.
function typeName(file) {
  const [, ...parts] = file.replace(/\.json$/, "").split(".");
  return parts
    .flatMap((part) => part.split("_"))
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

const files = (await readdir(schemaDir)).filter((f) => f.endsWith(".json")).sort();
if (files.length === 0) {
  console.error(`no JSON Schema in ${schemaDir}`);
  process.exit(1);
}
const chunks = ["// Generated from contracts/relay/schemas by scripts/relay.mjs: do not edit.\n"];
const names = [];
for (const file of files) {
  const schema = JSON.parse(await readFile(join(schemaDir, file), "utf8"));
  const name = typeName(file);
  names.push(name);
  schema.title = name;
  const code = await compile(schema, name, { bannerComment: "", additionalProperties: false, format: false });
  // A namespace per message: two schemas may name different helper types alike (each its own "Code").
  chunks.push(`export namespace ${name} {\n${code}}\nexport type ${name} = ${name}.${name};\n`);
}
chunks.push(`export type RelayMessage = ${names.join(" | ")};\n`);
await mkdir(dirname(output), { recursive: true });
await writeFile(output, chunks.join("\n"));
console.log(`wrote ${output}: ${names.length} messages`);
